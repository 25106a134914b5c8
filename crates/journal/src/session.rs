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
    /// The held lock file; none for a read-only look, which makes no calls.
    lock: Option<(PathBuf, File)>,
}

impl Drop for Session {
    /// A clean exit leaves no lock file behind (a crash leaves one, unlocked,
    /// for the next start to find).
    fn drop(&mut self) {
        if let Some((path, _)) = &self.lock {
            let _ = std::fs::remove_file(path);
        }
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
        // Dead sessions' lock files are deleted from here: it must be the
        // journal's own folder, not a link someone put in its place.
        if !std::fs::symlink_metadata(&dir)?.is_dir() {
            return Err(JournalError::Io(std::io::Error::other(format!(
                "会话目录 {} 不是目录（可能是符号链接），已拒绝使用：请删除它后重试",
                dir.display()
            ))));
        }
        let id = format!("{:016x}", fastrand::u64(..));
        let path = dir.join(format!("{id}.lock"));
        // Locked under another name, then renamed into place: a lock file
        // others can see is always held by its living owner, so no other
        // process can take it for a dead one's and clean it away.
        let pending = dir.join(format!("{id}.starting"));
        let lock = File::create(&pending)?;
        lock.try_lock().map_err(|e| match e {
            TryLockError::Error(io) => JournalError::Io(io),
            TryLockError::WouldBlock => JournalError::Busy("会话锁被占用".into()),
        })?;
        std::fs::rename(&pending, &path)?;
        conn.execute(
            "INSERT INTO sessions (id, program, pid, started_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, program, std::process::id(), stamp(clock.now())],
        )?;
        Ok(Self {
            id,
            lock: Some((path, lock)),
        })
    }

    /// A session that only reads: no row, no lock.
    pub(crate) fn read_only() -> Self {
        Self {
            id: "read-only".into(),
            lock: None,
        }
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
    // Housekeeping: it must never fail the cashier's command.
    if let Err(e) = forget_dead_sessions(conn, &dir, me) {
        tracing::debug!("cleaning dead sessions: {e}");
    }
    Ok(recovered)
}

/// Lock files of processes that died, and session rows no call refers to,
/// are only clutter: every run of the CLI adds a session.
fn forget_dead_sessions(conn: &Connection, dir: &Path, me: &Session) -> Result<(), JournalError> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("lock") {
                continue;
            }
            let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            // Only lock files of ours: 16 hex digits, a plain file.
            let ours = id.len() == 16
                && id.chars().all(|c| c.is_ascii_hexdigit())
                && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
            if ours && id != me.id() && is_dead(dir, id) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let idle: Vec<String> = conn
        .prepare(
            "SELECT id FROM sessions s WHERE id <> ?1
             AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.session_id = s.id)",
        )?
        .query_map([me.id()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in idle.iter().filter(|id| is_dead(dir, id)) {
        // Checked again as it is deleted: it may have made a call since.
        conn.execute(
            "DELETE FROM sessions WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM calls WHERE session_id = ?1)",
            [id],
        )?;
    }
    Ok(())
}

/// At a clean exit: this session's row, if it made no call.
pub(crate) fn end(conn: &Connection, me: &Session) {
    let _ = conn.execute(
        "DELETE FROM sessions WHERE id = ?1
         AND NOT EXISTS (SELECT 1 FROM calls WHERE session_id = ?1)",
        [me.id()],
    );
}

/// Whether the session `id` of the journal at `db` is held by a running process.
pub(crate) fn alive(db: &Path, id: &str) -> bool {
    !is_dead(&sessions_dir(db), id)
}

/// How many other processes hold a live session on the journal at `db`.
pub(crate) fn others_alive(db: &Path, me: &Session) -> usize {
    let dir = sessions_dir(db);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".lock").map(str::to_owned)
        })
        .filter(|id| id != me.id() && !is_dead(&dir, id))
        .count()
}
