//! Rewriting the whole file under a key: a plaintext journal of an older
//! version encrypted in place, and `facepay rekey`. Both write a complete
//! copy beside the journal, flush it, and rename it over the journal — a kill
//! at any moment leaves either the old file or the new one, both usable.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::{JournalError, JournalKey};

/// The first bytes of every unencrypted SQLite file.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether the file at `path` is an unencrypted SQLite database.
pub fn is_plaintext(path: &Path) -> Result<bool, JournalError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    match File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
        Ok(mut f) => Ok(f.read_exact(&mut head).is_ok() && &head == PLAINTEXT_HEADER),
    }
}

/// Everything in the WAL moved into the file, so the copy is complete. A
/// reader or writer elsewhere keeps it from completing: then nothing is done.
fn checkpoint(conn: &Connection) -> Result<(), JournalError> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(JournalError::Busy(
            "记录库正被其他程序使用：请先关闭收银台和其他 facepay 进程".into(),
        ));
    }
    Ok(())
}

/// Copy the open database `conn` into `target` under `key`, with its schema
/// version, and flush it.
fn export(conn: &Connection, target: &Path, key: &JournalKey) -> Result<(), JournalError> {
    let _ = std::fs::remove_file(target);
    // Created empty and this user's only before SQLite writes into it: the
    // copy then has the journal's mode from its first page on (SQLite would
    // create it with the process's default, 0644).
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(target)?);
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    conn.execute(
        "ATTACH DATABASE ?1 AS rewritten KEY ?2",
        rusqlite::params![
            target.display().to_string(),
            format!("x'{}'", key.to_hex().as_str())
        ],
    )?;
    let exported = conn
        .query_row("SELECT sqlcipher_export('rewritten')", [], |_| Ok(()))
        .and_then(|()| conn.execute_batch(&format!("PRAGMA rewritten.user_version = {version};")));
    conn.execute_batch("DETACH DATABASE rewritten")?;
    exported?;
    File::open(target)?.sync_all()?;
    Ok(())
}

/// Put `copy` in the place of `path`: the old WAL and index go with the old file.
fn replace(copy: &Path, path: &Path) -> Result<(), JournalError> {
    std::fs::rename(copy, path)?;
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(path, stale));
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// A journal written by a version before encryption becomes an encrypted
/// one, in place, on first open. Nothing happens to a file that is not
/// plaintext. (Processes that open it hold it shared; they take turns here.)
pub(crate) fn encrypt_if_plaintext(path: &Path, key: &JournalKey) -> Result<(), JournalError> {
    if !is_plaintext(path)? {
        return Ok(());
    }
    let _turn = crate::KeyChange::lock(path)?;
    // Another process may have done it while this one waited.
    if !is_plaintext(path)? {
        return Ok(());
    }
    let copy = sibling(path, ".encrypting");
    {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        checkpoint(&conn)?;
        export(&conn, &copy, key)?;
    }
    if std::env::var_os("FACEPAY_TEST_PAUSE_BEFORE_REPLACE").is_some() {
        // Lets a test kill the process at the worst moment: the copy written,
        // the plaintext still in place.
        std::thread::sleep(Duration::from_secs(30));
    }
    replace(&copy, path)?;
    tracing::warn!(path = %path.display(), "plaintext journal encrypted in place");
    Ok(())
}

/// Re-encrypt the journal under `new`, under the rewrite lock (nobody has
/// the file open). The caller keeps `new` safe before calling: a kill after
/// the rename leaves the file under `new` only.
pub fn rekey(
    _held: &crate::RewriteLock,
    path: &Path,
    old: &JournalKey,
    new: &JournalKey,
) -> Result<(), JournalError> {
    crate::crypto::keep_through_exit();
    let copy = sibling(path, ".rekeying");
    {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        crate::open::apply_key(&conn, old, path)?;
        checkpoint(&conn)?;
        export(&conn, &copy, new)?;
    }
    replace(&copy, path)?;
    tracing::warn!(path = %path.display(), "journal re-encrypted under a new key");
    Ok(())
}

/// Whether `key` opens the journal at `path` (a rotation's leftovers are
/// settled by trying).
pub fn key_opens(path: &Path, key: &JournalKey) -> Result<bool, JournalError> {
    crate::crypto::keep_through_exit();
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    match crate::open::apply_key(&conn, key, path) {
        Ok(()) => Ok(true),
        Err(JournalError::WrongKey(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// An unencrypted copy of the journal at `out` (for support and tests that
/// must prove the encrypted file hides what the plaintext shows).
pub fn decrypt_copy(path: &Path, key: &JournalKey, out: &Path) -> Result<(), JournalError> {
    crate::crypto::keep_through_exit();
    let conn = Connection::open(path)?;
    crate::open::apply_key(&conn, key, path)?;
    let _ = std::fs::remove_file(out);
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [out.display().to_string()],
    )?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let exported = conn
        .query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .and_then(|()| conn.execute_batch(&format!("PRAGMA plain.user_version = {version};")));
    conn.execute_batch("DETACH DATABASE plain")?;
    Ok(exported?)
}
