//! outBizNo: `{orgId}-{counterId}-{yyyyMMdd}-{seq}`.
//!
//! The sequence is per counter and never resets: the date is for people, the
//! sequence is what makes the number unique — across restarts (it is
//! persisted in the same transaction as the call that uses it), clock changes
//! (it does not depend on the clock) and counters (the counter id is in it).
//! The calls table enforces uniqueness again with a UNIQUE index.

use rusqlite::Connection;

use nhsa_terminal::protocol::OutBizNo;

use crate::JournalError;

/// Digits the sequence is padded to; it grows past them rather than wrap.
pub const SEQ_DIGITS: usize = 8;

/// The longest `{orgId}-{counterId}` prefix that leaves room for the date and
/// a full-width sequence within outBizNo's 64 characters.
pub const MAX_PREFIX_CHARS: usize = OutBizNo::MAX_CHARS - 1 - 8 - 1 - SEQ_DIGITS;

/// Take the next value of `scope`, inside the caller's transaction.
pub fn next_value(tx: &Connection, scope: &str) -> Result<u64, JournalError> {
    tx.execute(
        "INSERT INTO sequences (scope, next_value) VALUES (?1, 1) ON CONFLICT (scope) DO NOTHING",
        [scope],
    )?;
    let value: i64 = tx.query_row(
        "UPDATE sequences SET next_value = next_value + 1 WHERE scope = ?1 RETURNING next_value - 1",
        [scope],
        |r| r.get(0),
    )?;
    Ok(value.unsigned_abs())
}

/// Allocate a fresh outBizNo for `org_id`'s counter `counter_id` on `day` (`YYYY-MM-DD`).
pub fn next_out_biz_no(
    tx: &Connection,
    org_id: &str,
    counter_id: &str,
    day: &str,
) -> Result<OutBizNo, JournalError> {
    let prefix = format!("{org_id}-{counter_id}");
    let seq = next_value(tx, &prefix)?;
    let date: String = day.chars().filter(char::is_ascii_digit).collect();
    OutBizNo::new(format!("{prefix}-{date}-{seq:0width$}", width = SEQ_DIGITS)).map_err(|e| {
        JournalError::Invalid {
            field: "outBizNo",
            message: e.to_string(),
        }
    })
}
