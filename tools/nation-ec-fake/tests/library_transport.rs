//! The library transport through a real shared library with the vendor's C
//! ABI, loaded with libloading, talking GB18030 to the simulator over HTTP.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::sync::Arc;
use std::time::Duration;

use facepay_sim::{Behaviour, Script, SimServer};
use nhsa_terminal::protocol::TransType;
use nhsa_terminal::transport::LibraryTransport;
use nhsa_terminal::{Terminal, TerminalError, Timeouts, TransportError, samples};

fn terminal(center_url: &str, timeouts: Timeouts) -> Terminal {
    let transport = LibraryTransport::open(&facepay_testkit::fake_library(), center_url).unwrap();
    Terminal::new(samples::org_id(), Arc::new(transport), timeouts)
}

fn quick() -> Timeouts {
    Timeouts {
        face_auth: Duration::from_secs(5),
        other: Duration::from_millis(400),
    }
}

#[tokio::test]
async fn a_whole_visit_through_the_library_with_chinese_both_ways() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), Timeouts::default());
    // Chinese out of the simulator, through GB18030 in the library, back to UTF-8; and ours intact the other way.
    facepay_testkit::whole_visit(&t, &server, "L").await;
}

#[tokio::test]
async fn a_slow_library_call_times_out_and_later_calls_still_work() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), quick());
    facepay_testkit::a_late_reply_times_out(&t, &server, 1200, "L-A1").await;
    // The abandoned call holds the library until it returns; then we carry on.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(t.call(&samples::ec_auth("L-A2")).await.is_ok());
}

#[tokio::test]
async fn a_call_whose_caller_gave_up_while_queued_is_never_sent() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), quick());
    server
        .sim
        .push_script(Script::for_trans(TransType::SettleNotify, Behaviour::Normal).delayed(1200));
    // The first call hangs in the library; the second waits behind it and its
    // caller gives up too.
    assert!(
        t.call(&samples::settle_success("L-Q1", None))
            .await
            .is_err()
    );
    let queued = t
        .call(&samples::settle_success("L-Q2", None))
        .await
        .unwrap_err();
    assert!(matches!(
        queued,
        TerminalError::Transport(TransportError::Timeout { .. })
    ));
    // Once the library is free, the abandoned call must not go out late.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(t.call(&samples::ec_auth("L-Q3")).await.is_ok());
    let sent: Vec<String> = server
        .sim
        .received()
        .iter()
        .filter_map(|r| Some(r.data()?["outBizNo"].as_str()?.to_owned()))
        .collect();
    assert_eq!(
        sent,
        ["L-Q1", "L-Q3"],
        "L-Q2 was sent after its caller gave up"
    );
}

#[tokio::test]
async fn the_library_reports_its_own_failure_when_the_center_refuses() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = terminal(&format!("http://127.0.0.1:{port}/localcfc/api"), quick());
    match t.call(&samples::ec_auth("L-A1")).await.unwrap_err() {
        TerminalError::Transport(TransportError::Library { status, message }) => {
            assert_eq!(status, "E002");
            assert!(message.contains("连接电子凭证中台失败"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn http_500_behind_the_library_is_the_librarys_failure() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.push_script(Script::any(Behaviour::HttpStatus {
        status: 500,
        body: String::new(),
    }));
    match terminal(&server.url(), quick())
        .call(&samples::ec_auth("L-A1"))
        .await
        .unwrap_err()
    {
        TerminalError::Transport(TransportError::Library { status, message }) => {
            assert_eq!(status, "E003");
            assert!(message.contains("HTTP 500"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn terminal_codes_and_garbage_pass_through_the_library() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), quick());
    server.sim.push_script(Script::any(Behaviour::Error {
        code: -2,
        message: "患者取消了刷脸".into(),
    }));
    match t.call(&samples::ec_auth("L-A1")).await.unwrap_err() {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!((code.as_str(), message.as_str()), ("-2", "患者取消了刷脸"));
        }
        other => panic!("{other:?}"),
    }
    server
        .sim
        .push_script(Script::any(Behaviour::Malformed { body: None }));
    let err = t.call(&samples::ec_auth("L-A2")).await.unwrap_err();
    assert_eq!(err.code(), "malformed_reply");
    server.sim.push_script(Script::any(Behaviour::DataAsObject));
    assert!(t.call(&samples::ec_auth("L-A3")).await.is_ok());
}

#[test]
fn a_library_without_the_entry_point_is_a_configuration_error() {
    // libc is a real library that has no NationEcTrans.
    let err = LibraryTransport::open(std::path::Path::new("libc.so.6"), "http://x").unwrap_err();
    assert_eq!(err.code(), "config");
    assert!(err.to_string().contains("NationEcTrans"), "{err}");
    let err = LibraryTransport::open(&facepay_testkit::fake_library(), "  ").unwrap_err();
    assert!(err.to_string().contains("中台地址"), "{err}");
}

#[tokio::test]
async fn a_qrcode_scan_through_the_library_keeps_the_childs_and_guardians_names() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.set_today(Some((2026, 11, 25)));
    let t = terminal(&server.url(), quick());
    server.sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::AsPerson {
            person: "child-13y8m".into(),
        },
    ));
    let reply = t.call(&samples::qrcode_get("L-Q1")).await.unwrap();
    let expected = server.sim.person("child-13y8m").unwrap();
    // Chinese names out of the simulator, through GB18030, back intact.
    assert_eq!(reply.data.identity.user_name.reveal(), expected.name);
    assert_eq!(reply.data.identity.id_no.reveal(), expected.id_no);
    let family = reply.data.family_account().unwrap();
    let guardian = expected.guardian.unwrap();
    assert_eq!(family.guardian_name.unwrap().reveal(), guardian.name);
    assert_eq!(family.guardian_relation.as_deref(), Some(guardian.relation));
    assert_eq!(reply.data.out_biz_no.as_deref(), Some("L-Q1"));
    let got = server.sim.received();
    assert_eq!(got[0].trans_type.as_deref(), Some("cn.nhsa.qrcode.get"));
    assert_eq!(got[0].data().unwrap()["officeName"], "挂号收费处");
    // A scripted refusal passes through the library as the terminal's code.
    server.sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::qr_code_not_scanned(),
    ));
    match t.call(&samples::qrcode_get("L-Q2")).await.unwrap_err() {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!(code, "2003");
            assert!(message.contains("医保码"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
