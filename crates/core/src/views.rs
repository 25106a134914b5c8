//! What the panel, the CLI and (later) the HIS bridge are shown: masked by
//! default, money as `"120.50"`, closed sets as enums, ids as newtypes.

use serde::Serialize;

use facepay_journal::history::SettlementRow;
use facepay_journal::outbox::OutboxEntry;
use facepay_journal::{Credential, DeliveryStatus, SettlementId, VisitId};
use nhsa_terminal::protocol::{Identity, MedicalSettleState};

use crate::requests::RefundRequest;

/// The insured person as the cashier sees them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    pub user_name: String,
    pub id_no: String,
    pub id_type: Option<String>,
    pub gender: Option<String>,
    /// The age in whole years, never the birth date: with 参保地 and the
    /// digits shown it would give the 证件号 back.
    pub age: Option<u32>,
    /// The age as shown masked: 未满1岁, 1岁, 28岁 (months come with 显示).
    pub age_label: Option<String>,
    /// 参保地医保区划, e.g. `441702`.
    pub insu_org: Option<String>,
}

impl IdentityView {
    pub fn of(who: &Identity, today: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            user_name: who.user_name.masked(),
            id_no: who.id_no.masked(),
            id_type: who.id_type_label(),
            gender: who.gender.clone(),
            age: who.age_on((today.year().unsigned_abs(), today.month(), today.day())),
            age_label: who.age_years_label_on((
                today.year().unsigned_abs(),
                today.month(),
                today.day(),
            )),
            insu_org: who.insu_org.clone(),
        }
    }
}

/// A face scan that yielded an identity.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceAuthOutcome {
    pub visit_id: VisitId,
    /// The ec.auth (or qrcode.get) outBizNo: settle.notify of this visit carries it.
    pub out_biz_no: String,
    /// Absent for a 医保码 whose reply carried none.
    pub auth_no: Option<String>,
    /// 凭证方式: 刷脸 or 医保码.
    pub credential: Credential,
    pub identity: IdentityView,
}

/// 显示: the full name and 证件号, for the audited reveal only.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealedIdentity {
    pub user_name: String,
    pub id_no: String,
    /// To the month under 3 (1岁5个月): with the full 证件号 it tells nothing more.
    pub age_label: Option<String>,
}

/// Where a settlement's notification stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReport {
    pub settlement_id: SettlementId,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When the next retry is due (pending only).
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<OutboxEntry> for DeliveryReport {
    fn from(e: OutboxEntry) -> Self {
        let pending = e.status == DeliveryStatus::Pending;
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyReceipt {
    pub settlement_id: SettlementId,
    pub out_biz_no: String,
    pub state: MedicalSettleState,
    pub self_pay: bool,
    pub business_day: String,
    /// The SUCCESS this refund refers to.
    pub original_id: Option<SettlementId>,
    /// Amounts that do not add up (a warning, never a refusal).
    pub warnings: Vec<String>,
    pub delivery: DeliveryReport,
}

/// 退费: the original and a full refund of what is left of it, for the
/// cashier to confirm or edit into a partial one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundDraft {
    pub original: SettlementRow,
    /// What may still be refunded.
    pub refundable: String,
    pub request: RefundRequest,
}

/// The status bar's counts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Backlog {
    /// Notifications not yet delivered to the terminal.
    pub undelivered: u64,
    /// 待确认: unknown outcomes awaiting a person.
    pub pending: u64,
}
