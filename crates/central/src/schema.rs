//! The central schema and its versions. Migrations are refinery's, embedded
//! from `migrations/`; the version is refinery's history table. A counter
//! syncs only with the schema it was built for: an older server waits for
//! `facepay central init` to upgrade it, a newer one for this counter to be
//! upgraded. Either way the counter keeps serving and catches up later.

use postgres::Client;

use crate::CentralError;
use crate::identity::IdentityKey;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The schema version this build writes.
pub fn supported() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The server's schema version, `None` before `central init`.
pub fn version(client: &mut Client) -> Result<Option<i64>, CentralError> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let version: Option<i32> = client
        .query_one("SELECT max(version) FROM refinery_schema_history", &[])?
        .get(0);
    Ok(version.map(i64::from))
}

/// Refuse a server this build cannot write to, or one keyed differently.
pub fn check(client: &mut Client, key: &IdentityKey) -> Result<(), CentralError> {
    let supported = supported();
    match version(client)? {
        None => return Err(CentralError::NotInitialised),
        Some(server) if server > supported => {
            return Err(CentralError::SchemaTooNew { server, supported });
        }
        Some(server) if server < supported => {
            return Err(CentralError::SchemaTooOld { server, supported });
        }
        Some(_) => {}
    }
    let check: Option<String> = client
        .query_opt(
            "SELECT value FROM central_meta WHERE key = 'identity_key_check'",
            &[],
        )?
        .map(|r| r.get(0));
    match check {
        Some(value) if value == key.check_value() => Ok(()),
        Some(_) => Err(CentralError::WrongIdentityKey),
        None => Err(CentralError::NotInitialised),
    }
}

/// What `central init` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Initialised {
    pub schema_version: i64,
    pub migrations_applied: usize,
}

/// Held by whoever migrates the schema (`central init`, a counter's
/// upgrade): two counters upgrading at once take turns, and the second
/// finds nothing left to do.
const MIGRATION_LOCK: i64 = 7_020_063;

/// Create or upgrade the schema, and record `key` as the hospital's (a
/// server that already knows another key is refused, nothing changed).
pub fn init(client: &mut Client, key: &IdentityKey) -> Result<Initialised, CentralError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let done = init_locked(client, key);
    // A lost connection releases it too; this is for the connection that goes on.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    done
}

fn init_locked(client: &mut Client, key: &IdentityKey) -> Result<Initialised, CentralError> {
    if let Some(server) = version(client)?
        && server > supported()
    {
        return Err(CentralError::SchemaTooNew {
            server,
            supported: supported(),
        });
    }
    let report = embedded::migrations::runner()
        .set_grouped(true)
        .run(client)
        .map_err(|e| CentralError::Server(format!("升级全院库结构失败：{e}")))?;
    let mut tx = client.transaction()?;
    tx.execute(
        "INSERT INTO central_meta (key, value) VALUES ('identity_key_check', $1)
         ON CONFLICT (key) DO NOTHING",
        &[&key.check_value()],
    )?;
    let kept: String = tx
        .query_one(
            "SELECT value FROM central_meta WHERE key = 'identity_key_check'",
            &[],
        )?
        .get(0);
    if kept != key.check_value() {
        return Err(CentralError::WrongIdentityKey);
    }
    tx.commit()?;
    Ok(Initialised {
        schema_version: supported(),
        migrations_applied: report.applied_migrations().len(),
    })
}

/// Counters other than `me` that could not follow the schema to `target`:
/// their last heartbeat said their build writes an older one, or said
/// nothing (built before heartbeats carried it, or never beaten).
pub fn held_back_by(
    client: &mut Client,
    me: &str,
    target: i64,
) -> Result<Vec<String>, CentralError> {
    let reported: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                            WHERE table_schema = current_schema()
                              AND table_name = 'heartbeats' AND column_name = 'supported_schema')",
            &[],
        )?
        .get(0);
    let sql = if reported {
        "SELECT c.counter_id FROM counters c LEFT JOIN heartbeats h USING (counter_id)
         WHERE c.counter_id <> $1 AND coalesce(h.supported_schema, 0) < $2
         ORDER BY c.counter_id"
    } else {
        "SELECT counter_id FROM counters WHERE counter_id <> $1 AND $2::int >= 0
         ORDER BY counter_id"
    };
    let target = i32::try_from(target).unwrap_or(i32::MAX);
    Ok(client
        .query(sql, &[&me, &target])?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// What [`check_or_upgrade`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The server was already on this build's schema.
    Current,
    /// This counter upgraded it from `from`.
    Upgraded { from: i64 },
}

/// [`check`], but a server older than this build is upgraded by it when
/// every other counter can follow (audited in `central_audit`); otherwise
/// it is refused naming the counters to upgrade first.
pub fn check_or_upgrade(
    client: &mut Client,
    key: &IdentityKey,
    me: &str,
) -> Result<Checked, CentralError> {
    let (server, supported) = match check(client, key) {
        Ok(()) => return Ok(Checked::Current),
        Err(CentralError::SchemaTooOld { server, supported }) => (server, supported),
        Err(e) => return Err(e),
    };
    let waiting = held_back_by(client, me, supported)?;
    if !waiting.is_empty() {
        return Err(CentralError::UpgradeWaits {
            server,
            supported,
            counters: waiting.join("、"),
        });
    }
    init(client, key)?;
    crate::report::audit(
        client,
        me,
        "system",
        "schema_upgrade",
        None,
        &format!("全院库结构由版本 {server} 升级到 {supported}（所有收银台均支持）"),
    )?;
    tracing::info!("central schema upgraded from {server} to {supported} by this counter");
    check(client, key)?;
    Ok(Checked::Upgraded { from: server })
}

/// Migrate a fresh server only up to `version` (a hospital still on an
/// older build, for tests of the upgrade).
#[doc(hidden)]
pub fn init_up_to(
    client: &mut Client,
    key: &IdentityKey,
    version: u32,
) -> Result<(), CentralError> {
    embedded::migrations::runner()
        .set_grouped(true)
        .set_target(refinery::Target::Version(version))
        .run(client)
        .map_err(|e| CentralError::Server(format!("升级全院库结构失败：{e}")))?;
    client.execute(
        "INSERT INTO central_meta (key, value) VALUES ('identity_key_check', $1)
         ON CONFLICT (key) DO NOTHING",
        &[&key.check_value()],
    )?;
    Ok(())
}
