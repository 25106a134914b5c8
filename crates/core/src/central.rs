//! The counter's side of the hospital's central server (docs/central.md):
//! the desk lends its journal to the shipper (reads on a connection of their
//! own, acknowledgements as tiny writes, never across a network call), and
//! IT's commands — init, the identity key, the password, sync, the
//! hospital's 日结 and every counter's standing.

use std::time::{Duration, Instant};

use facepay_central::report::{CounterStatus, HospitalDay};
use facepay_central::schema::Initialised;
use facepay_central::{CentralError, CentralUrl, Heartbeat, IdentityKey, Local};
use facepay_journal::replication;
use facepay_journal::replication::{Batch, Position};
use facepay_keystore::KeyFile;
use serde::Serialize;

use crate::access::Admin;
use crate::config::CentralConfig;
use crate::desk::Desk;
use crate::error::DeskError;

/// What `facepay central init` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralInit {
    #[serde(flatten)]
    pub schema: Initialised,
    /// `created` on the first counter, `enrolled` where it was already kept.
    pub identity_key: &'static str,
    /// How IT enrolls the other counters.
    pub next: String,
}

/// Where this counter stands with the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub counter_id: String,
    /// The last of this counter's entries the server holds.
    pub acknowledged_seq: i64,
    /// Entries still to ship.
    pub pending: i64,
    /// Rows shipped by this command.
    pub rows_shipped: usize,
}

/// The hospital as `central status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralStatus {
    pub server: String,
    pub schema_version: Option<i64>,
    /// This counter's entries not yet on the server.
    pub this_counter_pending: i64,
    pub counters: Vec<CounterStatus>,
}

/// How long `central sync --wait` keeps trying an unreachable server.
pub const SYNC_PATIENCE: Duration = Duration::from_secs(20);

/// postgres' blocking client runs its own small runtime, which may not be
/// started inside the caller's (the CLI's, the panel's): its calls go on a
/// thread of their own.
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T, DeskError> + Send) -> Result<T, DeskError> {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|_| Err(DeskError::Internal("全院库线程意外退出".into())))
    })
}

impl Desk {
    fn central(&self) -> Result<&CentralConfig, DeskError> {
        self.config
            .central
            .as_ref()
            .ok_or(DeskError::Central(CentralError::NotConfigured))
    }

    /// The address with its password: from `FACEPAY_CENTRAL_URL` itself, or the keystore.
    fn central_url(&self) -> Result<CentralUrl, DeskError> {
        let central = self.central()?;
        let url = central
            .url
            .clone()
            .with_application_name(&format!("facepay-desk {}", self.config.counter_id));
        if url.has_password() {
            return Ok(url);
        }
        match facepay_keystore::read_secret(&central.password_file).map_err(CentralError::from)? {
            Some(password) => Ok(url.with_password(&password)),
            None => Ok(url),
        }
    }

    fn identity_key(&self) -> Result<IdentityKey, DeskError> {
        IdentityKey::read(&KeyFile::at(&self.central()?.identity_key_file))?
            .ok_or(DeskError::Central(CentralError::NoIdentityKey))
    }

    /// Create or upgrade the central schema. On the first counter the
    /// identity key is made here; elsewhere it must have been enrolled.
    fn central_init_here(&self, _admin: &Admin) -> Result<CentralInit, DeskError> {
        let central = self.central()?;
        let file = KeyFile::at(&central.identity_key_file);
        let mut client = self.central_url()?.connect()?;
        let known = IdentityKey::read(&file)?;
        let server_has_key = facepay_central::schema::version(&mut client)?.is_some()
            && client
                .query_opt(
                    "SELECT 1 FROM central_meta WHERE key = 'identity_key_check'",
                    &[],
                )
                .map_err(CentralError::from)?
                .is_some();
        let (key, identity_key) = match known {
            Some(key) => (key, "enrolled"),
            None if server_has_key => return Err(CentralError::NoIdentityKey.into()),
            None => {
                let key = IdentityKey::generate()?;
                key.enroll(&file)?;
                (key, "created")
            }
        };
        let schema = facepay_central::schema::init(&mut client, &key)?;
        Ok(CentralInit {
            schema,
            identity_key,
            next: "在其他收银台：本机运行 facepay central identity-key --show（需管理员），\
                   在那台电脑运行 facepay central identity-key --enroll 并粘贴；\
                   数据库密码用 facepay central password 存入各台电脑"
                .into(),
        })
    }

    /// The identity key as 64 hex digits, for enrolling another counter.
    pub fn central_identity_key(&self, _admin: &Admin) -> Result<String, DeskError> {
        Ok(self.identity_key()?.to_hex().to_string())
    }

    /// Keep the hospital's identity key on this machine.
    pub fn central_enroll_key(&self, _admin: &Admin, hex: &str) -> Result<(), DeskError> {
        let key = IdentityKey::from_hex(hex)?;
        Ok(key.enroll(&KeyFile::at(&self.central()?.identity_key_file))?)
    }

    /// Keep the database password in the keystore (not in the settings file).
    pub fn central_set_password(&self, _admin: &Admin, password: &str) -> Result<(), DeskError> {
        if password.is_empty() || password.chars().any(char::is_control) {
            return Err(DeskError::Invalid {
                field: "password",
                message: "密码不能为空，也不能含控制字符".into(),
            });
        }
        if password.trim() != password {
            return Err(DeskError::Invalid {
                field: "password",
                message: "密码首尾不能有空格".into(),
            });
        }
        facepay_keystore::write_secret(&self.central()?.password_file, password)
            .map_err(CentralError::from)?;
        Ok(())
    }

    /// Ship until the server holds everything this counter committed before
    /// the call; `patience` bounds the retries of an unreachable server.
    fn central_sync_here(&self, patience: Duration) -> Result<SyncReport, DeskError> {
        let url = self.central_url()?;
        let key = self.identity_key()?;
        let counter_id = self.config.counter_id.as_str().to_owned();
        let local = DeskLocal(self);
        let before = local.enroll(&counter_id)?;
        let target = self.read(replication::last_seq)?;
        let shipped = facepay_central::sync_until(
            &url,
            &local,
            &counter_id,
            &key,
            target,
            Instant::now() + patience,
        )?;
        let after = local.enroll(&counter_id)?;
        Ok(SyncReport {
            counter_id,
            acknowledged_seq: after.acknowledged_seq.max(shipped.acknowledged_seq),
            pending: after.pending,
            rows_shipped: usize::try_from(before.pending - after.pending).unwrap_or(0),
        })
    }

    fn central_summary_here(&self, date: &str) -> Result<HospitalDay, DeskError> {
        let day = facepay_journal::clock::business_day("date", date)?;
        let mut client = self.central_url()?.connect()?;
        facepay_central::schema::check(&mut client, &self.identity_key()?)?;
        Ok(facepay_central::report::summary(&mut client, day)?)
    }

    fn central_status_here(&self) -> Result<CentralStatus, DeskError> {
        let url = self.central_url()?;
        let mut client = url.connect()?;
        let schema_version = facepay_central::schema::version(&mut client)?;
        let counters = match schema_version {
            Some(_) => facepay_central::report::counters(&mut client)?,
            None => Vec::new(),
        };
        let this_counter_pending = self.read(replication::position)?.map_or(0, |p| p.pending);
        Ok(CentralStatus {
            server: url.to_string(),
            schema_version,
            this_counter_pending,
            counters,
        })
    }
    pub fn central_init(&self, admin: &Admin) -> Result<CentralInit, DeskError> {
        off_runtime(|| self.central_init_here(admin))
    }
    pub fn central_sync(&self, patience: Duration) -> Result<SyncReport, DeskError> {
        off_runtime(|| self.central_sync_here(patience))
    }
    pub fn central_summary(&self, date: &str) -> Result<HospitalDay, DeskError> {
        off_runtime(|| self.central_summary_here(date))
    }
    pub fn central_status(&self) -> Result<CentralStatus, DeskError> {
        off_runtime(|| self.central_status_here())
    }
}

/// The desk's journal as the shipper sees it.
struct DeskLocal<'a>(&'a Desk);

impl Local for DeskLocal<'_> {
    fn enroll(&self, counter_id: &str) -> Result<Position, CentralError> {
        let counter =
            facepay_journal::CounterId::new(counter_id).ok_or_else(|| CentralError::Invalid {
                field: "counter.id",
                message: "应为字母或数字".into(),
            })?;
        let position = self
            .0
            .read(replication::position)
            .map_err(desk_to_central)?;
        if let Some(p) = position.filter(|p| p.counter_id == counter_id) {
            return Ok(p);
        }
        self.0
            .write(|tx, now, _| Ok(replication::enroll(tx, &counter, now)?))
            .map_err(desk_to_central)?;
        self.0
            .read(replication::position)
            .map_err(desk_to_central)?
            .ok_or_else(|| CentralError::Server("本机记录库未能登记".into()))
    }

    fn batch(&self, after: i64, limit: u32) -> Result<Batch, CentralError> {
        self.0
            .read(|c| replication::batch(c, after, limit))
            .map_err(desk_to_central)
    }

    fn acknowledge(&self, seq: i64) -> Result<(), CentralError> {
        self.0
            .write(|tx, _, _| Ok(replication::acknowledge(tx, seq)?))
            .map_err(desk_to_central)
    }

    fn rewind(&self, seq: i64) -> Result<(), CentralError> {
        self.0
            .write(|tx, _, _| Ok(replication::rewind(tx, seq)?))
            .map_err(desk_to_central)
    }

    fn heartbeat(&self) -> Result<Heartbeat, CentralError> {
        let backlog = self.0.backlog().map_err(desk_to_central)?;
        Ok(Heartbeat {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            outbox_backlog: i32::try_from(backlog.undelivered).unwrap_or(i32::MAX),
            unresolved: i32::try_from(backlog.pending).unwrap_or(i32::MAX),
            operator_id: self.0.seat.occupant().map(|o| o.id().as_str().to_owned()),
        })
    }
}

fn desk_to_central(e: DeskError) -> CentralError {
    match e {
        DeskError::Journal(j) => CentralError::Journal(j),
        DeskError::Central(c) => c,
        other => CentralError::Server(other.to_string()),
    }
}
