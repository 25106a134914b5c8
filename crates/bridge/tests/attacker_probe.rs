//! What an attacker holding the bridge's token found, and what the bridge
//! answers now: no guess at a masked identity is confirmed, a body read two
//! ways is refused, and UTF-8 sent as GBK is not stored as other characters.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{His, TOKEN, now};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn once_the_identity_is_masked_no_settlement_confirms_a_guess_at_it() {
    let his = His::configured(Some(TOKEN), |f| f.bridge.identity_window_minutes = Some(0)).await;
    let scan = his.scan().await;
    let visit = scan.out_biz_no();
    let (name, id_no) = (
        scan.body["identity"]["userName"]
            .as_str()
            .unwrap()
            .to_owned(),
        scan.body["identity"]["idNo"].as_str().unwrap().to_owned(),
    );
    let paid = json!({"outBizNo": visit, "medicalSettleState": "SUCCESS", "selfPay": true,
        "totalFee": "5.00", "setlTime": now()});
    let r = his.post("/v1/settlements", &paid.to_string(), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let masked = his.get(&format!("/v1/visits/{visit}")).await.body;
    assert_eq!(masked["identityMasked"], true, "{masked}");

    // The same result again naming the person: right or wrong, one answer.
    let mut answers = Vec::new();
    for (field, value) in [
        ("idNo", id_no.clone()),
        ("idNo", "441702199001011234".to_owned()),
        ("userName", name.clone()),
        ("userName", "张伟".to_owned()),
    ] {
        let mut body = paid.clone();
        body[field] = json!(value);
        let r = his.post("/v1/settlements", &body.to_string(), None).await;
        answers.push((field, r.status, r.body.to_string()));
    }
    assert_eq!(answers[0].1, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (&answers[0].1, &answers[0].2),
        (&answers[1].1, &answers[1].2)
    );
    assert_eq!(
        (&answers[2].1, &answers[2].2),
        (&answers[3].1, &answers[3].2)
    );
    // Nor does a search by a whole name.
    let r = his
        .get(&format!("/v1/settlements?userName={}", urlencoding(&name)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["field"], "userName");
    let first: String = name.chars().take(1).collect();
    let r = his
        .get(&format!("/v1/settlements?userName={}", urlencoding(&first)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_body_naming_a_member_twice_is_refused() {
    let his = His::start().await;
    let scan = his.scan().await;
    let visit = scan.body["outBizNo"].as_str().unwrap();
    let body = format!(
        r#"{{"outBizNo":"{visit}","medicalSettleState":"SUCCESS","selfPay":true,"setlinfo":{{"medfee_sumamt":1,"medfee_sumamt":2,"setl_time":"{}"}}}}"#,
        now()
    );
    let r = his.post("/v1/settlements", &body, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("setlinfo.medfee_sumamt"),
        "{}",
        r.body
    );
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 0);
}

#[tokio::test]
async fn utf8_declared_as_gbk_is_refused_not_stored_as_other_characters() {
    let his = His::start().await;
    let scan = his.scan().await;
    let visit = scan.body["outBizNo"].as_str().unwrap();
    let body = json!({"outBizNo": visit, "medicalSettleState": "FAIL", "totalFee": "5.00",
        "failReason": "医保中心超时", "setlTime": now()});
    let r = his
        .send(
            his.request(Method::POST, "/v1/settlements")
                .header("content-type", "application/json; charset=GBK")
                .body(body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["code"], "undecodable_body");
    assert!(r.body["message"].as_str().unwrap().contains("UTF-8"));
    // The same text really in GBK is read as what it says.
    let text = body.to_string();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let r = his
        .send(
            his.request(Method::POST, "/v1/settlements")
                .header("content-type", "application/json; charset=GBK")
                .body(gbk.into_owned()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sent = his.notifies().pop().unwrap();
    assert_eq!(sent["failReason"], "医保中心超时");
}
