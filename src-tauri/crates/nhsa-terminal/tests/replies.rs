//! Reply parsing, read against PROTOCOL.md §1 and the public samples: tolerant
//! of what the field sends, strict about what is unusable.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use nhsa_terminal::TerminalError;
use nhsa_terminal::protocol::envelope::decode_reply;
use nhsa_terminal::protocol::{EcAuthReply, Identity, SettleNotifyReply};
use serde_json::{Value, json};

const EC_AUTH_REPLY: &str = include_str!("fixtures/ec_auth_reply.json");
const AUTH_CHECK_REPLY: &str = include_str!("fixtures/auth_check_reply.json");

#[test]
fn the_sample_ec_auth_reply() {
    let reply = decode_reply::<EcAuthReply>(EC_AUTH_REPLY).unwrap();
    assert_eq!(reply.data.auth_no.as_str(), "ano3728680187894374401630000");
    assert_eq!(reply.message, "成功");
    assert_eq!(reply.data.f_token, None);
    assert_eq!(reply.raw, EC_AUTH_REPLY);
}

#[test]
fn the_sample_auth_check_reply_with_null_strings() {
    let id = decode_reply::<Identity>(AUTH_CHECK_REPLY).unwrap().data;
    assert_eq!(id.user_name.reveal(), "阿炳");
    assert_eq!(id.id_no.reveal(), "150902199801010014");
    assert_eq!(id.gender.as_deref(), Some("男"));
    assert_eq!(id.birthday.as_deref(), Some("1998.01.01"));
    assert_eq!(id.insu_org.as_deref(), Some("330399"));
    assert_eq!(
        id.ec_index_no.as_deref(),
        Some("E7244957FA2EBCE6827B53F9073F8874")
    );
    assert_eq!(id.id_type_label().as_deref(), Some("居民身份证"));
    // "null" strings and empty strings are absent.
    assert_eq!(id.chnl_id, None);
    assert_eq!(id.nationality, None);
    assert_eq!(id.ec_qr_code, None);
    assert_eq!(id.birth_date(), Some((1998, 1, 1)));
    assert_eq!(id.age_on((2026, 11, 25)), Some(28));
    assert_eq!(id.age_on((2026, 1, 1)), Some(28));
    assert_eq!(id.age_on((2025, 12, 31)), Some(27));
}

fn sample_data() -> Value {
    let v: Value = serde_json::from_str(AUTH_CHECK_REPLY).unwrap();
    serde_json::from_str(v["data"].as_str().unwrap()).unwrap()
}

#[test]
fn data_as_an_object_reads_the_same() {
    let body = json!({"code": 0, "message": "成功", "data": sample_data()}).to_string();
    let id = decode_reply::<Identity>(&body).unwrap().data;
    assert_eq!(id.user_name.reveal(), "阿炳");
}

#[test]
fn double_encoded_replies_are_peeled() {
    let once = json!({"code": 0, "message": "成功", "data": sample_data().to_string()}).to_string();
    let twice = Value::String(once).to_string();
    assert_eq!(
        decode_reply::<Identity>(&twice)
            .unwrap()
            .data
            .user_name
            .reveal(),
        "阿炳"
    );
    let data_twice =
        json!({"code": 0, "data": Value::String(sample_data().to_string()).to_string()});
    let id = decode_reply::<Identity>(&data_twice.to_string())
        .unwrap()
        .data;
    assert_eq!(id.id_no.reveal(), "150902199801010014");
}

#[test]
fn unknown_fields_are_kept_not_refused() {
    let mut data = sample_data();
    data["vendorTrace"] = json!("abc-123");
    data["newField"] = json!({"x": 1});
    let body = json!({"code": 0, "message": "成功", "data": data, "traceId": "t1"}).to_string();
    let id = decode_reply::<Identity>(&body).unwrap().data;
    assert_eq!(id.other["vendorTrace"], "abc-123");
    assert_eq!(id.other["newField"]["x"], 1);
}

#[test]
fn a_string_code_is_read_like_a_number() {
    let body = r#"{"code":"0","message":"成功","data":"{\"outBizNo\":\"N1\"}"}"#;
    let reply = decode_reply::<SettleNotifyReply>(body).unwrap();
    assert_eq!(reply.data.out_biz_no.as_deref(), Some("N1"));
}

#[test]
fn non_zero_codes_are_terminal_errors_with_code_and_message() {
    for (body, code, message) in [
        (
            r#"{"code":-2,"message":"用户取消","data":null}"#,
            "-2",
            "用户取消",
        ),
        (
            r#"{"code":"E1001","message":"机构未签约"}"#,
            "E1001",
            "机构未签约",
        ),
        (r#"{"code":500,"message":"null"}"#, "500", ""),
    ] {
        match decode_reply::<EcAuthReply>(body) {
            Err(TerminalError::Terminal {
                code: c,
                message: m,
                raw,
            }) => {
                assert_eq!((c.as_str(), m.as_str()), (code, message));
                assert_eq!(raw.0, body);
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn unusable_replies_are_malformed_and_keep_the_raw_text() {
    let bodies = [
        "",
        "not json",
        r#"{"code":0,"message":"成功","data":"{\"authNo\":"#,
        r#"[1,2,3]"#,
        r#"{"message":"成功"}"#,
        r#"{"code":0,"data":"[1]"}"#,
        r#"{"code":0,"data":{"fToken":"x"}}"#,
        r#"{"code":0,"data":{"authNo":""}}"#,
        "<html>502 Bad Gateway</html>",
    ];
    for body in bodies {
        match decode_reply::<EcAuthReply>(body) {
            Err(e @ TerminalError::Malformed { .. }) => {
                assert_eq!(e.raw_reply(), Some(body));
                assert!(e.outcome_unknown());
                assert_eq!(e.code(), "malformed_reply");
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[test]
fn missing_data_is_fine_where_nothing_is_required() {
    let reply = decode_reply::<SettleNotifyReply>(r#"{"code":0,"message":"成功"}"#).unwrap();
    assert_eq!(reply.data.out_biz_no, None);
    let reply = decode_reply::<SettleNotifyReply>(r#"{"code":0,"data":"null"}"#).unwrap();
    assert_eq!(reply.data.out_biz_no, None);
}
