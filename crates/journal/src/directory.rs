//! This counter's cache of the hospital's operator directory (central
//! server): with a server configured, operators are changed there and the
//! counter keeps what it last pulled, hashes included, so sign-in works
//! while the server is down.

use rusqlite::{Connection, OptionalExtension, params};

use crate::JournalError;
use crate::clock::Stamp;
use crate::kinds::Role;

/// An operator as the directory holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub pin_hash: String,
    pub active: bool,
    /// A lockout counted hospital-wide.
    pub locked_until: Option<String>,
    pub created_by: String,
    pub revision: i64,
}

impl std::fmt::Debug for DirectoryEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryEntry")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// The directory's revision this cache holds; `None` before the counter joined.
pub fn revision(conn: &Connection) -> Result<Option<i64>, JournalError> {
    Ok(conn
        .query_row("SELECT revision FROM directory WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

/// What applying a pull changed here.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Operators whose entry changed.
    pub changed: Vec<String>,
    /// Operators only this counter knew, disabled on joining (the directory
    /// is the hospital's; an administrator adds them there).
    pub disabled_on_joining: Vec<String>,
}

/// Keep `entries` (changed since [`revision`], in revision order; the whole
/// directory when this counter joins) as the cache, which then holds the
/// directory up to `revision`. A lockout is never taken for longer than
/// `lock_cap` (what the directory says may have been written past the counters). A new PIN hash clears
/// wrong PINs counted here; otherwise the later of the two lockouts holds.
pub fn apply(
    tx: &Connection,
    entries: &[DirectoryEntry],
    up_to: i64,
    now: &Stamp,
    lock_cap: &Stamp,
) -> Result<Applied, JournalError> {
    let joining = revision(tx)?.is_none();
    let mut applied = Applied::default();
    let mut upsert = tx.prepare_cached(
        "INSERT INTO operators (id, name, role, pin_hash, active, locked_until,
                                created_at, created_by, updated_at, directory_revision)
         VALUES (?1, ?2, ?3, ?4, ?5,
                 CASE WHEN ?6 > ?10 THEN ?10 ELSE ?6 END, ?7, ?8, ?7, ?9)
         ON CONFLICT (id) DO UPDATE SET
            directory_revision = excluded.directory_revision,
            name = excluded.name,
            role = excluded.role,
            active = excluded.active,
            failed_pins = CASE WHEN excluded.pin_hash = operators.pin_hash
                               THEN operators.failed_pins ELSE 0 END,
            locked_until = CASE WHEN excluded.pin_hash = operators.pin_hash
                                THEN nullif(max(coalesce(operators.locked_until, ''),
                                                coalesce(excluded.locked_until, '')), '')
                                ELSE excluded.locked_until END,
            pin_hash = excluded.pin_hash,
            updated_at = excluded.updated_at",
    )?;
    let mut last = up_to;
    for e in entries {
        upsert.execute(params![
            e.id,
            e.name,
            e.role,
            e.pin_hash,
            e.active,
            e.locked_until,
            now,
            e.created_by,
            e.revision,
            lock_cap
        ])?;
        applied.changed.push(e.id.clone());
        last = last.max(e.revision);
    }
    if joining {
        let mut stmt = tx.prepare("SELECT id FROM operators WHERE active = 1 ORDER BY id")?;
        let known: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in known {
            if !entries.iter().any(|e| e.id == id) {
                tx.execute(
                    "UPDATE operators SET active = 0, updated_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                applied.disabled_on_joining.push(id);
            }
        }
    }
    tx.execute(
        "INSERT INTO directory (id, revision, joined_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET revision = max(revision, excluded.revision)",
        params![last, now],
    )?;
    Ok(applied)
}

/// Every operator this counter knows, for seeding an empty directory.
pub fn local_operators(conn: &Connection) -> Result<Vec<DirectoryEntry>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, role, pin_hash, active, locked_until, created_by
         FROM operators ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DirectoryEntry {
            id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            pin_hash: r.get(3)?,
            active: r.get(4)?,
            locked_until: r.get(5)?,
            created_by: r.get(6)?,
            revision: 0,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Hold a lockout the directory reported (it outlives the network here),
/// never past `cap`.
pub fn hold_lock(tx: &Connection, id: &str, until: &str, cap: &Stamp) -> Result<(), JournalError> {
    let until = if until > cap.as_str() {
        cap.as_str()
    } else {
        until
    };
    tx.execute(
        "UPDATE operators SET locked_until = ?2
         WHERE id = ?1 AND (locked_until IS NULL OR locked_until < ?2)",
        params![id, until],
    )?;
    Ok(())
}

/// The directory revision of operator `id` as cached here.
pub fn cached_revision(conn: &Connection, id: &str) -> Result<Option<i64>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT directory_revision FROM operators WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}
