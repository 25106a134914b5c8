//! A hostile bridge against the whole desk, on a real SQLite file: what it
//! sends is stored right or not at all, and never sent on elsewhere.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::sync::Arc;

use common::{config, never, success};
use facepay_core::api::{CallStatus, DeliveryStatus, Desk};
use facepay_journal::FixedClock;
use facepay_sim::SimServer;
use facepay_sim::hostile::{Answer, HostileServer};
use nhsa_terminal::simulator::id_check_char;
use nhsa_terminal::transport::{Charset, HttpTransport};
use serde_json::{Value, json};

fn desk(dir: &std::path::Path, url: &str, charset: Charset) -> Desk {
    let cfg = config(&dir.join("facepay.db"), url);
    let transport = Arc::new(HttpTransport::with_options(url, charset, &[]).unwrap());
    let clock = Arc::new(FixedClock::at("2026-11-25 09:30:00"));
    Desk::with_parts(cfg, transport, clock, "test").unwrap()
}

/// The bridge's answers for one face scan: ec.auth echoing the number it was
/// sent is impossible to script ahead, so the reply leaves the echo out.
fn scan_answer() -> Answer {
    Answer::body(Some("application/json"), scan_body())
}

fn gbk(body: &str) -> Answer {
    Answer::body(
        Some("application/json"),
        encoding_rs::GBK.encode(body).0.into_owned(),
    )
}

fn scan_body() -> String {
    json!({"code": 0, "message": "成功", "data": {"authNo": "ano3728680187894374401630000"}})
        .to_string()
}

fn identity_body(name: &str) -> String {
    let first17 = "44170219980101123";
    let id_no = format!("{first17}{}", id_check_char(first17).unwrap());
    json!({"code": 0, "message": "成功", "data": {"authNo": "ano3728680187894374401630000",
        "userName": name, "idNo": id_no, "idType": "01", "insuOrg": "441702"}})
    .to_string()
}

fn visit_name(d: &Desk, visit_id: i64) -> Option<String> {
    d.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT user_name FROM visits WHERE id = ?1",
                [visit_id],
                |r| r.get(0),
            )
            .unwrap()
    })
}

#[tokio::test]
async fn a_gbk_identity_is_stored_and_sent_on_as_the_right_name() {
    let bridge = HostileServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = desk(dir.path(), &bridge.url(), Charset::Gbk);
    // A GBK bridge says everything in GBK; its "成功" in UTF-8 would be
    // refused as mislabelled.
    bridge.answer(gbk(&scan_body()));
    bridge.answer(gbk(&identity_body("欧阳娜娜")));
    let visit = d.face_auth(never()).await.unwrap();
    assert_eq!(d.reveal(visit.visit_id).unwrap().user_name, "欧阳娜娜");
    // The name goes on to the terminal as it was read.
    bridge.answer(gbk(
        &json!({"code": 0, "message": "成功", "data": {}}).to_string()
    ));
    d.notify(success(&visit.out_biz_no)).await.unwrap();
    let sent = bridge.requests().pop().unwrap();
    // Requests declare and use UTF-8 whatever the replies' charset.
    let text = String::from_utf8(sent).unwrap();
    let body: Value = serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["data"]["userName"], "欧阳娜娜");
}

#[tokio::test]
async fn an_undecodable_identity_is_unknown_and_stores_nothing() {
    let bridge = HostileServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = desk(dir.path(), &bridge.url(), Charset::Utf8);
    bridge.answer(scan_answer());
    // GBK bytes from a bridge that says nothing about its charset.
    bridge.answer(Answer::body(
        Some("application/json"),
        encoding_rs::GBK
            .encode(&identity_body("欧阳娜娜"))
            .0
            .into_owned(),
    ));
    let err = d.face_auth(never()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "transport_undecodable");
    let pending = d.pending().unwrap();
    assert_eq!(
        pending.len(),
        1,
        "an unreadable reply is 待确认, not a failure"
    );
    assert_eq!(pending[0].status, CallStatus::Unknown);
    assert_eq!(visit_name(&d, pending[0].visit_id.unwrap().get()), None);
    let stored = pending[0].reply_masked.clone().unwrap_or_default();
    assert!(!stored.contains('\u{FFFD}'), "{stored}");
}

#[tokio::test]
async fn a_redirected_notification_is_not_delivered_and_goes_nowhere_else() {
    let bridge = HostileServer::start().await.unwrap();
    let elsewhere = SimServer::loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = desk(dir.path(), &bridge.url(), Charset::Utf8);
    bridge.answer(scan_answer());
    bridge.answer(Answer::body(
        Some("application/json"),
        identity_body("欧阳娜娜"),
    ));
    let visit = d.face_auth(never()).await.unwrap();
    bridge.answer(Answer::redirect(307, &elsewhere.url()));
    let receipt = d.notify(success(&visit.out_biz_no)).await.unwrap();
    assert_eq!(
        receipt.delivery.status,
        DeliveryStatus::Pending,
        "owed, retried later"
    );
    assert!(receipt.delivery.last_error.unwrap().contains("307"));
    assert!(elsewhere.sim.received().is_empty());
}

#[tokio::test]
async fn an_endless_reply_stores_its_size_not_its_bytes() {
    let bridge = HostileServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = desk(dir.path(), &bridge.url(), Charset::Utf8);
    bridge.answer(Answer::Endless {
        max_bytes: 300 * 1024 * 1024,
    });
    let err = d.face_auth(never()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "transport_too_large");
    let pending = d.pending().unwrap();
    assert_eq!(pending.len(), 1);
    let size: i64 = d.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT coalesce(length(reply_masked), 0) + length(error_message) FROM calls",
                [],
                |r| r.get(0),
            )
            .unwrap()
    });
    assert!(size < 1000, "stored {size} bytes for it");
    assert!(
        pending[0]
            .error_message
            .as_deref()
            .unwrap()
            .contains("字节")
    );
}
