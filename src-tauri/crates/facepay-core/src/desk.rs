//! The cashier workflow. Each terminal call goes: journal the intent →
//! send → journal the outcome → only then return. Journal writes are short
//! and synchronous; the lock is never held across an await.

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use facepay_journal::Transaction;
use facepay_journal::calls::{self, Call, NewCall, Outcome, Resolution};
use facepay_journal::clock::{Clock, SystemClock, stamp};
use facepay_journal::export::ExportFormat;
use facepay_journal::history::{self, HistoryFilter, HistoryPage, VisitDetail};
use facepay_journal::outbox::{self, OutboxEntry};
use facepay_journal::summary::{self, DaySummary};
use facepay_journal::visits::{self, NewVisit};
use facepay_journal::{Journal, JournalError, audit, sequence, settlements};
use nhsa_terminal::protocol::notify::SettleNotifyDraft;
use nhsa_terminal::protocol::{AuthCheck, AuthNo, EcAuth, ExtData, OutBizNo, SettleNotify};
use nhsa_terminal::transport::{self, Transport};
use nhsa_terminal::{Prepared, Reply, Terminal, TerminalError};

use crate::config::DeskConfig;
use crate::error::DeskError;
use crate::views::IdentityView;

/// A face scan that yielded an identity.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceAuthOutcome {
    pub visit_id: i64,
    /// The ec.auth outBizNo: settle.notify of this visit carries it.
    pub out_biz_no: String,
    pub auth_no: String,
    pub identity: IdentityView,
}

/// Where a settlement's notification stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReport {
    pub settlement_id: i64,
    /// `delivered`, `pending` (a retry is scheduled) or `gave_up` (a person must re-send).
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<OutboxEntry> for DeliveryReport {
    fn from(e: OutboxEntry) -> Self {
        let pending = e.status == "pending";
        Self {
            settlement_id: e.settlement_id,
            status: e.status,
            attempts: e.attempts,
            next_attempt_at: pending.then_some(e.next_attempt_at),
            last_error: e.last_error,
        }
    }
}

/// A recorded settlement and how its notification went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyReceipt {
    pub settlement_id: i64,
    pub out_biz_no: String,
    pub state: String,
    pub business_day: String,
    pub original_id: Option<i64>,
    /// Amounts that do not add up (a warning, never a refusal).
    pub warnings: Vec<String>,
    pub delivery: DeliveryReport,
}

#[derive(Debug)]
pub struct Desk {
    config: DeskConfig,
    terminal: Terminal,
    journal: Mutex<Journal>,
    pub(crate) wake: tokio::sync::Notify,
}

impl Desk {
    /// Connect the configured transport and open the journal.
    pub fn open(config: DeskConfig, program: &str) -> Result<Self, DeskError> {
        let transport = transport::connect(&config.transport).map_err(DeskError::Connect)?;
        Self::with_parts(config, transport, Arc::new(SystemClock), program)
    }

    pub fn with_parts(
        config: DeskConfig,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        program: &str,
    ) -> Result<Self, DeskError> {
        let journal = Journal::open(&config.db_path, program, clock)?;
        let terminal = Terminal::new(config.org_id.clone(), transport, config.timeouts);
        Ok(Self {
            config,
            terminal,
            journal: Mutex::new(journal),
            wake: tokio::sync::Notify::new(),
        })
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` in one journal transaction with the current timestamp.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &str, &str) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let mut j = self.journal();
        let now = j.now();
        let session = j.session().id().to_owned();
        j.write(|tx| f(tx, &now, &session))
    }

    fn operator(&self) -> &str {
        self.config.operator_id.as_str()
    }

    /// Journal a call's outcome; on success also run `on_ok` in the same transaction.
    fn finish<R>(
        &self,
        call_id: i64,
        result: Result<Reply<R>, TerminalError>,
        on_ok: impl FnOnce(&Transaction<'_>, &Reply<R>, &str) -> Result<(), JournalError>,
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

    /// Journal the intent of sending `prepared`: its transaction, number and
    /// exact text come from the request itself, so the journal cannot disagree
    /// with what is sent.
    fn journal_intent<T>(
        &self,
        tx: &Transaction<'_>,
        now: &str,
        session: &str,
        prepared: &Prepared<T>,
        visit_id: Option<i64>,
        settlement_id: Option<i64>,
    ) -> Result<i64, DeskError> {
        Ok(calls::insert_intent(
            tx,
            &NewCall {
                session_id: session,
                visit_id,
                settlement_id,
                counter_id: &self.config.counter_id,
                trans_type: prepared.trans_type,
                out_biz_no: prepared.out_biz_no.as_str(),
                request: &prepared.envelope,
            },
            now,
        )?)
    }

    /// This counter's face-scan request under a fresh number.
    fn scan_request(&self, out_biz_no: OutBizNo) -> EcAuth {
        let c = &self.config;
        EcAuth {
            org_id: c.org_id.clone(),
            out_biz_no,
            business_type: c.business_type,
            operator_id: c.operator_id.clone(),
            operator_name: c.operator_name.clone(),
            office_id: c.office_id.clone(),
            office_name: c.office_name.clone(),
            ext_data: ExtData::empty(),
        }
    }

    /// Journal a failed call; the error to return.
    fn failed(&self, call_id: i64, error: TerminalError) -> DeskError {
        let recorded = self.write(|tx, now, _| {
            Ok(calls::finish(
                tx,
                call_id,
                &Outcome::from_error(&error),
                now,
            )?)
        });
        tracing::warn!(
            call_id,
            code = error.code(),
            "terminal call failed: {error}"
        );
        match recorded {
            Ok(()) => DeskError::Terminal { error, call_id },
            Err(journal) => journal,
        }
    }

    /// 刷脸: start face authorization on the terminal, then fetch the
    /// identity. `cancel` resolving stops the wait (the outcome is recorded
    /// as unknown: the terminal may still be scanning).
    pub async fn face_auth(
        &self,
        cancel: impl Future<Output = ()>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let c = &self.config;
        let (visit_id, call_id, prepared) = self.write(|tx, now, session| {
            let no = sequence::next_out_biz_no(tx, c.org_id.as_str(), &c.counter_id, &now[..10])?;
            let request = self.scan_request(no.clone());
            let prepared = self.terminal.prepare(&request);
            let visit_id = visits::insert(
                tx,
                &NewVisit {
                    out_biz_no: no.as_str(),
                    counter_id: &c.counter_id,
                    operator_id: c.operator_id.as_str(),
                    operator_name: c.operator_name.as_str(),
                    office_id: c.office_id.as_str(),
                    office_name: c.office_name.as_str(),
                    business_type: c.business_type.code(),
                },
                now,
            )?;
            let call_id = self.journal_intent(tx, now, session, &prepared, Some(visit_id), None)?;
            Ok((visit_id, call_id, prepared))
        })?;
        let result = tokio::select! {
            result = self.terminal.send(&prepared) => result,
            () = cancel => {
                let outcome = Outcome::Unknown {
                    kind: "cancelled".into(),
                    message: "收银员取消了等待，终端上的刷脸可能仍在进行".into(),
                    reply: None,
                };
                self.write(|tx, now, _| Ok(calls::finish(tx, call_id, &outcome, now)?))?;
                return Err(DeskError::Cancelled { call_id });
            }
        };
        // The outcome of the scan and the intent of the identity check: one commit.
        let check = match result {
            Ok(reply) => self.write(|tx, now, session| {
                let auth_no = reply.data.auth_no.clone();
                calls::finish(tx, call_id, &Outcome::ok(&reply.raw), now)?;
                visits::set_auth_no(tx, visit_id, auth_no.as_str())?;
                let (check_id, prepared) =
                    self.journal_check(tx, now, session, visit_id, &auth_no)?;
                Ok((auth_no, check_id, prepared))
            })?,
            Err(error) => return Err(self.failed(call_id, error)),
        };
        let (auth_no, check_id, check) = check;
        self.send_check(
            visit_id,
            prepared.out_biz_no.as_str(),
            &auth_no,
            check_id,
            check,
        )
        .await
    }

    /// Fetch (again) the identity of a visit whose face scan succeeded, e.g.
    /// after auth.check failed: no second scan needed.
    pub async fn fetch_identity(
        &self,
        visit_out_biz_no: &str,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let visit =
            visits::by_out_biz_no(self.journal().conn(), visit_out_biz_no)?.ok_or_else(|| {
                JournalError::NotFound(format!("没有流水号为 {visit_out_biz_no} 的刷脸记录"))
            })?;
        let auth_no = visit
            .auth_no
            .ok_or_else(|| JournalError::NotFound("该次刷脸没有成功的授权，请重新刷脸".into()))?;
        let auth_no = AuthNo::new(auth_no)?;
        self.check_identity(visit.id, &visit.out_biz_no, &auth_no)
            .await
    }

    async fn check_identity(
        &self,
        visit_id: i64,
        visit_out_biz_no: &str,
        auth_no: &AuthNo,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let (call_id, prepared) =
            self.write(|tx, now, session| self.journal_check(tx, now, session, visit_id, auth_no))?;
        self.send_check(visit_id, visit_out_biz_no, auth_no, call_id, prepared)
            .await
    }

    /// Allocate a number and journal the intent of an auth.check.
    fn journal_check(
        &self,
        tx: &Transaction<'_>,
        now: &str,
        session: &str,
        visit_id: i64,
        auth_no: &AuthNo,
    ) -> Result<(i64, Prepared<AuthCheck>), DeskError> {
        let c = &self.config;
        let no = sequence::next_out_biz_no(tx, c.org_id.as_str(), &c.counter_id, &now[..10])?;
        let request = AuthCheck::after(self.scan_request(no.clone()), no.clone(), auth_no.clone());
        let prepared = self.terminal.prepare(&request);
        let call_id = self.journal_intent(tx, now, session, &prepared, Some(visit_id), None)?;
        Ok((call_id, prepared))
    }

    async fn send_check(
        &self,
        visit_id: i64,
        visit_out_biz_no: &str,
        auth_no: &AuthNo,
        call_id: i64,
        prepared: Prepared<AuthCheck>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let result = self.terminal.send(&prepared).await;
        let reply = self.finish(call_id, result, |tx, reply, now| {
            visits::set_identity(tx, visit_id, &reply.data, now)
        })?;
        let today = self.journal().clock().now().date();
        Ok(FaceAuthOutcome {
            visit_id,
            out_biz_no: visit_out_biz_no.to_owned(),
            auth_no: auth_no.as_str().to_owned(),
            identity: IdentityView::of(&reply.data, today),
        })
    }

    /// 通知终端: validate, record the settlement and owe its delivery (one
    /// transaction), then deliver. A failed delivery is retried by the outbox;
    /// it never changes the settlement.
    pub async fn notify(&self, draft: SettleNotifyDraft) -> Result<NotifyReceipt, DeskError> {
        let draft = self.complete(draft)?;
        let n = SettleNotify::try_from(draft)?;
        let warnings = n.amount_warnings();
        // The settlement, its outbox row and the intent of its first delivery: one commit.
        let (recorded, call_id, prepared) = self.write(|tx, now, session| {
            let visit_id = visits::by_out_biz_no(tx, n.out_biz_no.as_str())?.map(|v| v.id);
            let recorded = settlements::record(tx, &n, visit_id, now)?;
            audit::append(
                tx,
                now,
                self.operator(),
                "notify",
                Some(n.out_biz_no.as_str()),
                Some(n.result.state().code()),
            )?;
            let (call_id, prepared) =
                self.journal_delivery(tx, now, session, recorded.settlement_id, &n)?;
            Ok((recorded, call_id, prepared))
        })?;
        let delivery = self
            .send_delivery(recorded.settlement_id, call_id, prepared)
            .await?;
        Ok(NotifyReceipt {
            settlement_id: recorded.settlement_id,
            out_biz_no: n.out_biz_no.as_str().to_owned(),
            state: n.result.state().code().to_owned(),
            business_day: recorded.business_day,
            original_id: recorded.original_id,
            warnings,
            delivery,
        })
    }

    /// Fill what this counter knows: operator, hospital, office, the visit's
    /// authNo and identity, and the settlement time when the caller gave none.
    fn complete(&self, mut d: SettleNotifyDraft) -> Result<SettleNotifyDraft, DeskError> {
        let c = &self.config;
        let fill = |slot: &mut String, v: &str| {
            if slot.trim().is_empty() {
                *slot = v.to_owned();
            }
        };
        fill(&mut d.operator_id, c.operator_id.as_str());
        fill(&mut d.operator_name, c.operator_name.as_str());
        fill(&mut d.hospital_name, c.hospital_name.as_str());
        fill(&mut d.biz_type, c.biz_type.code());
        let j = self.journal();
        fill(
            &mut d.setl_time,
            &j.clock().now().format("%Y-%m-%d %H:%M:%S").to_string(),
        );
        if d.office_id.is_none() && d.office_name.is_none() {
            d.office_id = Some(c.office_id.as_str().to_owned());
            d.office_name = Some(c.office_name.as_str().to_owned());
        }
        if let Some(visit) = visits::by_out_biz_no(j.conn(), &d.out_biz_no)? {
            if d.auth_no.is_none() {
                d.auth_no = visit.auth_no.clone();
            }
            if d.id_no.is_none()
                && d.user_name.is_none()
                && let Some((name, id_no)) = visits::reveal(j.conn(), visit.id)?
            {
                d.user_name = Some(name);
                d.id_no = Some(id_no);
            }
        }
        Ok(d)
    }

    /// Send a settlement's notification once, now, and journal how it went.
    pub async fn deliver(&self, settlement_id: i64) -> Result<DeliveryReport, DeskError> {
        let entry = outbox::entry(self.journal().conn(), settlement_id)?
            .ok_or_else(|| JournalError::NotFound(format!("没有结算记录 {settlement_id}")))?;
        if entry.status == "delivered" {
            return Ok(entry.into());
        }
        let (call_id, prepared) = self.write(|tx, now, session| {
            let n = settlements::payload(tx, settlement_id)?;
            self.journal_delivery(tx, now, session, settlement_id, &n)
        })?;
        self.send_delivery(settlement_id, call_id, prepared).await
    }

    /// Journal the intent of delivering a settlement's notification.
    fn journal_delivery(
        &self,
        tx: &Transaction<'_>,
        now: &str,
        session: &str,
        settlement_id: i64,
        n: &SettleNotify,
    ) -> Result<(i64, Prepared<SettleNotify>), DeskError> {
        let prepared = self.terminal.prepare(n);
        let call_id =
            self.journal_intent(tx, now, session, &prepared, None, Some(settlement_id))?;
        Ok((call_id, prepared))
    }

    /// Send, then journal the outcome and settle the outbox row.
    async fn send_delivery(
        &self,
        settlement_id: i64,
        call_id: i64,
        prepared: Prepared<SettleNotify>,
    ) -> Result<DeliveryReport, DeskError> {
        let result = self.terminal.send(&prepared).await;
        let outcome = match &result {
            Ok(reply) => Outcome::ok(&reply.raw),
            Err(e) => Outcome::from_error(e),
        };
        let mut j = self.journal();
        let now_t = j.clock().now();
        let now = stamp(now_t);
        let backoff = self.config.backoff;
        let entry = j.write(|tx| {
            calls::finish(tx, call_id, &outcome, &now)?;
            match &result {
                Ok(_) => {
                    outbox::mark_delivered(tx, settlement_id, &now)?;
                    outbox::entry(tx, settlement_id)?
                        .ok_or_else(|| JournalError::NotFound(format!("结算 {settlement_id}")))
                }
                Err(e) => outbox::mark_failed(tx, settlement_id, &e.to_string(), now_t, &backoff),
            }
        })?;
        if let Err(e) = &result {
            tracing::warn!(
                settlement_id,
                attempts = entry.attempts,
                "notify not delivered: {e}"
            );
        }
        Ok(entry.into())
    }

    /// Deliver every notification whose retry time has come.
    pub async fn deliver_due(&self) -> Result<Vec<DeliveryReport>, DeskError> {
        let due = {
            let j = self.journal();
            outbox::due(j.conn(), &j.now(), 50)?
        };
        let mut reports = Vec::with_capacity(due.len());
        for entry in due {
            match self.deliver(entry.settlement_id).await {
                Ok(report) => reports.push(report),
                // Another window or process is sending it right now.
                Err(DeskError::Journal(JournalError::Busy(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(reports)
    }

    /// 重发: a person asks to send an undelivered notification again now.
    pub async fn resend(&self, settlement_id: i64) -> Result<DeliveryReport, DeskError> {
        self.write(|tx, now, _| {
            outbox::requeue(tx, settlement_id, now)?;
            audit::append(
                tx,
                now,
                self.operator(),
                "resend_notify",
                Some(&format!("settlement:{settlement_id}")),
                None,
            )?;
            Ok(())
        })?;
        self.deliver(settlement_id).await
    }

    /// When the next retry is due, for the worker's sleep.
    pub fn next_retry_at(&self) -> Result<Option<chrono::NaiveDateTime>, DeskError> {
        Ok(outbox::next_due_at(self.journal().conn())?)
    }

    pub fn now(&self) -> chrono::NaiveDateTime {
        self.journal().clock().now()
    }

    pub fn recover_orphans(&self) -> Result<usize, DeskError> {
        Ok(self.journal().recover_orphans()?)
    }

    /// 待确认: unknown outcomes awaiting a person's decision.
    pub fn pending(&self) -> Result<Vec<Call>, DeskError> {
        Ok(calls::pending(self.journal().conn())?)
    }

    /// Resolve a 待确认 call with a reason (audited). Confirming that a
    /// notification reached the terminal stops its retries.
    pub fn resolve(
        &self,
        call_id: i64,
        resolution: Resolution,
        reason: &str,
    ) -> Result<Call, DeskError> {
        self.write(|tx, now, _| {
            let call = calls::resolve(tx, call_id, resolution, reason, self.operator(), now)?;
            if let (Resolution::ConfirmedOk, Some(settlement_id)) = (resolution, call.settlement_id)
            {
                outbox::mark_delivered(tx, settlement_id, now)?;
            }
            Ok(call)
        })
    }

    pub fn history(&self, filter: &HistoryFilter) -> Result<HistoryPage, DeskError> {
        Ok(history::search(self.journal().conn(), filter)?)
    }

    pub fn visit(&self, out_biz_no: &str) -> Result<VisitDetail, DeskError> {
        Ok(history::visit_detail(self.journal().conn(), out_biz_no)?)
    }

    /// 显示: the full name and 证件号 of a visit, audited.
    pub fn reveal(&self, visit_id: i64) -> Result<(String, String), DeskError> {
        self.write(|tx, now, _| {
            let full = visits::reveal(tx, visit_id)?
                .ok_or_else(|| JournalError::NotFound(format!("就诊 {visit_id} 没有身份信息")))?;
            audit::append(
                tx,
                now,
                self.operator(),
                "reveal_identity",
                Some(&format!("visit:{visit_id}")),
                None,
            )?;
            Ok(full)
        })
    }

    pub fn summary(
        &self,
        day: &str,
        operator_id: Option<&str>,
    ) -> Result<Vec<DaySummary>, DeskError> {
        if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
            return Err(JournalError::Invalid {
                field: "date",
                message: format!("日期“{day}”应为 YYYY-MM-DD"),
            }
            .into());
        }
        Ok(summary::day(self.journal().conn(), day, operator_id)?)
    }

    /// 日结 of this counter's operator for `day`.
    pub fn close_day(&self, day: &str) -> Result<DaySummary, DeskError> {
        self.write(|tx, now, _| {
            Ok(summary::close_day(
                tx,
                self.operator(),
                day,
                self.operator(),
                now,
            )?)
        })
    }

    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, DeskError> {
        Ok(outbox::undelivered(self.journal().conn())?)
    }

    /// Export to `out`, audited (an unmasked export says so in the audit log).
    pub fn export(
        &self,
        filter: &HistoryFilter,
        format: ExportFormat,
        unmasked: bool,
        out: &Path,
        progress: impl FnMut(u64),
    ) -> Result<u64, DeskError> {
        let rows = facepay_journal::export::export(
            self.journal().conn(),
            filter,
            format,
            unmasked,
            out,
            progress,
        )?;
        let detail = serde_json::json!({
            "from": filter.from, "to": filter.to, "rows": rows,
            "format": format!("{format:?}"), "unmasked": unmasked, "file": out.display().to_string(),
        });
        self.write(|tx, now, _| {
            Ok(audit::append(
                tx,
                now,
                self.operator(),
                "export",
                None,
                Some(&detail.to_string()),
            )?)
        })?;
        Ok(rows)
    }

    /// 测试连接 and the status bar: can the terminal be reached right now?
    pub async fn probe(&self) -> Result<(), DeskError> {
        self.terminal
            .transport()
            .probe(std::time::Duration::from_secs(3))
            .await
            .map_err(|e| DeskError::Connect(e.into()))
    }

    /// A read-only look at the journal (integrity checks, tests, benches).
    pub fn with_journal<T>(&self, f: impl FnOnce(&Journal) -> T) -> T {
        f(&self.journal())
    }
}
