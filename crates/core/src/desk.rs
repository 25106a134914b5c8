//! The desk: one counter's configuration, terminal and journal. Each terminal
//! call goes: journal the intent → send → journal the outcome → only then
//! return. Journal writes are short and synchronous on the one writer
//! connection; the lock is never held across an await. Reads (history, 日结,
//! exports, counts) use read-only connections of their own, so they never
//! hold up a write.

use std::sync::{Arc, Mutex, MutexGuard};

use facepay_journal::calls::{self, NewCall, Outcome};
use facepay_journal::clock::{Clock, SystemClock};
use facepay_journal::{CallId, Connection, Journal, JournalError, Readers, Transaction};
use facepay_journal::{SettlementId, VisitId};
use nhsa_terminal::transport::{self, Transport};
use nhsa_terminal::{Prepared, Reply, Terminal, TerminalError};

use crate::access::Seat;
use crate::clock_watch::ClockWatch;
use crate::config::DeskConfig;
use crate::error::DeskError;
use crate::settings::TransportKind;
use facepay_journal::clock::Stamp;

/// A journal opened read-only, and why.
#[derive(Debug)]
struct Degraded {
    disk_full: bool,
    cause: String,
}

#[derive(Debug)]
pub struct Desk {
    pub(crate) config: DeskConfig,
    pub(crate) terminal: Terminal,
    /// Before the writer: dropped first, so the writer is the last
    /// connection and checkpoints the WAL into the file when it closes.
    readers: Readers,
    journal: Mutex<Journal>,
    clock: Arc<dyn Clock>,
    clock_watch: ClockWatch,
    /// Why the journal was opened read-only (a full or read-only disk).
    degraded: Option<Degraded>,
    pub(crate) wake: tokio::sync::Notify,
    /// How the last shipping to the hospital's server went (status bar).
    pub(crate) central_state: Mutex<Option<crate::central::CentralSyncView>>,
    /// Whether the terminal answered the last probe (the heartbeat reports it).
    terminal_seen: Mutex<Option<bool>>,
    /// Who is signed in at the panel; shared with the desk that replaces this
    /// one when 设置 are saved.
    pub(crate) seat: Arc<Seat>,
}

impl Desk {
    /// Connect the configured transport and open the journal.
    pub fn open(config: DeskConfig, program: &str) -> Result<Self, DeskError> {
        // Before a `library` transport loads a vendor library that may bring
        // libcrypto up first (see facepay_journal's crypto module).
        facepay_journal::keep_openssl_through_exit();
        let transport = transport::connect(&config.transport).map_err(DeskError::Connect)?;
        Self::with_parts(config, transport, Arc::new(SystemClock), program)
    }

    /// Open the journal without connecting the terminal: for work that only
    /// reads or keeps the journal (history, 日结, exports, 待确认, operators).
    /// The vendor library is not loaded and no `nation-ec-host` is started —
    /// the panel's may be running — and a broken terminal configuration does
    /// not keep anyone from the records. A terminal call is refused.
    pub fn open_offline(config: DeskConfig, program: &str) -> Result<Self, DeskError> {
        facepay_journal::keep_openssl_through_exit();
        Self::with_parts(
            config,
            Arc::new(transport::OfflineTransport),
            Arc::new(SystemClock),
            program,
        )
    }

    pub fn with_parts(
        config: DeskConfig,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        program: &str,
    ) -> Result<Self, DeskError> {
        let journal = match crate::keys::open_journal(&config, program, Arc::clone(&clock), false) {
            Ok(journal) => journal,
            // A journal that cannot be written still answers what was recorded.
            Err(cause @ (JournalError::ReadOnly(_) | JournalError::DiskFull(_))) => {
                tracing::error!("journal opened read-only: {cause}");
                let journal =
                    match crate::keys::open_journal(&config, program, Arc::clone(&clock), true) {
                        Ok(journal) => journal,
                        Err(_) => return Err(cause.into()),
                    };
                return Ok(Self::assemble(
                    config,
                    transport,
                    clock,
                    journal,
                    Some(cause),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let desk = Self::assemble(config, transport, clock, journal, None);
        let latest = desk.read(facepay_journal::latest_entry_at)?;
        if let Some(message) = desk.clock_watch.at_start(desk.now(), latest) {
            desk.audit_clock(&message);
        }
        Ok(desk)
    }

    fn assemble(
        config: DeskConfig,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        journal: Journal,
        degraded: Option<JournalError>,
    ) -> Self {
        let readers = journal.readers();
        let seat = Arc::new(Seat::default());
        seat.set_idle_after(config.idle_lock);
        let terminal = Terminal::new(config.org_id.clone(), transport, config.timeouts);
        Self {
            config,
            terminal,
            readers,
            journal: Mutex::new(journal),
            clock,
            clock_watch: ClockWatch::default(),
            degraded: degraded.map(|e| Degraded {
                disk_full: matches!(e, JournalError::DiskFull(_)),
                cause: e.to_string(),
            }),
            wake: tokio::sync::Notify::new(),
            central_state: Mutex::new(None),
            terminal_seen: Mutex::new(None),
            seat,
        }
    }

    /// Why the journal could only be opened for reading, if so.
    pub fn degraded(&self) -> Option<&str> {
        self.degraded.as_ref().map(|d| d.cause.as_str())
    }

    /// A clock jump noticed since start, for the status bar.
    pub fn clock_warning(&self) -> Option<String> {
        self.clock_watch.warning()
    }

    /// Audit a clock jump in a transaction of its own: it stands whatever
    /// happens to the write that noticed it.
    fn audit_clock(&self, message: &str) {
        let mut j = self.journal();
        let now = j.now();
        if let Err(e) = j.write(|tx| {
            facepay_journal::audit::append(
                tx,
                &now,
                "system",
                facepay_journal::AuditAction::ClockJump,
                None,
                Some(message),
            )
        }) {
            tracing::error!("could not audit a clock jump: {e}");
        }
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// How the terminal is reached, for the status bar.
    pub fn transport_description(&self) -> String {
        self.terminal.transport().describe()
    }

    pub fn transport_kind(&self) -> TransportKind {
        TransportKind::of(&self.config.transport)
    }

    /// 测试连接 and the status bar: can the terminal be reached right now?
    pub async fn probe(&self) -> Result<(), DeskError> {
        let probed = self
            .terminal
            .transport()
            .probe(std::time::Duration::from_secs(3))
            .await
            .map_err(|e| DeskError::Connect(e.into()));
        *self.terminal_seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(probed.is_ok());
        probed
    }

    /// Whether the terminal answered the last probe (`None` before the first).
    pub(crate) fn terminal_seen(&self) -> Option<bool> {
        *self.terminal_seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A look at the writer's journal (integrity checks, tests, benches).
    pub fn with_journal<T>(&self, f: impl FnOnce(&Journal) -> T) -> T {
        f(&self.journal())
    }

    /// Run `f` on a read-only connection: never waits for the writer.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JournalError>,
    ) -> Result<T, DeskError> {
        Ok(self.readers.read(f)?)
    }

    /// Run `f` in one journal transaction with the current timestamp and session.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &Stamp, &str) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        if let Some(d) = &self.degraded {
            let cause = d.cause.clone();
            return Err(if d.disk_full {
                JournalError::DiskFull(cause)
            } else {
                JournalError::ReadOnly(cause)
            }
            .into());
        }
        if let Some(message) = self.clock_watch.observe(self.now()) {
            self.audit_clock(&message);
        }
        let mut j = self.journal();
        let now = j.now();
        let session = j.session().id().to_owned();
        j.write(|tx| f(tx, &now, &session)).map_err(|e| match e {
            DeskError::Journal(e) => DeskError::Journal(e.on_disk_of(&self.config.db_path)),
            e => e,
        })
    }

    /// Take over the seat of the desk this one replaces: saving 设置 keeps
    /// the operator signed in (under the new idle time).
    pub fn keep_seat_of(mut self, previous: &Desk) -> Self {
        self.seat = Arc::clone(&previous.seat);
        self.seat.set_idle_after(self.config.idle_lock);
        self
    }

    /// Whom actions are recorded under: the signed-in operator, else the
    /// configured one (the CLI and the HIS bridge, which never sign in).
    pub(crate) fn operator(&self) -> String {
        match self.seat.occupant() {
            Some(op) => op.id.as_str().to_owned(),
            None => self.config.operator_id.as_str().to_owned(),
        }
    }

    /// The operator's 工号 and name as the terminal and settlements record them.
    pub(crate) fn operator_fields(
        &self,
    ) -> (
        nhsa_terminal::protocol::OperatorId,
        nhsa_terminal::protocol::OperatorName,
    ) {
        match self.seat.occupant() {
            Some(op) => match nhsa_terminal::protocol::OperatorId::new(op.id.as_str()) {
                Ok(id) => (id, op.name),
                Err(_) => (self.config.operator_id.clone(), op.name),
            },
            None => (
                self.config.operator_id.clone(),
                self.config.operator_name.clone(),
            ),
        }
    }

    /// Journal the intent of sending `prepared`: its transaction, number and
    /// exact text come from the request itself, so the journal cannot disagree
    /// with what is sent.
    pub(crate) fn journal_intent<T>(
        &self,
        tx: &Transaction<'_>,
        now: &Stamp,
        session: &str,
        prepared: &Prepared<T>,
        visit_id: Option<VisitId>,
        settlement_id: Option<SettlementId>,
    ) -> Result<CallId, DeskError> {
        Ok(calls::insert_intent(
            tx,
            &NewCall {
                session_id: session,
                visit_id: visit_id.map(VisitId::get),
                settlement_id: settlement_id.map(SettlementId::get),
                counter_id: &self.config.counter_id,
                trans_type: prepared.trans_type,
                out_biz_no: prepared.out_biz_no.as_str(),
                request: &prepared.envelope,
            },
            now,
        )?)
    }

    /// Journal a call's outcome; on success also run `on_ok` in the same transaction.
    pub(crate) fn finish<R>(
        &self,
        call_id: CallId,
        result: Result<Reply<R>, TerminalError>,
        on_ok: impl FnOnce(&Transaction<'_>, &Reply<R>, &Stamp) -> Result<(), JournalError>,
    ) -> Result<Reply<R>, DeskError> {
        match result {
            Ok(reply) => {
                self.write(|tx, now, _| {
                    calls::finish(tx, call_id, &Outcome::ok(&reply.raw), now)?;
                    Ok(on_ok(tx, &reply, now)?)
                })?;
                Ok(reply)
            }
            Err(error) => Err(self.failed(call_id, error)),
        }
    }

    /// Journal a failed call; the error to return. What the terminal said is
    /// scrubbed of the patient's name, 证件号 and token where the visit knows
    /// them, before it is stored, logged or shown.
    pub(crate) fn failed(&self, call_id: CallId, error: TerminalError) -> DeskError {
        let known = self
            .read(|c| calls::known_person(c, call_id))
            .unwrap_or_default();
        let known: Vec<(nhsa_terminal::mask::Kind, &str)> =
            known.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let error = error.scrubbed(&known);
        let recorded = self.write(|tx, now, _| {
            Ok(calls::finish(
                tx,
                call_id,
                &crate::outcome::of_error(&error),
                now,
            )?)
        });
        tracing::warn!(
            %call_id,
            code = error.code(),
            "terminal call failed: {error}"
        );
        match recorded {
            Ok(()) => DeskError::Terminal { error, call_id },
            Err(journal) => journal,
        }
    }

    pub fn recover_orphans(&self) -> Result<usize, DeskError> {
        Ok(self.journal().recover_orphans()?)
    }
}
