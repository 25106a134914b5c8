//! The bridge is strict and cannot be starved: a misspelt filter is refused
//! rather than ignored, requests naming another Host (DNS rebinding) or sent
//! from a browser page nobody allowed are refused before the token is looked
//! at, a malformed head gets the error object, and a thousand connections
//! that never finish their head do not keep `/v1/health` from answering.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{His, TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The JSON body of a raw HTTP answer.
fn body_of(raw: &str) -> Value {
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {raw}"))
}

#[tokio::test]
async fn a_query_parameter_the_endpoint_does_not_know_is_refused_by_name() {
    let his = His::start().await;
    for (path, name) in [
        ("/v1/settlements?outbizno=NOPE", "outbizno"),
        ("/v1/settlements?limit=5&idlast4=1234", "idlast4"),
        ("/v1/summary?date=2026-11-28&operator=0107", "operator"),
    ] {
        let r = his.get(path).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert_eq!(r.body["field"], name, "{}", r.body);
    }
    let known = his
        .get("/v1/settlements?outBizNo=NOPE&credential=face")
        .await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
    assert_eq!(known.body["rows"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_value_a_parameter_cannot_take_is_refused_naming_the_parameter() {
    let his = His::start().await;
    for (path, status, field) in [
        ("/v1/settlements?state=PAID", 422, "state"),
        ("/v1/settlements?bizType=shop", 422, "bizType"),
        ("/v1/settlements?credential=card", 422, "credential"),
        ("/v1/settlements?limit=abc", 422, "limit"),
        ("/v1/settlements?limit=0", 422, "limit"),
        ("/v1/settlements?limit=501", 422, "limit"),
        ("/v1/summary", 400, "date"),
        ("/v1/summary?operatorId=0107", 400, "date"),
    ] {
        let r = his.get(path).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.body);
        assert_eq!(r.body["field"], field, "{path}: {}", r.body);
        assert_eq!(r.body["code"], "invalid_input", "{path}: {}", r.body);
    }
    for path in ["/v1/settlements?limit=1", "/v1/settlements?limit=500"] {
        let r = his.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn a_refused_token_names_its_scheme_and_two_keys_are_one_too_many() {
    let his = His::start().await;
    let anonymous = his.send(his.anonymous(Method::GET, "/v1/health")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let challenge = anonymous.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    // The scheme's case does not matter (RFC 7235).
    let lower = his
        .send(
            his.anonymous(Method::GET, "/v1/health")
                .header("authorization", format!("bearer {TOKEN}")),
        )
        .await;
    assert_eq!(lower.status, StatusCode::OK, "{}", lower.body);

    let twice = his
        .send(
            his.request(Method::POST, "/v1/face-auth")
                .header("content-type", "application/json")
                .header("Idempotency-Key", "his-a")
                .header("Idempotency-Key", "his-b")
                .body("{}"),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.body);
    assert_eq!(twice.body["field"], "Idempotency-Key");
    assert!(
        his.sim.sim.received().is_empty(),
        "nothing reached the terminal"
    );
}

#[tokio::test]
async fn another_host_is_misdirected_and_a_browser_origin_is_refused_unless_allowed() {
    let his = His::start().await;
    // DNS rebinding: evil.example resolving to 127.0.0.1.
    let rebound = his
        .send(
            his.request(Method::GET, "/v1/health")
                .header("Host", format!("evil.example:{}", his.port())),
        )
        .await;
    assert_eq!(
        rebound.status,
        StatusCode::MISDIRECTED_REQUEST,
        "{}",
        rebound.body
    );
    assert_eq!(rebound.body["code"], "misdirected_request");
    for host in [
        format!("localhost:{}", his.port()),
        format!("127.0.0.1:{}", his.port()),
    ] {
        let ok = his
            .send(
                his.request(Method::GET, "/v1/health")
                    .header("Host", host.clone()),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{host}");
    }
    // A page on a web site, with the token (a leaked one) or without.
    let page = his
        .send(
            his.request(Method::GET, "/v1/health")
                .header("Origin", "http://evil.example"),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert_eq!(page.body["code"], "origin_refused");
    assert!(page.headers.get("access-control-allow-origin").is_none());

    // A browser-based HIS whose origin IT allowed.
    let allowed = His::configured(Some(TOKEN), |f| {
        f.bridge.allowed_origins = Some(vec!["http://his.hospital.local:8080".into()]);
    })
    .await;
    let preflight = allowed
        .send(
            allowed
                .anonymous(Method::OPTIONS, "/v1/face-auth")
                .header("Origin", "http://his.hospital.local:8080")
                .header("Access-Control-Request-Method", "POST")
                .header(
                    "Access-Control-Request-Headers",
                    "authorization, idempotency-key",
                ),
        )
        .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        "http://his.hospital.local:8080"
    );
    assert!(
        preflight.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("idempotency-key")
    );
    let get = allowed
        .send(
            allowed
                .request(Method::GET, "/v1/health")
                .header("Origin", "http://his.hospital.local:8080"),
        )
        .await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(
        get.headers["access-control-allow-origin"],
        "http://his.hospital.local:8080"
    );
    // The token is still needed from an allowed origin.
    let anonymous = allowed
        .send(
            allowed
                .anonymous(Method::GET, "/v1/health")
                .header("Origin", "http://his.hospital.local:8080"),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_malformed_or_missing_head_gets_the_error_object() {
    let his = His::start().await;
    let port = his.port();
    let bad = his
        .raw(
            format!("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nNot A Header\r\n\r\n")
                .as_bytes(),
            Duration::from_secs(3),
        )
        .await;
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    assert_eq!(body_of(&bad)["code"], "malformed_request");
    let huge = format!(
        "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Long: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let big = his.raw(huge.as_bytes(), Duration::from_secs(3)).await;
    assert!(big.starts_with("HTTP/1.1 431"), "{big}");
    assert_eq!(body_of(&big)["code"], "header_too_large");
    let no_host = his
        .raw(
            format!("GET /v1/health HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n").as_bytes(),
            Duration::from_secs(3),
        )
        .await;
    assert!(no_host.starts_with("HTTP/1.1 400"), "{no_host}");
    assert_eq!(body_of(&no_host)["code"], "invalid_host");
}

/// Enough file descriptors for a thousand connections on both ends.
fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit with a valid, initialised struct.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < 4096 {
            l.rlim_cur = l.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_half_open_connections_do_not_keep_health_from_answering() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    raise_fd_limit();
    let his = His::start().await;
    let port = his.port();
    let mut held = Vec::new();
    for _ in 0..1000 {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        // A head that never ends.
        s.write_all(
            format!("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ").as_bytes(),
        )
        .await
        .unwrap();
        held.push(s);
    }
    for _ in 0..5 {
        let started = Instant::now();
        let health = tokio::time::timeout(Duration::from_secs(1), his.get("/v1/health"))
            .await
            .expect("/v1/health answers within 1 s");
        assert_eq!(health.status, StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    // A half-sent head is answered 408 (or dropped for newer ones) by the time
    // allowed for it: none is held open for good.
    let mut last = held.pop().unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(8), last.read_to_end(&mut out)).await;
    assert!(
        read.is_ok(),
        "the connection was closed within the head timeout"
    );
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn every_answer_says_its_charset() {
    // Windows PowerShell 5.1 reads a JSON body without a charset as Latin-1.
    let his = His::start().await;
    for r in [
        his.get("/v1/health").await,
        his.get("/v1/settlements?nope=1").await,
        his.scan().await,
        his.get("/v1/openapi.json").await,
    ] {
        assert_eq!(
            r.headers["content-type"], "application/json; charset=utf-8",
            "{}",
            r.status
        );
    }
}
