//! Operators and their shifts, as stored. PIN hashing and the lockout policy
//! live in facepay-core: the journal keeps hashes and counters, never a PIN.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::JournalError;
use crate::clock::Stamp;
use crate::kinds::Role;

/// A stored operator, with what sign-in needs.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub pin_hash: String,
    pub failed_pins: u32,
    pub locked_until: Option<String>,
    pub active: bool,
}

impl std::fmt::Debug for OperatorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash is not a secret in the PIN sense, but it never needs printing.
        f.debug_struct("OperatorRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// What 操作员管理 lists: no hash.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// Set while wrong PINs keep the operator out.
    pub locked_until: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

pub fn count(conn: &Connection) -> Result<u64, JournalError> {
    Ok(conn.query_row("SELECT count(*) FROM operators", [], |r| r.get(0))?)
}

/// Active administrators other than `except`: the last one may not be demoted or disabled.
pub fn other_active_admins(conn: &Connection, except: &str) -> Result<u64, JournalError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM operators WHERE role = 'admin' AND active = 1 AND id <> ?1",
        [except],
        |r| r.get(0),
    )?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<OperatorRecord>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT id, name, role, pin_hash, failed_pins, locked_until, active
             FROM operators WHERE id = ?1",
            [id],
            |r| {
                Ok(OperatorRecord {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get(2)?,
                    pin_hash: r.get(3)?,
                    failed_pins: r.get(4)?,
                    locked_until: r.get(5)?,
                    active: r.get(6)?,
                })
            },
        )
        .optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<OperatorInfo>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, role, active, locked_until, created_at, created_by
         FROM operators ORDER BY active DESC, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OperatorInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            active: r.get(3)?,
            locked_until: r.get(4)?,
            created_at: r.get(5)?,
            created_by: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Debug)]
pub struct NewOperator<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub pin_hash: &'a str,
}

pub fn insert(
    tx: &Connection,
    op: &NewOperator<'_>,
    created_by: &str,
    now: &Stamp,
) -> Result<(), JournalError> {
    let inserted = tx.execute(
        "INSERT INTO operators (id, name, role, pin_hash, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        params![op.id, op.name, op.role, op.pin_hash, now, created_by],
    );
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if crate::error::violated_index(&e).is_some() => {
            // A form field to correct, not a request sent twice.
            Err(JournalError::Invalid {
                field: "id",
                message: format!(
                    "工号 {} 已存在：请换一个工号，或在列表中修改这位操作员",
                    op.id
                ),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// What checking a PIN may go on with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Locked until then: nothing is checked.
    Locked(String),
    /// Counted as wrong before it is checked (a right PIN clears it):
    /// `left` tries remain, 0 when this one locked the 工号.
    Counted { left: u32 },
}

/// Count an attempt for `id` before its PIN is checked, in the caller's
/// write transaction: however many attempts arrive at once, at most `limit`
/// are ever let through to the check before the lock. At `limit` the 工号 is
/// locked until `lock_until` and the count starts again. A 工号 no active
/// operator has is counted alike in a table of its own, with the same
/// writes, so its answer and its time are an existing one's.
pub fn count_attempt(
    tx: &Connection,
    id: &str,
    limit: u32,
    lock_until: &Stamp,
    now: &Stamp,
) -> Result<Attempt, JournalError> {
    let day_ago = crate::clock::stamp(now.at() - chrono::Duration::days(1));
    tx.execute(
        "DELETE FROM unknown_sign_ins WHERE updated_at < ?1",
        [&day_ago],
    )?;
    let known: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM operators WHERE id = ?1 AND active = 1)",
        [id],
        |r| r.get(0),
    )?;
    let table = if known {
        "operators"
    } else {
        tx.execute(
            "INSERT INTO unknown_sign_ins (id, updated_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
            params![id, now],
        )?;
        "unknown_sign_ins"
    };
    let (failed, locked_until): (u32, Option<String>) = tx.query_row(
        &format!("SELECT failed_pins, locked_until FROM {table} WHERE id = ?1"),
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some(until) = locked_until.filter(|u| u.as_str() > now.as_str()) {
        return Ok(Attempt::Locked(until));
    }
    let failed = failed + 1;
    let (failed, locked) = if failed >= limit {
        (0, Some(lock_until))
    } else {
        (failed, None)
    };
    tx.execute(
        &format!(
            "UPDATE {table} SET failed_pins = ?2, locked_until = ?3, updated_at = ?4 WHERE id = ?1"
        ),
        params![id, failed, locked, now],
    )?;
    Ok(Attempt::Counted {
        left: if locked.is_some() { 0 } else { limit - failed },
    })
}

/// A right PIN: wrong ones before it no longer count.
pub fn clear_wrong_pins(tx: &Connection, id: &str, now: &Stamp) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE operators SET failed_pins = 0, locked_until = NULL, updated_at = ?2
         WHERE id = ?1 AND (failed_pins <> 0 OR locked_until IS NOT NULL)",
        params![id, now],
    )?;
    Ok(())
}

/// What an administrator may change; `None` leaves a column as it is.
#[derive(Debug, Default)]
pub struct OperatorChange<'a> {
    pub name: Option<&'a str>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// A new PIN also lifts a lockout.
    pub pin_hash: Option<&'a str>,
}

pub fn update(
    tx: &Connection,
    id: &str,
    change: &OperatorChange<'_>,
    now: &Stamp,
) -> Result<(), JournalError> {
    let n = tx.execute(
        "UPDATE operators SET
            name = coalesce(?2, name),
            role = coalesce(?3, role),
            active = coalesce(?4, active),
            pin_hash = coalesce(?5, pin_hash),
            failed_pins = CASE WHEN ?5 IS NULL THEN failed_pins ELSE 0 END,
            locked_until = CASE WHEN ?5 IS NULL THEN locked_until ELSE NULL END,
            updated_at = ?6
         WHERE id = ?1",
        params![
            id,
            change.name,
            change.role,
            change.active,
            change.pin_hash,
            now
        ],
    )?;
    if n == 0 {
        return Err(JournalError::NotFound(format!("没有工号 {id}")));
    }
    Ok(())
}

/// How a shift ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftEnd {
    /// 交班: the operator signed out.
    Handover,
    /// Another operator signed in at this counter.
    Replaced,
    /// The program holding it stopped.
    Closed,
}

impl ShiftEnd {
    fn as_str(self) -> &'static str {
        match self {
            ShiftEnd::Handover => "handover",
            ShiftEnd::Replaced => "replaced",
            ShiftEnd::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub id: i64,
    pub operator_id: String,
    pub started_at: String,
    pub ended_at: Option<String>,
}

/// Start a shift; any shift still open on this journal ends as replaced
/// (one counter, one seat).
pub fn start_shift(
    tx: &Connection,
    operator_id: &str,
    session_id: &str,
    now: &Stamp,
) -> Result<i64, JournalError> {
    tx.execute(
        "UPDATE shifts SET ended_at = ?1, ended_how = 'replaced' WHERE ended_at IS NULL",
        [now],
    )?;
    tx.execute(
        "INSERT INTO shifts (operator_id, session_id, started_at) VALUES (?1, ?2, ?3)",
        params![operator_id, session_id, now],
    )?;
    Ok(tx.last_insert_rowid())
}

/// End a shift (once: a second end keeps the first).
pub fn end_shift(
    tx: &Connection,
    shift_id: i64,
    how: ShiftEnd,
    now: &Stamp,
) -> Result<Shift, JournalError> {
    tx.execute(
        "UPDATE shifts SET ended_at = ?2, ended_how = ?3 WHERE id = ?1 AND ended_at IS NULL",
        params![shift_id, now, how.as_str()],
    )?;
    shift(tx, shift_id)?.ok_or_else(|| JournalError::NotFound(format!("没有班次 {shift_id}")))
}

pub fn shift(conn: &Connection, shift_id: i64) -> Result<Option<Shift>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT id, operator_id, started_at, ended_at FROM shifts WHERE id = ?1",
            [shift_id],
            |r| {
                Ok(Shift {
                    id: r.get(0)?,
                    operator_id: r.get(1)?,
                    started_at: r.get(2)?,
                    ended_at: r.get(3)?,
                })
            },
        )
        .optional()?)
}
