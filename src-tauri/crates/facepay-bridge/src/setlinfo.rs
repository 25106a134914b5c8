//! The HIS's own words: the `setlinfo` block of national transaction 2207
//! (门诊结算) or 2208 (撤销结算), mapped onto settle.notify as PROTOCOL.md §2.3
//! says. Amounts arrive as JSON numbers or strings; they are converted to 分
//! from their decimal text, never through floating point.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use facepay_core::api::MedicalSettleState;

use crate::error::ApiError;

/// 2207 output field → settle.notify field, for amounts.
pub const AMOUNTS: &[(&str, &str)] = &[
    ("medfee_sumamt", "totalFee"),
    ("psn_cash_pay", "ownAmt"),
    // Whether this includes acct_pay differs by province: it stays hifAmt,
    // and `[hospital] hif_includes_acct` decides which sum must add up.
    ("fund_pay_sumamt", "hifAmt"),
    ("acct_pay", "acctAmt"),
    ("hifp_pay", "hifpAmt"),
    ("hifmi_pay", "hifmiAmt"),
    ("cvlserv_pay", "cvlservAmt"),
    ("maf_pay", "maAmt"),
    ("hosp_part_amt", "hosPreAmt"),
    ("balc", "balance"),
];

/// 2207 output field → settle.notify field, for text.
pub const TEXTS: &[(&str, &str)] = &[("setl_id", "medicalSettleNo"), ("setl_time", "setlTime")];

/// The setlinfo name of a settle.notify field, to name it in an error as
/// the HIS knows it.
pub fn his_name(wire: &str) -> Option<&'static str> {
    AMOUNTS
        .iter()
        .chain(TEXTS)
        .find(|(_, w)| *w == wire)
        .map(|(h, _)| *h)
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
    #[serde(default)]
    pub fail_reason: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
        .field(format!("setlinfo.{field}"))
        .advice("请检查 HIS 传入的 2207/2208 结果")
}

/// An amount in yuan as the HIS sent it (number or string) → canonical
/// `"120.50"`, exactly. `None` for null or `""`.
///
/// A third decimal is refused, except the tails of binary floating point: a
/// HIS that adds 0.1 and 0.2 in a `double` sends 0.30000000000000004, which
/// is 0.30 — such a tail (six or more 0s or 9s after the second decimal, at
/// least 15 decimals in all) is taken as the 分 it is next to.
pub fn yuan(field: &str, raw: &RawValue, negative_ok: bool) -> Result<Option<String>, ApiError> {
    let text = raw.get().trim();
    let text: String = if text == "null" {
        return Ok(None);
    } else if text.starts_with('"') {
        let s: String =
            serde_json::from_str(text).map_err(|_| invalid(field, format!("{field} 不是文本")))?;
        if s.is_empty() {
            return Ok(None);
        }
        s
    } else {
        text.to_owned()
    };
    let bad = |why: &str| invalid(field, format!("{field}“{}”{why}", shorten(&text)));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    if negative && !negative_ok {
        return Err(bad("不能为负数"));
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("不是金额（应为如 120.50 的数字）"));
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (digits.contains('.') && frac.is_empty()) {
        return Err(bad("不是金额（应为如 120.50 的数字，不用科学计数法）"));
    }
    let int = int.trim_start_matches('0');
    if int.len() > 12 {
        return Err(bad("过大"));
    }
    let cents: String = frac.chars().chain("00".chars()).take(2).collect();
    let tail = frac.get(2..).unwrap_or("");
    let mut fen: u64 = format!("{}{cents}", if int.is_empty() { "0" } else { int })
        .parse()
        .map_err(|_| bad("过大"))?;
    let float_noise = frac.len() >= 15;
    if tail.bytes().all(|b| b == b'0') {
        // 120.500 is 120.50.
    } else if float_noise && tail.starts_with("000000") {
        // 0.30000000000000004: the 分 below.
    } else if float_noise && tail.starts_with("999999") {
        // 1.1499999999999999: the 分 above.
        fen += 1;
    } else {
        return Err(bad("超过两位小数，无法精确到分"));
    }
    Ok(Some(format!("{}.{:02}", fen / 100, fen % 100)))
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(32).collect();
    if text.chars().count() > 32 {
        s.push('…');
    }
    s
}

/// A text field of setlinfo (a string or a number, e.g. setl_id).
fn text(field: &str, raw: &RawValue) -> Result<Option<String>, ApiError> {
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(Value::Null) => Ok(None),
        Ok(Value::String(s)) if s.is_empty() => Ok(None),
        Ok(Value::String(s)) => Ok(Some(s)),
        Ok(Value::Number(_)) => Ok(Some(raw.get().trim().to_owned())),
        _ => Err(invalid(field, format!("{field} 应为文本"))),
    }
}

/// The setlinfo's values under their settle.notify names. Amounts only
/// when `amounts` (not for 自费, FAIL or REFUND_FAIL).
fn mapped(
    setlinfo: &BTreeMap<String, Box<RawValue>>,
    amounts: bool,
    negative_ok: bool,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (his, wire) in AMOUNTS {
        let Some(raw) = setlinfo.get(*his) else {
            continue;
        };
        // The total always travels; the parts only with a 医保 result.
        if *wire != "totalFee" && !amounts {
            continue;
        }
        if let Some(v) = yuan(his, raw, negative_ok)? {
            out.insert((*wire).to_owned(), Value::String(v));
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
    Ok(out)
}

fn state(text: &str, field: &str) -> Result<MedicalSettleState, ApiError> {
    MedicalSettleState::parse(text).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            e.to_string(),
        )
        .field(field)
    })
}

impl HisSettlement {
    /// The settle.notify draft (wire names) this 2207 result makes.
    pub fn to_wire(&self) -> Result<Map<String, Value>, ApiError> {
        let s = state(&self.medical_settle_state, "medicalSettleState")?;
        if s.is_refund() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "退费请调用 POST /v1/settlements/{settlementId}/refund",
            )
            .field("medicalSettleState"));
        }
        let mut out = mapped(&self.setlinfo, s.carries_amounts() && !self.self_pay, false)?;
        out.insert("outBizNo".into(), Value::String(self.out_biz_no.clone()));
        out.insert(
            "medicalSettleState".into(),
            Value::String(self.medical_settle_state.clone()),
        );
        out.insert("selfPay".into(), Value::Bool(self.self_pay));
        for (name, v) in [
            ("operatorId", &self.operator_id),
            ("operatorName", &self.operator_name),
            ("officeId", &self.office_id),
            ("officeName", &self.office_name),
            ("doctorName", &self.doctor_name),
            ("failReason", &self.fail_reason),
        ] {
            if let Some(v) = v {
                out.insert(name.into(), Value::String(v.clone()));
            }
        }
        Ok(out)
    }
}

impl HisRefund {
    /// The refund request (wire names) this 2208 result makes.
    pub fn to_request(&self, settlement_id: i64) -> Result<Map<String, Value>, ApiError> {
        let s = match &self.medical_settle_state {
            Some(t) => state(t, "medicalSettleState")?,
            None => MedicalSettleState::RefundSuccess,
        };
        let mut out = mapped(&self.setlinfo, s.carries_amounts(), true)?;
        // What the 2208 result does not give is left out, not taken from
        // the original (its balance is not the balance after the refund).
        if s.carries_amounts() {
            for (_, wire) in AMOUNTS.iter().filter(|(_, w)| *w != "totalFee") {
                out.entry(*wire)
                    .or_insert_with(|| Value::String(String::new()));
            }
        }
        out.insert("settlementId".into(), Value::from(settlement_id));
        out.insert("medicalSettleState".into(), Value::String(s.code().into()));
        if let Some(v) = &self.fail_reason {
            out.insert("failReason".into(), Value::String(v.clone()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn amounts_land_on_the_exact_fen() {
        for (input, want) in [
            ("120.5", "120.50"),
            ("\"120.50\"", "120.50"),
            ("0", "0.00"),
            ("0.01", "0.01"),
            ("1.15", "1.15"),
            ("100", "100.00"),
            ("120.500", "120.50"),
            ("\"007.10\"", "7.10"),
            // What a double-based HIS prints for 0.1 + 0.2, 0.7, 1.15.
            ("0.30000000000000004", "0.30"),
            ("0.7000000000000001", "0.70"),
            ("1.1499999999999999", "1.15"),
            ("99999999.99", "99999999.99"),
        ] {
            assert_eq!(
                yuan("x", &raw(input), false).unwrap().as_deref(),
                Some(want),
                "{input}"
            );
        }
    }

    #[test]
    fn a_third_decimal_and_non_amounts_are_refused_with_the_field_named() {
        for input in [
            "1.155",
            "0.125",
            "\"1.5x\"",
            "1e2",
            "\"\u{3000}1\"",
            "-1",
            "\".5\"",
            "\"5.\"",
            "\"1,000\"",
            "true",
            "\"0x10\"",
            "1.0000001",
        ] {
            let e = yuan("psn_cash_pay", &raw(input), false).unwrap_err();
            assert_eq!(
                e.body.field.as_deref(),
                Some("setlinfo.psn_cash_pay"),
                "{input}"
            );
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }

    #[test]
    fn nulls_and_empty_strings_are_absent_and_refunds_take_the_magnitude() {
        assert_eq!(yuan("x", &raw("null"), false).unwrap(), None);
        assert_eq!(yuan("x", &raw("\"\""), false).unwrap(), None);
        assert_eq!(
            yuan("x", &raw("-35.2"), true).unwrap().as_deref(),
            Some("35.20")
        );
    }

    #[test]
    fn a_2207_setlinfo_maps_to_the_notify_fields() {
        let body: HisSettlement = serde_json::from_str(
            r#"{"outBizNo":"H1-W01-1","medicalSettleState":"SUCCESS","setlinfo":{
                "medfee_sumamt":120.5,"psn_cash_pay":"20.50","fund_pay_sumamt":80,"acct_pay":20.0,
                "hifp_pay":80.00,"hifmi_pay":null,"balc":1234.56,"setl_id":"SETL0001",
                "setl_time":"2026-11-28 09:30:00","mdtrt_id":"M1","psn_no":"P1","insutype":"310"}}"#,
        )
        .unwrap();
        let wire = body.to_wire().unwrap();
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
            let wire = body.to_wire().unwrap();
            assert_eq!(wire["totalFee"], "35.00");
            assert!(!wire.contains_key("ownAmt"), "{state}");
            assert!(!wire.contains_key("medicalSettleNo"), "{state}");
        }
    }
}
