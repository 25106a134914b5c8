//! The append-only log of operator actions (triggers refuse edits and deletes).

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::JournalError;

pub fn append(
    tx: &Connection,
    at: &str,
    operator_id: &str,
    action: &str,
    subject: Option<&str>,
    detail: Option<&str>,
) -> Result<i64, JournalError> {
    tx.execute(
        "INSERT INTO audit (at, operator_id, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, operator_id, action, subject, detail],
    )?;
    Ok(tx.last_insert_rowid())
}

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

/// The newest entries first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, operator_id, action, subject, detail FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            operator_id: r.get(2)?,
            action: r.get(3)?,
            subject: r.get(4)?,
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
