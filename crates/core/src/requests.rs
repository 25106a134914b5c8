//! What callers give the desk beyond a checkout draft: a refund, an export.

use serde::{Deserialize, Serialize};

use facepay_journal::export::ExportFormat;
use facepay_journal::{SettlementId, Source};
use nhsa_terminal::protocol::{
    BusinessType, MedicalSettleState, OfficeId, OfficeName, OperatorId, OperatorName,
};

/// A face scan, and who asks for it. What the caller leaves out is this
/// counter's configured value (the HIS may name the doctor's office and its
/// own operator).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScanRequest {
    #[serde(skip, default = "panel")]
    pub source: Source,
    #[serde(default)]
    pub business_type: Option<BusinessType>,
    #[serde(default)]
    pub operator_id: Option<OperatorId>,
    #[serde(default)]
    pub operator_name: Option<OperatorName>,
    #[serde(default)]
    pub office_id: Option<OfficeId>,
    #[serde(default)]
    pub office_name: Option<OfficeName>,
}

fn panel() -> Source {
    Source::Panel
}

impl ScanRequest {
    /// A scan with this counter's settings, started by `source`.
    pub fn by(source: Source) -> Self {
        Self {
            source,
            business_type: None,
            operator_id: None,
            operator_name: None,
            office_id: None,
            office_name: None,
        }
    }
}

/// 退费 of a recorded SUCCESS. It is sent under the original visit's outBizNo
/// and authNo. For every amount: absent (`null`) takes the original's, `""`
/// leaves the field out, anything else replaces it — so an empty request is
/// a full refund of what is left. The balance is never the original's (it
/// was the balance before the refund): absent sends none.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundRequest {
    pub settlement_id: SettlementId,
    /// REFUND_SUCCESS (the default) or REFUND_FAIL.
    #[serde(default = "refund_success")]
    pub medical_settle_state: MedicalSettleState,
    /// The refunded amount; absent: all that is left refundable.
    #[serde(default)]
    pub total_fee: Option<String>,
    /// When the HIS settled the refund (2208); absent: now.
    #[serde(default)]
    pub setl_time: Option<String>,
    #[serde(default)]
    pub medical_settle_no: Option<String>,
    #[serde(default)]
    pub own_amt: Option<String>,
    #[serde(default)]
    pub hif_amt: Option<String>,
    #[serde(default)]
    pub acct_amt: Option<String>,
    #[serde(default)]
    pub hifp_amt: Option<String>,
    #[serde(default)]
    pub hifmi_amt: Option<String>,
    #[serde(default)]
    pub cvlserv_amt: Option<String>,
    #[serde(default)]
    pub ma_amt: Option<String>,
    #[serde(default)]
    pub hos_pre_amt: Option<String>,
    #[serde(default)]
    pub med_over_lmt_amt: Option<String>,
    #[serde(default)]
    pub maf_amt: Option<String>,
    #[serde(default)]
    pub cvlserv_dedc_amt: Option<String>,
    #[serde(default)]
    pub balance: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
    /// Who refunds; absent: the signed-in cashier (or the counter's
    /// configured operator), as for settlements.
    #[serde(default)]
    pub operator_id: Option<String>,
    #[serde(default)]
    pub operator_name: Option<String>,
}

fn refund_success() -> MedicalSettleState {
    MedicalSettleState::RefundSuccess
}

impl RefundRequest {
    /// A full refund of `settlement_id`.
    pub fn full(settlement_id: SettlementId) -> Self {
        Self {
            settlement_id,
            medical_settle_state: MedicalSettleState::RefundSuccess,
            total_fee: None,
            setl_time: None,
            medical_settle_no: None,
            own_amt: None,
            hif_amt: None,
            acct_amt: None,
            hifp_amt: None,
            hifmi_amt: None,
            cvlserv_amt: None,
            ma_amt: None,
            hos_pre_amt: None,
            med_over_lmt_amt: None,
            maf_amt: None,
            cvlserv_dedc_amt: None,
            balance: None,
            fail_reason: None,
            operator_id: None,
            operator_name: None,
        }
    }
}

/// An export of the settlements of a date range (business days, inclusive).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub from: String,
    pub to: String,
    pub format: ExportFormat,
    /// Full names and 证件号 (audited); masked otherwise.
    #[serde(default)]
    pub unmasked: bool,
}
