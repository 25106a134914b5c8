//! The append-only log of operator actions (triggers refuse edits and deletes).

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::JournalError;
use crate::cached::Cached;
use crate::clock::Stamp;
use crate::kinds::AuditAction;

pub fn append(
    tx: &Connection,
    at: &Stamp,
    operator_id: &str,
    action: AuditAction,
    subject: Option<&str>,
    detail: Option<&str>,
) -> Result<i64, JournalError> {
    let (operator_id, subject, detail) = (kept(operator_id), subject.map(kept), detail.map(kept));
    tx.exec(
        "INSERT INTO audit (at, operator_id, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, operator_id, action.as_str(), subject, detail],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Whether `operator_id` already has an entry on `subject` saying `detail`
/// (as kept): for what is noticed again and again but said once.
pub fn exists(
    conn: &Connection,
    operator_id: &str,
    subject: &str,
    detail: &str,
) -> Result<bool, JournalError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit WHERE operator_id = ?1 AND subject = ?2 AND detail = ?3)",
        params![kept(operator_id), kept(subject), kept(detail)],
        |r| r.get(0),
    )?)
}

/// Text as the audit log keeps it: it is never purged, and much of it comes
/// from outside (a User-Agent, a reason typed in, a refused caller's
/// header): ID numbers and tokens masked, control and invisible formatting
/// characters (a U+202E that reverses what follows on screen) dropped,
/// bounded.
fn kept(text: &str) -> String {
    nhsa_protocol::mask::scrub_text(text)
        .chars()
        .filter(|c| !c.is_control() && !nhsa_protocol::text::invisible(*c))
        .take(500)
        .collect()
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub operator_id: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// A row of `SELECT id, at, operator_id, action, subject, detail`.
fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        operator_id: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        detail: r.get(5)?,
    })
}

/// The newest entries first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, operator_id, action, subject, detail FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// 审计 tab's filters; every one optional. Dates are YYYY-MM-DD, inclusive.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub operator_id: Option<String>,
    /// An exact action, e.g. `sign_in_failed`.
    pub action: Option<String>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u32>,
}

/// Entries matching `filter`, newest first.
pub fn search(conn: &Connection, filter: &AuditFilter) -> Result<Vec<AuditEntry>, JournalError> {
    for (field, day) in [("from", &filter.from), ("to", &filter.to)] {
        if let Some(day) = day {
            crate::clock::business_day(field, day)?;
        }
    }
    let limit = filter.limit.unwrap_or(100).clamp(1, 500);
    // `to` is a whole day: everything before the next day's first instant.
    let to = filter.to.as_ref().map(|d| format!("{d}~"));
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, operator_id, action, subject, detail FROM audit
         WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
           AND (?3 IS NULL OR operator_id = ?3) AND (?4 IS NULL OR action = ?4)
           AND (?5 IS NULL OR id < ?5)
         ORDER BY id DESC LIMIT ?6",
    )?;
    let rows = stmt.query_map(
        params![
            filter.from,
            to,
            filter.operator_id.as_deref().filter(|v| !v.is_empty()),
            filter.action.as_deref().filter(|v| !v.is_empty()),
            filter.before_id,
            limit
        ],
        entry,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
