//! Settlements: what the HIS settled, as notified. Recorded with their outbox
//! row in one transaction; never edited afterwards.

use chrono::{Days, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use nhsa_terminal::protocol::{MedicalSettleState, SettleNotify};

use crate::JournalError;
use crate::error::violated_index;
use crate::visits::last4;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    pub settlement_id: i64,
    pub business_day: String,
    /// The SUCCESS a refund refers to, when there is one.
    pub original_id: Option<i64>,
}

/// The 日结 day a settlement counts in: the day of its setlTime, unless the
/// operator has already closed that day — then the day after their last
/// closed day. Closed days never change.
pub fn business_day(
    tx: &Connection,
    operator_id: &str,
    setl_day: &str,
) -> Result<String, JournalError> {
    let last_closed: Option<String> = tx.query_row(
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

/// Record a validated notification and owe its delivery, atomically.
/// The same notification again (double click, second window) is refused.
pub fn record(
    tx: &Connection,
    n: &SettleNotify,
    visit_id: Option<i64>,
    now: &str,
) -> Result<Recorded, JournalError> {
    let state = n.result.state();
    let day = business_day(tx, n.operator_id.as_str(), n.setl_time.date())?;
    let original_id: Option<i64> = if state.is_refund() {
        tx.query_row(
            "SELECT id FROM settlements WHERE out_biz_no = ?1 AND state = 'SUCCESS' ORDER BY id DESC LIMIT 1",
            [n.out_biz_no.as_str()],
            |r| r.get(0),
        )
        .optional()?
    } else {
        None
    };
    let payload = serde_json::to_string(n).map_err(|e| JournalError::Export(e.to_string()))?;
    let a = n.result.amounts();
    let fen =
        |f: fn(&nhsa_terminal::protocol::SettleAmounts) -> nhsa_terminal::protocol::Amount| {
            a.map(|a| f(a).fen() as i64)
        };
    let inserted = tx.execute(
        "INSERT INTO settlements (visit_id, original_id, out_biz_no, auth_no, state, operator_id,
             operator_name, office_id, office_name, doctor_name, biz_type, user_name, id_no_last4,
             total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen, medical_settle_no, fail_reason,
             setl_time, business_day, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20, ?21, ?22, ?23, ?24)",
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
            now
        ],
    );
    if let Err(e) = inserted {
        return Err(match violated_index(&e) {
            Some(_) => JournalError::Duplicate(format!(
                "流水号 {} 的这条{}结果已经提交过，不会重复记录和发送",
                n.out_biz_no,
                state.label()
            )),
            None => e.into(),
        });
    }
    let settlement_id = tx.last_insert_rowid();
    crate::outbox::owe(tx, settlement_id, now)?;
    Ok(Recorded {
        settlement_id,
        business_day: day,
        original_id,
    })
}

/// The notification exactly as it is (re)sent.
pub fn payload(conn: &Connection, settlement_id: i64) -> Result<SettleNotify, JournalError> {
    let text: String = conn
        .query_row(
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

pub fn state_of(conn: &Connection, settlement_id: i64) -> Result<Option<String>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT state FROM settlements WHERE id = ?1",
            [settlement_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// True for the states whose amounts count positively in 日结.
pub fn counts_as_income(state: &str) -> bool {
    state == MedicalSettleState::Success.code()
}
