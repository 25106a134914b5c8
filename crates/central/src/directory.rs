//! The hospital's one operator directory. Counters change it here (an
//! administrator at any counter, checked here against the directory itself)
//! and pull what changed since the revision they hold; every change takes
//! the next revision under one advisory lock, so revisions commit in order
//! and "everything after n" misses nothing. Each entry carries a seal under
//! the hospital's identity key: a counter takes no entry it cannot verify.
//! Wrong PINs are counted here too while a counter is online, by the
//! server's clock, so a lockout holds at every counter.

use facepay_journal::Role;
use facepay_journal::directory::DirectoryEntry;
use facepay_journal::operators::Attempt;
use postgres::{Client, GenericClient, Row};

use crate::CentralError;
use crate::identity::IdentityKey;

/// Serialises the directory's writers (revisions in commit order).
const DIRECTORY_LOCK: i64 = 7_020_062;

/// How long wrong PINs lock a 工号, by the server's clock.
const LOCKOUT: &str = "5 minutes";

/// Times as the counters' journals write them.
const STAMP: &str = "'YYYY-MM-DD HH24:MI:SS.MS'";

fn columns() -> String {
    format!(
        "id, name, role, pin_hash, active, to_char(locked_until, {STAMP}), created_by, revision, seal"
    )
}

/// An entry as stored, and whether its seal is the hospital's.
fn entry(row: &Row, key: &IdentityKey) -> Result<(DirectoryEntry, bool), CentralError> {
    let role: String = row.get(2);
    let entry = DirectoryEntry {
        id: row.get(0),
        name: row.get(1),
        role: Role::parse(&role)
            .ok_or_else(|| CentralError::Rejected(format!("目录中的角色 {role} 无法识别")))?,
        pin_hash: row.get(3),
        active: row.get(4),
        locked_until: row.get(5),
        created_by: row.get(6),
        revision: row.get(7),
    };
    let seal: String = row.get(8);
    let sound = seal == seal_of(&entry, key);
    Ok((entry, sound))
}

fn seal_of(e: &DirectoryEntry, key: &IdentityKey) -> String {
    key.seal_operator(
        &e.id,
        &e.name,
        e.role.as_str(),
        &e.pin_hash,
        e.active,
        e.revision,
    )
}

/// The next revision (under the directory's lock).
fn next_revision(tx: &mut impl GenericClient) -> Result<i64, CentralError> {
    Ok(tx
        .query_one("SELECT nextval('operator_revision')", &[])?
        .get(0))
}

/// Give `e` the next revision and its seal (a lock set or lifted travels to
/// the other counters as a new revision).
fn reseal(
    tx: &mut impl GenericClient,
    e: &DirectoryEntry,
    key: &IdentityKey,
) -> Result<(), CentralError> {
    let revision = next_revision(tx)?;
    let sealed = DirectoryEntry {
        revision,
        ..e.clone()
    };
    tx.execute(
        "UPDATE operators SET revision = $2, seal = $3 WHERE id = $1",
        &[&e.id, &revision, &seal_of(&sealed, key)],
    )?;
    Ok(())
}

/// What a pull brings.
#[derive(Debug, Default)]
pub struct Pulled {
    /// Entries changed after the revision asked for, in revision order.
    pub entries: Vec<DirectoryEntry>,
    /// Entries whose seal is not the hospital's (written past the counters),
    /// with the revision they claim: not taken.
    pub forged: Vec<(String, i64)>,
    /// The newest revision of a sealed entry (a forged one's revision may be
    /// anything and is never taken as the counter's position).
    pub revision: i64,
}

/// Entries changed after revision `since` (everything for 0).
pub fn changed_since(
    client: &mut Client,
    since: i64,
    key: &IdentityKey,
) -> Result<Pulled, CentralError> {
    let rows = client.query(
        &format!(
            "SELECT {} FROM operators WHERE revision > $1 ORDER BY revision",
            columns()
        ),
        &[&since],
    )?;
    let mut pulled = Pulled {
        revision: since,
        ..Pulled::default()
    };
    for row in &rows {
        let (e, sound) = entry(row, key)?;
        if sound {
            pulled.revision = pulled.revision.max(e.revision);
            pulled.entries.push(e);
        } else {
            pulled.forged.push((e.id, e.revision));
        }
    }
    Ok(pulled)
}

/// Whether the directory has any operator (a counter joins only one that has).
pub fn is_founded(client: &mut Client) -> Result<bool, CentralError> {
    Ok(client
        .query_one("SELECT EXISTS (SELECT 1 FROM operators)", &[])?
        .get(0))
}

fn current(
    tx: &mut impl GenericClient,
    id: &str,
    key: &IdentityKey,
) -> Result<Option<DirectoryEntry>, CentralError> {
    match tx.query_opt(
        &format!(
            "SELECT {} FROM operators WHERE id = $1 FOR UPDATE",
            columns()
        ),
        &[&id],
    )? {
        Some(row) => {
            let (e, sound) = entry(&row, key)?;
            Ok(sound.then_some(e))
        }
        None => Ok(None),
    }
}

/// Who makes a change must be, in the directory itself (not in a counter's
/// copy that may be behind), an active operator, and an administrator
/// unless `own` (their own PIN).
fn require_actor(
    tx: &mut impl GenericClient,
    actor: &str,
    own: bool,
    key: &IdentityKey,
) -> Result<(), CentralError> {
    match current(tx, actor, key)? {
        Some(e) if e.active && (own || e.role == Role::Admin) => Ok(()),
        _ => Err(CentralError::ActorRefused(actor.to_owned())),
    }
}

fn insert(
    tx: &mut impl GenericClient,
    e: &DirectoryEntry,
    key: &IdentityKey,
    by: &str,
    now: &str,
) -> Result<Option<DirectoryEntry>, CentralError> {
    let e = DirectoryEntry {
        revision: next_revision(tx)?,
        ..e.clone()
    };
    let row = tx.query_opt(
        &format!(
            "INSERT INTO operators (id, name, role, pin_hash, active, seal, revision,
                                    created_at, created_by, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)
             ON CONFLICT (id) DO NOTHING
             RETURNING {}",
            columns()
        ),
        &[
            &e.id,
            &e.name,
            &e.role.as_str(),
            &e.pin_hash,
            &e.active,
            &seal_of(&e, key),
            &e.revision,
            &now,
            &by,
        ],
    )?;
    row.map(|r| entry(&r, key).map(|(e, _)| e)).transpose()
}

/// Found the directory with `operators` (the counter that runs `central
/// init`), if it has none yet. How many were taken.
pub fn found(
    client: &mut Client,
    operators: &[DirectoryEntry],
    key: &IdentityKey,
    by: &str,
    now: &str,
) -> Result<usize, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let empty: bool = tx
        .query_one("SELECT NOT EXISTS (SELECT 1 FROM operators)", &[])?
        .get(0);
    if !empty {
        return Ok(0);
    }
    for o in operators {
        insert(&mut tx, o, key, by, now)?;
    }
    tx.commit()?;
    Ok(operators.len())
}

/// A new operator for the directory.
#[derive(Debug)]
pub struct NewEntry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub pin_hash: &'a str,
}

/// Add an operator as administrator `actor`; `by` names the counter too ("W01/0107").
pub fn add(
    client: &mut Client,
    key: &IdentityKey,
    actor: &str,
    new: &NewEntry<'_>,
    by: &str,
    now: &str,
) -> Result<DirectoryEntry, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    require_actor(&mut tx, actor, false, key)?;
    let wanted = DirectoryEntry {
        id: new.id.to_owned(),
        name: new.name.to_owned(),
        role: new.role,
        pin_hash: new.pin_hash.to_owned(),
        active: true,
        locked_until: None,
        created_by: by.to_owned(),
        revision: 0,
    };
    let Some(added) = insert(&mut tx, &wanted, key, by, now)? else {
        return Err(CentralError::Invalid {
            field: "id",
            message: format!(
                "工号 {} 在全院操作员目录中已存在：请换一个工号，或在列表中修改这位操作员",
                new.id
            ),
        });
    };
    tx.commit()?;
    Ok(added)
}

/// What an administrator changes; `None` leaves it as it is.
#[derive(Debug, Default)]
pub struct Change<'a> {
    pub name: Option<&'a str>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// A new PIN also lifts a lockout.
    pub pin_hash: Option<&'a str>,
}

/// Change operator `id` as `actor` (an administrator, or `id` itself for
/// its own PIN). The hospital's last active administrator can be neither
/// demoted nor disabled.
pub fn update(
    client: &mut Client,
    key: &IdentityKey,
    actor: &str,
    id: &str,
    change: &Change<'_>,
    by: &str,
    now: &str,
) -> Result<DirectoryEntry, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let own = actor == id
        && change.name.is_none()
        && change.role.is_none()
        && change.active.is_none()
        && change.pin_hash.is_some();
    require_actor(&mut tx, actor, own, key)?;
    let current =
        current(&mut tx, id, key)?.ok_or_else(|| CentralError::UnknownOperator(id.to_owned()))?;
    let demotes = change.role.is_some_and(|r| r != Role::Admin) || change.active == Some(false);
    if demotes && current.role == Role::Admin && current.active {
        let others: i64 = tx
            .query_one(
                "SELECT count(*) FROM operators WHERE role = 'admin' AND active AND id <> $1",
                &[&id],
            )?
            .get(0);
        if others == 0 {
            return Err(CentralError::Invalid {
                field: if change.active == Some(false) {
                    "active"
                } else {
                    "role"
                },
                message: "这是全院唯一的管理员，不能停用或改为其他角色".into(),
            });
        }
    }
    let next = DirectoryEntry {
        name: change.name.unwrap_or(&current.name).to_owned(),
        role: change.role.unwrap_or(current.role),
        active: change.active.unwrap_or(current.active),
        pin_hash: change.pin_hash.unwrap_or(&current.pin_hash).to_owned(),
        revision: next_revision(&mut tx)?,
        ..current
    };
    let row = tx.query_one(
        &format!(
            "UPDATE operators SET name = $2, role = $3, active = $4, pin_hash = $5, seal = $6,
                failed_pins = CASE WHEN $7 THEN 0 ELSE failed_pins END,
                locked_until = CASE WHEN $7 THEN NULL ELSE locked_until END,
                revision = $8, updated_at = $9, updated_by = $10
             WHERE id = $1
             RETURNING {}",
            columns()
        ),
        &[
            &id,
            &next.name,
            &next.role.as_str(),
            &next.active,
            &next.pin_hash,
            &seal_of(&next, key),
            &change.pin_hash.is_some(),
            &next.revision,
            &now,
            &by,
        ],
    )?;
    let (updated, _) = entry(&row, key)?;
    tx.commit()?;
    Ok(updated)
}

/// Count a sign-in attempt for `id` hospital-wide before its PIN is checked
/// (as the counter counts its own), by the server's clock. With the count
/// comes the entry as the directory holds it now (its PIN hash, role and
/// whether it is active), which the counter checks the PIN against rather
/// than its own copy. `None`: the directory holds no active, sealed entry
/// for `id` (nothing is counted). Reaching `limit` locks it for five
/// minutes at every counter (a new revision, pulled by the others).
pub fn count_attempt(
    client: &mut Client,
    key: &IdentityKey,
    id: &str,
    limit: u32,
) -> Result<Option<(Attempt, DirectoryEntry)>, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let Some(found) = current(&mut tx, id, key)?.filter(|e| e.active) else {
        return Ok(None);
    };
    let row = tx.query_one(
        &format!(
            "SELECT failed_pins, to_char(locked_until, {STAMP}), coalesce(locked_until > now(), false)
             FROM operators WHERE id = $1"
        ),
        &[&id],
    )?;
    let failed: i32 = row.get(0);
    let until: Option<String> = row.get(1);
    let locked: bool = row.get(2);
    if let (true, Some(until)) = (locked, until) {
        return Ok(Some((Attempt::Locked(until), found)));
    }
    let failed = u32::try_from(failed).unwrap_or(0) + 1;
    let attempt = if failed >= limit {
        tx.execute(
            &format!(
                "UPDATE operators SET failed_pins = 0, locked_until = now() + interval '{LOCKOUT}',
                    updated_by = 'lockout'
                 WHERE id = $1"
            ),
            &[&id],
        )?;
        reseal(&mut tx, &found, key)?;
        Attempt::Counted { left: 0 }
    } else {
        tx.execute(
            "UPDATE operators SET failed_pins = $2 WHERE id = $1",
            &[&id, &i32::try_from(failed).unwrap_or(i32::MAX)],
        )?;
        Attempt::Counted {
            left: limit - failed,
        }
    };
    tx.commit()?;
    Ok(Some((attempt, found)))
}

/// A right PIN: the wrong ones before it no longer count anywhere, and a
/// lock its own attempt set is lifted (as the counter's own count does).
pub fn clear_wrong_pins(
    client: &mut Client,
    key: &IdentityKey,
    id: &str,
) -> Result<(), CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let Some(found) = current(&mut tx, id, key)? else {
        return Ok(());
    };
    let was_locked = found.locked_until.is_some();
    tx.execute(
        "UPDATE operators SET failed_pins = 0, locked_until = NULL
         WHERE id = $1 AND (failed_pins <> 0 OR locked_until IS NOT NULL)",
        &[&id],
    )?;
    if was_locked {
        reseal(&mut tx, &found, key)?;
    }
    tx.commit()?;
    Ok(())
}
