//! Visits: one patient at the counter, from face scan to identity.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use nhsa_protocol::Identity;
use nhsa_protocol::mask::{Kind, mask};

use crate::CounterId;
use crate::cached::Cached;
use crate::clock::Stamp;
use crate::{Credential, JournalError, Source, VisitId};

#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    pub out_biz_no: &'a str,
    pub counter_id: &'a CounterId,
    pub operator_id: &'a str,
    pub operator_name: &'a str,
    pub office_id: &'a str,
    pub office_name: &'a str,
    pub business_type: &'a str,
    pub source: Source,
    pub credential: Credential,
}

pub fn insert(tx: &Connection, v: &NewVisit<'_>, now: &Stamp) -> Result<VisitId, JournalError> {
    crate::restore::refuse_if_unfinished(tx)?;
    tx.exec(
        "INSERT INTO visits (out_biz_no, counter_id, operator_id, operator_name, office_id,
                             office_name, business_type, created_at, source, credential)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            v.out_biz_no,
            v.counter_id,
            v.operator_id,
            v.operator_name,
            v.office_id,
            v.office_name,
            v.business_type,
            now,
            v.source,
            v.credential
        ],
    )?;
    Ok(VisitId(tx.last_insert_rowid()))
}

pub fn set_auth_no(tx: &Connection, visit_id: VisitId, auth_no: &str) -> Result<(), JournalError> {
    tx.exec(
        "UPDATE visits SET auth_no = ?2 WHERE id = ?1",
        params![visit_id, auth_no],
    )?;
    Ok(())
}

pub fn set_identity(
    tx: &Connection,
    visit_id: VisitId,
    who: &Identity,
    now: &Stamp,
) -> Result<(), JournalError> {
    // Once a settlement was made for the visit its person is frozen, what
    // the terminal said of them included (gender, birthday, 参保地): a
    // fetch again only brings a fresh token for the HIS's 1101.
    let settled: bool = tx.row(
        "SELECT EXISTS (SELECT 1 FROM settlements WHERE visit_id = ?1) AND
                EXISTS (SELECT 1 FROM visits WHERE id = ?1 AND id_no IS NOT NULL)",
        [visit_id],
        |r| r.get(0),
    )?;
    if settled {
        tx.exec(
            "UPDATE visits SET ec_token = coalesce(?2, ec_token), identified_at = ?3 WHERE id = ?1",
            params![visit_id, who.ec_token.as_ref().map(|t| t.reveal()), now],
        )?;
        return Ok(());
    }
    let id_no = who.id_no.reveal();
    tx.exec(
        "UPDATE visits SET user_name = ?2, id_no = ?3, id_no_last4 = ?4, id_type = ?5, gender = ?6,
                birthday = ?7, insu_org = ?8, ec_token = ?9, ec_index_no = ?10, identified_at = ?11
         WHERE id = ?1",
        params![
            visit_id,
            who.user_name.reveal(),
            id_no,
            last4(id_no),
            who.id_type,
            who.gender,
            who.birthday,
            who.insu_org,
            who.ec_token.as_ref().map(|t| t.reveal()),
            who.ec_index_no,
            now
        ],
    )?;
    Ok(())
}

pub fn last4(id_no: &str) -> String {
    let chars: Vec<char> = id_no.chars().collect();
    chars[chars.len().saturating_sub(4)..]
        .iter()
        .collect::<String>()
        .to_uppercase()
}

/// A visit as shown: personal fields masked, no birth date (with 参保地 it
/// would give most of the 证件号 back).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    pub id: VisitId,
    pub out_biz_no: String,
    pub counter_id: String,
    pub operator_id: String,
    pub operator_name: String,
    pub office_id: String,
    pub office_name: String,
    pub business_type: String,
    pub auth_no: Option<String>,
    pub user_name: Option<String>,
    pub id_no: Option<String>,
    pub id_type: Option<String>,
    pub gender: Option<String>,
    pub insu_org: Option<String>,
    pub identified_at: Option<String>,
    pub created_at: String,
    pub source: Source,
    /// 凭证方式: 刷脸 or 医保码.
    pub credential: Credential,
}

const COLUMNS: &str = "id, out_biz_no, counter_id, operator_id, operator_name, office_id, office_name,
    business_type, auth_no, user_name, id_no, id_type, gender, insu_org, identified_at, created_at, source,
    credential";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Visit> {
    let name: Option<String> = r.get(9)?;
    let id_no: Option<String> = r.get(10)?;
    Ok(Visit {
        id: r.get(0)?,
        out_biz_no: r.get(1)?,
        counter_id: r.get(2)?,
        operator_id: r.get(3)?,
        operator_name: r.get(4)?,
        office_id: r.get(5)?,
        office_name: r.get(6)?,
        business_type: r.get(7)?,
        auth_no: r.get(8)?,
        user_name: name.map(|n| mask(Kind::Name, &n)),
        id_no: id_no.map(|n| mask(Kind::IdNo, &n)),
        id_type: r.get(11)?,
        gender: r.get(12)?,
        insu_org: r.get(13)?,
        identified_at: r.get(14)?,
        created_at: r.get(15)?,
        source: r.get(16)?,
        credential: r.get(17)?,
    })
}

pub fn by_out_biz_no(conn: &Connection, out_biz_no: &str) -> Result<Option<Visit>, JournalError> {
    Ok(conn
        .row(
            &format!("SELECT {COLUMNS} FROM visits WHERE out_biz_no = ?1"),
            [out_biz_no],
            from_row,
        )
        .optional()?)
}

pub fn by_id(conn: &Connection, visit_id: VisitId) -> Result<Option<Visit>, JournalError> {
    Ok(conn
        .row(
            &format!("SELECT {COLUMNS} FROM visits WHERE id = ?1"),
            [visit_id],
            from_row,
        )
        .optional()?)
}

/// The unmasked name and ID number, for the audited 显示 action only.
pub fn reveal(
    conn: &Connection,
    visit_id: VisitId,
) -> Result<Option<(String, String)>, JournalError> {
    Ok(conn
        .row(
            "SELECT user_name, id_no FROM visits WHERE id = ?1 AND id_no IS NOT NULL",
            [visit_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The newest visit `source` started, if any (the panel follows the HIS's).
pub fn latest_from(conn: &Connection, source: Source) -> Result<Option<Visit>, JournalError> {
    Ok(conn
        .row(
            &format!(
                "SELECT {COLUMNS} FROM visits WHERE id = (SELECT max(id) FROM visits WHERE source = ?1)"
            ),
            [source],
            from_row,
        )
        .optional()?)
}

/// The insured person as the HIS needs them for 1101 / 2207: unmasked,
/// disclosed to the HIS only, each time with an audit row. Its `Debug` is
/// masked: a log line is not a disclosure.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "HisIdentity"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = HisIdentity))]
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disclosed {
    pub user_name: String,
    pub id_no: String,
    pub id_type: Option<String>,
    pub gender: Option<String>,
    pub birthday: Option<String>,
    pub insu_org: Option<String>,
    /// The 电子凭证 token 1101 may take (`mdtrt_cert_type=01`).
    pub ec_token: Option<String>,
}

impl Disclosed {
    /// As 历史 shows a person: name and 证件号 masked, gender; nothing that
    /// would narrow the 证件号 down (birthday, 参保地) and no token.
    pub fn masked(&self) -> Self {
        Self {
            user_name: mask(Kind::Name, &self.user_name),
            id_no: mask(Kind::IdNo, &self.id_no),
            id_type: self.id_type.clone(),
            gender: self.gender.clone(),
            birthday: None,
            insu_org: None,
            ec_token: None,
        }
    }
}

impl std::fmt::Debug for Disclosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Disclosed")
            .field("user_name", &mask(Kind::Name, &self.user_name))
            .field("id_no", &mask(Kind::IdNo, &self.id_no))
            .field("id_type", &self.id_type)
            .field("gender", &self.gender)
            .field("birthday", &self.birthday.as_ref().map(|_| "**"))
            .field("insu_org", &self.insu_org)
            .field(
                "ec_token",
                &self.ec_token.as_deref().map(|t| mask(Kind::Token, t)),
            )
            .finish()
    }
}

pub fn disclose(conn: &Connection, visit_id: VisitId) -> Result<Option<Disclosed>, JournalError> {
    Ok(conn
        .row(
            "SELECT user_name, id_no, id_type, gender, birthday, insu_org, ec_token
             FROM visits WHERE id = ?1 AND id_no IS NOT NULL",
            [visit_id],
            |r| {
                Ok(Disclosed {
                    user_name: r.get(0)?,
                    id_no: r.get(1)?,
                    id_type: r.get(2)?,
                    gender: r.get(3)?,
                    birthday: r.get(4)?,
                    insu_org: r.get(5)?,
                    ec_token: r.get(6)?,
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod disclosed_tests {
    use super::Disclosed;

    #[test]
    fn a_disclosed_identity_prints_masked() {
        let d = Disclosed {
            user_name: "梁晓燕".into(),
            id_no: "441702199003152347".into(),
            id_type: Some("01".into()),
            gender: Some("女".into()),
            birthday: Some("1990.03.15".into()),
            insu_org: Some("441702".into()),
            ec_token: Some("630000ec7ioqup8p1o0761820a0000f1f8b13d".into()),
        };
        let printed = format!("{d:?}");
        for secret in [
            "晓燕",
            "441702199003152347",
            "1990.03.15",
            "ec7ioqup8p1o0761820a0000f1f8",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(
            printed.contains("梁**") && printed.contains("234*"),
            "{printed}"
        );
    }
}
