//! The HTTP transport against the simulator served on loopback: every fault
//! the panel must tell apart, over a real socket.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use facepay_testkit::Http;
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;

use facepay_sim::{Behaviour, Script, SimServer};
use nhsa_terminal::protocol::TransType;
use nhsa_terminal::transport::HttpTransport;
use nhsa_terminal::{Terminal, TerminalError, Timeouts, TransportError, samples};

fn quick() -> Timeouts {
    Timeouts {
        face_auth: Duration::from_millis(1500),
        other: Duration::from_millis(300),
    }
}

fn terminal(url: &str, timeouts: Timeouts) -> Terminal {
    let transport = Arc::new(HttpTransport::new(url).unwrap());
    Terminal::new(samples::org_id(), transport, timeouts)
}

#[tokio::test]
async fn each_transaction_succeeds_over_http() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), Timeouts::default());
    let who = facepay_testkit::whole_visit(&t, &server, "H").await;
    assert!(
        who.raw.contains("\"data\":\"{"),
        "data arrives as a JSON string: {}",
        who.raw
    );
    assert!(nhsa_terminal::simulator::is_valid_resident_id(
        who.data.id_no.reveal()
    ));

    // The simulator recorded exactly what went over the wire.
    let got = server.sim.received();
    assert_eq!(got.len(), 3);
    let first: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(first["transType"], "cn.nhsa.ec.auth");
    assert_eq!(first["orgId"], samples::ORG_ID);
    assert_eq!(first["data"]["operatorName"], "林晓燕");
    // auth.check carried the authNo ec.auth gave, and its reply echoes it.
    let sent_auth_no = got[1].data().unwrap()["authNo"].clone();
    assert!(sent_auth_no.as_str().is_some_and(|a| !a.is_empty()));
    assert_eq!(sent_auth_no.as_str(), who.data.auth_no.as_deref());
}

#[tokio::test]
async fn a_hung_terminal_times_out() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.push_script(Script::any(Behaviour::Hang));
    let started = std::time::Instant::now();
    let err = terminal(&server.url(), quick())
        .call(&samples::ec_auth("H-A1"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        TerminalError::Transport(TransportError::Timeout { .. })
    ));
    assert!(err.outcome_unknown());
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_reply_after_our_deadline_is_a_timeout_though_the_terminal_acted() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), quick());
    let err = facepay_testkit::a_late_reply_times_out(&t, &server, 700, "H-A1").await;
    assert_eq!(err.code(), "transport_timeout");
    // The terminal did get it: that is why a timeout is *unknown*, not failed.
    assert_eq!(server.sim.received().len(), 1);
}

#[tokio::test]
async fn connection_refused_is_told_apart_and_is_not_unknown() {
    // Bind then drop, so the port is very likely closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/api/open");
    let err = terminal(&url, quick())
        .call(&samples::ec_auth("H-A1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TerminalError::Transport(TransportError::Refused { .. })
        ),
        "{err:?}"
    );
    assert!(!err.outcome_unknown());
    assert!(err.to_string().contains("连接被拒绝"));
}

#[tokio::test]
async fn a_non_zero_code_carries_the_terminals_message() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.push_script(Script::any(Behaviour::Error {
        code: 3001,
        message: "终端未登录，请联系信息科".into(),
    }));
    match terminal(&server.url(), quick())
        .call(&samples::ec_auth("H-A1"))
        .await
    {
        Err(TerminalError::Terminal { code, message, raw }) => {
            assert_eq!(code, "3001");
            assert_eq!(message, "终端未登录，请联系信息科");
            assert!(raw.0.contains("3001"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_body_is_kept_raw() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.push_script(Script::any(Behaviour::Malformed {
        body: Some("<html>gateway</html>".into()),
    }));
    let err = terminal(&server.url(), quick())
        .call(&samples::ec_auth("H-A1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "malformed_reply");
    assert_eq!(err.raw_reply(), Some("<html>gateway</html>"));
}

#[tokio::test]
async fn http_500_is_a_transport_error_with_its_body() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.push_script(Script::any(Behaviour::HttpStatus {
        status: 500,
        body: "bridge crashed".into(),
    }));
    let err = terminal(&server.url(), quick())
        .call(&samples::ec_auth("H-A1"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        TerminalError::Transport(TransportError::HttpStatus { status: 500, .. })
    ));
    assert_eq!(err.raw_reply(), Some("bridge crashed"));
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn data_as_object_and_double_encoding_over_http() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.push_script(Script::any(Behaviour::DataAsObject));
    server
        .sim
        .push_script(Script::any(Behaviour::DoubleEncoded));
    let t = terminal(&server.url(), quick());
    let a = t.call(&samples::ec_auth("H-A1")).await.unwrap();
    assert!(a.raw.contains("\"data\":{"), "{}", a.raw);
    let b = t.call(&samples::ec_auth("H-A2")).await.unwrap();
    assert!(b.raw.starts_with('"'), "{}", b.raw);
}

#[tokio::test]
async fn the_control_api_scripts_and_reads_back_over_http() {
    let server = SimServer::loopback().await.unwrap();
    let control = Http::new(format!("http://{}", server.addr));
    let queued = control
        .post(
            "/_sim/script",
            r#"[{"transType":"cn.nhsa.ec.auth","reply":"error","code":-2,"message":"用户取消"},{"reply":"hang","times":2}]"#,
        )
        .await;
    assert_eq!(queued, serde_json::json!({"queued": 2}));
    let bad = control
        .request(Method::POST, "/_sim/script")
        .body(r#"{"reply":"explode"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let err = terminal(&server.url(), quick())
        .call(&samples::ec_auth("H-A1"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("用户取消"), "{err}");

    let requests = control.get("/_sim/requests").await;
    assert_eq!(requests.as_array().unwrap().len(), 1);
    assert_eq!(requests[0]["transType"], "cn.nhsa.ec.auth");

    let cleared = control
        .request(Method::DELETE, "/_sim/script")
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(
        terminal(&server.url(), quick())
            .call(&samples::ec_auth("H-A2"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn probe_tells_a_listening_bridge_from_a_closed_port() {
    use nhsa_terminal::transport::Transport;
    let server = SimServer::loopback().await.unwrap();
    let open = HttpTransport::new(&server.url()).unwrap();
    open.probe(Duration::from_secs(1)).await.unwrap();
    assert!(
        server.sim.received().is_empty(),
        "a probe sends no transaction"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = HttpTransport::new(&format!("http://127.0.0.1:{port}/api/open")).unwrap();
    assert!(matches!(
        closed.probe(Duration::from_secs(1)).await,
        Err(TransportError::Refused { .. })
    ));
}

#[tokio::test]
async fn a_qrcode_scan_over_http_carries_the_childs_identity_unchanged() {
    let server = SimServer::loopback().await.unwrap();
    server.sim.set_today(Some((2026, 11, 25)));
    let control = Http::new(format!("http://{}", server.addr));
    // The roster, as a trainer or the window test reads it.
    let people = control.get("/_sim/people").await;
    assert_eq!(people["today"], "2026-11-25");
    let toddler = people["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "child-1y5m")
        .unwrap()
        .clone();
    assert_eq!(toddler["birthday"], "2025.06.25");
    assert!(toddler["guardian"]["name"].is_string());
    // Scripted through the control API, as JSON.
    let (status, _) = control
        .send(
            Method::POST,
            "/_sim/script",
            r#"{"transType":"cn.nhsa.qrcode.get","reply":"asPerson","person":"child-1y5m"}"#,
        )
        .await;
    assert_eq!(status, 200);

    let t = terminal(&server.url(), Timeouts::default());
    let reply = t.call(&samples::qrcode_get("H-Q1")).await.unwrap();
    assert!(reply.raw.contains("\"data\":\"{"), "{}", reply.raw);
    let who = &reply.data.identity;
    assert_eq!(who.user_name.reveal(), toddler["name"]);
    assert_eq!(who.id_no.reveal(), toddler["idNo"]);
    assert_eq!(
        who.age_label_on((2026, 11, 25)).as_deref(),
        Some("1岁5个月")
    );
    let family = reply.data.family_account().unwrap();
    assert_eq!(
        family.guardian_name.unwrap().reveal(),
        toddler["guardian"]["name"]
    );
    assert_eq!(reply.data.out_biz_no.as_deref(), Some("H-Q1"));
    // Exactly our envelope reached the terminal.
    let got = server.sim.received();
    assert_eq!(got[0].trans_type.as_deref(), Some("cn.nhsa.qrcode.get"));
    let sent: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    let ours: serde_json::Value =
        serde_json::from_str(&t.prepare(&samples::qrcode_get("H-Q1")).envelope).unwrap();
    assert_eq!(sent, ours);
}

#[tokio::test]
async fn qrcode_faults_over_http() {
    let server = SimServer::loopback().await.unwrap();
    let t = terminal(&server.url(), quick());
    server.sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::qr_code_invalid(),
    ));
    let err = t.call(&samples::qrcode_get("H-Q1")).await.unwrap_err();
    assert!(matches!(&err, TerminalError::Terminal { code, .. } if code == "2004"));
    // A patient who takes long: inside the long deadline, over the short one.
    server
        .sim
        .push_script(Script::for_trans(TransType::QrCodeGet, Behaviour::Normal).delayed(700));
    assert!(t.call(&samples::qrcode_get("H-Q2")).await.is_ok());
    server
        .sim
        .push_script(Script::for_trans(TransType::QrCodeGet, Behaviour::Hang));
    let err = t.call(&samples::qrcode_get("H-Q3")).await.unwrap_err();
    assert_eq!(err.code(), "transport_timeout");
    server.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::face_unusable(),
    ));
    let err = t.call(&samples::ec_auth("H-A9")).await.unwrap_err();
    assert!(matches!(&err, TerminalError::Terminal { code, .. } if code == "2002"));
    assert!(err.to_string().contains("人脸识别失败"), "{err}");
}
