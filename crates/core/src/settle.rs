//! 通知终端 and 退费: record the settlement and owe its notification (one
//! transaction), then deliver. A failed delivery is retried by the outbox; it
//! never changes the settlement.

use chrono::{Duration as Span, NaiveDateTime};
use serde_json::Value;

use facepay_journal::calls::{self, Outcome};
use facepay_journal::clock::stamp;
use facepay_journal::history;
use facepay_journal::idempotency;
use facepay_journal::outbox;
use facepay_journal::settlements::{self, Original, Recorded};
use facepay_journal::{CallId, DeliveryStatus, JournalError, SettlementId, Source, Transaction};
use facepay_journal::{audit, visits};
use nhsa_terminal::Prepared;
use nhsa_terminal::protocol::{
    Amount, MedicalSettleState, SettleAmounts, SettleNotify, SettleNotifyDraft,
};

use crate::config::HisNotify;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::requests::RefundRequest;
use crate::views::{DeliveryReport, NotifyReceipt, RefundDraft};
use facepay_journal::clock::Stamp;

/// How far ahead of this PC's clock a HIS settlement time may be (clocks of
/// two machines differ a little; a day's difference is a typo).
const SETL_TIME_AHEAD: Span = Span::minutes(10);

const SETL_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Who submits a settlement or refund, and what comes with it.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub source: Source,
    /// The caller's own check of the amounts, in its words (the HIS's
    /// 2207/2208, by the bridge), in place of the notify's sum.
    pub checked: Option<Vec<String>>,
    /// The HIS's Idempotency-Key, recorded with the settlement in its
    /// commit: a retry after the process died is told what was recorded.
    pub idempotency_key: Option<String>,
}

impl Submitted {
    pub fn by(source: Source) -> Self {
        Self {
            source,
            checked: None,
            idempotency_key: None,
        }
    }
}

impl Desk {
    /// 通知终端 from the panel: validate, record, deliver.
    pub async fn notify(&self, draft: SettleNotifyDraft) -> Result<NotifyReceipt, DeskError> {
        self.notify_from(draft, Source::Panel).await
    }

    /// 通知终端 on behalf of `source`. A settlement the HIS pushes waits for
    /// the cashier's F4 when the counter is set so ([`HisNotify::Cashier`]).
    pub async fn notify_from(
        &self,
        draft: SettleNotifyDraft,
        source: Source,
    ) -> Result<NotifyReceipt, DeskError> {
        self.settle(draft, None, Submitted::by(source)).await
    }

    /// [`Desk::notify_from`] with what else the caller brings (the bridge:
    /// its own check of the amounts, the HIS's Idempotency-Key).
    pub async fn notify_as(
        &self,
        draft: SettleNotifyDraft,
        submitted: Submitted,
    ) -> Result<NotifyReceipt, DeskError> {
        self.settle(draft, None, submitted).await
    }

    /// 退费 from 历史: a REFUND_SUCCESS / REFUND_FAIL of a recorded SUCCESS,
    /// under its visit's outBizNo and authNo, linked to it.
    pub async fn refund(&self, request: RefundRequest) -> Result<NotifyReceipt, DeskError> {
        self.refund_from(request, Source::Panel).await
    }

    pub async fn refund_from(
        &self,
        request: RefundRequest,
        source: Source,
    ) -> Result<NotifyReceipt, DeskError> {
        self.refund_as(request, Submitted::by(source)).await
    }

    /// [`Desk::refund_from`] with what else the caller brings (see [`Desk::notify_as`]).
    pub async fn refund_as(
        &self,
        request: RefundRequest,
        submitted: Submitted,
    ) -> Result<NotifyReceipt, DeskError> {
        let id = request.settlement_id;
        let (original, was) = self.original(id)?;
        let items = self.read(|c| settlements::items(c, id))?;
        let mut draft = refund_draft(was, &original, &items, request)?;
        // The person is the visit's, filled in like any notification's.
        draft.user_name = None;
        draft.id_no = None;
        self.settle(draft, Some(id), submitted).await
    }

    /// F4 on a settlement the HIS pushed and the counter held: send it now.
    pub async fn release(&self, settlement_id: SettlementId) -> Result<DeliveryReport, DeskError> {
        let released = self.write(|tx, now, _| {
            let released = outbox::release(tx, settlement_id, now)?;
            if released {
                audit::append(
                    tx,
                    now,
                    &self.operator(),
                    facepay_journal::AuditAction::ReleaseNotify,
                    Some(&format!("settlement:{settlement_id}")),
                    None,
                )?;
            }
            Ok(released)
        })?;
        if !released {
            return Err(DeskError::Invalid {
                field: "settlementId",
                message: format!("结算 {settlement_id} 不在等待收款员确认的状态"),
            });
        }
        self.deliver(settlement_id).await
    }

    /// The prefilled full refund of what is left of a SUCCESS.
    pub fn refund_draft(&self, id: SettlementId) -> Result<RefundDraft, DeskError> {
        let (original, mut was) = self.original(id)?;
        let row = self
            .read(|c| history::settlement(c, id))?
            .ok_or_else(|| DeskError::NotFound(format!("没有结算记录 {id}")))?;
        let mut request = RefundRequest::full(id);
        request.total_fee = Some(original.refundable().to_string());
        request.setl_time = Some(self.now().format(SETL_TIME_FORMAT).to_string());
        // What is left of each of the original's amounts, by wire name; its
        // settlement number as it was; no balance (the original's was before
        // the refund).
        let items = self.read(|c| settlements::items(c, id))?;
        let mut fields =
            serde_json::to_value(&request).map_err(|e| DeskError::Internal(e.to_string()))?;
        for (field, value) in was.amounts_mut() {
            let was_sent = value.take();
            fields[field] = match items.iter().find(|i| i.field == field) {
                Some(item) if was_sent.is_some() => Value::from(item.left().to_string()),
                _ if field == "balance" => Value::Null,
                _ => Value::from(was_sent),
            };
        }
        // As a refund of all that is left would send it (`cap_hifp_at_hif`).
        let amount = |v: &Value| v.as_str().and_then(|t| t.parse::<Amount>().ok());
        if let (Some(hif), Some(hifp)) = (amount(&fields["hifAmt"]), amount(&fields["hifpAmt"]))
            && hifp > hif
        {
            fields["hifpAmt"] = Value::from(hif.to_string());
        }
        let request: RefundRequest =
            serde_json::from_value(fields).map_err(|e| DeskError::Internal(e.to_string()))?;
        Ok(RefundDraft {
            original: row,
            refundable: original.refundable().to_string(),
            request,
        })
    }

    /// The original SUCCESS a refund refers to, and its notification as sent.
    fn original(&self, id: SettlementId) -> Result<(Original, SettleNotifyDraft), DeskError> {
        self.read(|c| {
            let original = settlements::original(c, id)?
                .ok_or_else(|| JournalError::NotFound(format!("没有结算记录 {id}")))?;
            if original.state != MedicalSettleState::Success {
                return Err(JournalError::Invalid {
                    field: "settlementId",
                    message: format!(
                        "结算 {id} 的状态是{}，只能对结算成功的记录退费",
                        original.state.label()
                    ),
                });
            }
            let was = settlements::payload(c, id)?.to_draft();
            Ok((original, was))
        })
    }

    /// Record and deliver. `checked`: the caller's own check of the amounts
    /// (in the HIS's words), replacing the notify's sum.
    async fn settle(
        &self,
        draft: SettleNotifyDraft,
        refund_of: Option<SettlementId>,
        submitted: Submitted,
    ) -> Result<NotifyReceipt, DeskError> {
        let Submitted {
            source,
            checked,
            idempotency_key,
        } = submitted;
        let (draft, about_the_visit) = self.complete(draft, source)?;
        let n = SettleNotify::try_from(draft)?;
        self.check_setl_time(&n)?;
        // A refund sent as a notification names every item itself.
        if refund_of.is_none()
            && n.result.state().is_refund()
            && let Some(a) = n.result.amounts()
        {
            check_refund_parts(a, n.total_fee)?;
        }
        let mut warnings = checked.unwrap_or_else(|| n.amount_warnings());
        warnings.extend(about_the_visit);
        let hold = source == Source::His && self.config.bridge.his_notify == HisNotify::Cashier;
        // The settlement, its outbox row and the intent of its first delivery: one commit.
        let (recorded, first_delivery, visit_id): (Recorded, _, _) =
            self.write(|tx, now, session| {
                let visit_id = visits::by_out_biz_no(tx, n.out_biz_no.as_str())?.map(|v| v.id);
                let recorded = settlements::record_from(tx, &n, visit_id, refund_of, source, now)?;
                if let Some(key) = &idempotency_key {
                    idempotency::attach(tx, key, n.out_biz_no.as_str())?;
                    idempotency::attach_settlement(tx, key, recorded.settlement_id)?;
                }
                audit::append(
                    tx,
                    now,
                    &self.operator(),
                    if refund_of.is_some() {
                        facepay_journal::AuditAction::Refund
                    } else {
                        facepay_journal::AuditAction::Notify
                    },
                    Some(n.out_biz_no.as_str()),
                    Some(n.result.state().code()),
                )?;
                if hold {
                    outbox::hold(tx, recorded.settlement_id)?;
                    return Ok((recorded, None, visit_id));
                }
                if outbox::waits_behind(tx, recorded.settlement_id)?.is_some() {
                    return Ok((recorded, None, visit_id));
                }
                let (call_id, prepared) =
                    self.journal_delivery(tx, now, session, recorded.settlement_id, &n)?;
                Ok((recorded, Some((call_id, prepared)), visit_id))
            })?;
        if visit_id.is_none() {
            // Recorded and sent all the same (a visit scanned before this
            // journal, or on the terminal by hand), but worth a look: a typo
            // in the outBizNo shows another patient's result, or none.
            warnings.push(format!(
                "本窗口没有流水号 {} 的刷脸或扫码记录：请核对流水号，终端可能不认这次结算",
                n.out_biz_no.as_str()
            ));
        }
        let delivery = match first_delivery {
            Some((call_id, prepared)) => {
                self.send_delivery(recorded.settlement_id, call_id, prepared)
                    .await?
            }
            // Behind an earlier result of the visit that is still owed.
            None if !hold => {
                warnings.push(
                    "这次就诊的前一条结算通知尚未送达终端：这条会在它之后发送，终端上的先后不会颠倒"
                        .into(),
                );
                match self.deliver(recorded.settlement_id).await {
                    Ok(report) => report,
                    // Another request (or the worker) is sending the visit's
                    // earlier result this moment. This one is recorded: it
                    // waits its turn in the outbox, and the answer says so —
                    // an error here would be retried and recorded twice.
                    Err(DeskError::Journal(JournalError::Busy(_))) => self
                        .read(|c| outbox::entry(c, recorded.settlement_id))?
                        .ok_or_else(|| {
                            DeskError::Internal(format!(
                                "结算 {} 没有发送记录",
                                recorded.settlement_id
                            ))
                        })?
                        .into(),
                    Err(e) => return Err(e),
                }
            }
            None => self
                .read(|c| outbox::entry(c, recorded.settlement_id))?
                .ok_or_else(|| {
                    DeskError::Internal(format!("结算 {} 没有发送记录", recorded.settlement_id))
                })?
                .into(),
        };
        // The day it was settled is closed already: said, or the cashier
        // looks for it under the wrong day.
        let settled_on = n.setl_time.as_str().get(..10).unwrap_or_default();
        if recorded.business_day.as_str() > settled_on {
            warnings.push(format!(
                "{settled_on} 已日结（关账）：这笔计入 {} 的日结，在历史中按该日期查找",
                recorded.business_day
            ));
        }
        Ok(NotifyReceipt {
            settlement_id: recorded.settlement_id,
            out_biz_no: n.out_biz_no.as_str().to_owned(),
            state: n.result.state(),
            self_pay: n.result.is_self_pay(),
            business_day: recorded.business_day,
            original_id: recorded.original_id,
            warnings,
            delivery,
        })
    }

    /// setlTime is when the HIS settled: it cannot lie ahead of now.
    fn check_setl_time(&self, n: &SettleNotify) -> Result<(), DeskError> {
        let at = NaiveDateTime::parse_from_str(n.setl_time.as_str(), SETL_TIME_FORMAT)
            .map_err(|e| DeskError::Internal(format!("已校验的结算时间无法读取：{e}")))?;
        if at > self.now() + SETL_TIME_AHEAD {
            return Err(DeskError::Invalid {
                field: "setlTime",
                message: format!(
                    "结算时间 {} 晚于现在超过 10 分钟，请填写 HIS 实际结算的时间",
                    n.setl_time.as_str()
                ),
            });
        }
        Ok(())
    }

    /// Fill what this counter knows: operator, hospital, office, the visit's
    /// authNo and identity, and the settlement time when the caller gave none.
    fn complete(
        &self,
        mut d: SettleNotifyDraft,
        source: Source,
    ) -> Result<(SettleNotifyDraft, Vec<String>), DeskError> {
        let c = &self.config;
        // The patient reads 结算失败 on the terminal: at the panel, the
        // cashier says why (a HIS or a script may have no words for it).
        if source == Source::Panel
            && d.medical_settle_state == "FAIL"
            && d.fail_reason.as_deref().is_none_or(|r| r.trim().is_empty())
        {
            return Err(DeskError::Invalid {
                field: "failReason",
                message: "结算失败时请填写失败原因：终端会把它显示给患者".into(),
            });
        }
        let fill = |slot: &mut String, v: &str| {
            if slot.trim().is_empty() {
                *slot = v.to_owned();
            }
        };
        let (operator_id, operator_name) = self.operator_fields();
        fill(&mut d.operator_id, operator_id.as_str());
        fill(&mut d.operator_name, operator_name.as_str());
        fill(&mut d.hospital_name, c.hospital_name.as_str());
        fill(&mut d.biz_type, c.biz_type.code());
        fill(
            &mut d.setl_time,
            &self.now().format(SETL_TIME_FORMAT).to_string(),
        );
        if d.office_id.is_none() && d.office_name.is_none() {
            d.office_id = Some(c.office_id.as_str().to_owned());
            d.office_name = Some(c.office_name.as_str().to_owned());
        }
        let visit = self.read(|conn| {
            let Some(visit) = visits::by_out_biz_no(conn, &d.out_biz_no)? else {
                return Ok(None);
            };
            let full = visits::reveal(conn, visit.id)?;
            let scanning = calls::scan_in_flight(conn, &c.counter_id)?
                .is_some_and(|no| no == visit.out_biz_no);
            let shown_to_caller = match source {
                // The signed-in cashier, who may reveal it (audited).
                Source::Panel => true,
                Source::His => self.identity_open(conn, &visit)?,
                // The command line never shows a full identity.
                _ => false,
            };
            Ok(Some((visit, full, scanning, shown_to_caller)))
        })?;
        let mut warnings = Vec::new();
        if let Some((visit, full, scanning, shown_to_caller)) = visit {
            if scanning {
                return Err(DeskError::ScanInProgress {
                    out_biz_no: visit.out_biz_no,
                });
            }
            // The HIS settles after the scan: a time well before it is
            // likely a typo (a year) or another visit's, and counts in that
            // day's 日结. From a HIS or a script (whose clock may drift) it is
            // recorded as sent, and said; at the panel the cashier typed it
            // a moment ago, so it is refused before anything goes out.
            let scanned = facepay_journal::clock::parse(&visit.created_at);
            let settled = NaiveDateTime::parse_from_str(&d.setl_time, SETL_TIME_FORMAT).ok();
            if let (Some(scanned), Some(settled)) = (scanned, settled)
                && settled + SETL_TIME_AHEAD < scanned
            {
                if source == Source::Panel {
                    return Err(DeskError::Invalid {
                        field: "setlTime",
                        message: format!(
                            "结算时间 {} 早于这次刷脸（{}）：请填写 HIS 实际结算的时间（刷脸之后）",
                            d.setl_time,
                            scanned.format(SETL_TIME_FORMAT)
                        ),
                    });
                }
                // Which 日结 it counts in is said once, by the receipt (and
                // by the closed-day warning when that day is closed).
                warnings.push(format!(
                    "结算时间 {} 早于这次刷脸（{}）：请核对 HIS 的结算时间",
                    d.setl_time,
                    scanned.format(SETL_TIME_FORMAT),
                ));
            }
            match (&d.auth_no, &visit.auth_no) {
                (Some(given), Some(known)) if given != known => {
                    return Err(DeskError::Invalid {
                        field: "authNo",
                        message: format!(
                            "授权号与这次刷脸的授权号 {known} 不符：结算结果通知的是这次刷脸（可不传授权号）"
                        ),
                    });
                }
                (None, _) => d.auth_no = visit.auth_no.clone(),
                _ => {}
            }
            // The visit's person is the one the terminal shows the result to:
            // a draft naming nobody gets them. One naming someone is checked
            // only by a caller shown the identity: to anyone else the answer
            // would tell whether a guess at the masked name or 证件号 is right.
            if let Some((name, id_no)) = full {
                let named = [
                    ("idNo", d.id_no.is_some()),
                    ("userName", d.user_name.is_some()),
                ];
                if let Some((field, _)) = named.iter().find(|(_, given)| *given)
                    && !shown_to_caller
                {
                    return Err(DeskError::Invalid {
                        field,
                        message:
                            "请不要传姓名和证件号：结算结果总是通知给这次刷脸（扫码）取得身份的患者"
                                .into(),
                    });
                }
                if d.id_no
                    .as_deref()
                    .is_some_and(|v| !v.eq_ignore_ascii_case(&id_no))
                {
                    return Err(DeskError::Invalid {
                        field: "idNo",
                        message: "证件号与这次刷脸（扫码）取得的身份不符：结算结果只能通知给这位患者（可不传证件号）".into(),
                    });
                }
                if d.user_name.as_deref().is_some_and(|v| v != name) {
                    return Err(DeskError::Invalid {
                        field: "userName",
                        message: "姓名与这次刷脸（扫码）取得的身份不符：结算结果只能通知给这位患者（可不传姓名）".into(),
                    });
                }
                d.user_name = Some(name);
                d.id_no = Some(id_no);
            } else if d.medical_settle_state == "SUCCESS" {
                warnings.push(format!(
                    "流水号 {} 的刷脸没有取得身份（失败或结果待确认）：终端上可能没有这次就诊，请核对",
                    d.out_biz_no
                ));
            }
        }
        Ok((d, warnings))
    }

    /// The receipt of a recorded settlement, as its first answer gave it
    /// (less the warnings, which were about its input): for a HIS retrying
    /// a request whose answer was lost with the process that recorded it.
    pub fn receipt(&self, settlement_id: SettlementId) -> Result<NotifyReceipt, DeskError> {
        self.read(|c| {
            let n = settlements::payload(c, settlement_id)?;
            let out_biz_no = n.out_biz_no.as_str().to_owned();
            let row = history::visit_detail(c, &out_biz_no)?
                .settlements
                .into_iter()
                .find(|r| r.id == settlement_id)
                .ok_or_else(|| JournalError::NotFound(format!("没有结算记录 {settlement_id}")))?;
            let delivery = outbox::entry(c, settlement_id)?.ok_or_else(|| {
                JournalError::NotFound(format!("结算 {settlement_id} 没有发送记录"))
            })?;
            Ok(NotifyReceipt {
                settlement_id,
                out_biz_no,
                state: row.state,
                self_pay: row.self_pay,
                business_day: row.business_day,
                original_id: row.original_id,
                warnings: Vec::new(),
                delivery: delivery.into(),
            })
        })
    }

    /// Send a settlement's notification once, now, and journal how it went.
    pub async fn deliver(&self, settlement_id: SettlementId) -> Result<DeliveryReport, DeskError> {
        enum Next {
            AlreadyDelivered(DeliveryReport),
            Send(CallId, Prepared<SettleNotify>),
        }
        // The visit's earlier result first; one the cashier still holds keeps this one waiting.
        if let Some((earlier, status)) = self.read(|c| outbox::waits_behind(c, settlement_id))? {
            let delivered = status == DeliveryStatus::Pending
                && Box::pin(self.deliver(earlier)).await?.status == DeliveryStatus::Delivered;
            if !delivered {
                return self
                    .read(|c| outbox::entry(c, settlement_id))?
                    .map(Into::into)
                    .ok_or_else(|| DeskError::NotFound(format!("没有结算记录 {settlement_id}")));
            }
        }
        let next = self.write(|tx, now, session| {
            let entry = outbox::entry(tx, settlement_id)?
                .ok_or_else(|| DeskError::NotFound(format!("没有结算记录 {settlement_id}")))?;
            if entry.status == DeliveryStatus::Delivered {
                return Ok(Next::AlreadyDelivered(entry.into()));
            }
            let n = settlements::payload(tx, settlement_id)?;
            let (call_id, prepared) = self.journal_delivery(tx, now, session, settlement_id, &n)?;
            Ok(Next::Send(call_id, prepared))
        })?;
        match next {
            Next::AlreadyDelivered(report) => Ok(report),
            Next::Send(call_id, prepared) => {
                self.send_delivery(settlement_id, call_id, prepared).await
            }
        }
    }

    /// Journal the intent of delivering a settlement's notification.
    fn journal_delivery(
        &self,
        tx: &Transaction<'_>,
        now: &Stamp,
        session: &str,
        settlement_id: SettlementId,
        n: &SettleNotify,
    ) -> Result<(CallId, Prepared<SettleNotify>), DeskError> {
        let prepared = self.terminal.prepare(n);
        let call_id =
            self.journal_intent(tx, now, session, &prepared, None, Some(settlement_id))?;
        Ok((call_id, prepared))
    }

    /// Send, then journal the outcome and settle the outbox row.
    async fn send_delivery(
        &self,
        settlement_id: SettlementId,
        call_id: CallId,
        prepared: Prepared<SettleNotify>,
    ) -> Result<DeliveryReport, DeskError> {
        let result = self.terminal.send(&prepared).await;
        // What the terminal says may quote the patient: their name, 证件号
        // and token masked before it is stored, shown or logged.
        let result = match result {
            Err(e) => {
                let known = self.read(|c| calls::known_person(c, call_id))?;
                let known: Vec<_> = known.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Err(e.scrubbed(&known))
            }
            ok => ok,
        };
        let outcome = match &result {
            Ok(reply) => Outcome::ok(&reply.raw),
            Err(e) => crate::outcome::of_error(e),
        };
        let now_t = self.now();
        let backoff = self.config.backoff;
        let entry = self.write(|tx, _, _| {
            let now = stamp(now_t);
            calls::finish(tx, call_id, &outcome, &now)?;
            Ok(match &result {
                Ok(_) => {
                    outbox::mark_delivered(tx, settlement_id, &now)?;
                    outbox::entry(tx, settlement_id)?
                        .ok_or_else(|| DeskError::NotFound(format!("结算 {settlement_id}")))?
                }
                Err(e) => outbox::mark_failed(tx, settlement_id, &e.to_string(), now_t, &backoff)?,
            })
        })?;
        if let Err(e) = &result {
            tracing::warn!(
                %settlement_id,
                attempts = entry.attempts,
                "notify not delivered: {e}"
            );
        }
        Ok(entry.into())
    }

    /// Deliver every notification whose retry time has come.
    pub async fn deliver_due(&self) -> Result<Vec<DeliveryReport>, DeskError> {
        let now = self.now();
        let horizon = self.config.backoff.longest();
        let due = self.read(|c| outbox::due(c, now, horizon, 50))?;
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
    pub async fn resend(&self, settlement_id: SettlementId) -> Result<DeliveryReport, DeskError> {
        let held = self
            .read(|c| outbox::entry(c, settlement_id))?
            .is_some_and(|e| e.status == DeliveryStatus::Held);
        if held {
            // A held settlement's first sending is the cashier's F4.
            return self.release(settlement_id).await;
        }
        self.write(|tx, now, _| {
            outbox::requeue(tx, settlement_id, now)?;
            audit::append(
                tx,
                now,
                &self.operator(),
                facepay_journal::AuditAction::ResendNotify,
                Some(&format!("settlement:{settlement_id}")),
                None,
            )?;
            Ok(())
        })?;
        self.deliver(settlement_id).await
    }

    /// When the next retry is due, for the worker's sleep.
    pub fn next_retry_at(&self) -> Result<Option<NaiveDateTime>, DeskError> {
        self.read(outbox::next_due_at)
    }
}

/// The refund's draft: the original notification with the request applied.
/// The operator is whoever refunds now (filled by `complete`) unless named.
/// An amount the request leaves out is what is left of it on the original
/// when the refund takes all that is left; a part of what is left has a split
/// only the HIS knows, so the request must give it.
fn refund_draft(
    mut d: SettleNotifyDraft,
    original: &Original,
    items: &[settlements::Item],
    mut r: RefundRequest,
) -> Result<SettleNotifyDraft, DeskError> {
    let state = r.medical_settle_state;
    if !state.is_refund() {
        return Err(DeskError::Invalid {
            field: "medicalSettleState",
            message: "退费应为退费成功（REFUND_SUCCESS）或退费失败（REFUND_FAIL）".into(),
        });
    }
    if original.refundable() == Amount::ZERO {
        return Err(DeskError::Invalid {
            field: "totalFee",
            message: format!("结算 {} 已全部退费，没有可退的金额", original.id),
        });
    }
    d.medical_settle_state = state.code().to_owned();
    d.operator_id = r.operator_id.take().unwrap_or_default();
    d.operator_name = r.operator_name.take().unwrap_or_default();
    d.setl_time = r.setl_time.take().unwrap_or_default();
    d.fail_reason = r.fail_reason.take().filter(|v| !v.is_empty());
    let insured = state.carries_amounts() && !original.self_pay;
    // The request names its amounts as the wire does: read them by those names.
    let given = serde_json::to_value(&r).map_err(|e| DeskError::Internal(e.to_string()))?;
    let given = |field: &str| {
        given
            .get(field)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let money = |field: &str| field != "balance" && field != "medicalSettleNo";
    let any_given = d
        .amounts_mut()
        .into_iter()
        .any(|(field, _)| money(field) && given(field).is_some());
    d.total_fee = match r.total_fee.take().filter(|t| !t.is_empty()) {
        Some(total) => total,
        // Items without a total are a refund of those items: the total is
        // their parts' sum, never all that is left (which would send the
        // terminal more than the HIS refunded).
        None if insured && any_given => {
            let mut sum = Amount::ZERO;
            for part in TOP_LEVEL_PARTS {
                if let Some(v) = given(part) {
                    sum = sum
                        .checked_add(Amount::parse_field(part, &v)?)
                        .ok_or_else(|| DeskError::Invalid {
                            field: "totalFee",
                            message: "退费金额之和超出上限".into(),
                        })?;
                }
            }
            sum.to_string()
        }
        None => original.refundable().to_string(),
    };
    // More than is left is said as such, before the items are looked at
    // (which would otherwise be filled from what is left and not add up).
    if let Ok(asked) = Amount::parse_field("totalFee", &d.total_fee)
        && asked > original.refundable()
    {
        return Err(DeskError::Invalid {
            field: "totalFee",
            message: format!(
                "{}金额 {asked} 超过可退金额 {}（原结算 {}，已退 {}）",
                state.label(),
                original.refundable(),
                original.total_fee,
                original.refunded
            ),
        });
    }
    // All that is left (a malformed total is refused by field further on).
    let whole = Amount::parse_field("totalFee", &d.total_fee)
        .map_or(true, |asked| asked >= original.refundable());
    if insured && !whole && !any_given {
        return Err(DeskError::Invalid {
            field: "ownAmt",
            message: format!(
                "部分退费（{} / 可退 {}）：请填写本次退费的自费、医保报销、个人帐户和统筹基金金额",
                d.total_fee,
                original.refundable()
            ),
        });
    }
    for (field, slot) in d.amounts_mut() {
        let given = given(field);
        if !insured && given.as_deref().is_some_and(|v| !v.is_empty()) {
            return Err(DeskError::Invalid {
                field,
                message: if original.self_pay {
                    "原结算为自费，退费不传医保金额".into()
                } else {
                    format!("{}时不传金额", state.label())
                },
            });
        }
        let left = items.iter().find(|i| i.field == field);
        *slot = match given {
            _ if !insured => None,
            Some(v) => Some(v),
            // The original's balance was before the refund.
            None if field == "balance" => None,
            None if field == "medicalSettleNo" => slot.take(),
            // A part of what is left: what the HIS did not name, it did not refund.
            None if !whole && REQUIRED_ITEMS.contains(&field) => Some(Amount::ZERO.to_string()),
            None if !whole => None,
            None => match left {
                Some(item) if slot.is_some() => Some(item.left().to_string()),
                _ => slot.take(),
            },
        };
    }
    if insured && any_given {
        check_refund_balance(&d)?;
    }
    if insured && !any_given {
        cap_hifp_at_hif(&mut d);
    }
    Ok(d)
}

/// What is left of 统筹 can exceed what is left of 医保报销 when earlier
/// partial refunds named 医保报销 without its 统筹 part; the rest refunded
/// in full sends no more 统筹 than 医保报销 (the terminal's rule, and ours
/// for refunds a HIS names).
fn cap_hifp_at_hif(d: &mut SettleNotifyDraft) {
    let read = |v: &Option<String>| v.as_deref().and_then(|t| t.parse::<Amount>().ok());
    if let (Some(hif), Some(hifp)) = (read(&d.hif_amt), read(&d.hifp_amt))
        && hifp > hif
    {
        d.hifp_amt = Some(hif.to_string());
    }
}

/// The parts a 总费用 is paid in (see `SettleAmounts::pay`).
const TOP_LEVEL_PARTS: [&str; 4] = ["ownAmt", "hifAmt", "acctAmt", "hosPreAmt"];
/// The items every insured notification carries (PROTOCOL.md §2.3).
const REQUIRED_ITEMS: [&str; 4] = ["ownAmt", "hifAmt", "acctAmt", "hifpAmt"];

/// A refund whose items the caller named must add up: the refund rules cap
/// each item by what is left of it, and items that do not make the total
/// would let a refund take back more of one than was paid in all.
fn check_refund_balance(d: &SettleNotifyDraft) -> Result<(), DeskError> {
    let total = Amount::parse_field("totalFee", &d.total_fee)?;
    check_refund_parts(&d.amounts()?, total)
}

fn check_refund_parts(a: &SettleAmounts, total: Amount) -> Result<(), DeskError> {
    if !a.pay(total) {
        return Err(DeskError::Invalid {
            field: "totalFee",
            message: format!(
                "退费金额不平：自费 {} + 医保报销 {} + 个人帐户 {} 不等于退费总额 {total}",
                a.own_amt, a.hif_amt, a.acct_amt
            ),
        });
    }
    if a.hifp_amt > a.hif_amt {
        return Err(DeskError::Invalid {
            field: "hifpAmt",
            message: format!(
                "退费的统筹基金 {} 超过退费的医保报销 {}",
                a.hifp_amt, a.hif_amt
            ),
        });
    }
    Ok(())
}
