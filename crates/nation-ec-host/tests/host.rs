//! The host in process, loading the Linux fake of the vendor library
//! (`libnation_ec_fake.so`, which forwards to the simulator over HTTP), and
//! reached the way the panel reaches a vendor bridge.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use encoding_rs::GB18030;
use facepay_sim::{Behaviour, Script, SimServer, TransType};
use nation_ec_host::{Config, MAX_REQUEST_BYTES, RunningHost};
use nhsa_terminal::transport::{HttpTransport, OUTPUT_BUFFER_BYTES};
use nhsa_terminal::{Terminal, TerminalError, Timeouts, TransportError, samples};
use serde_json::Value;

use facepay_testkit::fake_library;

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn host_with(center_url: &str, adjust: impl FnOnce(&mut Config)) -> RunningHost {
    let mut config = Config::new(fake_library(), center_url, loopback());
    adjust(&mut config);
    nation_ec_host::start(config).await.unwrap()
}

/// The panel's own HTTP transport, pointed at the host.
fn panel(host: &RunningHost, timeouts: Timeouts) -> Terminal {
    Terminal::new(
        samples::org_id(),
        Arc::new(HttpTransport::new(&host.url()).unwrap()),
        timeouts,
    )
}

fn quick() -> Timeouts {
    Timeouts {
        face_auth: Duration::from_secs(5),
        other: Duration::from_secs(2),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn envelope(out_biz_no: &str) -> String {
    serde_json::json!({
        "orgId": "H44170200001", "transType": "cn.nhsa.ec.auth",
        "data": {"orgId": "H44170200001", "outBizNo": out_biz_no, "businessType": "01101",
                 "operatorId": "0107", "operatorName": "林晓燕", "officeId": "0301",
                 "officeName": "挂号收费处", "extData": "{}"}
    })
    .to_string()
}

async fn post(url: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let reply = client()
        .post(url)
        .header("Content-Type", "application/json;charset=UTF-8")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let text = reply.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
    )
}

/// The outBizNo of every request that reached the simulator, in order.
fn sent(server: &SimServer) -> Vec<String> {
    server
        .sim
        .received()
        .iter()
        .filter_map(|r| Some(r.data()?["outBizNo"].as_str()?.to_owned()))
        .collect()
}

#[tokio::test]
async fn a_whole_visit_through_the_host_with_the_panels_http_transport() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |_| {}).await;
    let t = panel(&host, Timeouts::default());
    // Chinese out of the simulator, GB18030 through the library, UTF-8 to the panel and back.
    facepay_testkit::whole_visit(&t, &server, "H").await;
    host.stop().await;
}

#[tokio::test]
async fn a_gb18030_request_is_read_in_its_declared_charset() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |_| {}).await;
    let text = envelope("H-GB1");
    let bytes = GB18030.encode(&text).0.into_owned();
    let reply = client()
        .post(host.url())
        .header("Content-Type", "application/json; charset=GB18030")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        server.sim.received()[0].data().unwrap()["officeName"],
        "挂号收费处"
    );
    // The same bytes declared as UTF-8 are not valid UTF-8: refused, not mangled.
    let (status, body) = post(&host.url(), bytes).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("undecodable")));
    assert_eq!(server.sim.received().len(), 1, "a refused request was sent");
}

#[tokio::test]
async fn a_reply_longer_than_20_kb_in_utf8_comes_back_whole() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |_| {}).await;
    // 9,000 CJK characters: 18 KB in GB18030 (the fake's own limit is 20 KB),
    // 27 KB in UTF-8 — a 20 KB buffer counted in the wrong encoding would cut it.
    let long: String = "医保药品清单".chars().cycle().take(9_000).collect();
    let body = serde_json::json!({"code": 0, "message": "成功", "data": long}).to_string();
    assert!(body.len() > 20 * 1024 && OUTPUT_BUFFER_BYTES >= 20 * 1024);
    server.sim.push_script(Script::any(Behaviour::Malformed {
        body: Some(body.clone()),
    }));
    let reply = client()
        .post(host.url())
        .body(envelope("H-BIG"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(reply.text().await.unwrap(), body);
}

#[tokio::test]
async fn a_status_other_than_0000_is_the_librarys_failure_with_its_status() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |_| {}).await;
    server.sim.push_script(Script::any(Behaviour::HttpStatus {
        status: 500,
        body: String::new(),
    }));
    let (status, body) = post(&host.url(), envelope("H-E3")).await;
    assert_eq!(status, 502);
    assert_eq!(body["code"], "library");
    assert_eq!(body["status"], "E003");
    assert!(
        body["message"].as_str().unwrap().contains("HTTP 500"),
        "{body}"
    );
    // Through the panel's transport: a failed bridge call, whose outcome is unknown.
    server.sim.push_script(Script::any(Behaviour::HttpStatus {
        status: 500,
        body: String::new(),
    }));
    let err = panel(&host, quick())
        .call(&samples::ec_auth("H-E3b"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TerminalError::Transport(TransportError::HttpStatus { status: 502, .. })
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    // And a terminal's refusal passes through as the terminal's own answer.
    server.sim.push_script(Script::any(Behaviour::Error {
        code: -2,
        message: "患者取消了刷脸".into(),
    }));
    match panel(&host, quick())
        .call(&samples::ec_auth("H-E4"))
        .await
        .unwrap_err()
    {
        TerminalError::Terminal { code, message, .. } => {
            assert_eq!((code.as_str(), message.as_str()), ("-2", "患者取消了刷脸"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_center_that_refuses_is_reported_with_the_librarys_status() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = host_with(&format!("http://127.0.0.1:{port}/localcfc/api"), |_| {}).await;
    let (status, body) = post(&host.url(), envelope("H-E2")).await;
    assert_eq!((status, body["status"].as_str()), (502, Some("E002")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("连接电子凭证中台失败")
    );
}

#[tokio::test]
async fn a_call_whose_client_gave_up_while_queued_is_never_sent() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |_| {}).await;
    server
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(1500));
    // The first call holds the library for 1.5 s.
    let url = host.url();
    let first = tokio::spawn(async move { post(&url, envelope("H-Q1")).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The second waits behind it, and its client gives up and closes the connection.
    let gave_up = client()
        .post(host.url())
        .timeout(Duration::from_millis(300))
        .body(envelope("H-Q2"))
        .send()
        .await
        .unwrap_err();
    assert!(gave_up.is_timeout(), "{gave_up:?}");
    // The panel's transport giving up behaves the same.
    let err = panel(
        &host,
        Timeouts {
            face_auth: Duration::from_millis(300),
            other: Duration::from_millis(300),
        },
    )
    .call(&samples::ec_auth("H-Q3"))
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        TerminalError::Transport(TransportError::Timeout { .. })
    ));
    assert_eq!(first.await.unwrap().0, 200);
    // The library is free again: later calls go, the abandoned ones never.
    let (status, _) = post(&host.url(), envelope("H-Q4")).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        sent(&server),
        ["H-Q1", "H-Q4"],
        "a call was sent after its client gave up"
    );
}

#[tokio::test]
async fn a_call_that_waited_past_the_hosts_timeout_is_answered_504_and_never_sent() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |c| {
        c.call_timeout = Duration::from_millis(700);
    })
    .await;
    server
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(1500));
    let url = host.url();
    let first = tokio::spawn(async move { post(&url, envelope("H-T1")).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // This client is patient; the host is not.
    let (status, body) = post(&host.url(), envelope("H-T2")).await;
    assert_eq!((status, body["code"].as_str()), (504, Some("timeout")));
    // The running call outlives the host's timeout too: it cannot be aborted.
    assert_eq!(first.await.unwrap().0, 504);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(post(&host.url(), envelope("H-T3")).await.0, 200);
    assert_eq!(sent(&server), ["H-T1", "H-T3"]);
}

#[tokio::test]
async fn more_waiting_calls_than_the_queue_holds_are_refused_at_once() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |c| c.queue_limit = 2).await;
    server
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(800));
    let mut calls = Vec::new();
    for n in 1..=2 {
        let url = host.url();
        calls.push(tokio::spawn(async move {
            post(&url, envelope(&format!("H-B{n}"))).await
        }));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = post(&host.url(), envelope("H-B3")).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("busy")));
    for call in calls {
        assert_eq!(call.await.unwrap().0, 200);
    }
    assert_eq!(sent(&server), ["H-B1", "H-B2"]);
}

#[tokio::test]
async fn with_a_token_every_request_needs_it() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |c| c.token = Some("k7Qw-2x".into())).await;
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("k7Qw-2x"),
        Some("Bearer k7Qw-2"),
    ] {
        let mut request = client().post(host.url()).body(envelope("H-K0"));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 401, "{auth:?}");
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
    }
    assert!(
        server.sim.received().is_empty(),
        "an unauthorised call was sent"
    );
    let reply = client()
        .post(host.url())
        .header("Authorization", "Bearer k7Qw-2x")
        .body(envelope("H-K1"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(sent(&server), ["H-K1"]);
}

#[tokio::test]
async fn the_panels_http_transport_sends_the_configured_token() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |c| c.token = Some("k7Qw-2x".into())).await;
    let with =
        |token: Option<&str>| {
            Terminal::new(
                samples::org_id(),
                Arc::new(HttpTransport::new(&host.url()).unwrap().with_token(
                    token.map(|t| nhsa_terminal::transport::BearerToken::new(t).unwrap()),
                )),
                quick(),
            )
        };
    let refused = with(None)
        .send(&with(None).prepare(&samples::ec_auth("H-K2")))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("401"), "{refused}");
    let terminal = with(Some("k7Qw-2x"));
    terminal
        .send(&terminal.prepare(&samples::ec_auth("H-K3")))
        .await
        .unwrap();
    assert_eq!(
        sent(&server),
        ["H-K3"],
        "only the call with the token reached the library"
    );
}

#[tokio::test]
async fn malformed_requests_are_refused_before_the_library() {
    let server = SimServer::loopback().await.unwrap();
    let host = host_with(&server.url(), |_| {}).await;
    let with_nul = envelope("H-M1").replace("H-M1", "H-M1\u{0}x");
    let with_esc = envelope("H-M2").replace("林晓燕", "林\u{1b}[2J");
    let too_big = format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX_REQUEST_BYTES + 1));
    for (body, status, code) in [
        (with_nul, 400, "control_character"),
        (with_esc, 400, "control_character"),
        ("[\"not\",\"an object\"]".to_owned(), 400, "not_json"),
        ("{\"transType\":".to_owned(), 400, "not_json"),
        (too_big, 413, "too_large"),
    ] {
        let (got, reply) = post(&host.url(), body).await;
        assert_eq!(
            (got, reply["code"].as_str()),
            (status, Some(code)),
            "{reply}"
        );
    }
    let reply = client()
        .post(host.url())
        .header("Content-Type", "application/json;charset=latin1")
        .body(envelope("H-M3"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 415);
    let get = client().get(host.url()).send().await.unwrap();
    assert_eq!(get.status(), 405);
    let elsewhere = client()
        .post(host.url().replace("/api/open", "/other"))
        .body(envelope("H-M4"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    assert!(
        server.sim.received().is_empty(),
        "a refused request was sent"
    );
}

#[tokio::test]
async fn settings_are_checked_at_start() {
    for listen in ["0.0.0.0:0", "192.168.1.20:4302", "[::]:0"] {
        let err = nation_ec_host::start(Config::new(
            fake_library(),
            "http://127.0.0.1:9/x",
            listen.parse().unwrap(),
        ))
        .await
        .unwrap_err();
        assert_eq!(err.code().as_str(), "listen_not_loopback", "{listen}");
        assert!(err.is_usage());
    }
    let mut config = Config::new("libc.so.6", "http://127.0.0.1:9/x", loopback());
    let err = nation_ec_host::start(config.clone()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "library_load");
    assert!(err.to_string().contains("NationEcTrans"), "{err}");
    config.dll = fake_library();
    config.token = Some("two words".into());
    assert_eq!(
        nation_ec_host::start(config)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "usage"
    );
}
