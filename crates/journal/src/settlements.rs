//! Settlements: what the HIS settled, as notified. Recorded with their outbox
//! row in one transaction; never edited afterwards.

use chrono::{Days, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use nhsa_protocol::{Amount, MedicalSettleState, SettleAmounts, SettleNotify};

use crate::cached::Cached;
use crate::clock::Stamp;
use crate::error::violated_index;
use crate::kinds::code;
use crate::visits::last4;
use crate::{JournalError, SettlementId, VisitId};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    pub settlement_id: SettlementId,
    pub business_day: String,
    /// The SUCCESS a refund refers to, when there is one.
    pub original_id: Option<SettlementId>,
}
/// The 日结 day a settlement counts in: the day of its setlTime, unless the
/// operator has already closed that day — then the day after their last
/// closed day. Closed days never change.
pub fn business_day(
    tx: &Connection,
    operator_id: &str,
    setl_day: &str,
) -> Result<String, JournalError> {
    let last_closed: Option<String> = tx.row(
        "SELECT max(business_day) FROM day_closures WHERE operator_id = ?1",
        [operator_id],
        |r| r.get(0),
    )?;
    match last_closed {
        Some(closed) if closed.as_str() >= setl_day => {
            let next = NaiveDate::parse_from_str(&closed, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .ok_or_else(|| JournalError::Invalid {
                    field: "business_day",
                    message: format!("无法计算 {closed} 的下一天"),
                })?;
            Ok(next.format("%Y-%m-%d").to_string())
        }
        _ => Ok(setl_day.to_owned()),
    }
}

/// What a refund refers to: the SUCCESS and how much of it is refunded so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub id: SettlementId,
    pub out_biz_no: String,
    pub state: MedicalSettleState,
    pub self_pay: bool,
    pub total_fee: Amount,
    /// The REFUND_SUCCESS totals already recorded against it.
    pub refunded: Amount,
}

/// One money item of an original, by wire name: what it paid and what its
/// refunds took back so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub field: &'static str,
    pub paid: Amount,
    pub refunded: Amount,
}

impl Item {
    pub fn left(&self) -> Amount {
        self.paid.saturating_sub(self.refunded)
    }
}

impl Original {
    /// What may still be refunded.
    pub fn refundable(&self) -> Amount {
        self.total_fee.saturating_sub(self.refunded)
    }
}

pub fn original(tx: &Connection, id: SettlementId) -> Result<Option<Original>, JournalError> {
    Ok(tx
        .row(
            "SELECT s.id, s.out_biz_no, s.state, s.self_pay, s.total_fee_fen,
                    (SELECT coalesce(sum(r.total_fee_fen), 0) FROM settlements r
                     WHERE r.original_id = s.id AND r.state = 'REFUND_SUCCESS')
             FROM settlements s WHERE s.id = ?1",
            [id],
            |r| {
                Ok(Original {
                    id: r.get(0)?,
                    out_biz_no: r.get(1)?,
                    state: code(r, 2, |c| MedicalSettleState::parse(c).ok())?,
                    self_pay: r.get(3)?,
                    total_fee: fen_column(r, 4)?,
                    refunded: fen_column(r, 5)?,
                })
            },
        )
        .optional()?)
}

fn fen_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Amount> {
    let fen: i64 = r.get(i)?;
    Ok(Amount::from_fen(fen.unsigned_abs()))
}

/// What an original paid item by item, and what its REFUND_SUCCESS rows
/// took back (read from the payloads: only four items have columns).
pub fn items(tx: &Connection, original: SettlementId) -> Result<Vec<Item>, JournalError> {
    let paid = payload_draft(tx, original)?;
    let paid = SettleNotify::try_from(paid).map_err(|e| JournalError::Corrupt {
        path: "settlements.payload".into(),
        detail: format!("结算 {original}：{e}"),
    })?;
    let Some(paid) = paid.result.amounts().map(SettleAmounts::items) else {
        return Ok(Vec::new());
    };
    let mut items: Vec<Item> = paid
        .iter()
        .map(|(field, v)| Item {
            field,
            paid: v.unwrap_or(Amount::ZERO),
            refunded: Amount::ZERO,
        })
        .collect();
    // Unordered (the sums below do not care): ordered by id, SQLite walked every
    // REFUND_SUCCESS by the state index instead (issue 19: every refund on a large journal).
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM settlements WHERE original_id = ?1 AND state = 'REFUND_SUCCESS'",
    )?;
    let refunds: Vec<SettlementId> = stmt
        .query_map([original], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for refund in refunds {
        let draft = payload_draft(tx, refund)?;
        let Ok(n) = SettleNotify::try_from(draft) else {
            continue;
        };
        if let Some(a) = n.result.amounts() {
            for (item, (_, v)) in items.iter_mut().zip(a.items()) {
                item.refunded = item
                    .refunded
                    .checked_add(v.unwrap_or(Amount::ZERO))
                    .unwrap_or(Amount::MAX);
            }
        }
    }
    Ok(items)
}

/// The refund rules: only a SUCCESS with something left is refunded, of the
/// same kind (医保 or 自费), under its own outBizNo, never by more than is
/// left of it — in total and item by item.
fn check_refund(
    tx: &Connection,
    n: &SettleNotify,
    original: &Original,
    source: crate::Source,
) -> Result<(), JournalError> {
    let invalid = |field: &'static str, message: String| JournalError::Invalid { field, message };
    if original.state != MedicalSettleState::Success {
        return Err(invalid(
            "settlementId",
            format!(
                "结算 {} 的状态是{}，只能对结算成功的记录退费",
                original.id,
                original.state.label()
            ),
        ));
    }
    if n.out_biz_no.as_str() != original.out_biz_no {
        return Err(invalid(
            "outBizNo",
            format!("退费应使用原结算的业务流水号 {}", original.out_biz_no),
        ));
    }
    if n.result.is_self_pay() != original.self_pay {
        let (was, is) = if original.self_pay {
            ("自费", "医保")
        } else {
            ("医保", "自费")
        };
        return Err(invalid("selfPay", format!("原结算为{was}，不能按{is}退费")));
    }
    let (paid_at, paid_no): (String, Option<String>) = tx.row(
        "SELECT setl_time, medical_settle_no FROM settlements WHERE id = ?1",
        [original.id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let own_no = n
        .result
        .amounts()
        .map(|a| a.medical_settle_no.as_str())
        .filter(|no| {
            !paid_no
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(no))
        });
    match own_no {
        Some(no) => check_refund_setl_id(tx, no)?,
        // A part of what is left is told from the same part sent again only
        // by its own 2208 setl_id: a HIS retrying with a new key would
        // otherwise refund twice. (All that is left cannot go twice.)
        None if source == crate::Source::His
            && n.result.state() == MedicalSettleState::RefundSuccess
            && n.result.amounts().is_some()
            && n.total_fee < original.refundable() =>
        {
            return Err(invalid(
                "medicalSettleNo",
                "部分退费请传这次 2208 的 setl_id（medicalSettleNo）：重发同一笔退费时据此识别，不会重复退费"
                    .into(),
            ));
        }
        None => {}
    }
    if original.refundable() == Amount::ZERO {
        return Err(invalid(
            "totalFee",
            format!("结算 {} 已全部退费，没有可退的金额", original.id),
        ));
    }
    if n.setl_time.as_str() < paid_at.as_str() {
        return Err(invalid(
            "setlTime",
            format!(
                "退费时间 {} 早于原结算的结算时间 {paid_at}：退费不能发生在结算之前",
                n.setl_time.as_str()
            ),
        ));
    }
    if n.total_fee > original.refundable() {
        return Err(invalid(
            "totalFee",
            format!(
                "{}金额 {} 超过可退金额 {}（原结算 {}，已退 {}）",
                n.result.state().label(),
                n.total_fee,
                original.refundable(),
                original.total_fee,
                original.refunded
            ),
        ));
    }
    if n.result.state() != MedicalSettleState::RefundSuccess {
        return Ok(());
    }

    if n.total_fee == Amount::ZERO {
        return Err(invalid("totalFee", "退费成功的金额不能为 0.00".into()));
    }
    if let Some(asked) = n.result.amounts() {
        let items = items(tx, original.id)?;
        for (item, (field, v)) in items.iter().zip(asked.items()) {
            let v = v.unwrap_or(Amount::ZERO);
            if v > item.left() {
                return Err(invalid(
                    field,
                    format!(
                        "退费的{} {v} 超过原结算可退的 {}（原结算 {}，已退 {}）",
                        nhsa_protocol::validation::field_label(field),
                        item.left(),
                        item.paid,
                        item.refunded
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A refund under a 医保单据流水号 of its own (the 2208 setl_id) is one
/// refund: the same setl_id again is the same refund sent twice, and the
/// setl_id of another settlement is not a refund's.
fn check_refund_setl_id(tx: &Connection, own_no: &str) -> Result<(), JournalError> {
    let taken: Option<(SettlementId, String, String)> = tx
        .row(
            "SELECT id, out_biz_no, state FROM settlements
             WHERE upper(medical_settle_no) = upper(?1) AND state IN ('SUCCESS', 'REFUND_SUCCESS')
             ORDER BY id LIMIT 1",
            [own_no],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match taken {
        None => Ok(()),
        Some((settlement_id, out_biz_no, state)) if state == "REFUND_SUCCESS" => {
            Err(JournalError::DuplicateSettlement {
                message: format!(
                    "退费的医保单据流水号 {own_no} 已经记录过（退费 {settlement_id}，业务流水号 {out_biz_no}），\
                     同一笔退费只记录和通知一次"
                ),
                settlement_id,
                out_biz_no,
            })
        }
        Some((settlement_id, out_biz_no, _)) => Err(JournalError::Invalid {
            field: "medicalSettleNo",
            message: format!(
                "医保单据流水号 {own_no} 是另一笔结算成功的（结算 {settlement_id}，业务流水号 {out_biz_no}），不是这笔退费的"
            ),
        }),
    }
}

/// The SUCCESS a refund without a named original refers to: the one whose
/// 医保单据流水号 it carries, else the visit's only SUCCESS with something
/// left. None is refused: no refund goes out without a settlement behind it.
fn resolve_original(tx: &Connection, n: &SettleNotify) -> Result<Original, JournalError> {
    let no = n.out_biz_no.as_str();
    let mut stmt = tx.prepare_cached(
        "SELECT id, medical_settle_no FROM settlements
         WHERE out_biz_no = ?1 AND state = 'SUCCESS' ORDER BY id",
    )?;
    let successes: Vec<(SettlementId, Option<String>)> = stmt
        .query_map([no], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let named = n.result.amounts().map(|a| a.medical_settle_no.as_str());
    if let Some(named) = named
        && let Some((id, _)) = successes
            .iter()
            .find(|(_, settle_no)| settle_no.as_deref() == Some(named))
    {
        return original(tx, *id)?
            .ok_or_else(|| JournalError::NotFound(format!("没有结算记录 {id}")));
    }
    let mut open = Vec::new();
    for (id, _) in &successes {
        if let Some(o) = original(tx, *id)?
            && o.refundable() > Amount::ZERO
        {
            open.push(o);
        }
    }
    match open.len() {
        1 => Ok(open.remove(0)),
        0 => Err(JournalError::Invalid {
            field: "outBizNo",
            message: if successes.is_empty() {
                format!("流水号 {no} 没有结算成功的记录：退费必须对应一笔结算成功")
            } else {
                format!("流水号 {no} 的结算已全部退费，没有可退的金额")
            },
        }),
        several => Err(JournalError::Invalid {
            field: "medicalSettleNo",
            message: format!(
                "流水号 {no} 有 {several} 笔未退完的结算：请用 medicalSettleNo 写明原结算的医保单据流水号，或在历史中对该笔退费"
            ),
        }),
    }
}

/// Record a validated notification and owe its delivery, atomically. A
/// refund names its original (`refund_of`), or is linked to the last SUCCESS
/// of its outBizNo; either way the refund rules hold. The same notification
/// again (double click, second window) is refused.
pub fn record(
    tx: &Connection,
    n: &SettleNotify,
    visit_id: Option<VisitId>,
    refund_of: Option<SettlementId>,
    now: &Stamp,
) -> Result<Recorded, JournalError> {
    record_from(tx, n, visit_id, refund_of, crate::Source::Panel, now)
}

/// [`record`], naming who pushed the settlement.
pub fn record_from(
    tx: &Connection,
    n: &SettleNotify,
    visit_id: Option<VisitId>,
    refund_of: Option<SettlementId>,
    source: crate::Source,
    now: &Stamp,
) -> Result<Recorded, JournalError> {
    crate::restore::refuse_if_unfinished(tx)?;
    let state = n.result.state();
    let day = business_day(tx, n.operator_id.as_str(), n.setl_time.date())?;
    let original = match (state.is_refund(), refund_of) {
        (false, None) => None,
        (false, Some(_)) => {
            return Err(JournalError::Invalid {
                field: "medicalSettleState",
                message: "退费应为退费成功或退费失败".into(),
            });
        }
        (true, Some(id)) => Some(
            original(tx, id)?
                .ok_or_else(|| JournalError::NotFound(format!("没有结算记录 {id}")))?,
        ),
        (true, None) => Some(resolve_original(tx, n)?),
    };
    if let Some(o) = &original {
        check_refund(tx, n, o, source)?;
    }
    let original_id = original.map(|o| o.id);
    // The payload is what re-sending needs, less the person: name and 证件号
    // are taken from the visit when a notification is sent again.
    let mut kept = n.to_draft();
    kept.user_name = None;
    kept.id_no = None;
    let payload =
        serde_json::to_string(&kept).map_err(|e| JournalError::Internal(e.to_string()))?;
    let a = n.result.amounts();
    let fen = |f: fn(&SettleAmounts) -> Amount| a.map(|a| f(a).fen() as i64);
    let inserted = tx.exec(
        "INSERT INTO settlements (visit_id, original_id, out_biz_no, auth_no, state, operator_id,
             operator_name, office_id, office_name, doctor_name, biz_type, user_name, id_no_last4,
             total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen, medical_settle_no, fail_reason,
             setl_time, business_day, payload, created_at, self_pay, source, credential)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                 -- A visit restored from the server (its keyed hash kept) holds
                 -- the person masked only: its settlements carry the same.
                 coalesce(?12, (SELECT user_name FROM visits WHERE id = ?1 AND id_hmac IS NOT NULL)),
                 coalesce(?13, (SELECT id_no_last4 FROM visits WHERE id = ?1 AND id_hmac IS NOT NULL)),
                 ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26,
                 coalesce((SELECT credential FROM visits WHERE id = ?1), 'face'))",
        params![
            visit_id,
            original_id,
            n.out_biz_no.as_str(),
            n.auth_no.as_ref().map(|a| a.as_str()),
            state.code(),
            n.operator_id.as_str(),
            n.operator_name.as_str(),
            n.office_id.as_ref().map(|o| o.as_str()),
            n.office_name.as_ref().map(|o| o.as_str()),
            n.doctor_name.as_ref().map(|d| d.as_str()),
            n.biz_type.code(),
            n.user_name().map(|u| u.reveal()),
            n.id_no().map(|i| last4(i.reveal())),
            n.total_fee.fen() as i64,
            fen(|a| a.own_amt),
            fen(|a| a.hif_amt),
            fen(|a| a.acct_amt),
            fen(|a| a.hifp_amt),
            a.map(|a| a.medical_settle_no.as_str()),
            n.fail_reason.as_ref().map(|f| f.as_str()),
            n.setl_time.as_str(),
            day,
            payload,
            now,
            n.result.is_self_pay(),
            source,
        ],
    );
    if let Err(e) = inserted {
        return Err(match violated_index(&e) {
            Some(index)
                if index.contains("settlements_one_per_setl_id")
                    || index.contains("medical_settle_no") =>
            {
                let settle_no = a.map(|a| a.medical_settle_no.as_str()).unwrap_or_default();
                let (settlement_id, out_biz_no): (SettlementId, String) = tx.row(
                    "SELECT id, out_biz_no FROM settlements
                     WHERE state = 'SUCCESS' AND upper(medical_settle_no) = upper(?1) ORDER BY id LIMIT 1",
                    [settle_no],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                JournalError::DuplicateSettlement {
                    message: format!(
                        "医保单据流水号 {settle_no} 已经结算过（结算 {settlement_id}，业务流水号 {out_biz_no}），\
                         同一笔医保结算只记录和通知一次"
                    ),
                    settlement_id,
                    out_biz_no,
                }
            }
            Some(_) => JournalError::Duplicate(format!(
                "流水号 {} 的这条{}结果已经提交过，不会重复记录和发送",
                n.out_biz_no,
                state.label()
            )),
            None => e.into(),
        });
    }
    let settlement_id = SettlementId(tx.last_insert_rowid());
    crate::outbox::owe(tx, settlement_id, now)?;
    Ok(Recorded {
        settlement_id,
        business_day: day,
        original_id,
    })
}

/// The stored draft of a settlement, without the person.
fn payload_draft(
    conn: &Connection,
    settlement_id: SettlementId,
) -> Result<nhsa_protocol::SettleNotifyDraft, JournalError> {
    let text: String = conn
        .row(
            "SELECT payload FROM settlements WHERE id = ?1",
            [settlement_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| JournalError::NotFound(format!("没有结算记录 {settlement_id}")))?;
    serde_json::from_str(&text).map_err(|e| JournalError::Corrupt {
        path: "settlements.payload".into(),
        detail: format!("结算 {settlement_id}：{e}"),
    })
}

/// The notification exactly as it is (re)sent.
pub fn payload(
    conn: &Connection,
    settlement_id: SettlementId,
) -> Result<SettleNotify, JournalError> {
    let mut draft = payload_draft(conn, settlement_id)?;
    // The person, from the visit, while the visit still holds them.
    let visit: Option<i64> = conn.row(
        "SELECT visit_id FROM settlements WHERE id = ?1",
        [settlement_id],
        |r| r.get(0),
    )?;
    if draft.id_no.is_none()
        && let Some(visit) = visit
        && let Some((name, id_no)) = crate::visits::reveal(conn, VisitId(visit))?
    {
        draft.user_name = Some(name);
        draft.id_no = Some(id_no);
    }
    SettleNotify::try_from(draft).map_err(|e| JournalError::Corrupt {
        path: "settlements.payload".into(),
        detail: format!("结算 {settlement_id}：{e}"),
    })
}

/// The person the settlements of a visit were made for (name, and the
/// 证件号's last 4), when the visit itself holds no identity.
pub fn person_of_visit(
    conn: &Connection,
    visit_id: VisitId,
) -> Result<Option<(String, String)>, JournalError> {
    Ok(conn
        .row(
            "SELECT user_name, id_no_last4 FROM settlements
             WHERE visit_id = ?1 AND user_name IS NOT NULL AND id_no_last4 IS NOT NULL
             ORDER BY id LIMIT 1",
            [visit_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
