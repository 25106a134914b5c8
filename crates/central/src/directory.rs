//! The hospital's one operator directory. Counters change it here (an
//! administrator at any counter) and pull what changed since the revision
//! they hold; every change takes the next revision under one advisory lock,
//! so revisions commit in order and "everything after n" misses nothing.
//! Wrong PINs are counted here too while a counter is online, so a lockout
//! holds at every counter.

use facepay_journal::Role;
use facepay_journal::directory::DirectoryEntry;
use facepay_journal::operators::Attempt;
use postgres::{Client, GenericClient, Row};

use crate::CentralError;

/// Serialises the directory's writers (revisions in commit order).
const DIRECTORY_LOCK: i64 = 7_020_062;

const COLUMNS: &str = "id, name, role, pin_hash, active, locked_until, created_by, revision";

fn entry(row: &Row) -> Result<DirectoryEntry, CentralError> {
    let role: String = row.get(2);
    Ok(DirectoryEntry {
        id: row.get(0),
        name: row.get(1),
        role: Role::parse(&role)
            .ok_or_else(|| CentralError::Rejected(format!("目录中的角色 {role} 无法识别")))?,
        pin_hash: row.get(3),
        active: row.get(4),
        locked_until: row.get(5),
        created_by: row.get(6),
        revision: row.get(7),
    })
}

/// Entries changed after revision `since` (everything for 0), in revision order.
pub fn changed_since(client: &mut Client, since: i64) -> Result<Vec<DirectoryEntry>, CentralError> {
    client
        .query(
            &format!("SELECT {COLUMNS} FROM operators WHERE revision > $1 ORDER BY revision"),
            &[&since],
        )?
        .iter()
        .map(entry)
        .collect()
}

fn get(tx: &mut impl GenericClient, id: &str) -> Result<Option<DirectoryEntry>, CentralError> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM operators WHERE id = $1 FOR UPDATE"),
        &[&id],
    )?
    .as_ref()
    .map(entry)
    .transpose()
}

/// A directory still empty takes `operators` (the counter that runs
/// `central init` first); one that has entries is left alone. How many were taken.
pub fn seed_if_empty(
    client: &mut Client,
    operators: &[DirectoryEntry],
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
        tx.execute(
            "INSERT INTO operators (id, name, role, pin_hash, active, locked_until, revision,
                                    created_at, created_by, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, nextval('operator_revision'), $7, $8, $7, $9)",
            &[
                &o.id,
                &o.name,
                &o.role.as_str(),
                &o.pin_hash,
                &o.active,
                &o.locked_until,
                &now,
                &o.created_by,
                &by,
            ],
        )?;
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

/// Add an operator; `by` names the counter and administrator ("W01/0107").
pub fn add(
    client: &mut Client,
    new: &NewEntry<'_>,
    by: &str,
    now: &str,
) -> Result<DirectoryEntry, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let row = tx.query_opt(
        &format!(
            "INSERT INTO operators (id, name, role, pin_hash, revision,
                                    created_at, created_by, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, nextval('operator_revision'), $5, $6, $5, $6)
             ON CONFLICT (id) DO NOTHING
             RETURNING {COLUMNS}"
        ),
        &[
            &new.id,
            &new.name,
            &new.role.as_str(),
            &new.pin_hash,
            &now,
            &by,
        ],
    )?;
    let Some(row) = row else {
        return Err(CentralError::Invalid {
            field: "id",
            message: format!(
                "工号 {} 在全院操作员目录中已存在：请换一个工号，或在列表中修改这位操作员",
                new.id
            ),
        });
    };
    let added = entry(&row)?;
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

/// Change operator `id`. The hospital's last active administrator can be
/// neither demoted nor disabled.
pub fn update(
    client: &mut Client,
    id: &str,
    change: &Change<'_>,
    by: &str,
    now: &str,
) -> Result<DirectoryEntry, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let current = get(&mut tx, id)?.ok_or_else(|| CentralError::UnknownOperator(id.to_owned()))?;
    let demotes = change.role == Some(Role::Cashier) || change.active == Some(false);
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
                message: "这是全院唯一的管理员，不能停用或改为收款员".into(),
            });
        }
    }
    let row = tx.query_one(
        &format!(
            "UPDATE operators SET
                name = coalesce($2, name),
                role = coalesce($3, role),
                active = coalesce($4, active),
                pin_hash = coalesce($5, pin_hash),
                failed_pins = CASE WHEN $5::text IS NULL THEN failed_pins ELSE 0 END,
                locked_until = CASE WHEN $5::text IS NULL THEN locked_until ELSE NULL END,
                revision = nextval('operator_revision'),
                updated_at = $6,
                updated_by = $7
             WHERE id = $1
             RETURNING {COLUMNS}"
        ),
        &[
            &id,
            &change.name,
            &change.role.map(Role::as_str),
            &change.active,
            &change.pin_hash,
            &now,
            &by,
        ],
    )?;
    let updated = entry(&row)?;
    tx.commit()?;
    Ok(updated)
}

/// Count a sign-in attempt for `id` hospital-wide before its PIN is checked
/// (as the counter counts its own): `None` for a 工号 the directory does not
/// hold as active. Reaching `limit` locks it until `lock_until` at every
/// counter (a new revision, so the lock is pulled by counters that are
/// offline at the moment it is set).
pub fn count_attempt(
    client: &mut Client,
    id: &str,
    limit: u32,
    lock_until: &str,
    now: &str,
) -> Result<Option<Attempt>, CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    let Some(row) = tx.query_opt(
        "SELECT failed_pins, locked_until FROM operators WHERE id = $1 AND active FOR UPDATE",
        &[&id],
    )?
    else {
        return Ok(None);
    };
    let failed: i32 = row.get(0);
    let locked: Option<String> = row.get(1);
    if let Some(until) = locked.filter(|u| u.as_str() > now) {
        return Ok(Some(Attempt::Locked(until)));
    }
    let failed = u32::try_from(failed).unwrap_or(0) + 1;
    let attempt = if failed >= limit {
        tx.execute(
            "UPDATE operators SET failed_pins = 0, locked_until = $2,
                revision = nextval('operator_revision'), updated_at = $3, updated_by = 'lockout'
             WHERE id = $1",
            &[&id, &lock_until, &now],
        )?;
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
    Ok(Some(attempt))
}

/// A right PIN: the wrong ones before it no longer count anywhere, and a
/// lock its own attempt set is lifted (as the counter's own count does).
pub fn clear_wrong_pins(client: &mut Client, id: &str, now: &str) -> Result<(), CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
    tx.execute(
        "UPDATE operators SET failed_pins = 0, locked_until = NULL,
            revision = CASE WHEN locked_until IS NULL THEN revision
                            ELSE nextval('operator_revision') END,
            updated_at = CASE WHEN locked_until IS NULL THEN updated_at ELSE $2 END
         WHERE id = $1 AND (failed_pins <> 0 OR locked_until IS NOT NULL)",
        &[&id, &now],
    )?;
    tx.commit()?;
    Ok(())
}
