//! Idempotency keys of the HIS bridge's POSTs: a HIS that retries after a
//! timeout or a restart gets the first answer again, never a second terminal
//! call. Kept in the journal so they outlive the process.

use rusqlite::{Connection, OptionalExtension, params};

use crate::JournalError;
use crate::clock::Stamp;

/// What a key says about a request arriving under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// First time: the caller answers it, then [`finish`]es the key.
    Fresh,
    /// Answered before with the same request: send this again.
    Replay { status: u16, response: String },
    /// The key was used for another endpoint or body.
    Conflict,
    /// The first request under this key is not answered yet: it runs in
    /// the process `session_id` (or did, if that process died), since
    /// `since`, for the visit `out_biz_no` once one is started.
    InProgress {
        since: String,
        session_id: Option<String>,
        out_biz_no: Option<String>,
        /// The settlement it recorded, once it has.
        settlement_id: Option<crate::SettlementId>,
    },
}

/// Claim `key` for a request (`endpoint` + `request_hash`), in the caller's
/// write transaction.
pub fn begin(
    tx: &Connection,
    key: &str,
    endpoint: &str,
    request_hash: &str,
    session_id: &str,
    now: &Stamp,
) -> Result<Begun, JournalError> {
    struct Row {
        endpoint: String,
        hash: String,
        status: Option<u16>,
        response: Option<String>,
        since: String,
        session_id: Option<String>,
        out_biz_no: Option<String>,
        settlement_id: Option<crate::SettlementId>,
    }
    let found: Option<Row> = tx
        .query_row(
            "SELECT endpoint, request_hash, status, response, created_at, session_id, out_biz_no,
                    settlement_id
             FROM idempotency_keys WHERE key = ?1",
            [key],
            |r| {
                Ok(Row {
                    endpoint: r.get(0)?,
                    hash: r.get(1)?,
                    status: r.get(2)?,
                    response: r.get(3)?,
                    since: r.get(4)?,
                    session_id: r.get(5)?,
                    out_biz_no: r.get(6)?,
                    settlement_id: r.get(7)?,
                })
            },
        )
        .optional()?;
    Ok(match found {
        None => {
            tx.execute(
                "INSERT INTO idempotency_keys (key, endpoint, request_hash, created_at, session_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, endpoint, request_hash, now, session_id],
            )?;
            Begun::Fresh
        }
        Some(row) if row.endpoint != endpoint || row.hash != request_hash => Begun::Conflict,
        Some(Row {
            status: Some(status),
            response: Some(response),
            ..
        }) => Begun::Replay { status, response },
        Some(row) => Begun::InProgress {
            since: row.since,
            session_id: row.session_id,
            out_biz_no: row.out_biz_no,
            settlement_id: row.settlement_id,
        },
    })
}

/// The settlement a claimed key's request recorded, in the same commit.
pub fn attach_settlement(
    tx: &Connection,
    key: &str,
    settlement_id: crate::SettlementId,
) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE idempotency_keys SET settlement_id = ?2 WHERE key = ?1",
        params![key, settlement_id],
    )?;
    Ok(())
}

/// The visit a claimed key's request started: a retry that finds the key
/// still in progress is told where to look.
pub fn attach(tx: &Connection, key: &str, out_biz_no: &str) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE idempotency_keys SET out_biz_no = ?2 WHERE key = ?1",
        params![key, out_biz_no],
    )?;
    Ok(())
}

/// Store the answer given under `key`.
pub fn finish(
    tx: &Connection,
    key: &str,
    status: u16,
    response: &str,
    now: &Stamp,
) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE idempotency_keys SET status = ?2, response = ?3, finished_at = ?4 WHERE key = ?1",
        params![key, status, response, now],
    )?;
    Ok(())
}

/// Release a key whose request was refused before anything happened (bad
/// input): the HIS may correct the body and use the key again.
pub fn abandon(tx: &Connection, key: &str) -> Result<(), JournalError> {
    tx.execute(
        "DELETE FROM idempotency_keys WHERE key = ?1 AND status IS NULL",
        [key],
    )?;
    Ok(())
}

/// Forget keys created before `before` (a timestamp); how many.
pub fn purge(tx: &Connection, before: &Stamp) -> Result<usize, JournalError> {
    Ok(tx.execute(
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        [before],
    )?)
}
