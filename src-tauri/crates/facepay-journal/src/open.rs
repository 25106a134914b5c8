//! Opening the file: pragmas for durability, integrity, migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::JournalError;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_self_pay_and_refunds.sql"),
];

/// The schema version this build writes (SQLite `user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn connect(path: &Path) -> Result<Connection, JournalError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // A page that fails to read is corruption, not an empty database.
    integrity(&conn, "quick_check", path)?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(JournalError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    // WAL + FULL: a commit is on disk when it returns, and readers do not
    // block the writer.
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "journal is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
    // All pending migrations in one transaction: a failure leaves the old schema.
    migrations
        .to_latest(&mut conn)
        .map_err(|e| JournalError::Migration(e.to_string()))?;
    Ok(conn)
}

/// A connection that can only read. On a read-only disk, where SQLite cannot
/// create the WAL index beside the file, the file is read as immutable (what
/// was checkpointed, which after a clean exit is everything).
pub(crate) fn reader(path: &Path) -> Result<Connection, JournalError> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let usable = |conn: Connection| -> rusqlite::Result<Connection> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "query_only", "ON")?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(conn)
    };
    if !path.exists() {
        return Err(JournalError::NotFound(format!(
            "没有记录库文件 {}",
            path.display()
        )));
    }
    match Connection::open_with_flags(path, flags).and_then(usable) {
        Ok(conn) => Ok(conn),
        Err(_) => {
            let escaped = path
                .display()
                .to_string()
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23");
            let uri = format!("file:{escaped}?immutable=1");
            Ok(
                Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .and_then(usable)?,
            )
        }
    }
}

pub(crate) fn integrity(conn: &Connection, pragma: &str, path: &Path) -> Result<(), JournalError> {
    let corrupt = |detail: String| JournalError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let mut stmt = conn
        .prepare(&format!("PRAGMA {pragma}"))
        .map_err(|e| corrupt(e.to_string()))?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| corrupt(e.to_string()))?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        Err(corrupt(lines.join("; ")))
    }
}
