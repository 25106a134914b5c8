//! The HIS's own words: the `setlinfo` block of national transaction 2207
//! (门诊结算) or 2208 (撤销结算), mapped onto settle.notify as PROTOCOL.md §2.3
//! says. Amounts arrive as JSON numbers or strings; they are converted to 分
//! from their decimal text, never through floating point.

mod balance;
mod fields;
mod yuan;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use facepay_core::api::MedicalSettleState;

use crate::error::ApiError;
use facepay_core::api::ErrorCode;

pub use balance::{Reading, Split};
pub use fields::{FIELDS, Feeds, Field, TEXTS, his_name, markdown};

/// A setlinfo in notify words, and what in it does not add up.
#[derive(Debug)]
pub struct Mapped {
    pub wire: Map<String, Value>,
    pub warnings: Vec<String>,
}

/// `POST /v1/settlements` in the HIS's words.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HisSettlement {
    /// The visit's outBizNo, as `POST /v1/face-auth` returned it.
    pub out_biz_no: String,
    /// `SUCCESS` or `FAIL` (refunds: `POST /v1/settlements/{id}/refund`).
    pub medical_settle_state: String,
    /// 自费: no 医保 amounts are sent to the terminal.
    #[serde(default)]
    pub self_pay: bool,
    /// The `setlinfo` object of the 2207 output, as the HIS received it
    /// (other fields are ignored).
    #[schema(value_type = Object)]
    pub setlinfo: BTreeMap<String, Box<RawValue>>,
    #[serde(default)]
    pub operator_id: Option<String>,
    #[serde(default)]
    pub operator_name: Option<String>,
    #[serde(default)]
    pub office_id: Option<String>,
    #[serde(default)]
    pub office_name: Option<String>,
    #[serde(default)]
    pub doctor_name: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
}

/// `POST /v1/settlements/{id}/refund` in the HIS's words (2208).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HisRefund {
    /// `REFUND_SUCCESS` (default) or `REFUND_FAIL`.
    #[serde(default)]
    pub medical_settle_state: Option<String>,
    /// The `setlinfo` object of the 2208 output. Its amounts are often
    /// negative (reversals): their magnitude is the refund.
    #[schema(value_type = Object)]
    pub setlinfo: BTreeMap<String, Box<RawValue>>,
    /// Who refunds; absent: the signed-in cashier, as for settlements.
    #[serde(default)]
    pub operator_id: Option<String>,
    #[serde(default)]
    pub operator_name: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Invalid,
        message,
    )
    .field(format!("setlinfo.{field}"))
    .advice("请检查 HIS 传入的 2207/2208 结果")
}

/// A text field of setlinfo (a string or a number, e.g. setl_id).
fn text(field: &str, raw: &RawValue) -> Result<Option<String>, ApiError> {
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(Value::Null) => Ok(None),
        // A fixed-width HIS column pads with blanks: they are not part of the value.
        Ok(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Ok(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Ok(Value::Number(_)) => Ok(Some(raw.get().trim().to_owned())),
        _ => Err(invalid(field, format!("{field} 应为文本"))),
    }
}

/// The setlinfo's values under their settle.notify names. The parts only
/// when `amounts` (not for 自费, FAIL or REFUND_FAIL): then the total alone
/// travels, and nothing is checked.
fn mapped(
    setlinfo: &BTreeMap<String, Box<RawValue>>,
    amounts: bool,
    negative_ok: bool,
) -> Result<Mapped, ApiError> {
    let mut fen = balance::Fen::new();
    for field in FIELDS {
        if let Some(raw) = setlinfo.get(field.his)
            && let Some(v) = yuan::fen(field.his, raw, negative_ok)?
        {
            fen.insert(field.his, v);
        }
    }
    let mut out = Map::new();
    let mut warnings = Vec::new();
    if amounts {
        let split = balance::split(&fen);
        for (wire, v) in balance::notify_amounts(&fen, &split) {
            out.insert(wire.to_owned(), Value::String(yuan::text(v)));
        }
        warnings = split.warnings;
    } else {
        if let Some(total) = fen.get("medfee_sumamt") {
            out.insert("totalFee".into(), Value::String(yuan::text(*total)));
        }
        // A 2207 that paid through 医保, sent as 自费 or as a failure: the
        // flag is likely wrong, and the patient would not see the 医保 part.
        for his in ["fund_pay_sumamt", "acct_pay", "hifp_pay"] {
            if let Some(v) = fen.get(his).filter(|v| **v != 0) {
                warnings.push(format!(
                    "这条结果按自费或失败记录，setlinfo 中的 {his}（{}）未发送给终端：如果这是医保结算，请不要传 selfPay，并核对 medicalSettleState",
                    yuan::text(*v)
                ));
                break;
            }
        }
    }
    for (his, wire) in TEXTS {
        if *wire == "medicalSettleNo" && !amounts {
            continue;
        }
        if let Some(raw) = setlinfo.get(*his)
            && let Some(v) = text(his, raw)?
        {
            out.insert((*wire).to_owned(), Value::String(v));
        }
    }
    Ok(Mapped {
        wire: out,
        warnings,
    })
}

fn state(text: &str, field: &str) -> Result<MedicalSettleState, ApiError> {
    MedicalSettleState::parse(text).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            e.to_string(),
        )
        .field(field)
    })
}

impl HisSettlement {
    /// The settle.notify draft (wire names) this 2207 result makes, and
    /// what in its amounts does not add up.
    pub fn to_wire(&self) -> Result<Mapped, ApiError> {
        let s = state(&self.medical_settle_state, "medicalSettleState")?;
        if s.is_refund() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Invalid,
                "退费请调用 POST /v1/settlements/{settlementId}/refund",
            )
            .field("medicalSettleState"));
        }
        let mut mapped = mapped(&self.setlinfo, s.carries_amounts() && !self.self_pay, false)?;
        let out = &mut mapped.wire;
        out.insert("outBizNo".into(), Value::String(self.out_biz_no.clone()));
        out.insert(
            "medicalSettleState".into(),
            Value::String(self.medical_settle_state.clone()),
        );
        out.insert("selfPay".into(), Value::Bool(self.self_pay));
        put_texts(
            out,
            [
                ("operatorId", &self.operator_id),
                ("operatorName", &self.operator_name),
                ("officeId", &self.office_id),
                ("officeName", &self.office_name),
                ("doctorName", &self.doctor_name),
                ("failReason", &self.fail_reason),
            ],
        );
        Ok(mapped)
    }
}

impl HisRefund {
    /// The refund request (wire names) this 2208 result makes, and what in
    /// its amounts does not add up.
    pub fn to_request(&self, settlement_id: i64) -> Result<Mapped, ApiError> {
        let s = match &self.medical_settle_state {
            Some(t) => state(t, "medicalSettleState")?,
            None => MedicalSettleState::RefundSuccess,
        };
        let mut mapped = mapped(&self.setlinfo, s.carries_amounts(), true)?;
        let out = &mut mapped.wire;
        // What the 2208 result does not give is left out, not taken from
        // the original (its balance is not the balance after the refund).
        if s.carries_amounts() {
            let mut draft = facepay_core::api::Checkout::default();
            for (wire, _) in draft.amounts_mut() {
                if wire != "medicalSettleNo" {
                    out.entry(wire)
                        .or_insert_with(|| Value::String(String::new()));
                }
            }
        }
        out.insert("settlementId".into(), Value::from(settlement_id));
        out.insert("medicalSettleState".into(), Value::String(s.code().into()));
        put_texts(
            out,
            [
                ("operatorId", &self.operator_id),
                ("operatorName", &self.operator_name),
                ("failReason", &self.fail_reason),
            ],
        );
        Ok(mapped)
    }
}

/// The HIS's own texts, under their wire names, where it gave them.
fn put_texts<const N: usize>(
    out: &mut serde_json::Map<String, Value>,
    fields: [(&str, &Option<String>); N],
) {
    for (name, v) in fields {
        if let Some(v) = v {
            out.insert(name.into(), Value::String(v.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_2207_setlinfo_maps_to_the_notify_fields() {
        let body: HisSettlement = serde_json::from_str(
            r#"{"outBizNo":"H1-W01-1","medicalSettleState":"SUCCESS","setlinfo":{
                "medfee_sumamt":120.5,"psn_cash_pay":"20.50","fund_pay_sumamt":80,"acct_pay":20.0,
                "hifp_pay":80.00,"hifmi_pay":null,"balc":1234.56,"setl_id":"SETL0001",
                "setl_time":"2026-11-28 09:30:00","mdtrt_id":"M1","psn_no":"P1","insutype":"310"}}"#,
        )
        .unwrap();
        let mapped = body.to_wire().unwrap();
        assert!(mapped.warnings.is_empty(), "{:?}", mapped.warnings);
        let wire = mapped.wire;
        assert_eq!(wire["totalFee"], "120.50");
        assert_eq!(wire["ownAmt"], "20.50");
        assert_eq!(wire["hifAmt"], "80.00");
        assert_eq!(wire["acctAmt"], "20.00");
        assert_eq!(wire["hifpAmt"], "80.00");
        assert_eq!(wire["balance"], "1234.56");
        assert_eq!(wire["medicalSettleNo"], "SETL0001");
        assert_eq!(wire["setlTime"], "2026-11-28 09:30:00");
        assert!(!wire.contains_key("hifmiAmt"));
        assert!(!wire.contains_key("mdtrt_id"));
    }

    #[test]
    fn self_pay_and_fail_carry_the_total_only() {
        for (state, self_pay) in [("SUCCESS", true), ("FAIL", false)] {
            let body: HisSettlement = serde_json::from_str(&format!(
                r#"{{"outBizNo":"H1","medicalSettleState":"{state}","selfPay":{self_pay},
                    "setlinfo":{{"medfee_sumamt":"35","psn_cash_pay":"35","setl_id":"S"}}}}"#
            ))
            .unwrap();
            let wire = body.to_wire().unwrap().wire;
            assert_eq!(wire["totalFee"], "35.00");
            assert!(!wire.contains_key("ownAmt"), "{state}");
            assert!(!wire.contains_key("medicalSettleNo"), "{state}");
        }
    }
}
