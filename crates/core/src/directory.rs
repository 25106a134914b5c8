//! The hospital's operator directory, from the counter's side (docs/central.md
//! "操作员"). With a server configured, operators are added and changed on
//! the server (the administrator's change is refused, nothing changed, while
//! it cannot be reached), the counter keeps a cache it pulls at every
//! heartbeat, sign-in checks that cache (so it works offline), and wrong PINs
//! count at every counter while the server answers. Without a server
//! everything stays in the journal as before.

use std::time::Duration;

use facepay_central::directory;
use facepay_central::{CentralError, Client};
use facepay_journal::AuditAction;
use facepay_journal::audit;
use facepay_journal::clock::stamp;
use facepay_journal::directory::{self as cache, Applied};
use facepay_journal::operators::Attempt;

use crate::access::StaffId;
use crate::central::{CentralSyncState, off_runtime};
use crate::desk::Desk;
use crate::error::DeskError;

/// How long sign-in waits for the server before counting at this counter only.
const SIGN_IN_PATIENCE: Duration = Duration::from_secs(2);

impl Desk {
    /// Whether operators live on the hospital's server.
    pub(crate) fn directory_is_central(&self) -> bool {
        self.config.central.is_some()
    }

    /// Make an operator change on the server with `change(client, by, now)`
    /// and bring this counter's cache up to it. Anything short of a checked
    /// connection refuses the change: nothing is written anywhere.
    pub(crate) fn in_directory<T: Send>(
        &self,
        admin: &str,
        change: impl FnOnce(&mut Client, &str, &str) -> Result<T, CentralError> + Send,
    ) -> Result<T, DeskError> {
        off_runtime(|| {
            let mut client = self
                .checked_client()
                .map_err(|e| CentralError::DirectoryOffline {
                    cause: e.to_string(),
                })?;
            // Joined and current first: a change is applied on top of the
            // directory as the server holds it.
            self.directory_pull(&mut client)?;
            let by = format!("{}/{admin}", self.config.counter_id);
            let now = stamp(self.now());
            let done = change(&mut client, &by, now.as_str())?;
            self.directory_pull(&mut client).map_err(|e| {
                // Not a failed change: the worker's next pull brings it.
                CentralError::Server(format!(
                    "已写入全院操作员目录，但本机的缓存还没更新（{e}），稍后自动同步"
                ))
            })?;
            Ok(done)
        })
    }

    /// Pull what changed in the directory since this cache's revision. The
    /// first pull joins: an empty directory takes this counter's operators;
    /// otherwise operators only this counter knew are disabled here (audited).
    /// A signed-in operator who was disabled or demoted leaves the seat.
    pub(crate) fn directory_pull(&self, client: &mut Client) -> Result<Applied, DeskError> {
        let since = self.read(cache::revision)?;
        if since.is_none() {
            let ours = self.read(cache::local_operators)?;
            let by = format!("{}/join", self.config.counter_id);
            let seeded = directory::seed_if_empty(client, &ours, &by, stamp(self.now()).as_str())?;
            if seeded > 0 {
                tracing::info!("operator directory: seeded with this counter's {seeded}");
            }
        }
        let entries = directory::changed_since(client, since.unwrap_or(0))?;
        // An empty directory is not joined: this counter seeds it once it has operators.
        if entries.is_empty() {
            return Ok(Applied::default());
        }
        let applied = self.write(|tx, now, _| {
            let applied = cache::apply(tx, &entries, now)?;
            for id in &applied.disabled_on_joining {
                audit::append(
                    tx,
                    now,
                    "directory",
                    AuditAction::UpdateOperator,
                    Some(&format!("operator:{id}")),
                    Some("disabled: not in the hospital's directory"),
                )?;
            }
            Ok(applied)
        })?;
        if !applied.disabled_on_joining.is_empty() {
            tracing::warn!(
                "operator directory: {} operators only this counter knew were disabled on joining",
                applied.disabled_on_joining.len()
            );
        }
        if let Some(seated) = self.seat.occupant() {
            let record = self.read(|c| facepay_journal::operators::get(c, seated.id.as_str()))?;
            // A promotion waits for the next sign-in; a demotion does not wait.
            let demoted = |r: &facepay_journal::operators::OperatorRecord| {
                seated.role == crate::access::Role::Admin && r.role != seated.role
            };
            if record.is_none_or(|r| !r.active || demoted(&r)) {
                self.seat.leave();
            }
        }
        Ok(applied)
    }

    /// A fresh counter with a server asks it before a first administrator
    /// is made here: where the hospital's directory already has operators,
    /// they are pulled and there is no first administrator to make.
    /// Unreachable, the counter is set up on its own and joins later.
    pub(crate) fn joins_the_directory(&self) -> bool {
        if !self.directory_is_central() {
            return false;
        }
        let pulled = off_runtime(|| self.directory_pull(&mut self.checked_client()?));
        pulled.is_ok() && self.read(cache::revision).ok().flatten().is_some()
    }

    /// Count a sign-in attempt at the server too, when it answers: the
    /// lockout holds at every counter. `None` when it was not counted there
    /// (no server, known offline, not answering in time, or a 工号 it does
    /// not hold).
    pub(crate) fn count_centrally(&self, id: &StaffId, lock_until: &str) -> Option<Attempt> {
        let client = self.sign_in_client()?;
        let now = stamp(self.now());
        off_runtime(move || {
            let mut client = client;
            Ok(directory::count_attempt(
                &mut client,
                id.as_str(),
                crate::access::PIN_ATTEMPTS,
                lock_until,
                now.as_str(),
            )?)
        })
        .inspect_err(|e| tracing::warn!("sign-in not counted centrally: {e}"))
        .ok()
        .flatten()
    }

    /// A right PIN clears the wrong ones counted at the server.
    pub(crate) fn clear_centrally(&self, id: &StaffId) {
        if let Some(client) = self.sign_in_client() {
            let now = stamp(self.now());
            let cleared = off_runtime(move || {
                let mut client = client;
                Ok(directory::clear_wrong_pins(
                    &mut client,
                    id.as_str(),
                    now.as_str(),
                )?)
            });
            if let Err(e) = cleared {
                tracing::warn!("wrong PINs not cleared centrally: {e}");
            }
        }
    }

    fn sign_in_client(&self) -> Option<Client> {
        if !self.directory_is_central() {
            return None;
        }
        let offline = self
            .central_state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|v| v.state == CentralSyncState::Offline);
        if offline {
            return None;
        }
        off_runtime(|| {
            let mut client = self.central_url()?.connect_within(SIGN_IN_PATIENCE)?;
            facepay_central::schema::check(&mut client, &self.identity_key()?)?;
            Ok(client)
        })
        .inspect_err(|e| tracing::warn!("sign-in: the server is not answering: {e}"))
        .ok()
    }
}
