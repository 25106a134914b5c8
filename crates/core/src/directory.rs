//! The hospital's operator directory, from the counter's side (docs/central.md
//! "操作员"). `central init` founds it with that counter's operators; every
//! other counter joins it at its first pull once it has operators (its own
//! operators the directory lacks are disabled here). A counter that has
//! joined changes operators on the server (refused, nothing changed, while
//! it cannot be reached), pulls the directory at every heartbeat, checks
//! sign-ins against the directory while the server answers (its PIN hash,
//! its lockout) and against its cache otherwise. Before it joins, and
//! without a server, operators stay in the journal as before.

use std::time::Duration;

use facepay_central::directory;
use facepay_central::{CentralError, Client};
use facepay_journal::AuditAction;
use facepay_journal::audit;
use facepay_journal::clock::stamp;
use facepay_journal::directory::{self as cache, Applied, DirectoryEntry};
use facepay_journal::operators::Attempt;

use crate::access::StaffId;
use crate::central::{CentralSyncState, off_runtime};
use crate::desk::Desk;
use crate::error::DeskError;

/// How long sign-in waits for the server before counting at this counter only.
const SIGN_IN_PATIENCE: Duration = Duration::from_secs(2);

/// What the directory said about a sign-in.
pub(crate) enum Vetted {
    /// No server, known offline, or not answering in time: this counter decides.
    Unheard,
    /// The directory holds no active operator under this 工号.
    Unknown,
    /// Counted there, with the entry as the directory holds it now.
    Counted(Attempt, DirectoryEntry),
}

impl Desk {
    /// Whether operators live on the hospital's server: this counter has
    /// joined its directory.
    pub(crate) fn directory_is_central(&self) -> bool {
        // Joined is for good: run without `[central]` afterwards, changes are
        // refused (not configured) rather than made here behind the directory.
        matches!(self.read(cache::revision), Ok(Some(_)))
    }

    /// Make an operator change on the server as `actor` with
    /// `change(client, key, by, now)` and bring this counter's cache up to
    /// it. Without a checked connection nothing is written anywhere.
    pub(crate) fn in_directory<T: Send>(
        &self,
        actor: &str,
        change: impl FnOnce(
            &mut Client,
            &facepay_central::IdentityKey,
            &str,
            &str,
        ) -> Result<T, CentralError>
        + Send,
    ) -> Result<T, DeskError> {
        off_runtime(|| {
            let mut client = self.checked_client().map_err(|e| match e {
                DeskError::Central(CentralError::Unreachable { server, cause }) => {
                    DeskError::Central(CentralError::DirectoryOffline {
                        cause: format!("无法连接全院库 {server}：{cause}"),
                    })
                }
                other => other,
            })?;
            let key = self.identity_key()?;
            self.still_ours(&mut client)?;
            // Current first: a change is made on the directory as the server holds it.
            self.directory_pull(&mut client)?;
            let by = format!("{}/{actor}", self.config.counter_id);
            let now = stamp(self.now());
            let done = change(&mut client, &key, &by, now.as_str())?;
            self.directory_pull(&mut client).map_err(|e| {
                // Not a failed change: the worker's next pull brings it.
                CentralError::Server(format!(
                    "已写入全院操作员目录，但本机的缓存还没更新（{e}），稍后自动同步"
                ))
            })?;
            Ok(done)
        })
    }

    /// Refuse a PC whose counter the server now takes from another journal
    /// (a replaced PC switched on again): it changes nobody's operators.
    fn still_ours(&self, client: &mut Client) -> Result<(), DeskError> {
        let counter_id = self.config.counter_id.as_str();
        let mine = self.read(facepay_journal::replication::position)?;
        let theirs = facepay_central::restore::owner(client, counter_id)?;
        match (mine, theirs) {
            (Some(mine), Some(theirs)) if mine.journal_id != theirs => {
                Err(DeskError::Central(CentralError::CounterTaken {
                    counter_id: counter_id.to_owned(),
                }))
            }
            _ => Ok(()),
        }
    }

    /// `central init`: found the directory with this counter's operators
    /// when it has none, then join it.
    pub(crate) fn found_directory(&self, client: &mut Client) -> Result<(), DeskError> {
        let ours = self.read(cache::local_operators)?;
        let by = format!("{}/init", self.config.counter_id);
        let key = self.identity_key()?;
        let founded = directory::found(client, &ours, &key, &by, stamp(self.now()).as_str())?;
        if founded > 0 {
            tracing::info!("operator directory founded with this counter's {founded}");
        }
        self.directory_pull(client)?;
        Ok(())
    }

    /// Pull what changed in the directory since this cache's revision. The
    /// first pull of a founded directory joins it: operators only this
    /// counter knew are disabled here (audited). Entries without the
    /// hospital's seal are refused (audited). A signed-in operator who was
    /// disabled or demoted leaves the seat.
    pub(crate) fn directory_pull(&self, client: &mut Client) -> Result<Applied, DeskError> {
        let since = self.read(cache::revision)?;
        let key = self.identity_key()?;
        let pulled = directory::changed_since(client, since.unwrap_or(0), &key)?;
        // An empty directory is not joined: `central init` founds it.
        if since.is_none() && pulled.entries.is_empty() {
            return Ok(Applied::default());
        }
        if since == Some(pulled.revision) && pulled.forged.is_empty() {
            return Ok(Applied::default());
        }
        let lock_cap = stamp(self.now() + crate::access::PIN_LOCKOUT);
        let applied = self.write(|tx, now, _| {
            let applied = cache::apply(tx, &pulled.entries, pulled.revision, now, &lock_cap)?;
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
            for (id, revision) in &pulled.forged {
                // Pulled again at every heartbeat while it is there: said once.
                let detail = format!(
                    "refused: the directory entry (revision {revision}) does not carry the hospital's seal"
                );
                if !audit::exists(tx, "directory", &format!("operator:{id}"), &detail)? {
                    audit::append(
                        tx,
                        now,
                        "directory",
                        AuditAction::UpdateOperator,
                        Some(&format!("operator:{id}")),
                        Some(&detail),
                    )?;
                }
            }
            Ok(applied)
        })?;
        if !pulled.forged.is_empty() {
            tracing::error!(
                "operator directory: {} entries without the hospital's seal refused (written past the counters?)",
                pulled.forged.len()
            );
        }
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
    /// is made here: where the hospital's directory is founded, this
    /// counter joins it and there is no first administrator to make.
    /// Unreachable, the counter is set up on its own and joins later.
    pub(crate) fn joins_the_directory(&self) -> bool {
        if self.config.central.is_none() {
            return false;
        }
        let pulled = off_runtime(|| self.directory_pull(&mut self.checked_client()?));
        pulled.is_ok() && self.directory_is_central()
    }

    /// Ask the directory about a sign-in while it answers: counted at every
    /// counter, checked against its current entry. A lockout it reports is
    /// kept here too, so it outlasts the network.
    pub(crate) fn vet_centrally(&self, id: &StaffId) -> Vetted {
        if !self.directory_is_central() {
            return Vetted::Unheard;
        }
        let Some(client) = self.sign_in_client() else {
            return Vetted::Unheard;
        };
        let asked = off_runtime(move || {
            let mut client = client;
            Ok(directory::count_attempt(
                &mut client,
                &self.identity_key()?,
                id.as_str(),
                crate::access::PIN_ATTEMPTS,
            )?)
        });
        match asked {
            Err(e) => {
                tracing::warn!("sign-in not counted centrally: {e}");
                Vetted::Unheard
            }
            Ok(None) => Vetted::Unknown,
            Ok(Some((_, entry)))
                if self
                    .read(|c| cache::cached_revision(c, id.as_str()))
                    .ok()
                    .flatten()
                    .is_some_and(|cached| entry.revision < cached) =>
            {
                // Older than what this counter already pulled: copied back
                // past the counters. This counter's copy decides.
                tracing::error!("the directory's entry for {id} is older than this counter's copy");
                Vetted::Unheard
            }
            Ok(Some((attempt, entry))) => {
                if let Attempt::Locked(until) = &attempt {
                    let cap = stamp(self.now() + crate::access::PIN_LOCKOUT);
                    let kept =
                        self.write(|tx, _, _| Ok(cache::hold_lock(tx, id.as_str(), until, &cap)?));
                    if let Err(e) = kept {
                        tracing::warn!("lockout not kept here: {e}");
                    }
                }
                Vetted::Counted(attempt, entry)
            }
        }
    }

    /// A right PIN clears the wrong ones counted at the server.
    pub(crate) fn clear_centrally(&self, id: &StaffId) {
        if !self.directory_is_central() {
            return;
        }
        if let Some(client) = self.sign_in_client() {
            let cleared = off_runtime(move || {
                let mut client = client;
                Ok(directory::clear_wrong_pins(
                    &mut client,
                    &self.identity_key()?,
                    id.as_str(),
                )?)
            });
            if let Err(e) = cleared {
                tracing::warn!("wrong PINs not cleared centrally: {e}");
            }
        }
    }

    fn sign_in_client(&self) -> Option<Client> {
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
            // A server that answers but is stuck (a long lock, a VACUUM FULL)
            // holds a sign-in no longer than one that does not answer.
            client
                .batch_execute(&format!(
                    "SET statement_timeout = {}",
                    SIGN_IN_PATIENCE.as_millis()
                ))
                .map_err(CentralError::from)?;
            facepay_central::schema::check(&mut client, &self.identity_key()?)?;
            Ok(client)
        })
        .inspect_err(|e| tracing::warn!("sign-in: checked at this counter only: {e}"))
        .ok()
    }
}
