//! The client against the in-process simulator: a whole visit, and every
//! scripted fault the panel must tell apart.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::sync::Arc;
use std::time::Duration;

use nhsa_terminal::protocol::{AuthNo, TransType};
use nhsa_terminal::simulator::{self, Behaviour, Script, Simulator, is_valid_resident_id};
use nhsa_terminal::transport::{self, SimulatorTransport, TransportConfig};
use nhsa_terminal::{Terminal, TerminalError, Timeouts, TransportError, samples};

fn terminal(sim: &Arc<Simulator>, timeouts: Timeouts) -> Terminal {
    let transport = Arc::new(SimulatorTransport::new(Arc::clone(sim)));
    Terminal::new(samples::org_id(), transport, timeouts)
}

fn quick() -> Timeouts {
    Timeouts {
        face_auth: Duration::from_millis(800),
        other: Duration::from_millis(200),
    }
}

#[tokio::test]
async fn a_whole_visit_face_scan_identity_and_notify() {
    let sim = Arc::new(Simulator::with_seed(42));
    let t = terminal(&sim, Timeouts::default());

    let auth = t.call(&samples::ec_auth("V1-AUTH")).await.unwrap();
    let auth_no = auth.data.auth_no.clone();
    assert!(auth_no.as_str().starts_with("ano") && auth_no.as_str().len() == 28);
    assert_eq!(auth.data.out_biz_no.as_deref(), Some("V1-AUTH"));

    let who = t
        .call(&samples::auth_check("V1-CHECK", &auth_no))
        .await
        .unwrap()
        .data;
    assert!(
        is_valid_resident_id(who.id_no.reveal()),
        "{}",
        who.id_no.reveal()
    );
    assert!(simulator::YANGJIANG_REGIONS.contains(&who.insu_org.as_deref().unwrap()));
    let index = who.ec_index_no.as_deref().unwrap();
    assert!(index.len() == 32 && index.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(who.ec_token.as_ref().unwrap().reveal().len() <= 40);
    assert!(who.user_name.reveal().chars().all(|c| !c.is_ascii()));
    assert_eq!(who.id_type.as_deref(), Some("01"));

    let notify = samples::settle_success("V1-AUTH", Some(auth_no.as_str()));
    let ack = t.call(&notify).await.unwrap();
    assert_eq!(ack.data.out_biz_no.as_deref(), Some("V1-AUTH"));

    let got = sim.received();
    let kinds: Vec<_> = got.iter().map(|r| r.trans_type.clone().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "cn.nhsa.ec.auth",
            "cn.nhsa.auth.check",
            "cn.nhsa.settle.notify"
        ]
    );
    let sent = got[2].data().unwrap();
    assert_eq!(sent["totalFee"], "120.50");
    assert_eq!(
        sent["outBizNo"], "V1-AUTH",
        "notify carries the ec.auth outBizNo"
    );
}

#[tokio::test]
async fn data_as_object_and_double_encoded_replies_work_end_to_end() {
    let sim = Arc::new(Simulator::new());
    sim.push_script(Script::any(Behaviour::DataAsObject));
    sim.push_script(Script::any(Behaviour::DoubleEncoded));
    let t = terminal(&sim, quick());
    assert!(t.call(&samples::ec_auth("A1")).await.is_ok());
    assert!(t.call(&samples::ec_auth("A2")).await.is_ok());
}

#[tokio::test]
async fn a_scripted_code_comes_back_with_the_terminals_own_message() {
    let sim = Arc::new(Simulator::new());
    sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::Error {
            code: -2,
            message: "用户取消刷脸".into(),
        },
    ));
    let err = terminal(&sim, quick())
        .call(&samples::ec_auth("A1"))
        .await
        .unwrap_err();
    match &err {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!((code.as_str(), message.as_str()), ("-2", "用户取消刷脸"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn a_hung_terminal_is_a_timeout_and_an_unknown_outcome() {
    let sim = Arc::new(Simulator::new());
    sim.push_script(Script::any(Behaviour::Hang));
    let started = std::time::Instant::now();
    let err = terminal(&sim, quick())
        .call(&samples::ec_auth("A1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TerminalError::Transport(TransportError::Timeout { after }) if after == Duration::from_millis(800))
    );
    assert!(err.outcome_unknown());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn each_transaction_has_its_own_timeout() {
    let sim = Arc::new(Simulator::new());
    let t = terminal(&sim, quick());
    // 400 ms: within the face-scan deadline (800 ms), past the others' (200 ms).
    sim.push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(400));
    let auth_no = t.call(&samples::ec_auth("A1")).await.unwrap().data.auth_no;
    sim.push_script(Script::for_trans(TransType::AuthCheck, Behaviour::Normal).delayed(400));
    let err = t
        .call(&samples::auth_check("C1", &auth_no))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport_timeout");
}

#[tokio::test]
async fn garbage_and_http_errors_are_told_apart() {
    let sim = Arc::new(Simulator::new());
    let t = terminal(&sim, quick());
    sim.push_script(Script::any(Behaviour::Malformed { body: None }));
    let err = t.call(&samples::ec_auth("A1")).await.unwrap_err();
    assert_eq!(err.code(), "malformed_reply");
    assert!(err.raw_reply().unwrap().contains("authNo"));

    sim.push_script(Script::any(Behaviour::HttpStatus {
        status: 503,
        body: "busy".into(),
    }));
    let err = t.call(&samples::ec_auth("A2")).await.unwrap_err();
    assert!(matches!(
        err,
        TerminalError::Transport(TransportError::HttpStatus { status: 503, .. })
    ));
}

#[tokio::test]
async fn scripts_are_consumed_in_order_and_by_count() {
    let sim = Arc::new(Simulator::new());
    let t = terminal(&sim, quick());
    let fail = Behaviour::Error {
        code: 9,
        message: "终端忙".into(),
    };
    sim.push_script(Script::for_trans(TransType::SettleNotify, fail).times(2));
    let notify = samples::settle_success("A1", None);
    // An ec.auth in between does not consume the notify script.
    assert!(t.call(&samples::ec_auth("A1")).await.is_ok());
    assert_eq!(t.call(&notify).await.unwrap_err().code(), "terminal");
    assert_eq!(t.call(&notify).await.unwrap_err().code(), "terminal");
    assert!(t.call(&notify).await.is_ok(), "third try succeeds");
}

#[tokio::test]
async fn the_simulator_refuses_what_a_strict_terminal_would() {
    let sim = Arc::new(Simulator::new());
    let t = terminal(&sim, quick());
    t.call(&samples::ec_auth("DUP")).await.unwrap();
    match t.call(&samples::ec_auth("DUP")).await.unwrap_err() {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!(code, simulator::codes::DUPLICATE_OUT_BIZ_NO.to_string());
            assert!(message.contains("重复"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let stranger = AuthNo::new("ano0000000000000000000000000").unwrap();
    match t
        .call(&samples::auth_check("C9", &stranger))
        .await
        .unwrap_err()
    {
        TerminalError::Terminal { code, .. } => {
            assert_eq!(code, simulator::codes::UNKNOWN_AUTH_NO.to_string());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_invalid_envelope_gets_a_non_zero_code_and_a_message_naming_the_field() {
    let sim = Simulator::new();
    let cases = [
        ("not json", "JSON"),
        (
            r#"{"orgId":"H1","transType":"cn.nhsa.unknown","data":{}}"#,
            "不支持的交易类型",
        ),
        (r#"{"transType":"cn.nhsa.ec.auth","data":{}}"#, "orgId"),
        (
            r#"{"orgId":"H1","transType":"cn.nhsa.ec.auth","data":{"orgId":"H1","outBizNo":"N1","businessType":"01101","operatorId":"1","operatorName":"甲","officeId":"1"}}"#,
            "officeName",
        ),
        (
            r#"{"orgId":"H1","transType":"cn.nhsa.settle.notify","data":{"outBizNo":"N1","medicalSettleState":"SUCCESS","operatorId":"1","operatorName":"甲","totalFee":"1.234"}}"#,
            "totalFee",
        ),
    ];
    for (body, names) in cases {
        let simulator::SimOutcome::Reply {
            status,
            body: reply,
        } = sim.handle(body).outcome
        else {
            panic!("no reply to {body}");
        };
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_ne!(v["code"], 0, "{body}");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains(names), "{body}: {message}");
    }
}

#[test]
fn transport_configuration_errors_surface_at_connect() {
    let bad_url = TransportConfig::Http {
        url: "ftp://127.0.0.1/x".into(),
        charset: Default::default(),
        allow_hosts: Vec::new(),
        token: None,
    };
    assert_eq!(transport::connect(&bad_url).unwrap_err().code(), "config");
    let no_lib = TransportConfig::Library {
        path: "/nonexistent/libNationECCode.so".into(),
        center_url: "http://127.0.0.1:1/localcfc/api/hsecfc/localQrCodeQuery".into(),
    };
    let err = transport::connect(&no_lib).unwrap_err();
    assert_eq!(err.code(), "config");
    assert!(err.to_string().contains("无法加载终端动态库"), "{err}");
    let sim = transport::connect(&TransportConfig::Simulator).unwrap();
    assert!(sim.is_simulated());
    // The configuration file spells it like this.
    let parsed: TransportConfig =
        serde_json::from_str(r#"{"kind":"http","url":"http://127.0.0.1:4301/api/open"}"#).unwrap();
    assert!(matches!(parsed, TransportConfig::Http { .. }));
}

#[tokio::test]
async fn a_reply_about_another_request_is_a_definite_mismatch_not_an_identity() {
    let sim = Arc::new(Simulator::with_seed(9));
    let t = terminal(&sim, Timeouts::default());

    sim.push_script(Script::for_trans(TransType::EcAuth, Behaviour::WrongEcho));
    let err = t.call(&samples::ec_auth("V9-AUTH")).await.unwrap_err();
    assert!(
        matches!(&err, TerminalError::Mismatch { field: "outBizNo", sent, got, .. }
            if sent == "V9-AUTH" && got == "V9-AUTHX"),
        "{err:?}"
    );
    assert!(!err.outcome_unknown(), "a mismatch is a failed call");
    assert!(
        err.to_string().contains("终端返回的授权与请求不符"),
        "{err}"
    );

    let auth_no = t
        .call(&samples::ec_auth("V9-AUTH2"))
        .await
        .unwrap()
        .data
        .auth_no;
    sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::WrongEcho,
    ));
    let err = t
        .call(&samples::auth_check("V9-CHECK", &auth_no))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            TerminalError::Mismatch {
                field: "authNo",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "reply_mismatch");
}

// ---- cn.nhsa.qrcode.get: the 医保码 path ----

#[tokio::test]
async fn a_qrcode_visit_needs_no_auth_check_and_notify_carries_its_number() {
    let sim = Arc::new(Simulator::with_seed(42));
    let t = terminal(&sim, Timeouts::default());
    let reply = t.call(&samples::qrcode_get("Q1-SCAN")).await.unwrap();
    let r = reply.data;
    assert_eq!(r.out_biz_no.as_deref(), Some("Q1-SCAN"));
    assert_eq!(r.org_id.as_deref(), Some(samples::ORG_ID));
    assert_eq!(reply.org_id.as_deref(), Some(samples::ORG_ID));
    assert!(
        reply.raw.contains("\"data\":\"{"),
        "data as a string: {}",
        reply.raw
    );
    let who = &r.identity;
    assert!(is_valid_resident_id(who.id_no.reveal()));
    assert_eq!(
        who.birthday.as_deref().unwrap().replace('.', ""),
        who.id_no.reveal()[6..14]
    );
    assert!(who.ec_token.as_ref().unwrap().reveal().len() <= 40);
    assert!(who.ec_qr_code.as_deref().unwrap().contains("ecqr"));
    assert_eq!(who.auth_no.as_deref().unwrap().len(), 28);
    let notify = samples::settle_success("Q1-SCAN", who.auth_no.as_deref());
    assert_eq!(
        t.call(&notify).await.unwrap().data.out_biz_no.as_deref(),
        Some("Q1-SCAN")
    );
    let kinds: Vec<_> = sim
        .received()
        .iter()
        .map(|r| r.trans_type.clone().unwrap())
        .collect();
    assert_eq!(kinds, ["cn.nhsa.qrcode.get", "cn.nhsa.settle.notify"]);
    // A second scan under the same number is refused, as for ec.auth.
    let err = t.call(&samples::qrcode_get("Q1-SCAN")).await.unwrap_err();
    assert!(
        matches!(&err, TerminalError::Terminal { code, .. } if *code == simulator::codes::DUPLICATE_OUT_BIZ_NO.to_string())
    );
}

#[tokio::test]
async fn the_roster_children_answer_by_key_with_their_family_account() {
    let sim = Arc::new(Simulator::with_seed(1));
    sim.set_today(Some((2026, 11, 25)));
    assert_eq!(sim.today(), (2026, 11, 25));
    let t = terminal(&sim, Timeouts::default());
    for (i, (key, label)) in [
        ("child-5m", "5个月"),
        ("child-1y5m", "1岁5个月"),
        ("child-2y11m", "2岁11个月"),
        ("child-6y3m", "6岁"),
        ("child-13y8m", "13岁"),
    ]
    .into_iter()
    .enumerate()
    {
        sim.push_script(Script::for_trans(
            TransType::QrCodeGet,
            Behaviour::AsPerson { person: key.into() },
        ));
        let r = t
            .call(&samples::qrcode_get(&format!("QK-{i}")))
            .await
            .unwrap()
            .data;
        let expected = sim.person(key).unwrap();
        assert_eq!(r.identity.user_name.reveal(), expected.name);
        assert_eq!(r.identity.id_no.reveal(), expected.id_no);
        assert_eq!(
            r.identity.age_label_on(sim.today()).as_deref(),
            Some(label),
            "{key}"
        );
        let family = r.family_account().unwrap();
        let guardian = expected.guardian.unwrap();
        assert_eq!(family.guardian_name.unwrap().reveal(), guardian.name);
        assert_eq!(family.guardian_relation.as_deref(), Some(guardian.relation));
    }
    assert_eq!(sim.person("child-1y5m").unwrap().birthday, "2025.06.25");
    // An unknown key is refused, and says which.
    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::AsPerson {
            person: "child-99y".into(),
        },
    ));
    match t.call(&samples::qrcode_get("QK-X")).await.unwrap_err() {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!(code, simulator::codes::UNKNOWN_PERSON.to_string());
            assert!(message.contains("child-99y"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn ages_follow_the_simulators_clock() {
    let sim = Arc::new(Simulator::with_seed(3));
    let today = simulator::today_in_china();
    assert_eq!(sim.today(), today);
    let infant = sim.person("child-5m").unwrap();
    let t = terminal(&sim, Timeouts::default());
    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::AsPerson {
            person: "child-5m".into(),
        },
    ));
    let r = t.call(&samples::qrcode_get("QC-1")).await.unwrap().data;
    assert_eq!(
        r.identity.birthday.as_deref(),
        Some(infant.birthday.as_str())
    );
    assert_eq!(r.identity.age_in_months_on(today), Some(5));
}

#[tokio::test]
async fn unscripted_scans_find_children_and_adults() {
    let sim = Arc::new(Simulator::with_seed(5));
    let t = terminal(&sim, Timeouts::default());
    let (mut children, mut adults) = (0, 0);
    for i in 0..40 {
        let r = t
            .call(&samples::qrcode_get(&format!("QR-{i}")))
            .await
            .unwrap()
            .data;
        if r.family_account().is_some() {
            children += 1;
        } else {
            assert_eq!(r.extra, None, "\"null\" extra for a self-held code");
            adults += 1;
        }
    }
    assert!(
        children > 5 && adults > 5,
        "{children} children, {adults} adults"
    );
}

#[tokio::test]
async fn qrcode_scripts_error_delay_garbage_and_wrong_echo() {
    let sim = Arc::new(Simulator::new());
    let t = terminal(&sim, quick());
    // An ec.auth in between does not consume a qrcode.get script.
    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::qr_code_not_scanned(),
    ));
    assert!(t.call(&samples::ec_auth("QS-A")).await.is_ok());
    match t.call(&samples::qrcode_get("QS-1")).await.unwrap_err() {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!(code, simulator::codes::QR_CODE_NOT_SCANNED.to_string());
            assert!(message.contains("未扫描到医保码"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::qr_code_invalid(),
    ));
    let err = t.call(&samples::qrcode_get("QS-2")).await.unwrap_err();
    assert!(err.to_string().contains("医保码无效"), "{err}");
    assert!(!err.outcome_unknown());

    // The patient's wait: 400 ms is inside the long deadline (800 ms), past the short one.
    sim.push_script(Script::for_trans(TransType::QrCodeGet, Behaviour::Normal).delayed(400));
    assert!(t.call(&samples::qrcode_get("QS-3")).await.is_ok());
    sim.push_script(Script::for_trans(TransType::QrCodeGet, Behaviour::Hang));
    let err = t.call(&samples::qrcode_get("QS-4")).await.unwrap_err();
    assert_eq!(err.code(), "transport_timeout");
    assert!(err.outcome_unknown());

    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::Malformed { body: None },
    ));
    let err = t.call(&samples::qrcode_get("QS-5")).await.unwrap_err();
    assert_eq!(err.code(), "malformed_reply");

    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::DataAsObject,
    ));
    let ok = t.call(&samples::qrcode_get("QS-6")).await.unwrap();
    assert!(ok.raw.contains("\"data\":{"), "{}", ok.raw);
    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::DoubleEncoded,
    ));
    assert!(t.call(&samples::qrcode_get("QS-7")).await.is_ok());

    sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::WrongEcho,
    ));
    let err = t.call(&samples::qrcode_get("QS-8")).await.unwrap_err();
    assert!(
        matches!(&err, TerminalError::Mismatch { field: "outBizNo", got, .. } if got == "QS-8X"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_face_that_cannot_be_used_has_its_own_code() {
    let sim = Arc::new(Simulator::new());
    let t = terminal(&sim, quick());
    sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::face_unusable(),
    ));
    let err = t.call(&samples::ec_auth("F1")).await.unwrap_err();
    match &err {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!(code, "2002");
            assert_eq!(code, &simulator::codes::FACE_UNUSABLE.to_string());
            assert_eq!(message, simulator::codes::FACE_UNUSABLE_MESSAGE);
            assert!(message.contains("人脸识别失败"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !err.outcome_unknown(),
        "a definite failure: the cashier may switch to 医保码"
    );
    // Then the same patient by 医保码, under a fresh number.
    assert!(t.call(&samples::qrcode_get("F1-QR")).await.is_ok());
    // Scripted as JSON, as trainers and the HTTP control API do.
    let script: Script = serde_json::from_str(
        r#"{"transType":"cn.nhsa.qrcode.get","reply":"asPerson","person":"child-5m"}"#,
    )
    .unwrap();
    assert_eq!(
        script,
        Script::for_trans(
            TransType::QrCodeGet,
            Behaviour::AsPerson {
                person: "child-5m".into()
            }
        )
    );
}

#[test]
fn an_invalid_qrcode_request_gets_a_code_naming_the_field() {
    let sim = Simulator::new();
    for (body, names) in [
        (
            r#"{"orgId":"H1","transType":"cn.nhsa.qrcode.get","data":{"orgId":"H1","businessType":"01101","operatorId":"1","operatorName":"甲","officeId":"1","officeName":"科"}}"#,
            "outBizNo",
        ),
        (
            r#"{"orgId":"H1","transType":"cn.nhsa.qrcode.get","data":{"orgId":"H2","outBizNo":"N1","businessType":"01101","operatorId":"1","operatorName":"甲","officeId":"1","officeName":"科"}}"#,
            "orgId",
        ),
    ] {
        let simulator::SimOutcome::Reply { body: reply, .. } = sim.handle(body).outcome else {
            panic!("no reply to {body}");
        };
        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(v["code"], simulator::codes::INVALID_REQUEST, "{body}");
        assert!(v["message"].as_str().unwrap().contains(names), "{reply}");
    }
}
