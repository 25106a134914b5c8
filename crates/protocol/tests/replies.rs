//! Reply parsing, read against PROTOCOL.md §1 and the public samples: tolerant
//! of what the field sends, strict about what is unusable.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use nhsa_protocol::ReplyError;
use nhsa_protocol::envelope::decode_reply;
use nhsa_protocol::{EcAuthReply, Identity, SettleNotifyReply};
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
            Err(ReplyError::Terminal {
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
            // Kept whole; the terminal crate counts it an unknown outcome.
            Err(ReplyError::Malformed { raw, .. }) => assert_eq!(raw.0, body),
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

// ---- cn.nhsa.qrcode.get (PROTOCOL.md §7) ----

mod qrcode {
    use super::*;
    use nhsa_protocol::mask::mask_raw;
    use nhsa_protocol::{QrCodeGet, QrCodeGetReply, Transaction};

    const NORMAL: &str = include_str!("fixtures/qrcode_get_reply.json");
    const AS_STRING: &str = include_str!("fixtures/qrcode_get_reply_string.json");
    const NULLS: &str = include_str!("fixtures/qrcode_get_reply_nulls.json");
    const CHILD: &str = include_str!("fixtures/qrcode_get_reply_child.json");
    const BAD_CHECK_DIGIT: &str = include_str!("fixtures/qrcode_get_reply_bad_check_digit.json");

    fn read(raw: &str) -> QrCodeGetReply {
        let reply = decode_reply::<QrCodeGetReply>(raw).unwrap();
        QrCodeGet::check_reply(&reply.data).unwrap();
        reply.data
    }

    #[test]
    fn the_normal_reply_carries_the_whole_identity_and_its_echoes() {
        let reply = decode_reply::<QrCodeGetReply>(NORMAL).unwrap();
        assert_eq!(reply.org_id.as_deref(), Some("H44170200001"));
        assert_eq!(reply.message, "成功");
        let r = reply.data;
        QrCodeGet::check_reply(&r).unwrap();
        assert_eq!(
            r.out_biz_no.as_deref(),
            Some("H44170200001-W01-20261125-000003")
        );
        assert_eq!(r.org_id.as_deref(), Some("H44170200001"));
        let id = &r.identity;
        assert_eq!(id.user_name.reveal(), "黄秀英");
        assert_eq!(id.id_no.reveal(), "441704198503150020");
        assert_eq!(id.id_type_label().as_deref(), Some("居民身份证"));
        assert_eq!(id.gender.as_deref(), Some("女"));
        assert_eq!(id.insu_org.as_deref(), Some("441704"));
        assert_eq!(
            id.ec_token.as_ref().unwrap().reveal(),
            "441700ec3kq9w0e8r7t6y5u4i3o2p1a0s9d8f7"
        );
        assert_eq!(id.ec_index_no.as_deref().unwrap().len(), 32);
        assert_eq!(id.nationality.as_deref(), Some("CHN"));
        assert_eq!(id.auth_no.as_deref(), Some("ano3728690187894374401630000"));
        assert!(id.ec_qr_code.as_deref().unwrap().starts_with("441704ecqr"));
        // "null" and "" are absent, not text.
        assert_eq!((id.chnl_id.as_ref(), id.email.as_ref()), (None, None));
        assert_eq!(r.extra, None);
        assert_eq!(r.family_account(), None);
        assert_eq!(id.age_on((2026, 11, 25)), Some(41));
        // Masked when formatted: a Debug of the reply leaks none of it.
        let debug = format!("{r:?}");
        for secret in ["黄秀英", "441704198503150020", "3kq9w0e8r7t6y5u4i3o2p1a0s9"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn data_as_a_string_reads_the_same_as_data_as_an_object() {
        assert!(AS_STRING.contains(r#""data": "{"#));
        assert_eq!(read(AS_STRING), read(NORMAL));
        let twice = Value::String(AS_STRING.trim().to_owned()).to_string();
        assert_eq!(read(&twice), read(NORMAL));
    }

    #[test]
    fn null_strings_are_absent_even_for_the_echoes() {
        let reply = decode_reply::<QrCodeGetReply>(NULLS).unwrap();
        assert_eq!((reply.org_id, reply.message.as_str()), (None, ""));
        let r = reply.data;
        QrCodeGet::check_reply(&r).unwrap();
        assert_eq!((r.out_biz_no, r.org_id, r.extra), (None, None, None));
        let id = &r.identity;
        for absent in [
            &id.gender,
            &id.birthday,
            &id.ec_index_no,
            &id.nationality,
            &id.email,
            &id.chnl_id,
            &id.ec_qr_code,
            &id.auth_no,
        ] {
            assert_eq!(absent, &None);
        }
        assert_eq!(id.ext_data, None);
        // Without a birthday, the 居民身份证号 still gives the age.
        assert_eq!(id.birth_date(), Some((1985, 3, 15)));
        assert_eq!(id.age_label_on((2026, 11, 25)).as_deref(), Some("41岁"));
    }

    #[test]
    fn a_childs_code_from_a_family_account() {
        let r = read(CHILD);
        let id = &r.identity;
        assert_eq!(id.user_name.reveal(), "黄子轩");
        assert_eq!(id.birthday.as_deref(), Some("2025.06.18"));
        assert_eq!(id.age_on((2026, 11, 25)), Some(1));
        assert_eq!(id.age_in_months_on((2026, 11, 25)), Some(17));
        assert_eq!(id.age_label_on((2026, 11, 25)).as_deref(), Some("1岁5个月"));
        assert_eq!(id.age_label_on((2025, 11, 18)).as_deref(), Some("5个月"));
        assert_eq!(id.age_label_on((2025, 11, 17)).as_deref(), Some("4个月"));
        assert_eq!(id.age_label_on((2025, 7, 1)).as_deref(), Some("未满1个月"));
        assert_eq!(id.age_label_on((2027, 6, 18)).as_deref(), Some("2岁"));
        assert_eq!(id.age_label_on((2028, 6, 17)).as_deref(), Some("2岁11个月"));
        assert_eq!(id.age_label_on((2028, 6, 18)).as_deref(), Some("3岁"));
        assert_eq!(id.age_label_on((2025, 6, 17)), None, "before birth");
        let family = r.family_account().unwrap();
        assert_eq!(family.guardian_name.as_ref().unwrap().reveal(), "林晓敏");
        assert_eq!(family.guardian_name.as_ref().unwrap().masked(), "林**");
        assert_eq!(family.guardian_relation.as_deref(), Some("母亲"));
        // Unknown fields are kept.
        assert_eq!(id.other["vendorTrace"], "qr-7781");
        // extra as an object works too.
        let mut v: Value = serde_json::from_str(CHILD).unwrap();
        let mut data: Value = serde_json::from_str(v["data"].as_str().unwrap()).unwrap();
        data["extra"] = serde_json::from_str(data["extra"].as_str().unwrap()).unwrap();
        v["data"] = data;
        assert_eq!(read(&v.to_string()).family_account(), Some(family));
    }

    #[test]
    fn an_extra_that_is_not_a_family_account_is_none() {
        let mut v: Value = serde_json::from_str(NORMAL).unwrap();
        for extra in [
            json!({"accountType": "self"}),
            json!("{\"guardianName\":\"林晓敏\"}"),
            json!("not json"),
            json!([1, 2]),
            json!(7),
        ] {
            v["data"]["extra"] = extra.clone();
            let r = read(&v.to_string());
            assert_eq!(r.family_account(), None, "{extra}");
            assert_eq!(r.extra, Some(extra));
        }
    }

    #[test]
    fn a_wrong_check_digit_is_refused_by_the_check_not_the_reader() {
        let reply = decode_reply::<QrCodeGetReply>(BAD_CHECK_DIGIT).unwrap();
        let err = QrCodeGet::check_reply(&reply.data).unwrap_err();
        assert_eq!(err.field, "idNo");
        assert!(err.to_string().contains("校验位"), "{err}");
    }

    #[test]
    fn field_rules_of_the_reply() {
        let base: Value = serde_json::from_str(NORMAL).unwrap();
        let cases: Vec<(&str, Value, &str)> = vec![
            ("outBizNo", json!("n".repeat(65)), "最多 64 个字符"),
            ("orgId", json!("H".repeat(41)), "最多 40 个字符"),
            ("userName", json!(" "), "不能为空"),
            ("userName", json!("黄\u{FFFD}英"), "无法识别的字符"),
            ("idNo", json!("1".repeat(65)), "最多 64 个字符"),
            ("insuOrg", json!("4417041"), "最多 6 个字符"),
            ("ecToken", json!("t".repeat(41)), "最多 40 个字符"),
            ("ecIndexNo", json!("A".repeat(33)), "最多 32 个字符"),
            ("ecQrCode", json!("q".repeat(513)), "最多 512 个字符"),
            ("authNo", json!("a".repeat(65)), "最多 64 个字符"),
            (
                "guardianName",
                json!({"accountType": "family", "guardianName": "名".repeat(65)}),
                "最多 64 个字符",
            ),
            (
                "guardianRelation",
                json!({"accountType": "family", "guardianRelation": "母\n亲"}),
                "控制字符",
            ),
        ];
        for (field, value, says) in cases {
            let mut v = base.clone();
            let key = if field.starts_with("guardian") {
                "extra"
            } else {
                field
            };
            v["data"][key] = value;
            let reply = decode_reply::<QrCodeGetReply>(&v.to_string()).unwrap();
            let err = QrCodeGet::check_reply(&reply.data).unwrap_err();
            assert_eq!(err.field, field, "{err}");
            assert!(err.to_string().contains(says), "{field}: {err}");
        }
        // The platform's data is taken as it is, invisible marks included
        // (refusing them would leave an authorised patient unsettleable).
        let mut v = base.clone();
        v["data"]["userName"] = json!("黄\u{200B}英");
        read(&v.to_string());
        // A long code value that auth.check would refuse is fine here.
        let mut v = base.clone();
        v["data"]["ecQrCode"] = json!("q".repeat(400));
        read(&v.to_string());
        // A non-resident document is not held to the check digit.
        v["data"]["idType"] = json!("06");
        v["data"]["idNo"] = json!("T123456789");
        read(&v.to_string());
    }

    #[test]
    fn reply_quirks() {
        let base: Value = serde_json::from_str(NORMAL).unwrap();
        // A string code, no message, no envelope orgId.
        let mut v = base.clone();
        v["code"] = json!("0");
        v.as_object_mut().unwrap().remove("message");
        v.as_object_mut().unwrap().remove("orgId");
        let reply = decode_reply::<QrCodeGetReply>(&v.to_string()).unwrap();
        assert_eq!((reply.org_id, reply.message.as_str()), (None, ""));
        // No echoes and no authNo at all: still an identity.
        let mut v = base.clone();
        for field in ["outBizNo", "orgId", "authNo", "extra", "ecQrCode"] {
            v["data"].as_object_mut().unwrap().remove(field);
        }
        let r = read(&v.to_string());
        assert_eq!(
            (r.out_biz_no, r.org_id, r.identity.auth_no),
            (None, None, None)
        );
        // Unknown fields at every level are kept or ignored, never refused.
        let mut v = base.clone();
        v["traceId"] = json!("t-1");
        v["data"]["deviceSn"] = json!("QR-001");
        v["data"]["psnInfo"] = json!({"age": 41});
        let r = read(&v.to_string());
        assert_eq!(r.identity.other["deviceSn"], "QR-001");
        assert_eq!(r.identity.other["psnInfo"]["age"], 41);
        // What cannot be an identity is malformed, and keeps its raw text.
        for data in [
            json!({"idNo": "441704198503150020"}),
            json!({"userName": "黄秀英"}),
            json!({"userName": "黄秀英", "idNo": 441704198503150020u64}),
            json!({"userName": "黄秀英", "idNo": "441704198503150020", "outBizNo": 5}),
            json!("[1]"),
        ] {
            let body = json!({"code": 0, "data": data}).to_string();
            match decode_reply::<QrCodeGetReply>(&body) {
                Err(ReplyError::Malformed { raw, .. }) => assert_eq!(raw.0, body),
                other => panic!("{body}: {other:?}"),
            }
        }
        // A refusal is a terminal error with its own code.
        let body = r#"{"code":2003,"message":"未扫描到医保码","data":"null"}"#;
        assert!(matches!(
            decode_reply::<QrCodeGetReply>(body),
            Err(ReplyError::Terminal { code, .. }) if code == "2003"
        ));
    }

    #[test]
    fn it_reencodes_flat_and_reads_back_equal() {
        for raw in [NORMAL, CHILD, NULLS] {
            let r = read(raw);
            let wire = serde_json::to_value(&r).unwrap();
            assert!(wire.get("identity").is_none(), "flat on the wire: {wire}");
            let again = json!({"code": 0, "data": wire.to_string()}).to_string();
            assert_eq!(read(&again), r);
        }
    }

    #[test]
    fn raw_copies_mask_the_code_the_token_the_guardian_and_the_child() {
        let masked = mask_raw(CHILD);
        for secret in [
            "黄子轩",
            "林晓敏",
            "441702202506180133",
            "2025.06.18",
            "1q2w3e4r5t6y7u8i9o0p1a2s3d4f5g6h7j8k9l",
            "0p9o8i7u6y5t4r3e2w1q0a9s8d",
        ] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(
            masked.contains("**************013*") && masked.contains("母亲"),
            "{masked}"
        );
    }
}
