//! 通知终端 and 退费: record the settlement and owe its notification (one
//! transaction), then deliver. A failed delivery is retried by the outbox; it
//! never changes the settlement.

use chrono::{Duration as Span, NaiveDateTime};
use serde_json::Value;

use facepay_journal::calls::{self, Outcome};
use facepay_journal::clock::stamp;
use facepay_journal::history;
use facepay_journal::outbox;
use facepay_journal::settlements::{self, Original, Recorded};
use facepay_journal::{CallId, DeliveryStatus, JournalError, SettlementId, Source, Transaction};
use facepay_journal::{audit, visits};
use nhsa_terminal::Prepared;
use nhsa_terminal::protocol::{Amount, MedicalSettleState, SettleNotify, SettleNotifyDraft};

use crate::config::HisNotify;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::requests::RefundRequest;
use crate::views::{DeliveryReport, NotifyReceipt, RefundDraft};

/// How far ahead of this PC's clock a HIS settlement time may be (clocks of
/// two machines differ a little; a day's difference is a typo).
const SETL_TIME_AHEAD: Span = Span::minutes(10);

const SETL_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

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
        self.settle(draft, None, source, None).await
    }

    /// [`Desk::notify_from`] for a settlement whose amounts the caller has
    /// checked in its own words (the HIS's 2207, by the bridge): its
    /// `warnings` stand in for the notify's own sum.
    pub async fn notify_checked(
        &self,
        draft: SettleNotifyDraft,
        source: Source,
        warnings: Vec<String>,
    ) -> Result<NotifyReceipt, DeskError> {
        self.settle(draft, None, source, Some(warnings)).await
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
        self.refund_with(request, source, None).await
    }

    /// [`Desk::refund_from`] for a refund whose amounts the caller has
    /// checked in its own words (the HIS's 2208, by the bridge).
    pub async fn refund_checked(
        &self,
        request: RefundRequest,
        source: Source,
        warnings: Vec<String>,
    ) -> Result<NotifyReceipt, DeskError> {
        self.refund_with(request, source, Some(warnings)).await
    }

    async fn refund_with(
        &self,
        request: RefundRequest,
        source: Source,
        checked: Option<Vec<String>>,
    ) -> Result<NotifyReceipt, DeskError> {
        let id = request.settlement_id;
        let (original, was) = self.original(id)?;
        let items = self.read(|c| settlements::items(c, id))?;
        let draft = refund_draft(was, &original, &items, request)?;
        self.settle(draft, Some(id), source, checked).await
    }

    /// F4 on a settlement the HIS pushed and the counter held: send it now.
    pub async fn release(&self, settlement_id: SettlementId) -> Result<DeliveryReport, DeskError> {
        let released = self.write(|tx, now, _| {
            let released = outbox::release(tx, settlement_id.get(), now)?;
            if released {
                audit::append(
                    tx,
                    now,
                    &self.operator(),
                    "release_notify",
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
        source: Source,
        checked: Option<Vec<String>>,
    ) -> Result<NotifyReceipt, DeskError> {
        let draft = self.complete(draft)?;
        let n = SettleNotify::try_from(draft)?;
        self.check_setl_time(&n)?;
        let mut warnings = checked.unwrap_or_else(|| n.amount_warnings());
        let hold = source == Source::His && self.config.bridge.his_notify == HisNotify::Cashier;
        // The settlement, its outbox row and the intent of its first delivery: one commit.
        let (recorded, first_delivery, visit_id): (Recorded, _, _) =
            self.write(|tx, now, session| {
                let visit_id = visits::by_out_biz_no(tx, n.out_biz_no.as_str())?.map(|v| v.id);
                let recorded = settlements::record_from(tx, &n, visit_id, refund_of, source, now)?;
                audit::append(
                    tx,
                    now,
                    &self.operator(),
                    if refund_of.is_some() {
                        "refund"
                    } else {
                        "notify"
                    },
                    Some(n.out_biz_no.as_str()),
                    Some(n.result.state().code()),
                )?;
                if hold {
                    outbox::hold(tx, recorded.settlement_id.get())?;
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
            None => self
                .read(|c| outbox::entry(c, recorded.settlement_id.get()))?
                .ok_or_else(|| {
                    DeskError::Internal(format!("结算 {} 没有发送记录", recorded.settlement_id))
                })?
                .into(),
        };
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
    fn complete(&self, mut d: SettleNotifyDraft) -> Result<SettleNotifyDraft, DeskError> {
        let c = &self.config;
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
            let full = visits::reveal(conn, visit.id.get())?;
            Ok(Some((visit, full)))
        })?;
        if let Some((visit, full)) = visit {
            if d.auth_no.is_none() {
                d.auth_no = visit.auth_no;
            }
            // The visit's person is the one the terminal shows the result to:
            // a draft naming another is refused, one naming nobody gets them.
            if let Some((name, id_no)) = full {
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
            }
        }
        Ok(d)
    }

    /// Send a settlement's notification once, now, and journal how it went.
    pub async fn deliver(&self, settlement_id: SettlementId) -> Result<DeliveryReport, DeskError> {
        enum Next {
            AlreadyDelivered(DeliveryReport),
            Send(CallId, Prepared<SettleNotify>),
        }
        let next = self.write(|tx, now, session| {
            let entry = outbox::entry(tx, settlement_id.get())?
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
        now: &str,
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
        let outcome = match &result {
            Ok(reply) => Outcome::ok(&reply.raw),
            Err(e) => crate::outcome::of_error(e),
        };
        let now_t = self.now();
        let backoff = self.config.backoff;
        let entry = self.write(|tx, _, _| {
            let now = stamp(now_t);
            calls::finish(tx, call_id.get(), &outcome, &now)?;
            let id = settlement_id.get();
            Ok(match &result {
                Ok(_) => {
                    outbox::mark_delivered(tx, id, &now)?;
                    outbox::entry(tx, id)?
                        .ok_or_else(|| DeskError::NotFound(format!("结算 {settlement_id}")))?
                }
                Err(e) => outbox::mark_failed(tx, id, &e.to_string(), now_t, &backoff)?,
            })
        })?;
        if let Err(e) = &result {
            tracing::warn!(
                settlement_id = settlement_id.get(),
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
            .read(|c| outbox::entry(c, settlement_id.get()))?
            .is_some_and(|e| e.status == DeliveryStatus::Held);
        if held {
            // A held settlement's first sending is the cashier's F4.
            return self.release(settlement_id).await;
        }
        self.write(|tx, now, _| {
            outbox::requeue(tx, settlement_id.get(), now)?;
            audit::append(
                tx,
                now,
                &self.operator(),
                "resend_notify",
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
    d.total_fee = r
        .total_fee
        .take()
        .unwrap_or_else(|| original.refundable().to_string());
    d.fail_reason = r.fail_reason.take().filter(|v| !v.is_empty());
    let insured = state.carries_amounts() && !original.self_pay;
    // The request names its amounts as the wire does: read them by those names.
    let given = serde_json::to_value(&r).map_err(|e| DeskError::Internal(e.to_string()))?;
    let given = |field: &str| given.get(field).and_then(Value::as_str).map(str::to_owned);
    // All that is left (or more, refused by the journal naming totalFee).
    let whole = Amount::parse_field("totalFee", &d.total_fee)
        .map_or(true, |asked| asked >= original.refundable());
    let any_given = d
        .amounts_mut()
        .into_iter()
        .any(|(field, _)| field != "balance" && given(field).is_some_and(|v| !v.is_empty()));
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
            Some(v) if v.is_empty() => None,
            Some(v) => Some(v),
            // The original's balance was before the refund.
            None if field == "balance" => None,
            None if field == "medicalSettleNo" => slot.take(),
            None if !whole => None,
            None => match left {
                Some(item) if slot.is_some() => Some(item.left().to_string()),
                _ => slot.take(),
            },
        };
    }
    Ok(d)
}
