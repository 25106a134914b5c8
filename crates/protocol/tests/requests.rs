//! Request validation, read against PROTOCOL.md §2: nothing that breaks a rule
//! of the spec can be built, and the error names the field.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use nhsa_protocol::notify::{Payment, SettleNotifyDraft, SettleResult};
use nhsa_protocol::validation::from_json;
use nhsa_protocol::{
    Amount, AuthCheck, BizType, BusinessType, EcAuth, MedicalSettleState, OrgId, SettleNotify,
    envelope,
};
use nhsa_protocol::{Problem, ValidationError};
use serde_json::{Value, json};

const EC_AUTH: &str = include_str!("fixtures/ec_auth_request.json");
const NOTIFY_SUCCESS: &str = include_str!("fixtures/settle_notify_success.json");
const NOTIFY_FAIL: &str = include_str!("fixtures/settle_notify_fail.json");

fn with(fixture: &str, field: &str, value: Value) -> String {
    let mut v: Value = serde_json::from_str(fixture).unwrap();
    if value.is_null() {
        v.as_object_mut().unwrap().remove(field);
    } else {
        v[field] = value;
    }
    v.to_string()
}

fn notify(json: &str) -> Result<SettleNotify, ValidationError> {
    let draft: SettleNotifyDraft = serde_json::from_str(json).unwrap();
    SettleNotify::try_from(draft)
}

#[test]
fn the_sample_ec_auth_request_is_valid_and_encodes_in_the_envelope() {
    let req: EcAuth = from_json(EC_AUTH).unwrap();
    assert_eq!(req.business_type, BusinessType::Register);
    let org = OrgId::new("H44170200001").unwrap();
    let wire: Value = serde_json::from_str(&envelope::encode(&org, &req)).unwrap();
    assert_eq!(wire["orgId"], "H44170200001");
    assert_eq!(wire["transType"], "cn.nhsa.ec.auth");
    assert_eq!(wire["data"]["operatorName"], "林晓燕");
    assert_eq!(wire["data"]["businessType"], "01101");
    assert_eq!(wire["data"]["extData"], "{}");
    assert!(
        wire.get("extra").is_none(),
        "no top-level extra unless configured"
    );
}

#[test]
fn ec_auth_field_rules() {
    let long = |n: usize| json!("x".repeat(n));
    // (field, bad value, expected problem); Null = field left out.
    let cases: Vec<(&str, Value, Problem)> = vec![
        ("orgId", Value::Null, Problem::Missing),
        ("orgId", json!(""), Problem::Missing),
        (
            "orgId",
            long(41),
            Problem::TooLong {
                max: 40,
                actual: 41,
            },
        ),
        (
            "outBizNo",
            long(65),
            Problem::TooLong {
                max: 64,
                actual: 65,
            },
        ),
        ("outBizNo", Value::Null, Problem::Missing),
        (
            "operatorId",
            long(21),
            Problem::TooLong {
                max: 20,
                actual: 21,
            },
        ),
        (
            "operatorName",
            json!("林".repeat(31)),
            Problem::TooLong {
                max: 30,
                actual: 31,
            },
        ),
        (
            "officeId",
            long(21),
            Problem::TooLong {
                max: 20,
                actual: 21,
            },
        ),
        ("officeName", json!(" "), Problem::Missing),
        ("businessType", Value::Null, Problem::Missing),
    ];
    for (field, value, problem) in cases {
        let err = from_json::<EcAuth>(&with(EC_AUTH, field, value.clone())).unwrap_err();
        assert_eq!(err.field, field, "{field}={value}");
        match problem {
            Problem::Missing => assert!(
                err.problem == Problem::Missing || err.to_string().contains("不能为空"),
                "{field}: {err}"
            ),
            Problem::TooLong { max, .. } => {
                assert!(
                    err.to_string().contains(&format!("最多 {max} 个字符")),
                    "{err}"
                )
            }
            _ => unreachable!(),
        }
    }
    let err = from_json::<EcAuth>(&with(EC_AUTH, "businessType", json!("09999"))).unwrap_err();
    assert_eq!(err.field, "businessType");
    assert!(err.to_string().contains("代码表"), "{err}");
    let err = from_json::<EcAuth>(&with(EC_AUTH, "extData", json!("[1]"))).unwrap_err();
    assert_eq!(err.field, "extData");
}

#[test]
fn auth_check_needs_the_auth_no() {
    let mut v: Value = serde_json::from_str(EC_AUTH).unwrap();
    let err = from_json::<AuthCheck>(&v.to_string()).unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.problem),
        ("authNo", Problem::Missing)
    );
    v["authNo"] = json!("a".repeat(65));
    assert_eq!(
        from_json::<AuthCheck>(&v.to_string()).unwrap_err().field,
        "authNo"
    );
    v["authNo"] = json!("ano3728680187894374401630000");
    assert!(from_json::<AuthCheck>(&v.to_string()).is_ok());
}

#[test]
fn the_sample_success_notify_carries_its_amounts() {
    let n = notify(NOTIFY_SUCCESS).unwrap();
    assert_eq!(n.result.state(), MedicalSettleState::Success);
    assert_eq!(n.biz_type, BizType::Register);
    assert_eq!(n.total_fee, Amount::from_fen(12050));
    let a = n.result.amounts().unwrap();
    assert_eq!(a.hif_amt, Amount::from_fen(8000));
    assert_eq!(a.balance, Some(Amount::from_fen(123456)));
    assert_eq!(a.hifmi_amt, None);
    assert!(
        n.amount_warnings().is_empty(),
        "20.50 + 80.00 + 20.00 = 120.50"
    );
    // On the wire: flat, amounts as two-decimal strings, absent optionals left out.
    let wire = serde_json::to_value(&n).unwrap();
    assert_eq!(wire["totalFee"], "120.50");
    assert_eq!(wire["ownAmt"], "20.50");
    assert_eq!(wire["medicalSettleState"], "SUCCESS");
    assert_eq!(wire["idNo"], "44170219980101123X");
    assert!(wire.get("hifmiAmt").is_none());
    assert!(wire.get("failReason").is_none());
    // And back: serde goes through the same door.
    let back: SettleNotify = serde_json::from_value(wire).unwrap();
    assert_eq!(back, n);
}

#[test]
fn the_sample_fail_notify_has_no_amount_block() {
    let n = notify(NOTIFY_FAIL).unwrap();
    assert_eq!(n.result, SettleResult::Fail { self_pay: false });
    let wire = serde_json::to_value(&n).unwrap();
    for field in ["medicalSettleNo", "ownAmt", "hifAmt", "acctAmt", "hifpAmt"] {
        assert!(
            wire.get(field).is_none(),
            "{field} must be left out for FAIL"
        );
    }
    assert_eq!(wire["failReason"], "医保结算失败：参保人账户冻结");
}

#[test]
fn amounts_are_required_for_success_states_and_refused_otherwise() {
    for state in ["SUCCESS", "REFUND_SUCCESS"] {
        let json = with(NOTIFY_SUCCESS, "medicalSettleState", json!(state));
        assert!(notify(&json).is_ok(), "{state}");
        for field in ["medicalSettleNo", "ownAmt", "hifAmt", "acctAmt", "hifpAmt"] {
            let err = notify(&with(&json, field, Value::Null)).unwrap_err();
            assert_eq!(
                (err.field.as_str(), &err.problem),
                (field, &Problem::Missing),
                "{state}"
            );
        }
        // The optional part of the block may be left out.
        assert!(notify(&with(&json, "balance", Value::Null)).is_ok());
    }
    for state in ["FAIL", "REFUND_FAIL"] {
        assert!(notify(&with(NOTIFY_FAIL, "medicalSettleState", json!(state))).is_ok());
        for field in ["medicalSettleNo", "hifAmt", "balance", "mafAmt"] {
            let json = with(NOTIFY_FAIL, "medicalSettleState", json!(state));
            let err = notify(&with(&json, field, json!("1.00"))).unwrap_err();
            assert_eq!(err.field, field);
            assert!(matches!(err.problem, Problem::MustBeAbsent { .. }), "{err}");
            assert!(err.to_string().contains(state), "{err}");
        }
    }
}

/// 自费: "（自费不需要传）" — SUCCESS / REFUND_SUCCESS without the amount block.
fn self_pay(state: &str) -> String {
    let mut v: Value = serde_json::from_str(NOTIFY_SUCCESS).unwrap();
    let fields = v.as_object_mut().unwrap();
    for field in [
        "medicalSettleNo",
        "ownAmt",
        "hifAmt",
        "acctAmt",
        "hifpAmt",
        "hifmiAmt",
        "cvlservAmt",
        "maAmt",
        "hosPreAmt",
        "medOverLmtAmt",
        "mafAmt",
        "cvlservDedcAmt",
        "balance",
    ] {
        fields.remove(field);
    }
    fields.insert("medicalSettleState".into(), json!(state));
    fields.insert("selfPay".into(), json!(true));
    v.to_string()
}

#[test]
fn a_self_pay_success_has_no_amount_block_and_says_so_only_in_the_draft() {
    for (state, expected) in [
        ("SUCCESS", SettleResult::Success(Payment::SelfPay)),
        (
            "REFUND_SUCCESS",
            SettleResult::RefundSuccess(Payment::SelfPay),
        ),
        ("FAIL", SettleResult::Fail { self_pay: true }),
        ("REFUND_FAIL", SettleResult::RefundFail { self_pay: true }),
    ] {
        let n = notify(&self_pay(state)).unwrap();
        assert_eq!(n.result, expected, "{state}");
        assert!(n.result.is_self_pay());
        assert_eq!(n.result.amounts(), None);
        assert!(n.amount_warnings().is_empty());
        // The flag is ours: the wire carries neither it nor any amount but totalFee.
        let wire = serde_json::to_value(&n).unwrap();
        assert!(wire.get("selfPay").is_none(), "{wire}");
        assert!(wire.get("medicalSettleNo").is_none() && wire.get("ownAmt").is_none());
        assert_eq!(wire["totalFee"], "120.50");
        // The draft keeps it, so a stored draft rebuilds the same value.
        let draft = n.to_draft();
        assert!(draft.self_pay);
        assert_eq!(SettleNotify::try_from(draft).unwrap(), n);
        // A terminal reading the wire infers 自费 from the missing block.
        let mut read: SettleNotifyDraft = serde_json::from_value(wire).unwrap();
        read.infer_self_pay();
        assert_eq!(SettleNotify::try_from(read).unwrap(), n);
    }
}

#[test]
fn a_self_pay_settlement_refuses_amounts_and_an_insured_one_still_needs_them() {
    for field in ["medicalSettleNo", "ownAmt", "hifpAmt", "balance"] {
        let err = notify(&with(&self_pay("SUCCESS"), field, json!("1.00"))).unwrap_err();
        assert_eq!(err.field, field);
        assert!(err.to_string().contains("自费"), "{err}");
    }
    // Without the flag, a SUCCESS without amounts is an incomplete 医保 settlement.
    let err = notify(&with(&self_pay("SUCCESS"), "selfPay", json!(false))).unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.problem),
        ("medicalSettleNo", Problem::Missing)
    );
    // Zeros are not 自费: an insured SUCCESS of 0.00 stays insured.
    let zeros = with(NOTIFY_SUCCESS, "ownAmt", json!("0.00"));
    assert!(!notify(&zeros).unwrap().result.is_self_pay());
}

#[test]
fn notify_field_rules() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("totalFee", json!("1.234"), "最多两位小数"),
        ("totalFee", json!("abc"), "应为数字"),
        ("totalFee", json!("-5.00"), "不能为负数"),
        ("totalFee", json!("9".repeat(65)), "超过 64 个字符"),
        ("totalFee", Value::Null, "不能为空"),
        ("ownAmt", json!("12.345"), "最多两位小数"),
        ("hifmiAmt", json!("x"), "应为数字"),
        ("medicalSettleState", json!("PAID"), "代码表"),
        ("medicalSettleState", Value::Null, "不能为空"),
        ("bizType", json!("pharmacy"), "代码表"),
        ("setlTime", json!("2026/11/25 09:30"), "yyyy-MM-dd HH:mm:ss"),
        ("setlTime", Value::Null, "不能为空"),
        ("hospitalName", json!("院".repeat(65)), "最多 64 个字符"),
        ("hospitalName", Value::Null, "不能为空"),
        ("operatorId", Value::Null, "不能为空"),
        ("outBizNo", json!("n".repeat(65)), "最多 64 个字符"),
        ("idNo", json!("1".repeat(65)), "最多 64 个字符"),
        ("userName", json!("名".repeat(65)), "最多 64 个字符"),
        ("officeId", json!("1".repeat(21)), "最多 20 个字符"),
        ("officeName", json!("科".repeat(31)), "最多 30 个字符"),
        ("doctorName", json!("医".repeat(65)), "最多 64 个字符"),
        ("failReason", json!("因".repeat(201)), "最多 200 个字符"),
        ("authNo", json!("a".repeat(65)), "最多 64 个字符"),
        ("medicalSettleNo", json!("m".repeat(65)), "最多 64 个字符"),
    ];
    for (field, value, says) in cases {
        let err = notify(&with(NOTIFY_SUCCESS, field, value.clone())).unwrap_err();
        assert_eq!(err.field, field, "{field}={value}: {err}");
        let text = err.to_string();
        assert!(
            text.contains(says) && text.contains(field),
            "{field}: {text}"
        );
    }
}

#[test]
fn optional_fields_read_empty_and_null_as_absent() {
    let n = notify(&with(NOTIFY_FAIL, "doctorName", json!("null"))).unwrap();
    assert_eq!(n.doctor_name, None);
    let n = notify(&with(NOTIFY_FAIL, "officeId", json!(""))).unwrap();
    assert_eq!(n.office_id, None);
}

#[test]
fn personal_fields_format_masked() {
    let n = notify(NOTIFY_SUCCESS).unwrap();
    let debug = format!("{n:?}");
    assert!(!debug.contains("44170219980101123X"), "{debug}");
    assert!(debug.contains("**************123*"));
    assert!(!debug.contains("阿炳"));
}

#[test]
fn amounts_that_do_not_add_up_warn_but_do_not_block() {
    // 20.50 + 80.00 + 20.00 = 120.50: the national sum.
    assert!(notify(NOTIFY_SUCCESS).unwrap().amount_warnings().is_empty());
    let n = notify(&with(NOTIFY_SUCCESS, "ownAmt", json!("99.99"))).unwrap();
    let warnings = n.amount_warnings();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("120.50"), "{warnings:?}");
    // A hifAmt holding the account (own + hif = total) is named as such:
    // the patient's 医保报销 never includes the account.
    let n = notify(&with(NOTIFY_SUCCESS, "ownAmt", json!("40.50"))).unwrap();
    let warnings = n.amount_warnings();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("似乎已含个人帐户"), "{warnings:?}");
    // 垫支 (hosPreAmt) inside the total balances too.
    let mut v: Value = serde_json::from_str(NOTIFY_SUCCESS).unwrap();
    v["totalFee"] = json!("130.50");
    v["hosPreAmt"] = json!("10.00");
    assert!(notify(&v.to_string()).unwrap().amount_warnings().is_empty());
}

#[test]
fn one_json_document_with_an_optional_bom_and_nothing_after_it() {
    let with_bom = format!("\u{FEFF}{NOTIFY_SUCCESS}");
    let draft: SettleNotifyDraft = from_json(&with_bom).unwrap();
    assert_eq!(draft.total_fee, "120.50");
    for trailing in [" {}", "{}", " x", "\n[1]"] {
        let err =
            from_json::<SettleNotifyDraft>(&format!("{NOTIFY_SUCCESS}{trailing}")).unwrap_err();
        assert!(err.to_string().contains("多余"), "{trailing:?}: {err}");
    }
    // Trailing whitespace is not data.
    assert!(from_json::<SettleNotifyDraft>(&format!("{NOTIFY_SUCCESS}\n\n")).is_ok());
}

#[test]
fn control_characters_and_replacement_marks_are_refused_with_the_field_named() {
    for (field, value) in [
        ("operatorName", "林\u{0}晓燕"),
        ("hospitalName", "阳江市\n妇幼保健院"),
        ("userName", "欧阳\u{7}娜娜"),
        ("failReason", "余额\u{FFFD}不足"),
        ("doctorName", "陈\t医生"),
    ] {
        let err = notify(&with(NOTIFY_SUCCESS, field, json!(value))).unwrap_err();
        assert_eq!(err.field, field, "{value:?}");
        assert!(matches!(err.problem, Problem::BadCharacter { .. }), "{err}");
    }
}

#[test]
fn invisible_formatting_marks_are_refused_and_a_visible_middle_dot_is_not() {
    for (field, value, mark) in [
        // "1202" shown as "2021" by a right-to-left override.
        ("medicalSettleNo", "441700G000001234\u{202E}1202", "U+202E"),
        ("failReason", "余额\u{200B}不足", "U+200B"),
        ("doctorName", "陈医生\u{2028}", "U+2028"),
        ("operatorName", "林\u{2067}晓燕\u{2069}", "U+2067"),
        ("officeName", "\u{FEFF}挂号收费处", "U+FEFF"),
    ] {
        let err = notify(&with(NOTIFY_SUCCESS, field, json!(value))).unwrap_err();
        assert_eq!(err.field, field, "{value:?}");
        assert!(matches!(err.problem, Problem::BadCharacter { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("不可见的格式字符") && text.contains(mark),
            "{text}"
        );
    }
    let ok = notify(&with(NOTIFY_SUCCESS, "userName", json!("阿卜杜·热合曼"))).unwrap();
    assert_eq!(
        ok.user_name().map(|n| n.reveal().to_owned()),
        Some("阿卜杜·热合曼".into())
    );
    // The patient's name and 证件号 are the platform's own data, carried back
    // as it reported them: a zero-width space there does not block the notify.
    let ok = notify(&with(NOTIFY_SUCCESS, "userName", json!("欧阳\u{200B}娜娜"))).unwrap();
    assert!(ok.user_name().is_some());
    // Control characters stay refused there too.
    let err = notify(&with(NOTIFY_SUCCESS, "userName", json!("欧阳\u{7}娜娜"))).unwrap_err();
    assert_eq!(err.field, "userName");
}

#[test]
fn one_maximum_for_every_amount() {
    let at_max = notify(&with(NOTIFY_SUCCESS, "totalFee", json!("99999999.99"))).unwrap();
    assert_eq!(at_max.total_fee, Amount::MAX);
    for field in ["totalFee", "ownAmt", "balance"] {
        let err = notify(&with(NOTIFY_SUCCESS, field, json!("100000000.00"))).unwrap_err();
        assert_eq!(err.field, field);
        assert!(err.to_string().contains("99999999.99"), "{err}");
    }
    let err = notify(&with(
        NOTIFY_SUCCESS,
        "totalFee",
        json!("92233720368547758.08"),
    ))
    .unwrap_err();
    assert_eq!(err.field, "totalFee");
}

// ---- cn.nhsa.qrcode.get (PROTOCOL.md §7) ----

const QRCODE: &str = include_str!("fixtures/qrcode_get_request.json");

#[test]
fn the_sample_qrcode_request_is_valid_and_encodes_in_the_envelope() {
    use nhsa_protocol::{QrCodeGet, TransType};
    let req: QrCodeGet = from_json(QRCODE).unwrap();
    assert_eq!(req.business_type, BusinessType::Register);
    let org = OrgId::new("H44170200001").unwrap();
    let wire: Value = serde_json::from_str(&envelope::encode(&org, &req)).unwrap();
    assert_eq!(wire["transType"], "cn.nhsa.qrcode.get");
    assert_eq!(wire["orgId"], "H44170200001");
    // Exactly the fields of ec.auth, outBizNo included (our decision, §7).
    let mut fields: Vec<&str> = wire["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "businessType",
            "extData",
            "officeId",
            "officeName",
            "operatorId",
            "operatorName",
            "orgId",
            "outBizNo"
        ]
    );
    assert_eq!(wire["data"]["outBizNo"], "H44170200001-W01-20261125-000003");
    assert_eq!(
        TransType::parse("cn.nhsa.qrcode.get"),
        Some(TransType::QrCodeGet)
    );
    assert!(TransType::ALL.contains(&TransType::QrCodeGet));
    assert_eq!(
        serde_json::to_string(&TransType::QrCodeGet).unwrap(),
        "\"cn.nhsa.qrcode.get\""
    );
}

#[test]
fn a_qrcode_request_is_built_from_the_face_scans_inputs() {
    use nhsa_protocol::QrCodeGet;
    let scan: EcAuth = from_json(EC_AUTH).unwrap();
    let qr = QrCodeGet::instead_of(scan.clone());
    assert_eq!(
        serde_json::to_value(&qr).unwrap(),
        serde_json::to_value(&scan).unwrap()
    );
    assert_eq!(QrCodeGet::from(scan), qr);
    assert_eq!(
        nhsa_protocol::samples::qrcode_get("Q1").out_biz_no.as_str(),
        "Q1"
    );
}

#[test]
fn qrcode_field_rules_are_those_of_ec_auth() {
    use nhsa_protocol::QrCodeGet;
    for (field, value, problem) in [
        ("orgId", Value::Null, "不能为空"),
        ("outBizNo", Value::Null, "不能为空"),
        ("outBizNo", json!("n".repeat(65)), "最多 64 个字符"),
        ("operatorId", json!("1".repeat(21)), "最多 20 个字符"),
        ("operatorName", json!("林".repeat(31)), "最多 30 个字符"),
        ("officeId", json!(""), "不能为空"),
        ("officeName", json!("科".repeat(31)), "最多 30 个字符"),
        ("businessType", json!("09999"), "代码表"),
        ("extData", json!("[1]"), "JSON 对象"),
        ("operatorName", json!("林\u{0}晓燕"), "控制字符"),
    ] {
        let err = from_json::<QrCodeGet>(&with(QRCODE, field, value.clone())).unwrap_err();
        assert_eq!(err.field, field, "{field}={value}");
        assert!(err.to_string().contains(problem), "{field}: {err}");
    }
}

#[test]
fn a_field_no_request_knows_is_refused_and_named() {
    // A HIS's typo: the amount would otherwise be dropped without a word.
    let typo = with(NOTIFY_SUCCESS, "acctamt", json!("20.00"));
    let err = from_json::<SettleNotifyDraft>(&typo).unwrap_err();
    assert_eq!(err.field, "acctamt");
    assert!(err.to_string().contains("不是接口定义的字段"), "{err}");
    // The first unknown one is named, wherever it is in the document.
    let err = from_json::<EcAuth>(&with(EC_AUTH, "officeNmae", json!("挂号收费处"))).unwrap_err();
    assert_eq!(err.field, "officeNmae");
    // Known fields only: accepted as before.
    assert!(from_json::<SettleNotifyDraft>(NOTIFY_SUCCESS).is_ok());
}
