//! What happens when HIS programs retry, race the cashier, or give up waiting.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{His, setlinfo_2207};
use facepay_core::api::{DeskError, HisNotify, TransType};
use facepay_sim::{Behaviour, Script};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_replayed_key_answers_the_first_response_across_a_restart() {
    let mut his = His::start().await;
    let body = setlinfo_2207("H44170200001-W01-R1", &common::now());
    let first = his.post("/v1/settlements", &body, Some("order-4711")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());

    // The process stops and starts again on the same journal.
    his.restart(HisNotify::AtOnce).await;
    let again = his.post("/v1/settlements", &body, Some("order-4711")).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body, "the first answer, byte for byte");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(his.notifies().len(), 1, "no second terminal call");
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 1);

    // The same key with another body is a conflict, and changes nothing.
    let other = setlinfo_2207("H44170200001-W01-R2", &common::now());
    let conflict = his
        .post("/v1/settlements", &other, Some("order-4711"))
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert_eq!(conflict.body["code"], "idempotency_conflict");
    assert_eq!(conflict.body["field"], "Idempotency-Key");
    // ... so does the same body on another endpoint.
    let elsewhere = his.post("/v1/face-auth", &body, Some("order-4711")).await;
    assert_eq!(elsewhere.body["code"], "idempotency_conflict");
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 1);
    assert_eq!(his.scans(), 0);

    // Without a key, the journal itself still refuses a double settlement.
    let twice = his.post("/v1/settlements", &body, None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.body["code"], "duplicate");
    assert_eq!(his.notifies().len(), 1);
}

#[tokio::test]
async fn a_face_scan_replayed_under_its_key_is_not_scanned_twice() {
    let his = His::start().await;
    let a = his.post("/v1/face-auth", "", Some("scan-1")).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let b = his.post("/v1/face-auth", "", Some("scan-1")).await;
    assert_eq!(b.body, a.body);
    assert_eq!(his.scans(), 1);
    // A retry while the first is still waiting is told so.
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(600));
    let (first, second) = tokio::join!(his.post("/v1/face-auth", "", Some("scan-2")), async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        his.post("/v1/face-auth", "", Some("scan-2")).await
    });
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.body["code"], "idempotency_in_progress");
    assert_eq!(his.scans(), 2);
}

#[tokio::test]
async fn two_his_scans_at_once_start_one_and_name_it_to_the_other() {
    let his = His::start().await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(500));
    let (a, b) = tokio::join!(his.post("/v1/face-auth", "", None), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        his.scan().await
    });
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(b.status, StatusCode::CONFLICT, "{}", b.body);
    assert_eq!(b.body["code"], "scan_in_progress");
    assert_eq!(b.body["outBizNo"], a.body["outBizNo"]);
    assert_eq!(his.scans(), 1);
}

#[tokio::test]
async fn the_cashier_pressing_f2_during_a_his_scan_is_told_whose_scan_runs() {
    let his = His::start().await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(500));
    let desk = his.desk.clone();
    let (a, f2) = tokio::join!(his.post("/v1/face-auth", "", None), async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        desk.face_auth(std::future::pending()).await
    });
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    match f2 {
        Err(DeskError::ScanInProgress { out_biz_no }) => assert_eq!(out_biz_no, a.body["outBizNo"]),
        other => panic!("{other:?}"),
    }
    // The panel follows the HIS's visit: masked.
    let seen = his.desk.his_activity().unwrap().unwrap();
    assert_eq!(seen.out_biz_no, a.body["outBizNo"]);
    let shown = seen.identity.unwrap();
    assert!(shown.id_no.contains('*'), "{shown:?}");
    assert_eq!(his.scans(), 1);
}

#[tokio::test]
async fn a_scan_that_times_out_is_504_pending_and_collectable_later() {
    let his = His::start().await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Hang));
    let a = his.scan().await;
    assert_eq!(a.status, StatusCode::GATEWAY_TIMEOUT, "{}", a.body);
    assert_eq!(a.body["code"], "transport_timeout");
    let out_biz_no = a.out_biz_no();
    // Later: the visit is 待确认, never failed.
    let v = his.get(&format!("/v1/visits/{out_biz_no}")).await;
    assert_eq!(v.status, StatusCode::OK);
    assert_eq!(v.body["state"], "pending");
    assert!(v.body["identity"].is_null());
    assert_eq!(his.desk.pending().unwrap().len(), 1);
    // A terminal refusal is 502 with its own code and message, the visit failed.
    his.sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::Error {
            code: -2,
            message: "用户取消".into(),
        },
    ));
    let refused = his.scan().await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
    assert_eq!(refused.body["code"], "terminal");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("用户取消")
    );
    let v = his
        .get(&format!(
            "/v1/visits/{}",
            refused.body["outBizNo"].as_str().unwrap()
        ))
        .await;
    assert_eq!(v.body["state"], "failed");
    assert_eq!(v.body["errorCode"], "-2");
    assert_eq!(
        his.get("/v1/visits/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_unreachable_terminal_is_503_and_the_settlement_still_recorded() {
    let his = His::start().await;
    // Face scan: nothing could be sent.
    his.sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::HttpStatus {
            status: 503,
            body: String::new(),
        },
    ));
    let a = his.scan().await;
    assert!(a.status.is_server_error(), "{}", a.body);
    // A settlement is recorded whatever the terminal does; delivery retries.
    his.sim.sim.push_script(Script::any(Behaviour::HttpStatus {
        status: 500,
        body: String::new(),
    }));
    let s = his.settle("H44170200001-W01-U1", &common::now()).await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    assert_eq!(s.body["delivery"]["status"], "pending");
    assert_eq!(his.get("/v1/health").await.body["undelivered"], 1);
}

#[tokio::test]
async fn a_replayed_scan_is_disclosed_again_audited_and_not_kept_under_its_key() {
    let his = His::start().await;
    let first = his.post("/v1/face-auth", "", Some("scan-replay")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let id_no = first.body["identity"]["idNo"].as_str().unwrap().to_owned();
    let again = his.post("/v1/face-auth", "", Some("scan-replay")).await;
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(
        his.count("SELECT count(*) FROM audit WHERE action = 'his_disclosure'"),
        2,
        "the replay disclosed the identity again: audited"
    );
    assert_eq!(
        his.count(&format!(
            "SELECT count(*) FROM idempotency_keys WHERE instr(response, '{id_no}') > 0"
        )),
        0,
        "the key keeps no identity"
    );
}

#[tokio::test]
async fn nothing_left_to_refund_is_refused_and_the_rest_is_refunded_item_by_item() {
    let his = His::start().await;
    let s = his.settle("H44170200001-W01-F1", &common::now()).await;
    let id = s.body["settlementId"].as_i64().unwrap();
    let path = format!("/v1/settlements/{id}/refund");
    // Part of it, with the 2208 split.
    let part = his
        .post(
            &path,
            r#"{"setlinfo":{"setl_id":"441700G0000000000R01","medfee_sumamt":-20.5,"psn_cash_pay":-20.5,"fund_pay_sumamt":0,"acct_pay":0,"hifp_pay":0}}"#,
            None,
        )
        .await;
    assert_eq!(part.status, StatusCode::CREATED, "{}", part.body);
    // The rest with nothing said: each amount is what is left of it.
    let rest = his.post(&path, "", None).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    let sent = his.notifies().pop().unwrap();
    assert_eq!(
        (
            &sent["totalFee"],
            &sent["ownAmt"],
            &sent["hifAmt"],
            &sent["acctAmt"]
        ),
        (
            &json!("100.00"),
            &json!("0.00"),
            &json!("80.00"),
            &json!("20.00")
        )
    );
    // The original's balance was before the refunds: none is sent.
    assert!(sent.get("balance").is_none(), "{sent}");
    let nothing = his.post(&path, "", None).await;
    assert_eq!(
        nothing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nothing.body
    );
    assert_eq!(nothing.body["field"], "totalFee");
    let zero = his
        .post(&path, r#"{"setlinfo":{"medfee_sumamt":"-0","psn_cash_pay":0,"fund_pay_sumamt":0,"acct_pay":0,"hifp_pay":0}}"#, None)
        .await;
    assert_eq!(
        zero.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        zero.body
    );
    assert_eq!(
        his.notifies().len(),
        3,
        "the original and two refunds, nothing more"
    );
}

#[tokio::test]
async fn bad_paths_and_long_echoes_answer_in_the_error_shape() {
    let his = His::start().await;
    let a = his.post("/v1/settlements/abc/refund", "", None).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.body["code"], "not_found");
    let huge = format!("{{\"{}\":1}}", "k".repeat(100_000));
    let b = his.post("/v1/face-auth", &huge, None).await;
    assert_eq!(b.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        b.body.to_string().len() < 2_000,
        "an error does not echo the request at length"
    );
}

/// Six refunds of one settlement at once: each answer tells the truth. What
/// was recorded answers 201 (its delivery waiting behind the visit's earlier
/// result if need be); what was refused recorded nothing. A HIS retrying a
/// refusal under its key therefore never refunds twice.
#[tokio::test]
async fn refunds_racing_on_one_visit_are_answered_as_recorded() {
    let his = His::start().await;
    // The terminal is slow, so the six overlap their deliveries.
    for _ in 0..8 {
        his.sim.sim.push_script(
            Script::for_trans(TransType::SettleNotify, Behaviour::Normal).delayed(300),
        );
    }
    let out_biz_no = his.scan().await.out_biz_no();
    let paid = his
        .post(
            "/v1/settlements",
            &json!({"outBizNo": out_biz_no, "medicalSettleState": "SUCCESS", "selfPay": true,
                "setlinfo": {"setl_time": common::now(), "medfee_sumamt": "100.00"}})
            .to_string(),
            Some("paid"),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    let id = paid.body["settlementId"].as_i64().unwrap();
    let path = format!("/v1/settlements/{id}/refund");
    let answers = six_refunds_at_once(&his, &path).await;
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    for a in &answers {
        assert!(
            a.status == StatusCode::CREATED || a.body["code"] != "busy",
            "a refusal after recording: {}",
            a.body
        );
    }
    let recorded = his.count("SELECT count(*) FROM settlements WHERE state = 'REFUND_SUCCESS'");
    assert_eq!(
        recorded as usize, created,
        "every recorded refund answered 201"
    );
}

async fn six_refunds_at_once(his: &His, path: &str) -> Vec<common::Answer> {
    let (a, b, c, d, e, f) = tokio::join!(
        his.post(path, r#"{"totalFee":"1.01"}"#, Some("r-1")),
        his.post(path, r#"{"totalFee":"1.02"}"#, Some("r-2")),
        his.post(path, r#"{"totalFee":"1.03"}"#, Some("r-3")),
        his.post(path, r#"{"totalFee":"1.04"}"#, Some("r-4")),
        his.post(path, r#"{"totalFee":"1.05"}"#, Some("r-5")),
        his.post(path, r#"{"totalFee":"1.06"}"#, Some("r-6")),
    );
    vec![a, b, c, d, e, f]
}
