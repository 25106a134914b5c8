//! The client's echo checks, fed canned replies: a reply about another
//! request or another hospital is a definite mismatch, never an identity.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nhsa_terminal::protocol::TransType;
use nhsa_terminal::transport::Transport;
use nhsa_terminal::{Terminal, TerminalError, Timeouts, TransportError, samples};
use serde_json::{Value, json};

/// Answers every exchange with the given text, and keeps what it was sent.
#[derive(Debug)]
struct Canned {
    reply: String,
    sent: Mutex<Vec<(TransType, String)>>,
}

#[async_trait::async_trait]
impl Transport for Canned {
    async fn exchange(
        &self,
        trans_type: TransType,
        envelope: &str,
        _timeout: Duration,
    ) -> Result<String, TransportError> {
        self.sent
            .lock()
            .unwrap()
            .push((trans_type, envelope.to_owned()));
        Ok(self.reply.clone())
    }

    fn describe(&self) -> String {
        "canned".into()
    }
}

fn terminal(reply: &str) -> (Terminal, Arc<Canned>) {
    let canned = Arc::new(Canned {
        reply: reply.to_owned(),
        sent: Mutex::new(Vec::new()),
    });
    let t = Terminal::new(samples::org_id(), canned.clone(), Timeouts::default());
    (t, canned)
}

const NORMAL: &str = include_str!("../../protocol/tests/fixtures/qrcode_get_reply.json");
const WRONG_ECHO: &str =
    include_str!("../../protocol/tests/fixtures/qrcode_get_reply_wrong_echo.json");
const OTHER_ORG: &str =
    include_str!("../../protocol/tests/fixtures/qrcode_get_reply_other_org.json");
const BAD_CHECK_DIGIT: &str =
    include_str!("../../protocol/tests/fixtures/qrcode_get_reply_bad_check_digit.json");
/// The fixtures answer this request.
const OUT_BIZ_NO: &str = "H44170200001-W01-20261125-000003";

#[tokio::test]
async fn a_matching_qrcode_reply_is_an_identity_and_goes_out_as_qrcode_get() {
    let (t, canned) = terminal(NORMAL);
    let reply = t.call(&samples::qrcode_get(OUT_BIZ_NO)).await.unwrap();
    assert_eq!(reply.data.identity.user_name.reveal(), "黄秀英");
    let sent = canned.sent.lock().unwrap();
    assert_eq!(sent[0].0, TransType::QrCodeGet);
    let wire: Value = serde_json::from_str(&sent[0].1).unwrap();
    assert_eq!(wire["transType"], "cn.nhsa.qrcode.get");
    assert_eq!(wire["data"]["outBizNo"], OUT_BIZ_NO);
}

#[tokio::test]
async fn another_out_biz_no_is_a_mismatch() {
    let (t, _) = terminal(WRONG_ECHO);
    let err = t.call(&samples::qrcode_get(OUT_BIZ_NO)).await.unwrap_err();
    match &err {
        TerminalError::Mismatch {
            field, sent, got, ..
        } => {
            assert_eq!(*field, "outBizNo");
            assert_eq!(sent, OUT_BIZ_NO);
            assert_eq!(got, "H44170200001-W01-20261125-000099");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.outcome_unknown());
    assert_eq!(err.code(), "reply_mismatch");
    assert_eq!(err.raw_reply(), Some(WRONG_ECHO));
}

#[tokio::test]
async fn another_hospital_in_the_envelope_or_in_data_is_a_mismatch() {
    let (t, _) = terminal(OTHER_ORG);
    let err = t.call(&samples::qrcode_get(OUT_BIZ_NO)).await.unwrap_err();
    assert!(
        matches!(&err, TerminalError::Mismatch { field: "orgId", got, .. } if got == "H44170200999"),
        "{err:?}"
    );
    let mut v: Value = serde_json::from_str(NORMAL).unwrap();
    v["data"]["orgId"] = json!("H44170200777");
    let (t, _) = terminal(&v.to_string());
    let err = t.call(&samples::qrcode_get(OUT_BIZ_NO)).await.unwrap_err();
    assert!(
        matches!(&err, TerminalError::Mismatch { field: "orgId", got, .. } if got == "H44170200777"),
        "{err:?}"
    );
}

#[tokio::test]
async fn echoes_left_out_are_accepted() {
    let mut v: Value = serde_json::from_str(NORMAL).unwrap();
    v.as_object_mut().unwrap().remove("orgId");
    v["data"].as_object_mut().unwrap().remove("orgId");
    v["data"]["outBizNo"] = json!("null");
    let (t, _) = terminal(&v.to_string());
    assert!(t.call(&samples::qrcode_get(OUT_BIZ_NO)).await.is_ok());
}

#[tokio::test]
async fn a_wrong_check_digit_is_a_malformed_reply_an_unknown_outcome() {
    let mut v: Value = serde_json::from_str(BAD_CHECK_DIGIT).unwrap();
    let mut data: Value = serde_json::from_str(v["data"].as_str().unwrap()).unwrap();
    data["outBizNo"] = json!(OUT_BIZ_NO);
    v["data"] = json!(data.to_string());
    let (t, _) = terminal(&v.to_string());
    let err = t.call(&samples::qrcode_get(OUT_BIZ_NO)).await.unwrap_err();
    assert_eq!(err.code(), "malformed_reply");
    assert!(err.to_string().contains("idNo"), "{err}");
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn the_other_transactions_keep_their_single_echo() {
    // ec.auth is not held to the envelope orgId (it never was).
    let body = json!({"code": 0, "orgId": "H99", "data": {"authNo": "ano1", "outBizNo": "A1"}});
    let (t, _) = terminal(&body.to_string());
    assert!(t.call(&samples::ec_auth("A1")).await.is_ok());
    let err = t.call(&samples::ec_auth("A2")).await.unwrap_err();
    assert!(matches!(
        err,
        TerminalError::Mismatch {
            field: "outBizNo",
            ..
        }
    ));
}

#[test]
fn qrcode_get_waits_for_the_patient_like_a_face_scan() {
    let t = Timeouts {
        face_auth: Duration::from_secs(120),
        other: Duration::from_secs(10),
    };
    assert_eq!(t.for_trans(TransType::QrCodeGet), Duration::from_secs(120));
    assert_eq!(t.for_trans(TransType::EcAuth), Duration::from_secs(120));
    assert_eq!(t.for_trans(TransType::AuthCheck), Duration::from_secs(10));
    assert_eq!(
        t.for_trans(TransType::SettleNotify),
        Duration::from_secs(10)
    );
    assert_eq!(TransType::QrCodeGet.label(), "扫医保码");
}
