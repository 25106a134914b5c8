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
