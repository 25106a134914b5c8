//! Stopping the bridge (Ctrl-C or SIGTERM to `facepay serve`, the panel's
//! settings saved) lets the requests under way finish: a HIS waiting for a
//! patient's identity gets it, not a closed socket. Connections that asked
//! nothing yet are closed at once, and nobody new is let in.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{His, TOKEN};
use facepay_core::api::TransType;
use facepay_sim::{Behaviour, Script};
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn scan_started(his: &His) {
    for _ in 0..200 {
        if his
            .sim
            .sim
            .received()
            .iter()
            .any(|r| r.trans_type.as_deref() == Some("cn.nhsa.ec.auth"))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the scan never reached the terminal");
}

#[tokio::test]
async fn a_scan_under_way_when_the_bridge_stops_still_answers_with_the_patient() {
    let mut his = His::configured(Some(TOKEN), |f| {
        f.timeouts = Some(facepay_core::api::Timeouts {
            face_auth: Duration::from_secs(20),
            other: Duration::from_secs(5),
        });
    })
    .await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(1500));
    let scan = {
        let request = his
            .request(Method::POST, "/v1/face-auth")
            .header("content-type", "application/json")
            .header("Idempotency-Key", "his-stop-1")
            .body("{}");
        tokio::spawn(async move { request.send().await })
    };
    // A HIS connection that has not finished its request head yet.
    let mut idle = tokio::net::TcpStream::connect(("127.0.0.1", his.port()))
        .await
        .unwrap();
    idle.write_all(b"GET /v1/health HTTP/1.1\r\n")
        .await
        .unwrap();
    scan_started(&his).await;
    let port = his.port();

    let bridge = his.bridge.take().unwrap();
    let stopping = tokio::spawn(bridge.stop());

    // The half-sent request is closed without an answer, long before its
    // 5 s head timeout would have answered 408.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), idle.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the idle connection was left open");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    // Nobody new gets in while the scan finishes.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );

    let answered = scan.await.unwrap().unwrap();
    assert_eq!(answered.status(), StatusCode::CREATED);
    let body: serde_json::Value = answered.json().await.unwrap();
    assert!(body["identity"]["idNo"].as_str().is_some(), "{body}");
    stopping.await.unwrap();
    assert_eq!(
        his.count("SELECT count(*) FROM visits WHERE user_name IS NOT NULL"),
        1
    );
}
