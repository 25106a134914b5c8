//! The HTTP transport against a hostile bridge on loopback: charsets, invalid
//! bytes, redirects, oversized, endless and slow bodies, fields beyond the
//! spec. Nothing it sends may become a stored identity or leave the machine.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::sync::Arc;
use std::time::Duration;

use facepay_sim::SimServer;
use facepay_sim::hostile::{Answer, HostileServer};
use nhsa_terminal::protocol::AuthNo;
use nhsa_terminal::simulator::id_check_char;
use nhsa_terminal::transport::{Charset, HttpTransport, MAX_REPLY_BYTES, TransportConfig};
use nhsa_terminal::{Terminal, TerminalError, Timeouts, TransportError, samples, transport};
use serde_json::json;

const AUTH_NO: &str = "ano3728680187894374401630000";

fn terminal(url: &str, charset: Charset) -> Terminal {
    let transport = Arc::new(HttpTransport::with_options(url, charset, &[]).unwrap());
    let timeouts = Timeouts {
        face_auth: Duration::from_secs(3),
        other: Duration::from_secs(3),
    };
    Terminal::new(samples::org_id(), transport, timeouts)
}

/// An auth.check reply (data as an object) with these identity fields.
fn identity(user_name: &str, id_type: &str, id_no: &str) -> String {
    json!({"code": 0, "message": "成功", "orgId": samples::ORG_ID, "data": {
        "authNo": AUTH_NO, "userName": user_name, "idNo": id_no, "idType": id_type,
        "gender": "女", "birthday": "1998.01.01", "insuOrg": "441702",
        "ecToken": "441700ec7ioqup8p1o0761820a0000f1f8b13d", "ecIndexNo": "E7244957FA2EBCE6827B53F9073F8874"}})
    .to_string()
}

/// A 居民身份证号 with a correct check character, and the same with a wrong one.
fn id_nos() -> (String, String) {
    let first17 = "44170219980101123";
    let check = id_check_char(first17).unwrap();
    let wrong = if check == '1' { '2' } else { '1' };
    (format!("{first17}{check}"), format!("{first17}{wrong}"))
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

async fn check(t: &Terminal) -> Result<nhsa_terminal::protocol::Identity, TerminalError> {
    let auth_no = AuthNo::new(AUTH_NO).unwrap();
    t.call(&samples::auth_check("H-C1", &auth_no))
        .await
        .map(|r| r.data)
}

fn transport_error(e: TerminalError) -> TransportError {
    match e {
        TerminalError::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_gbk_reply_is_read_by_its_declared_charset_or_the_configured_one() {
    let bridge = HostileServer::start().await.unwrap();
    let body = gbk(&identity("欧阳娜娜", "01", &id_nos().0));
    for label in ["GBK", "gb2312", "\"gbk\"", "GB18030"] {
        bridge.answer(Answer::body(
            Some(&format!("application/json; charset={label}")),
            body.clone(),
        ));
        let who = check(&terminal(&bridge.url(), Charset::Utf8))
            .await
            .unwrap();
        assert_eq!(who.user_name.reveal(), "欧阳娜娜", "charset={label}");
    }
    // A Windows bridge that sends GBK without saying so: the configured charset reads it.
    bridge.answer(Answer::body(Some("application/json"), body.clone()));
    let who = check(&terminal(&bridge.url(), Charset::Gbk)).await.unwrap();
    assert_eq!(who.user_name.reveal(), "欧阳娜娜");
}

#[tokio::test]
async fn bytes_invalid_in_their_charset_are_an_unknown_outcome_never_replacement_characters() {
    let bridge = HostileServer::start().await.unwrap();
    let t = terminal(&bridge.url(), Charset::Utf8);
    let gbk_body = gbk(&identity("欧阳娜娜", "01", &id_nos().0));
    // GBK bytes read as UTF-8 (undeclared, and declared wrongly).
    bridge.answer(Answer::body(Some("application/json"), gbk_body.clone()));
    bridge.answer(Answer::body(
        Some("application/json;charset=utf-8"),
        gbk_body.clone(),
    ));
    // Invalid UTF-8 in the middle of a name; a charset we do not read.
    let mut broken = identity("欧阳娜娜", "01", &id_nos().0).into_bytes();
    let at = broken
        .windows(3)
        .position(|w| w == "娜".as_bytes())
        .unwrap();
    broken[at + 1] = 0xFF;
    bridge.answer(Answer::body(Some("application/json"), broken));
    bridge.answer(Answer::body(
        Some("application/json;charset=big5"),
        gbk_body,
    ));
    for expected in ["UTF-8", "UTF-8", "UTF-8", "big5"] {
        let err = check(&t).await.unwrap_err();
        assert!(err.outcome_unknown(), "{err:?}");
        match transport_error(err) {
            TransportError::Undecodable { charset, bytes } => {
                assert_eq!(charset, expected);
                assert!(bytes > 100);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn redirects_are_never_followed_and_nothing_reaches_the_other_host() {
    let bridge = HostileServer::start().await.unwrap();
    let elsewhere = SimServer::loopback().await.unwrap();
    let t = terminal(&bridge.url(), Charset::Utf8);
    for status in [301, 302, 303, 307, 308] {
        bridge.answer(Answer::redirect(status, &elsewhere.url()));
        let notify = samples::settle_success("H-N1", Some(AUTH_NO));
        let err = t.call(&notify).await.unwrap_err();
        assert!(!err.outcome_unknown(), "a redirect is not a reply: {err:?}");
        let text = err.to_string();
        match transport_error(err) {
            TransportError::Redirected {
                status: s,
                location,
            } => {
                assert_eq!(s, status);
                assert_eq!(location, elsewhere.url());
            }
            other => panic!("{other:?}"),
        }
        assert!(text.contains(&elsewhere.url()), "{text}");
    }
    assert!(
        elsewhere.sim.received().is_empty(),
        "the envelope (name, 证件号) went to the other host"
    );
    bridge.answer(Answer::Raw {
        status: 302,
        headers: Vec::new(),
        body: b"moved".to_vec(),
    });
    let err = check(&t).await.unwrap_err();
    assert!(matches!(
        transport_error(err),
        TransportError::Redirected { status: 302, .. }
    ));
}

#[tokio::test]
async fn oversized_and_endless_replies_are_cut_off_at_the_limit() {
    let bridge = HostileServer::start().await.unwrap();
    let t = terminal(&bridge.url(), Charset::Utf8);
    // Declared too large: refused before reading the body.
    let mut huge = identity("欧阳娜娜", "01", &id_nos().0).into_bytes();
    huge.resize(usize::try_from(MAX_REPLY_BYTES).unwrap() + 1, b' ');
    bridge.answer(Answer::body(Some("application/json"), huge));
    let err = check(&t).await.unwrap_err();
    assert!(err.outcome_unknown());
    assert!(matches!(
        transport_error(err),
        TransportError::TooLarge { received, limit } if received == MAX_REPLY_BYTES + 1 && limit == MAX_REPLY_BYTES
    ));
    // Endless (chunked, no length): reading stops just past the limit.
    bridge.answer(Answer::Endless {
        max_bytes: 300 * 1024 * 1024,
    });
    let started = std::time::Instant::now();
    let err = check(&t).await.unwrap_err();
    match transport_error(err) {
        TransportError::TooLarge { received, .. } => {
            assert!(received > MAX_REPLY_BYTES && received < MAX_REPLY_BYTES + 128 * 1024);
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3), "stopped early");
}

#[tokio::test]
async fn a_slow_body_is_held_to_the_whole_call_deadline() {
    let bridge = HostileServer::start().await.unwrap();
    let t = terminal(&bridge.url(), Charset::Utf8);
    bridge.answer(Answer::Slow {
        body: identity("欧阳娜娜", "01", &id_nos().0).into_bytes(),
        chunk: 10,
        every: Duration::from_millis(200),
    });
    let err = check(&t).await.unwrap_err();
    assert!(err.outcome_unknown());
    assert!(matches!(
        transport_error(err),
        TransportError::Timeout { .. }
    ));
}

#[tokio::test]
async fn reply_fields_beyond_the_spec_are_refused_before_anything_is_used() {
    let bridge = HostileServer::start().await.unwrap();
    let t = terminal(&bridge.url(), Charset::Utf8);
    let cases = [
        (identity(&"名".repeat(65), "01", &id_nos().0), "userName"),
        (identity("欧阳\u{0}娜娜", "01", &id_nos().0), "userName"),
        (identity("欧阳娜娜\u{FFFD}", "01", &id_nos().0), "userName"),
        (identity("欧阳娜娜", "01", "123"), "idNo"),
        (identity("欧阳娜娜", "01", "44170219980101123"), "idNo"),
        (identity("欧阳娜娜", "01", &id_nos().1), "idNo"),
        (
            identity("欧阳娜娜", "01", &id_nos().0).replace("441702\"", "4417021\""),
            "insuOrg",
        ),
    ];
    for (body, field) in cases {
        bridge.answer(Answer::body(Some("application/json"), body));
        let err = check(&t).await.unwrap_err();
        assert!(err.outcome_unknown(), "{field}: {err:?}");
        let TerminalError::Malformed { reason, .. } = &err else {
            panic!("{field}: {err:?}");
        };
        assert!(reason.contains(field), "{field}: {reason}");
    }
    // Other 证件类型 keep the spec's bounds only.
    bridge.answer(Answer::body(
        Some("application/json"),
        identity("ALICE", "08", "E12345678"),
    ));
    assert_eq!(check(&t).await.unwrap().id_no.reveal(), "E12345678");
}

#[test]
fn plain_http_goes_only_to_this_machine_or_an_allowed_host() {
    let http = |url: &str, allow: &[&str]| {
        transport::connect(&TransportConfig::Http {
            url: url.into(),
            charset: Charset::Utf8,
            allow_hosts: allow.iter().map(|s| (*s).to_owned()).collect(),
            token: None,
        })
    };
    for ok in [
        "http://127.0.0.1:4301/api/open",
        "http://localhost:4301/api/open",
        "http://[::1]:4301/api/open",
        "https://10.1.2.3/api/open",
    ] {
        assert!(http(ok, &[]).is_ok(), "{ok}");
    }
    let refused = http("http://10.1.2.3:4301/api/open", &[]).unwrap_err();
    assert_eq!(refused.code(), "config");
    assert!(refused.to_string().contains("allow_hosts"), "{refused}");
    assert!(http("http://10.1.2.3:4301/api/open", &["10.1.2.3"]).is_ok());
    assert!(http("http://10.1.2.4:4301/api/open", &["10.1.2.3"]).is_err());
}

#[tokio::test]
async fn only_an_identity_check_is_sent_again_after_a_connection_closed_without_a_reply() {
    use nhsa_terminal::protocol::TransType;
    use nhsa_terminal::transport::Transport;
    // The identity check is a read: sent once more, it gets its answer.
    let bridge = HostileServer::start().await.unwrap();
    bridge.answer(Answer::Close);
    bridge.answer(Answer::body(Some("application/json"), "{\"code\":0}"));
    let t = HttpTransport::new(&bridge.url()).unwrap();
    let got = t
        .exchange(TransType::AuthCheck, "{}", Duration::from_secs(3))
        .await
        .unwrap();
    assert_eq!(got, "{\"code\":0}");
    assert_eq!(bridge.requests().len(), 2);
    // A face scan, a 医保码 read and a notification act on the terminal: never twice.
    for trans in [
        TransType::EcAuth,
        TransType::QrCodeGet,
        TransType::SettleNotify,
    ] {
        let bridge = HostileServer::start().await.unwrap();
        bridge.answer(Answer::Close);
        bridge.answer(Answer::body(Some("application/json"), "{\"code\":0}"));
        let t = HttpTransport::new(&bridge.url()).unwrap();
        let err = t
            .exchange(trans, "{}", Duration::from_secs(3))
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Io { .. }), "{trans:?}: {err}");
        assert_eq!(bridge.requests().len(), 1, "{trans:?} sent once");
    }
}
