//! Key/value settings the panel edits (the TOML file holds the installation's).

use rusqlite::{Connection, OptionalExtension, params};

use crate::JournalError;

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, JournalError> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set(tx: &Connection, key: &str, value: &str) -> Result<(), JournalError> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
