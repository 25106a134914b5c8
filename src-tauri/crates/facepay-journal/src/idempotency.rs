//! Idempotency keys of the HIS bridge's POSTs: a HIS that retries after a
//! timeout or a restart gets the first answer again, never a second terminal
//! call. Kept in the journal so they outlive the process.

use rusqlite::{Connection, OptionalExtension, params};

use crate::JournalError;

/// What a key says about a request arriving under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// First time: the caller answers it, then [`finish`]es the key.
    Fresh,
    /// Answered before with the same request: send this again.
    Replay { status: u16, response: String },
    /// The key was used for another endpoint or body.
    Conflict,
    /// The first request under this key is still being answered (or its
    /// process died while answering it, `since` tells how long ago).
    InProgress { since: String },
}

/// Claim `key` for a request (`endpoint` + `request_hash`), in the caller's
/// write transaction.
pub fn begin(
    tx: &Connection,
    key: &str,
    endpoint: &str,
    request_hash: &str,
    now: &str,
) -> Result<Begun, JournalError> {
    type Row = (String, String, Option<u16>, Option<String>, String);
    let found: Option<Row> = tx
        .query_row(
            "SELECT endpoint, request_hash, status, response, created_at
             FROM idempotency_keys WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    Ok(match found {
        None => {
            tx.execute(
                "INSERT INTO idempotency_keys (key, endpoint, request_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![key, endpoint, request_hash, now],
            )?;
            Begun::Fresh
        }
        Some((e, h, _, _, _)) if e != endpoint || h != request_hash => Begun::Conflict,
        Some((_, _, Some(status), Some(response), _)) => Begun::Replay { status, response },
        Some((_, _, _, _, since)) => Begun::InProgress { since },
    })
}

/// Store the answer given under `key`.
pub fn finish(
    tx: &Connection,
    key: &str,
    status: u16,
    response: &str,
    now: &str,
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
pub fn purge(tx: &Connection, before: &str) -> Result<usize, JournalError> {
    Ok(tx.execute(
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        [before],
    )?)
}
