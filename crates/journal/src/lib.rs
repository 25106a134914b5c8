//! The durable memory of FacePay Desk, in one SQLite file.
//!
//! Nothing a cashier did may be lost, even if the process is killed: every
//! terminal call is journaled *before* its request leaves the process and its
//! outcome *before* anything is shown; settlements are never edited; the
//! outbox owes the terminal every notification until it is delivered.

pub mod audit;
mod cached;
pub mod calls;
pub mod clock;
mod crypto;
pub mod directory;
mod error;
pub mod export;
mod guard;
pub mod history;
pub mod idempotency;
mod key;
mod kinds;
mod open;
pub mod operators;
pub mod outbox;
pub mod replication;
pub mod restore;
pub mod retention;
pub mod rewrite;
pub mod sequence;
mod session;
pub mod settlements;
pub mod summary;
pub mod visits;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::TransactionBehavior;

pub use clock::{Clock, FixedClock, SystemClock};
pub use crypto::keep_through_exit as keep_openssl_through_exit;
pub use error::JournalError;
pub use guard::{KeyChange, OpenGuard, RewriteLock};
pub use key::JournalKey;
pub use kinds::{
    AuditAction, CallId, CallStatus, CounterId, Credential, DeliveryStatus, Resolution, Role,
    SettlementId, Source, VisitId,
};
pub use open::SCHEMA_VERSION;
pub use rusqlite::{Connection, Transaction};
pub use session::Session;

/// An open journal: one connection, owned by one session of one process.
#[derive(Debug)]
pub struct Journal {
    conn: Connection,
    session: Session,
    path: PathBuf,
    key: Arc<JournalKey>,
    clock: Arc<dyn Clock>,
    /// Opened by `open_read_only`: it serves reads, every write is refused.
    read_only: bool,
    /// No rewrite of the file while this journal is open (last: released
    /// after the connection closes).
    _guard: OpenGuard,
}

impl Drop for Journal {
    fn drop(&mut self) {
        if !self.read_only {
            session::end(&self.conn, &self.session);
            self.checkpoint_truncate();
        }
    }
}

impl Journal {
    /// Open (creating if needed) the journal at `path`: integrity check,
    /// migrations, and recovery of calls left in flight by dead processes.
    pub fn open(
        path: &Path,
        key: &JournalKey,
        program: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JournalError> {
        Self::open_guarded(OpenGuard::shared(path)?, path, key, program, clock)
    }

    /// [`Journal::open`] under a hold the caller took before it read the key.
    pub fn open_guarded(
        guard: OpenGuard,
        path: &Path,
        key: &JournalKey,
        program: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JournalError> {
        let disk = |e: JournalError| e.on_disk_of(path);
        let mut conn = open::connect(path, key).map_err(disk)?;
        let session = Session::start(&mut conn, path, program, &*clock).map_err(disk)?;
        let journal = Self {
            conn,
            session,
            path: path.to_owned(),
            key: Arc::new(key.clone()),
            clock,
            read_only: false,
            _guard: guard,
        };
        let recovered =
            session::recover_orphans(&journal.conn, path, &journal.session, &*journal.clock)?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "calls left in flight by a stopped process are now 待确认"
            );
        }
        Ok(journal)
    }

    /// Open a journal that cannot be written (a read-only file or disk, a
    /// full disk): history, 日结, exports and 待确认 still work; writes fail
    /// with [`JournalError::ReadOnly`]. Nothing is migrated or recovered.
    pub fn open_read_only(
        path: &Path,
        key: &JournalKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JournalError> {
        Self::open_read_only_guarded(OpenGuard::shared(path)?, path, key, clock)
    }

    /// [`Journal::open_read_only`] under a hold the caller took before it read the key.
    pub fn open_read_only_guarded(
        guard: OpenGuard,
        path: &Path,
        key: &JournalKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JournalError> {
        let conn = open::reader(path, key)?;
        open::integrity(&conn, "quick_check", path)?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found != SCHEMA_VERSION {
            return Err(JournalError::ReadOnly(format!(
                "记录库结构版本为 {found}，本程序需要 {SCHEMA_VERSION}，只读时无法升级"
            )));
        }
        Ok(Self {
            conn,
            session: Session::read_only(),
            path: path.to_owned(),
            key: Arc::new(key.clone()),
            clock,
            read_only: true,
            _guard: guard,
        })
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// `YYYY-MM-DD HH:MM:SS.fff`, the journal's timestamp form.
    pub fn now(&self) -> clock::Stamp {
        clock::stamp(self.clock.now())
    }

    /// Read-only access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one `BEGIN IMMEDIATE` transaction, committed only if it succeeds.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<JournalError>,
    {
        let path = self.path.clone();
        let disk = |e: rusqlite::Error| E::from(JournalError::from(e).on_disk_of(&path));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(disk)?;
        let value = f(&tx)?;
        tx.commit().map_err(disk)?;
        Ok(value)
    }

    /// `PRAGMA integrity_check`: `Ok` only when SQLite answers `ok`.
    pub fn integrity_check(&self) -> Result<(), JournalError> {
        open::integrity(&self.conn, "integrity_check", &self.path)
    }

    /// Mark calls of dead sessions as unknown again (the app runs this now and then).
    pub fn recover_orphans(&self) -> Result<usize, JournalError> {
        if self.read_only {
            return Ok(0);
        }
        session::recover_orphans(&self.conn, &self.path, &self.session, &*self.clock)
    }

    /// Move the WAL into the file and empty it, so older versions of pages
    /// (a purged name among them) are not left in its frames. Waits briefly
    /// for readers elsewhere to finish; if they do not, the next checkpoint
    /// does it. Whether it completed.
    pub fn checkpoint_truncate(&self) -> bool {
        if self.read_only {
            return false;
        }
        for _ in 0..40 {
            match self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    r.get::<_, i64>(0)
                }) {
                Ok(0) => return true,
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
                Err(e) => {
                    tracing::warn!("journal checkpoint: {e}");
                    return false;
                }
            }
        }
        tracing::warn!(
            "journal checkpoint: other connections kept reading; the WAL is emptied later"
        );
        false
    }

    /// Whether the process of session `id` still runs (its lock is held).
    pub fn session_alive(&self, id: &str) -> bool {
        session::alive(&self.path, id)
    }

    /// How many other processes have this journal open right now.
    pub fn other_live_sessions(&self) -> usize {
        session::others_alive(&self.path, &self.session)
    }

    /// Read-only connections to this journal, for the read paths.
    pub fn readers(&self) -> Readers {
        Readers {
            path: self.path.clone(),
            key: Arc::clone(&self.key),
            idle: Mutex::new(Vec::new()),
        }
    }
}

/// The time of the journal's last entry (a call, a settlement, an audit row).
pub fn latest_entry_at(conn: &Connection) -> Result<Option<chrono::NaiveDateTime>, JournalError> {
    let latest: Option<String> = conn.query_row(
        "SELECT max(t) FROM (SELECT max(started_at) AS t FROM calls
                             UNION ALL SELECT max(created_at) FROM settlements
                             UNION ALL SELECT max(at) FROM audit)",
        [],
        |r| r.get(0),
    )?;
    Ok(latest.as_deref().and_then(clock::parse))
}

/// Read-only connections for history, 日结, exports and the status counts.
/// In WAL mode they read a snapshot without waiting for the writer, so a long
/// export never holds up the intent write of a face scan. Connections are
/// opened on demand and a few are kept for reuse.
#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    key: Arc<JournalKey>,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    const KEEP: usize = 4;

    /// Run `f` on a read-only connection of its own.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open::reader(&self.path, &self.key)?,
        };
        let result = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < Self::KEEP {
            idle.push(conn);
        }
        result
    }
}
