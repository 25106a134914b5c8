//! Opening the file: pragmas for durability, integrity, migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::{JournalError, JournalKey};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_self_pay_and_refunds.sql"),
    include_str!("migrations/003_his_bridge.sql"),
    include_str!("migrations/004_less_kept.sql"),
    include_str!("migrations/005_operators.sql"),
    include_str!("migrations/006_credential.sql"),
    include_str!("migrations/007_one_settlement_per_setl_id.sql"),
    include_str!("migrations/008_idempotency_owner.sql"),
    include_str!("migrations/009_unknown_sign_ins.sql"),
    include_str!("migrations/010_setl_id_any_case.sql"),
    include_str!("migrations/011_idempotency_settlement.sql"),
    include_str!("migrations/012_settlements_by_visit.sql"),
    include_str!("migrations/013_setl_id_lookup_any_case.sql"),
    include_str!("migrations/014_replication.sql"),
    include_str!("migrations/015_operator_directory.sql"),
    include_str!("migrations/016_restore.sql"),
    include_str!("migrations/017_finance_role.sql"),
    include_str!("migrations/018_restore_begun.sql"),
];

/// The schema version this build writes (SQLite `user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn connect(path: &Path, key: &JournalKey) -> Result<Connection, JournalError> {
    crate::crypto::keep_through_exit();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // A file that cannot be written (a read-only disk or file) is said so
    // plainly: the caller then opens it for reading only.
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().append(true).open(path)
    {
        return Err(match e.kind() {
            std::io::ErrorKind::PermissionDenied => JournalError::ReadOnly(e.to_string()),
            _ => e.into(),
        });
    }
    crate::rewrite::encrypt_if_plaintext(path, key)?;
    // The key is proved on a connection that cannot write: closing a
    // read-write connection that holds the wrong key would checkpoint the
    // WAL through it.
    // A probe that cannot open at all (a read-only disk without the WAL
    // index) proves nothing: the read-write open below says what is wrong.
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
        && let Ok(probe) =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        && let Err(e @ JournalError::WrongKey(_)) = apply_key(&probe, key, path)
    {
        return Err(e);
    }
    let mut conn = Connection::open(path)?;
    user_only(path);
    conn.busy_timeout(Duration::from_secs(5))?;
    // Every statement of a visit stays prepared (crate::cached).
    conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    apply_key(&conn, key, path)?;
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
    let mode = wal_mode(&conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "journal is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // What is deleted or overwritten (a purged name) is zeroed on its page,
    // not left there for anyone with the key to read back.
    conn.pragma_update(None, "secure_delete", "ON")?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// The journal file is this user's alone (SQLite gives its WAL and index the
/// same mode). Encrypted or not, nobody else needs to read it.
fn user_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(path = %path.display(), "journal mode not set to 0600: {e}");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Switch to WAL. On a new file several processes starting together race to
/// do it, and SQLite answers the losers "locked" at once, without waiting:
/// they try again for a few seconds.
fn wal_mode(conn: &Connection) -> Result<String, JournalError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return Ok(other?),
        }
    }
}

/// All pending migrations in one IMMEDIATE transaction: a failure leaves the
/// old schema, and processes starting together on a new file (two windows,
/// the CLI and the panel) migrate it once — the version is read under the
/// write lock, not before it.
///
/// Foreign keys are off while migrating (a table with children can only be
/// rebuilt so, SQLite's own procedure) and checked before the commit.
fn migrate(conn: &mut Connection) -> Result<(), JournalError> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = migrate_within(conn);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}

fn migrate_within(conn: &mut Connection) -> Result<(), JournalError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let done = usize::try_from(found).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql)
            .map_err(|e| JournalError::Migration(format!("第 {} 步：{e}", i + 1)))?;
    }
    if done < MIGRATIONS.len() {
        let broken: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if broken > 0 {
            return Err(JournalError::Migration(format!(
                "迁移后有 {broken} 条记录的引用对不上，已撤销"
            )));
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tracing::info!(from = found, to = SCHEMA_VERSION, "journal migrated");
    }
    tx.commit()?;
    Ok(())
}

/// A connection that can only read. On a read-only disk, where SQLite cannot
/// create the WAL index beside the file, the file is read as immutable (what
/// was checkpointed, which after a clean exit is everything).
/// Statements a connection keeps prepared: more than a visit, the outbox and
/// the status bar run between them (rusqlite keeps 16 by default).
const STATEMENTS_KEPT: usize = 64;

pub(crate) fn reader(path: &Path, key: &JournalKey) -> Result<Connection, JournalError> {
    use rusqlite::OpenFlags;
    crate::crypto::keep_through_exit();
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let usable = |conn: Connection| -> rusqlite::Result<Connection> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(&format!("PRAGMA key = {};", key.pragma_value().as_str()))?;
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
        Ok(conn) => {
            conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
            Ok(conn)
        }
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
                    .and_then(usable)
                    .map_err(|e| match e.sqlite_error_code() {
                        Some(rusqlite::ErrorCode::NotADatabase) => {
                            JournalError::WrongKey(path.to_owned())
                        }
                        _ => e.into(),
                    })?,
            )
        }
    }
}

/// Give the connection its key, and prove it is the right one: SQLCipher
/// only finds out when it first reads a page.
pub(crate) fn apply_key(
    conn: &Connection,
    key: &JournalKey,
    path: &Path,
) -> Result<(), JournalError> {
    conn.execute_batch(&format!("PRAGMA key = {};", key.pragma_value().as_str()))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(JournalError::WrongKey(path.to_owned()))
        }
        Err(e) => Err(e.into()),
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
