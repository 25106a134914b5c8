//! `facepay serve`: the bridge as its own process on the journal the CLI
//! (and the panel) use at the same time; `facepay bridge-token`.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Bridge, Counter};
use facepay_testkit::{Http, json};
use reqwest::Method;

#[tokio::test]
async fn serve_answers_the_his_beside_the_cli_and_stops_on_sigterm() {
    let t = Counter::with_admin().await;
    // The token is created on first use, beside the journal, and printed for IT.
    let token = t.run(&["bridge-token"]).await;
    assert!(token.ok, "{}", token.stderr);
    let first = token.json["token"].as_str().unwrap().to_owned();
    assert_eq!(first.len(), 64);
    assert!(
        token.json["file"]
            .as_str()
            .unwrap()
            .ends_with("bridge.token")
    );

    let bridge = Bridge::start(&t).await;
    let his = Http::new(&bridge.base).bearer(&first);

    // A full visit from the HIS.
    let scan = his.post_empty("/v1/face-auth").await;
    let out_biz_no = scan["outBizNo"].as_str().unwrap().to_owned();
    assert_eq!(
        scan["identity"]["idNo"].as_str().unwrap().len(),
        18,
        "{scan}"
    );
    let now = chrono::Local::now()
        .naive_local()
        .format("%Y-%m-%d %H:%M:%S");
    let (settled, _) = his
        .send(
            Method::POST,
            "/v1/settlements",
            &format!(
                r#"{{"outBizNo":"{out_biz_no}","medicalSettleState":"SUCCESS","setlinfo":{{"medfee_sumamt":35,
            "psn_cash_pay":5,"fund_pay_sumamt":30,"acct_pay":0,"hifp_pay":30,"setl_id":"S-9","setl_time":"{now}"}}}}"#
            ),
        )
        .await;
    assert_eq!(settled, 201);

    // The CLI reads the same journal while the bridge runs.
    let history = t.run(&["history"]).await;
    assert!(history.ok, "{}", history.stderr);
    let rows = history.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["source"], "his");
    assert_eq!(rows[0]["totalFee"], "35.00");

    // Rotation from the CLI takes effect in the running bridge.
    let rotated = t.run(&["bridge-token", "--rotate"]).await;
    let second = rotated.json["token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    // File times may be coarse: wait for a different second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let touch = std::fs::File::options()
        .write(true)
        .open(rotated.json["file"].as_str().unwrap())
        .unwrap();
    touch.set_modified(std::time::SystemTime::now()).unwrap();
    for (token, status) in [(&first, 401), (&second, 200)] {
        let health = Http::new(&bridge.base).bearer(token);
        let (got, body) = json(health.request(Method::GET, "/v1/health")).await;
        assert_eq!(got, status, "{body}");
    }

    // SIGTERM: a clean stop.
    let (status, rest) = bridge.stop().await;
    assert!(status.success(), "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

#[tokio::test]
async fn serve_refuses_an_address_off_this_machine() {
    let t = Counter::start().await;
    let r = t.run(&["serve", "--listen", "0.0.0.0:17321"]).await;
    assert!(!r.ok);
    assert_eq!(r.json["code"], "config");
    assert!(
        r.json["message"].as_str().unwrap().contains("--listen"),
        "{}",
        r.json
    );
}

#[tokio::test]
async fn a_retry_after_the_bridge_process_died_is_told_the_visit_to_look_at() {
    use facepay_core::api::TransType;
    use facepay_sim::{Behaviour, Script};
    let t = Counter::with_admin().await;
    let token = t.run(&["bridge-token"]).await;
    let token = token.json["token"].as_str().unwrap().to_owned();
    // The patient takes their time; the bridge process is killed meanwhile.
    t.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Hang));
    let bridge = Bridge::start(&t).await;
    let first = Http::new(&bridge.base)
        .bearer(&token)
        .request(Method::POST, "/v1/face-auth")
        .header("Idempotency-Key", "scan-before-the-crash")
        .timeout(Duration::from_millis(800))
        .send()
        .await;
    assert!(first.is_err(), "the HIS gave up waiting");
    bridge.kill();

    let bridge = Bridge::start(&t).await;
    let his = Http::new(&bridge.base).bearer(&token);
    let (status, body) = json(
        his.request(Method::POST, "/v1/face-auth")
            .header("Idempotency-Key", "scan-before-the-crash"),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "idempotency_interrupted", "{body}");
    let out_biz_no = body["outBizNo"].as_str().unwrap().to_owned();
    assert!(
        body["advice"].as_str().unwrap().contains(&out_biz_no),
        "{body}"
    );
    // The visit it names is there, 待确认 (the scan may have happened).
    let visit = his.get(&format!("/v1/visits/{out_biz_no}")).await;
    assert_eq!(visit["state"], "pending", "{visit}");
    bridge.kill();
}
