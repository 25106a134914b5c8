//! Who may rewrite the journal file, across processes. Every process that
//! has the journal open holds a shared lock on `<db>.rewrite.lock` for as
//! long as it does; a rewrite (`facepay rekey`) holds it exclusively, so it
//! runs only while nobody has the file open, and nobody opens it meanwhile.
//! The pending key of a rotation is therefore adopted or discarded only when
//! no rewrite can be under way, and one process at a time
//! (`<db>.keys.lock`). The OS drops a dead process's locks.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::JournalError;

/// How long an open waits for a key rotation to finish.
const REWRITE_WAIT: Duration = Duration::from_secs(60);

fn lock_file(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn create(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// A shared hold on the journal file: no rewrite while it lives.
#[derive(Debug)]
pub struct OpenGuard {
    /// `None` on a disk that cannot be written: nothing can rewrite it either.
    _file: Option<File>,
}

impl OpenGuard {
    /// Hold the journal at `db` open, waiting for a key rotation under way.
    pub fn shared(db: &Path) -> Result<Self, JournalError> {
        let file = match create(&lock_file(db, ".rewrite.lock")) {
            Ok(file) => file,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                return Ok(Self { _file: None });
            }
            Err(e) => return Err(e.into()),
        };
        let deadline = Instant::now() + REWRITE_WAIT;
        loop {
            match file.try_lock_shared() {
                Ok(()) => return Ok(Self { _file: Some(file) }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(JournalError::Busy(
                        "记录库正在更换密钥（facepay rekey），请稍后再试".into(),
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(e.into()),
            }
        }
    }
}

/// The only hold under which the journal file may be rewritten.
#[derive(Debug)]
pub struct RewriteLock {
    _file: File,
}

impl RewriteLock {
    /// Take the journal at `db` for a rewrite, now: refused while any process
    /// (this one included) has it open.
    pub fn exclusive(db: &Path) -> Result<Self, JournalError> {
        let file = create(&lock_file(db, ".rewrite.lock"))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(JournalError::Busy(
                "还有收银台或 facepay 进程正在使用记录库：请先全部关闭再更换密钥".into(),
            )),
            Err(TryLockError::Error(e)) => Err(e.into()),
        }
    }
}

/// One process at a time changes which key file holds the key (adopting or
/// discarding a rotation's pending key), or encrypts a plaintext journal.
#[derive(Debug)]
pub struct KeyChange {
    _file: File,
}

impl KeyChange {
    pub fn lock(db: &Path) -> Result<Self, JournalError> {
        let file = create(&lock_file(db, ".keys.lock"))?;
        file.lock()?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewrite_waits_for_nobody_and_an_open_waits_for_the_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("facepay.db");
        let open = OpenGuard::shared(&db).unwrap();
        let second = OpenGuard::shared(&db).unwrap();
        assert!(matches!(
            RewriteLock::exclusive(&db),
            Err(JournalError::Busy(_))
        ));
        drop(open);
        drop(second);
        let rewrite = RewriteLock::exclusive(&db).unwrap();
        let waiting = std::thread::spawn(move || {
            let started = Instant::now();
            OpenGuard::shared(&db).map(|_| started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(300));
        drop(rewrite);
        let waited = waiting.join().unwrap().unwrap();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
    }
}
