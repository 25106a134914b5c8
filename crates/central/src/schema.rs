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

/// Create or upgrade the schema, and record `key` as the hospital's (a
/// server that already knows another key is refused, nothing changed).
pub fn init(client: &mut Client, key: &IdentityKey) -> Result<Initialised, CentralError> {
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
