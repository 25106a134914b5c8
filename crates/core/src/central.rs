//! The counter's side of the hospital's central server (docs/central.md):
//! the desk lends its journal to the shipper (reads on a connection of their
//! own, acknowledgements as tiny writes, never across a network call), and
//! IT's commands — init, the identity key, the password, sync, the
//! hospital's 日结 and every counter's standing.

use std::time::{Duration, Instant};

use facepay_central::reconcile::{Difference, HisRow, Reconciliation, ReconciliationRequest};
use facepay_central::report::{CentralSettlement, CounterStatus, HospitalDay};
use facepay_central::schema::Initialised;
use facepay_central::{CentralError, CentralUrl, Heartbeat, IdentityKey, Local};
use facepay_journal::replication;
use facepay_journal::replication::{Batch, Position};
use facepay_keystore::KeyFile;
use nhsa_terminal::transport::Charset;
use serde::Serialize;

use crate::access::{Admin, Reviewer};
use crate::config::CentralConfig;
use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralStatus {
    pub server: String,
    /// Whether the server answered; `reason` says why not.
    pub reachable: bool,
    pub reason: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub schema_version: Option<i64>,
    /// This counter's entries not yet on the server.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub this_counter_pending: i64,
    /// A restore began on this PC and has not finished: it takes no payment
    /// (docs/central.md 3.2).
    pub this_counter_restore_unfinished: bool,
    pub counters: Vec<CounterStatus>,
}

/// The status bar's 全院同步, as the worker last saw it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralSyncView {
    /// `synced`, `behind` (entries waiting) or `offline` (with the reason).
    pub state: CentralSyncState,
    /// This counter's entries not yet on the server.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: i64,
    /// What the status bar shows: 全院同步：已同步 / 延迟 N 条 / 未连接.
    pub label: String,
    /// Why it is not connected (the server's or the network's words).
    pub reason: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CentralSyncState {
    Synced,
    Behind,
    Offline,
}

impl CentralSyncView {
    fn of(result: &Result<i64, DeskError>) -> Self {
        match result {
            Ok(0) => Self {
                state: CentralSyncState::Synced,
                pending: 0,
                label: "全院同步：已同步".into(),
                reason: None,
            },
            Ok(n) => Self {
                state: CentralSyncState::Behind,
                pending: *n,
                label: format!("全院同步：延迟 {n} 条"),
                reason: None,
            },
            Err(e) if e.code() == ErrorCode::RestoreUnfinished => Self {
                state: CentralSyncState::Offline,
                pending: 0,
                label: "全院同步：换机恢复未完成，本机暂不收费".into(),
                reason: Some(e.to_string()),
            },
            Err(e) => Self {
                state: CentralSyncState::Offline,
                pending: 0,
                label: "全院同步：未连接".into(),
                reason: Some(e.to_string()),
            },
        }
    }
}

/// Entries waiting are shipped this soon after they are made.
const SHIP_EVERY: Duration = Duration::from_secs(2);
/// A counter with nothing to ship still says it is alive this often.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
/// The longest pause after failures (the server down for a while).
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Ship to the hospital's server for as long as the desk lives (spawn it on
/// the app's runtime; abort the task to stop it). Returns at once when no
/// server is configured. The counter never waits for it: each step runs on
/// a thread of its own and touches the journal only briefly.
pub async fn central_worker(desk: std::sync::Arc<Desk>) {
    if desk.config.central.is_none() {
        return;
    }
    let mut last_beat: Option<Instant> = None;
    let mut pause = SHIP_EVERY;
    loop {
        let waiting = desk
            .read(replication::position)
            .map(|p| p.map_or(1, |p| p.pending));
        let due = last_beat.is_none_or(|t| t.elapsed() >= HEARTBEAT_EVERY);
        if due || !matches!(waiting, Ok(0)) {
            if due {
                // The heartbeat says whether the terminal answers now.
                let _ = desk.probe().await;
            }
            let worker = std::sync::Arc::clone(&desk);
            // The operator directory is pulled with each heartbeat: a change
            // at another counter is here within a minute.
            let result = tokio::task::spawn_blocking(move || worker.central_step(due))
                .await
                .unwrap_or_else(|e| Err(DeskError::Internal(format!("全院同步：{e}"))));
            let view = CentralSyncView::of(&result);
            if let Err(e) = &result {
                tracing::warn!("central sync: {e}");
                pause = (pause * 2).min(MAX_BACKOFF);
            } else {
                last_beat = Some(Instant::now());
                pause = SHIP_EVERY;
            }
            *desk.central_state.lock().unwrap_or_else(|p| p.into_inner()) = Some(view);
        }
        tokio::time::sleep(pause).await;
    }
}

/// How long `central sync --wait` keeps trying an unreachable server.
pub const SYNC_PATIENCE: Duration = Duration::from_secs(20);

/// postgres' blocking client runs its own small runtime, which may not be
/// started inside the caller's (the CLI's, the panel's): its calls go on a
/// thread of their own.
pub(crate) fn off_runtime<T: Send>(
    f: impl FnOnce() -> Result<T, DeskError> + Send,
) -> Result<T, DeskError> {
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
    pub(crate) fn central_url(&self) -> Result<CentralUrl, DeskError> {
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

    /// A connection to a server this build may read and write, keyed as this counter is.
    pub(crate) fn checked_client(&self) -> Result<facepay_central::Client, DeskError> {
        let mut client = self.central_url()?.connect()?;
        facepay_central::schema::check(&mut client, &self.identity_key()?)?;
        Ok(client)
    }

    /// 对账 of `rows` against the day `date` on the server.
    fn reconcile_rows(&self, date: &str, rows: &[HisRow]) -> Result<Reconciliation, DeskError> {
        let day = facepay_journal::clock::business_day("date", date)?;
        Ok(facepay_central::reconcile::reconcile(
            &mut self.checked_client()?,
            day,
            rows,
        )?)
    }

    pub(crate) fn identity_key(&self) -> Result<IdentityKey, DeskError> {
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
        // The first counter's operators found the hospital's directory.
        self.found_directory(&mut client)?;
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

    /// Keep the hospital's identity key on this machine; `replace` puts it
    /// over another one enrolled by mistake (the server still refuses any
    /// key but the hospital's).
    pub fn central_enroll_key(
        &self,
        _admin: &Admin,
        hex: &str,
        replace: bool,
    ) -> Result<(), DeskError> {
        let key = IdentityKey::from_hex(hex)?;
        let file = KeyFile::at(&self.central()?.identity_key_file);
        if replace {
            file.write_pending(&key.to_hex())
                .and_then(|()| file.promote())
                .map_err(CentralError::from)?;
            return Ok(());
        }
        Ok(key.enroll(&file)?)
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
    fn central_sync_here(&self, patience: Duration, target: i64) -> Result<SyncReport, DeskError> {
        let url = self.central_url()?;
        let key = self.identity_key()?;
        // A restore under way here: the status bar says that, not "taken".
        self.read(facepay_journal::restore::refuse_if_unfinished)?;
        let counter_id = self.config.counter_id.as_str().to_owned();
        let local = DeskLocal(self);
        let before = local.enroll(&counter_id)?;
        // Everything listed by now, enrolment's own listing included.
        let target = target.max(self.read(replication::last_seq)?);
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
        let mut client = self.checked_client()?;
        Ok(facepay_central::report::summary(&mut client, day)?)
    }

    fn central_person_here(
        &self,
        operator_id: &str,
        id_no: &str,
        limit: i64,
    ) -> Result<Vec<CentralSettlement>, DeskError> {
        let id_no = id_no.trim();
        // A 居民身份证 (digits, maybe a final X) is 15 or 18 long; other
        // documents (passports, permits) carry letters.
        let numeric = id_no.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_digit() || (i + 1 == id_no.len() && b.eq_ignore_ascii_case(&b'X'))
        });
        if !(6..=32).contains(&id_no.len())
            || !id_no.bytes().all(|b| b.is_ascii_alphanumeric())
            || (numeric && ![15, 18].contains(&id_no.len()))
        {
            return Err(DeskError::Invalid {
                field: "idNo",
                message: "请输入完整的证件号（半角数字和字母，如 18 位身份证号）".into(),
            });
        }
        let key = self.identity_key()?;
        let mut client = self.central_url()?.connect()?;
        facepay_central::schema::check(&mut client, &key)?;
        let found = facepay_central::report::settlements_of_person(
            &mut client,
            &key.hash_id_no(id_no),
            limit,
        )?;
        // Who looked a person up, where, and how much they saw: audited on
        // the server (never the number itself).
        facepay_central::report::audit(
            &mut client,
            self.config.counter_id.as_str(),
            operator_id,
            "person_search",
            None,
            &format!("按证件号查询全院结算，{} 笔", found.len()),
        )?;
        Ok(found)
    }

    fn reconcile_here(
        &self,
        date: &str,
        his: &[u8],
        charset: Charset,
    ) -> Result<Reconciliation, DeskError> {
        let rows = facepay_central::reconcile::parse_his_csv(his, charset)?;
        self.reconcile_rows(date, &rows)
    }

    fn central_status_here(&self) -> Result<CentralStatus, DeskError> {
        let url = self.central_url()?;
        let this_counter_pending = self.read(replication::position)?.map_or(0, |p| p.pending);
        let this_counter_restore_unfinished = self.restore_under_way()?;
        // Unreachable, it still says what this counter has not shipped.
        let mut client = match url.connect() {
            Ok(client) => client,
            Err(e) => {
                return Ok(CentralStatus {
                    server: url.to_string(),
                    reachable: false,
                    reason: Some(e.to_string()),
                    schema_version: None,
                    this_counter_pending,
                    this_counter_restore_unfinished,
                    counters: Vec::new(),
                });
            }
        };
        let schema_version = facepay_central::schema::version(&mut client)?;
        let counters = match schema_version {
            Some(_) => facepay_central::report::counters(&mut client)?,
            None => Vec::new(),
        };
        Ok(CentralStatus {
            server: url.to_string(),
            reachable: true,
            reason: None,
            schema_version,
            this_counter_pending,
            this_counter_restore_unfinished,
            counters,
        })
    }

    /// The status bar's 全院同步 (`None` without a server, or before the first step).
    pub fn central_sync_view(&self) -> Option<CentralSyncView> {
        self.config.central.as_ref()?;
        Some(
            self.central_state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or(CentralSyncView {
                    state: CentralSyncState::Behind,
                    pending: 0,
                    label: "全院同步：正在连接".into(),
                    reason: None,
                }),
        )
    }

    /// One step of the worker: ship what is waiting (one connection, as many
    /// batches as are ready). Entries still waiting afterwards.
    fn central_step(&self, pull_directory: bool) -> Result<i64, DeskError> {
        off_runtime(|| {
            let target = self.read(replication::last_seq)?;
            let pending = self.central_sync_here(Duration::ZERO, target)?.pending;
            if pull_directory {
                self.directory_pull(&mut self.checked_client()?)?;
            }
            Ok(pending)
        })
    }

    pub fn central_init(&self, admin: &Admin) -> Result<CentralInit, DeskError> {
        off_runtime(|| self.central_init_here(admin))
    }
    pub fn central_sync(&self, patience: Duration) -> Result<SyncReport, DeskError> {
        off_runtime(|| {
            let target = self.read(replication::last_seq)?;
            let report = self.central_sync_here(patience, target)?;
            self.directory_pull(&mut self.checked_client()?)?;
            Ok(report)
        })
    }
    pub fn central_summary(&self, date: &str) -> Result<HospitalDay, DeskError> {
        off_runtime(|| self.central_summary_here(date))
    }
    /// A person's settlements at every counter (masked), by their full 证件号,
    /// which the server never sees: it is hashed here with the identity key.
    pub fn central_person(
        &self,
        reviewer: &Reviewer,
        id_no: &str,
        limit: i64,
    ) -> Result<Vec<CentralSettlement>, DeskError> {
        off_runtime(|| self.central_person_here(reviewer.id(), id_no, limit))
    }

    /// 对账: the HIS's list of a day's settlements (CSV in `charset`) against
    /// every counter's records on the central server; the differences are
    /// kept there until explained.
    pub fn reconcile(
        &self,
        _reviewer: &Reviewer,
        date: &str,
        his: &[u8],
        charset: Charset,
    ) -> Result<Reconciliation, DeskError> {
        off_runtime(|| self.reconcile_here(date, his, charset))
    }

    /// 对账 for the HIS through the bridge (its token is its credential):
    /// the list as JSON, checked as the file is.
    pub fn reconcile_for_his(
        &self,
        request: &ReconciliationRequest,
    ) -> Result<Reconciliation, DeskError> {
        let rows = facepay_central::reconcile::his_rows(&request.settlements)?;
        off_runtime(|| self.reconcile_rows(&request.date, &rows))
    }

    /// The day's differences still waiting for an explanation.
    pub fn open_differences(
        &self,
        _reviewer: &Reviewer,
        date: &str,
    ) -> Result<Vec<Difference>, DeskError> {
        off_runtime(|| {
            let day = facepay_journal::clock::business_day("date", date)?;
            let mut client = self.checked_client()?;
            Ok(facepay_central::reconcile::open_differences(
                &mut client,
                day,
            )?)
        })
    }

    /// Explain difference `id` (audited on the server under this counter and `reviewer`).
    pub fn explain_difference(
        &self,
        reviewer: &Reviewer,
        id: i64,
        note: &str,
    ) -> Result<(), DeskError> {
        off_runtime(|| {
            let mut client = self.checked_client()?;
            Ok(facepay_central::reconcile::explain(
                &mut client,
                id,
                note,
                self.config.counter_id.as_str(),
                reviewer.id(),
            )?)
        })
    }

    pub fn central_status(&self) -> Result<CentralStatus, DeskError> {
        off_runtime(|| self.central_status_here())
    }
}

/// The desk's journal as the shipper sees it.
pub(crate) struct DeskLocal<'a>(pub(crate) &'a Desk);

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

    fn acknowledge(&self, seq: i64, token: Option<&str>) -> Result<(), CentralError> {
        self.0
            .write(|tx, _, _| Ok(replication::acknowledge(tx, seq, token)?))
            .map_err(desk_to_central)
    }

    fn prepare(&self, token: &str, seq: i64) -> Result<(), CentralError> {
        self.0
            .write(|tx, _, _| Ok(replication::prepare(tx, token, seq)?))
            .map_err(desk_to_central)
    }

    fn prepared(&self, token: &str) -> Result<Option<i64>, CentralError> {
        self.0
            .read(|c| replication::prepared(c, token))
            .map_err(desk_to_central)
    }

    fn rewind(&self, seq: i64, token: Option<&str>) -> Result<(), CentralError> {
        self.0
            .write(|tx, _, _| Ok(replication::rewind(tx, seq, token)?))
            .map_err(desk_to_central)
    }

    fn heartbeat(&self) -> Result<Heartbeat, CentralError> {
        let backlog = self.0.backlog().map_err(desk_to_central)?;
        Ok(Heartbeat {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            outbox_backlog: i32::try_from(backlog.undelivered).unwrap_or(i32::MAX),
            unresolved: i32::try_from(backlog.pending).unwrap_or(i32::MAX),
            operator_id: self.0.seat.occupant().map(|o| o.id().as_str().to_owned()),
            terminal_reachable: self.0.terminal_seen(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use facepay_journal::JournalError;

    #[test]
    fn the_status_bar_names_a_restore_under_way_rather_than_a_lost_connection() {
        let view = |r: Result<i64, DeskError>| CentralSyncView::of(&r).label;
        assert_eq!(view(Ok(0)), "全院同步：已同步");
        assert_eq!(view(Ok(3)), "全院同步：延迟 3 条");
        assert_eq!(
            view(Err(DeskError::Central(CentralError::NotInitialised))),
            "全院同步：未连接"
        );
        let restoring = DeskError::Journal(JournalError::RestoreUnfinished {
            counter_id: "W03".into(),
            since: "2026-12-06 09:00:00".into(),
        });
        assert_eq!(
            view(Err(restoring)),
            "全院同步：换机恢复未完成，本机暂不收费"
        );
    }
}
