//! `cn.nhsa.ec.auth` — 刷脸获取医保用户身份授权 (seed §1.1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::codes::BusinessType;
use super::envelope::{TransType, Transaction, check_reply_text, opt_string};
use super::text::{
    AuthNo, ExtData, OfficeId, OfficeName, OperatorId, OperatorName, OrgId, OutBizNo,
};

/// Start a face scan on the terminal. Every field is required by the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcAuth {
    pub org_id: OrgId,
    pub out_biz_no: OutBizNo,
    pub business_type: BusinessType,
    pub operator_id: OperatorId,
    pub operator_name: OperatorName,
    pub office_id: OfficeId,
    pub office_name: OfficeName,
    #[serde(default)]
    pub ext_data: ExtData,
}

/// The terminal's answer once the patient has finished the scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcAuthReply {
    pub auth_no: AuthNo,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub f_token: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub out_biz_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_data: Option<Value>,
    /// Fields the spec does not name: kept, never an error.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Transaction for EcAuth {
    const TRANS_TYPE: TransType = TransType::EcAuth;
    type Reply = EcAuthReply;

    fn check_reply(r: &EcAuthReply) -> Result<(), crate::ValidationError> {
        // authNo is a bounded type: checked as it was read.
        check_reply_text("fToken", r.f_token.as_deref(), 200)?;
        check_reply_text("outBizNo", r.out_biz_no.as_deref(), 64)
    }
}
