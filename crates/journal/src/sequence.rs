//! outBizNo: `{orgId}-{counterId}-{yyyyMMddHHmmssSSS}-{XX}`.
//!
//! The middle part is a per-counter stamp in milliseconds, kept in the
//! journal and never issued twice: it is the wall clock, or one past the last
//! stamp when the clock is behind it (set back, or many numbers in one
//! millisecond). So a number cannot repeat across restarts and clock changes
//! (the journal remembers), nor with a fresh, lost or restored journal (the
//! clock has moved on since the numbers it does not remember). The two random
//! characters make even a fresh journal on a clock set back unlikely to
//! collide. The calls table enforces uniqueness again with a UNIQUE index.

use chrono::DateTime;
use rusqlite::{Connection, OptionalExtension, params};

use nhsa_protocol::OutBizNo;

use crate::CounterId;
use crate::JournalError;
use crate::cached::Cached;
use crate::clock::Stamp;

const STAMP_CHARS: usize = 17;
const SUFFIX_CHARS: usize = 2;
/// Unambiguous when read aloud or copied by hand: no I, O.
const SUFFIX_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The longest `{orgId}-{counterId}` prefix that leaves room for the stamp
/// and the suffix within outBizNo's 64 characters.
pub const MAX_PREFIX_CHARS: usize = OutBizNo::MAX_CHARS - 1 - STAMP_CHARS - 1 - SUFFIX_CHARS;

/// Take the next stamp of `scope` (milliseconds), inside the caller's
/// transaction: `wall`, or one past the last stamp if that is not behind it.
fn next_stamp(tx: &Connection, scope: &str, wall: i64) -> Result<i64, JournalError> {
    let last: Option<i64> = tx
        .row(
            "SELECT next_value FROM sequences WHERE scope = ?1",
            [scope],
            |r| r.get(0),
        )
        .optional()?;
    let stamp = match last {
        Some(last) if last >= wall => last + 1,
        _ => wall,
    };
    tx.exec(
        "INSERT INTO sequences (scope, next_value) VALUES (?1, ?2)
         ON CONFLICT (scope) DO UPDATE SET next_value = excluded.next_value",
        params![scope, stamp],
    )?;
    Ok(stamp)
}

/// The sequence behind one counter's outBizNo stamps.
fn scope(org_id: &str, counter_id: &CounterId) -> String {
    format!("stamp:{org_id}-{counter_id}")
}

/// Allocate a fresh outBizNo for `org_id`'s counter `counter_id`, at the
/// journal time `now` (`YYYY-MM-DD HH:MM:SS.fff`).
pub fn next_out_biz_no(
    tx: &Connection,
    org_id: &str,
    counter_id: &CounterId,
    now: &Stamp,
) -> Result<OutBizNo, JournalError> {
    let invalid = |message: String| JournalError::Invalid {
        field: "outBizNo",
        message,
    };
    let wall = now.at().and_utc().timestamp_millis();
    let prefix = format!("{org_id}-{counter_id}");
    let stamp = next_stamp(tx, &scope(org_id, counter_id), wall)?;
    let shown = DateTime::from_timestamp_millis(stamp)
        .ok_or_else(|| invalid(format!("时间戳 {stamp} 超出范围")))?
        .naive_utc()
        .format("%Y%m%d%H%M%S%3f");
    let suffix: String = (0..SUFFIX_CHARS)
        .map(|_| char::from(SUFFIX_ALPHABET[fastrand::usize(..SUFFIX_ALPHABET.len())]))
        .collect();
    OutBizNo::new(format!("{prefix}-{shown}-{suffix}")).map_err(|e| invalid(e.to_string()))
}

/// Never issue a stamp at or below `floor_ms` for `org_id`'s counter
/// `counter_id`: the numbers another journal of this counter issued (a
/// replaced PC whose clock ran ahead of this one's).
pub fn raise_floor(
    tx: &Connection,
    org_id: &str,
    counter_id: &CounterId,
    floor_ms: i64,
) -> Result<(), JournalError> {
    tx.exec(
        "INSERT INTO sequences (scope, next_value) VALUES (?1, ?2)
         ON CONFLICT (scope) DO UPDATE SET next_value = max(next_value, excluded.next_value)",
        params![scope(org_id, counter_id), floor_ms.max(1)],
    )?;
    Ok(())
}

/// The milliseconds of an outBizNo's stamp part (`yyyyMMddHHmmssSSS`).
pub fn stamp_millis(stamp: &str) -> Option<i64> {
    if stamp.len() != STAMP_CHARS || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let at = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S%3f").ok()?;
    Some(at.and_utc().timestamp_millis())
}
