//! A HIS whose HTTP client gives up (WinHTTP's 30 s, a face scan's 120 s)
//! still gets its answer: the request runs to its end and its retry under
//! the same Idempotency-Key returns the patient; a HIS that cannot wait at
//! all starts the scan with `Prefer: respond-async` and polls the visit; an
//! identity check that failed is fetched again without a second scan. And
//! the identity stays unmasked only while the visit is open.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{His, TOKEN};
use facepay_core::api::TransType;
use facepay_sim::{Behaviour, Script};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A counter whose face scans may take a while.
async fn patient_counter() -> His {
    His::configured(Some(TOKEN), |f| {
        f.timeouts = Some(facepay_core::api::Timeouts {
            face_auth: Duration::from_secs(20),
            other: Duration::from_secs(5),
        });
    })
    .await
}

/// GET the visit until `until` holds of it (or 15 s pass).
async fn poll(his: &His, path: &str, until: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let v = his.get(path).await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.body);
        if until(&v.body) || Instant::now() > deadline {
            return v.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_his_that_gave_up_after_a_second_gets_the_patient_on_its_retry() {
    let his = patient_counter().await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(4000));
    let gave_up = his
        .request(Method::POST, "/v1/face-auth")
        .timeout(Duration::from_secs(1))
        .header("Idempotency-Key", "his-1")
        .send()
        .await;
    assert!(gave_up.unwrap_err().is_timeout());
    // Retried at once: still running, and the visit to poll is named.
    let early = his.post("/v1/face-auth", "", Some("his-1")).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert_eq!(early.body["code"], "idempotency_in_progress");
    let out_biz_no = early.out_biz_no();
    assert!(
        early.body["advice"]
            .as_str()
            .unwrap()
            .contains(&format!("/v1/visits/{out_biz_no}")),
        "{}",
        early.body
    );
    // Once the scan has ended, the same retry gets the patient.
    poll(&his, &format!("/v1/visits/{out_biz_no}"), |v| {
        v["state"] == "identified"
    })
    .await;
    let replay = his.post("/v1/face-auth", "", Some("his-1")).await;
    assert_eq!(replay.status, StatusCode::CREATED, "{}", replay.body);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.body["outBizNo"], out_biz_no.as_str());
    let who = &replay.body["identity"];
    assert!(!who["idNo"].as_str().unwrap().contains('*'), "{who}");
    assert!(who["userName"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(his.scans(), 1, "the retry never scanned again");
}

#[tokio::test]
async fn respond_async_answers_at_once_and_the_visit_is_polled_until_identified() {
    let his = patient_counter().await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(1500));
    let started = Instant::now();
    let r = his
        .send(his.async_scan().header("Idempotency-Key", "async-1"))
        .await;
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let out_biz_no = r.out_biz_no();
    let location = format!("/v1/visits/{out_biz_no}");
    assert_eq!(r.headers["location"], location.as_str());
    assert_eq!(r.headers["preference-applied"], "respond-async");
    assert_eq!(r.body["location"], location.as_str());
    assert_eq!(r.body["state"], "scanning");
    let scanning = his.get(&location).await;
    assert_eq!(scanning.body["state"], "scanning", "{}", scanning.body);
    let visit = poll(&his, &location, |v| v["state"] == "identified").await;
    assert_eq!(visit["identityMasked"], false);
    assert!(!visit["identity"]["idNo"].as_str().unwrap().contains('*'));
    // The same request again under its key: the same 202, no second scan.
    let again = his
        .send(his.async_scan().header("Idempotency-Key", "async-1"))
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.headers["location"], location.as_str());
    assert_eq!(again.headers["preference-applied"], "respond-async");
    assert_eq!(again.body["outBizNo"], out_biz_no.as_str());
    assert_eq!(his.scans(), 1);
}

#[tokio::test]
async fn respond_async_refused_before_it_starts_gets_the_refusal() {
    let his = patient_counter().await;
    let bad = his
        .send(
            his.async_scan()
                .header("content-type", "application/json")
                .body(r#"{"businessType":"99999"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(his.scans(), 0);
}

#[tokio::test]
async fn an_identity_check_that_failed_is_fetched_again_without_a_second_scan() {
    let his = His::start().await;
    his.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::Error {
            code: 1001,
            message: "中台繁忙，请稍后再试".into(),
        },
    ));
    let failed = his.scan().await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.body);
    let out_biz_no = failed.out_biz_no();
    let path = format!("/v1/visits/{out_biz_no}/identity");
    let again = his.post(&path, "", Some("identity-1")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body["outBizNo"], out_biz_no.as_str());
    assert!(
        !again.body["identity"]["idNo"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    let replay = his.post(&path, "", Some("identity-1")).await;
    assert_eq!(replay.body["identity"], again.body["identity"]);
    assert_eq!(his.scans(), 1);
    // A visit nobody scanned: 404, nothing sent.
    let none = his
        .post("/v1/visits/H44170200001-W01-NOPE/identity", "", None)
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);
}

#[tokio::test]
async fn an_identity_fetched_again_about_another_person_is_refused() {
    let his = His::start().await;
    let scan = his.scan().await;
    let out_biz_no = scan.out_biz_no();
    his.settle(&out_biz_no, &common::now()).await;
    his.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::AsPerson {
            person: "child-5m".into(),
        },
    ));
    let path = format!("/v1/visits/{out_biz_no}/identity");
    let refused = his.post(&path, "", None).await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
    assert_eq!(refused.body["code"], "reply_mismatch");
    let visit = his.get(&format!("/v1/visits/{out_biz_no}")).await.body;
    assert_eq!(visit["identity"]["idNo"], scan.body["identity"]["idNo"]);
}

#[tokio::test]
async fn the_identity_is_unmasked_while_the_visit_is_open_and_masked_after() {
    // Window 0: closed as soon as the first settlement reached the terminal.
    let his = His::configured(Some(TOKEN), |f| {
        f.bridge.identity_window_minutes = Some(0);
    })
    .await;
    let out_biz_no = his.scan().await.out_biz_no();
    let path = format!("/v1/visits/{out_biz_no}");
    let open = his.get(&path).await.body;
    assert_eq!(open["identityMasked"], false);
    assert!(open["identity"]["ecToken"].is_string(), "{open}");
    let settled = his.settle(&out_biz_no, &common::now()).await;
    assert_eq!(settled.body["delivery"]["status"], "delivered");
    let disclosures = his.count("SELECT count(*) FROM audit WHERE action = 'his_disclosure'");
    let closed = his.get(&path).await.body;
    assert_eq!(closed["identityMasked"], true, "{closed}");
    let who = &closed["identity"];
    assert!(who["idNo"].as_str().unwrap().contains('*'), "{who}");
    assert!(who["userName"].as_str().unwrap().contains('*'), "{who}");
    assert!(who["ecToken"].is_null() && who["birthday"].is_null() && who["insuOrg"].is_null());
    // A masked view discloses nothing: no audit row for it.
    assert_eq!(
        his.count("SELECT count(*) FROM audit WHERE action = 'his_disclosure'"),
        disclosures
    );

    // The default window keeps it open for 30 minutes after the settlement.
    let his = His::start().await;
    let out_biz_no = his.scan().await.out_biz_no();
    his.settle(&out_biz_no, &common::now()).await;
    let still = his.get(&format!("/v1/visits/{out_biz_no}")).await.body;
    assert_eq!(still["identityMasked"], false, "{still}");
}
