//! Sessions: which process owns an in-flight call, and whether it still lives.
//!
//! Each process holds an exclusive OS lock on `<db>.sessions/<id>.lock` for as
//! long as it runs. The OS drops the lock when the process dies, however it
//! dies, so "can I take that lock?" tells a crashed owner from a busy one —
//! at once, without clocks or PIDs that can be reused.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use crate::JournalError;
use crate::clock::{Clock, stamp};

#[derive(Debug)]
pub struct Session {
    id: String,
    path: PathBuf,
    _lock: File,
}

impl Drop for Session {
    /// A clean exit leaves no lock file behind (a crash leaves one, unlocked,
    /// for the next start to find).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Session {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn start(
        conn: &mut Connection,
        db: &Path,
        program: &str,
        clock: &dyn Clock,
    ) -> Result<Self, JournalError> {
        let dir = sessions_dir(db);
        std::fs::create_dir_all(&dir)?;
        let id = format!("{:016x}", fastrand::u64(..));
        let path = dir.join(format!("{id}.lock"));
        let lock = File::create(&path)?;
        lock.try_lock().map_err(|e| match e {
            TryLockError::Error(io) => JournalError::Io(io),
            TryLockError::WouldBlock => JournalError::Busy("会话锁被占用".into()),
        })?;
        conn.execute(
            "INSERT INTO sessions (id, program, pid, started_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, program, std::process::id(), stamp(clock.now())],
        )?;
        Ok(Self {
            id,
            path,
            _lock: lock,
        })
    }
}

fn sessions_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sessions");
    PathBuf::from(name)
}

fn is_dead(dir: &Path, session: &str) -> bool {
    match File::open(dir.join(format!("{session}.lock"))) {
        Err(_) => true,
        Ok(file) => !matches!(file.try_lock(), Err(TryLockError::WouldBlock)),
    }
}

/// Calls left `in_flight` by sessions that no longer run become `unknown`:
/// the request may have reached the terminal, and nobody saw the reply.
pub(crate) fn recover_orphans(
    conn: &Connection,
    db: &Path,
    me: &Session,
    clock: &dyn Clock,
) -> Result<usize, JournalError> {
    let dir = sessions_dir(db);
    let owners: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT session_id FROM calls WHERE status = 'in_flight' AND session_id <> ?1",
        )?
        .query_map([me.id()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut recovered = 0;
    for owner in owners.iter().filter(|o| is_dead(&dir, o)) {
        recovered += conn.execute(
            "UPDATE calls SET status = 'unknown', error_kind = 'interrupted',
                 error_message = '程序在等待终端回复时退出，终端是否已处理未知',
                 finished_at = ?2
             WHERE session_id = ?1 AND status = 'in_flight'",
            params![owner, stamp(clock.now())],
        )?;
        let _ = std::fs::remove_file(dir.join(format!("{owner}.lock")));
    }
    Ok(recovered)
}
