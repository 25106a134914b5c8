//! Less kept, for less time: the ecToken goes once the visit is settled or a
//! day has passed; names and 证件号 go when the retention period ends,
//! leaving their masked forms (and the 证件号's last 4) so history and 日结
//! still work.

use rusqlite::{Connection, params};

use nhsa_protocol::mask::{Kind, mask};

use crate::JournalError;
use crate::clock::Stamp;

/// Forget the ecTokens of visits that were settled, or identified before
/// `before`. How many.
pub fn drop_tokens(tx: &Connection, before: &Stamp) -> Result<usize, JournalError> {
    Ok(tx.execute(
        "UPDATE visits SET ec_token = NULL
         WHERE ec_token IS NOT NULL
           AND (identified_at < ?1 OR EXISTS (SELECT 1 FROM settlements s WHERE s.visit_id = visits.id))",
        [before],
    )?)
}

/// What stands in a call record for a copy the retention period removed.
pub const PURGED: &str = "（已按保留期清除）";

/// What a purge did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Purged {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub visits: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub settlements: usize,
}

/// Replace names and 证件号 of visits (and their settlements) created before
/// `before` by their masked forms; birth dates, tokens and index numbers go.
pub fn purge_identities(tx: &Connection, before: &Stamp) -> Result<Purged, JournalError> {
    let mut out = Purged::default();
    let mut stmt =
        tx.prepare("SELECT id, user_name FROM visits WHERE created_at < ?1 AND id_no IS NOT NULL")?;
    let old: Vec<(i64, Option<String>)> = stmt
        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, name) in old {
        let masked = name.map(|n| mask(Kind::Name, &n));
        tx.execute(
            "UPDATE visits SET user_name = ?2, id_no = NULL, birthday = NULL, ec_token = NULL,
                    ec_index_no = NULL WHERE id = ?1",
            params![id, masked],
        )?;
        // The calls' copies of what was sent and answered (masked, but with
        // whatever a terminal put in fields and messages of its own) go too.
        tx.execute(
            "UPDATE calls SET request_masked = ?2, reply_masked = NULL,
                    error_message = CASE WHEN error_message IS NULL THEN NULL ELSE ?2 END
             WHERE visit_id = ?1
                OR settlement_id IN (SELECT id FROM settlements WHERE visit_id = ?1)",
            params![id, PURGED],
        )?;
        out.visits += 1;
    }
    // Settlements keep a name for the 姓名 search: old ones keep its mask.
    let mut stmt = tx.prepare(
        "SELECT id, user_name FROM settlements
         WHERE created_at < ?1 AND user_name IS NOT NULL AND instr(user_name, '*') = 0",
    )?;
    let old: Vec<(i64, String)> = stmt
        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, name) in old {
        tx.execute(
            "UPDATE settlements SET user_name = ?2 WHERE id = ?1",
            params![id, mask(Kind::Name, &name)],
        )?;
        out.settlements += 1;
    }
    Ok(out)
}
