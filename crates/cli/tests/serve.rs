//! `facepay serve`: the bridge as its own process on the journal the CLI
//! (and the panel) use at the same time; `facepay bridge-token`.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{facepay, run};
use facepay_sim::SimServer;
use serde_json::Value;

fn cli(db: &std::path::Path, url: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = facepay(db, url);
    cmd.args(args);
    cmd
}

#[tokio::test]
async fn serve_answers_the_his_beside_the_cli_and_stops_on_sigterm() {
    let sim = SimServer::loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("facepay.db");

    common::first_admin(&db, &sim.url()).await;
    // The token is created on first use, beside the journal, and printed for IT.
    let token = run(cli(&db, &sim.url(), &["bridge-token"]), None).await;
    assert!(token.ok, "{}", token.stderr);
    let first = token.json["token"].as_str().unwrap().to_owned();
    assert_eq!(first.len(), 64);
    assert!(
        token.json["file"]
            .as_str()
            .unwrap()
            .ends_with("bridge.token")
    );

    let mut cmd = facepay(&db, &sim.url());
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (ready, mut lines) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        (ready, lines)
    })
    .await
    .unwrap();
    let base = format!("http://{}", ready["listening"].as_str().unwrap());
    let http = reqwest::Client::new();

    // A full visit from the HIS.
    let scan: Value = http
        .post(format!("{base}/v1/face-auth"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let out_biz_no = scan["outBizNo"].as_str().unwrap().to_owned();
    assert_eq!(
        scan["identity"]["idNo"].as_str().unwrap().len(),
        18,
        "{scan}"
    );
    let now = chrono::Local::now()
        .naive_local()
        .format("%Y-%m-%d %H:%M:%S");
    let settled = http
        .post(format!("{base}/v1/settlements"))
        .bearer_auth(&first)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"outBizNo":"{out_biz_no}","medicalSettleState":"SUCCESS","setlinfo":{{"medfee_sumamt":35,
            "psn_cash_pay":5,"fund_pay_sumamt":30,"acct_pay":0,"hifp_pay":30,"setl_id":"S-9","setl_time":"{now}"}}}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(settled.status(), 201);

    // The CLI reads the same journal while the bridge runs.
    let history = run(cli(&db, &sim.url(), &["history"]), None).await;
    assert!(history.ok, "{}", history.stderr);
    let rows = history.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["source"], "his");
    assert_eq!(rows[0]["totalFee"], "35.00");

    // Rotation from the CLI takes effect in the running bridge.
    let rotated = run(cli(&db, &sim.url(), &["bridge-token", "--rotate"]), None).await;
    let second = rotated.json["token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    // File times may be coarse: wait for a different second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let touch = std::fs::File::options()
        .write(true)
        .open(rotated.json["file"].as_str().unwrap())
        .unwrap();
    touch.set_modified(std::time::SystemTime::now()).unwrap();
    let old = http
        .get(format!("{base}/v1/health"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    let new = http
        .get(format!("{base}/v1/health"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 200);

    // SIGTERM: a clean stop.
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (status, rest) = tokio::task::spawn_blocking(move || {
        let rest: Vec<String> = lines.by_ref().map_while(Result::ok).collect();
        (child.wait().unwrap(), rest.join("\n"))
    })
    .await
    .unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

#[tokio::test]
async fn serve_refuses_an_address_off_this_machine() {
    let sim = SimServer::loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let r = run(
        cli(&db, &sim.url(), &["serve", "--listen", "0.0.0.0:17321"]),
        None,
    )
    .await;
    assert!(!r.ok);
    assert_eq!(r.json["code"], "config");
    assert!(
        r.json["message"].as_str().unwrap().contains("--listen"),
        "{}",
        r.json
    );
}

/// Start `facepay serve` on the journal; its base URL and the process.
async fn serve(db: &std::path::Path, url: &str) -> (String, std::process::Child) {
    let mut cmd = facepay(db, url);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        // Keep reading so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ready
    })
    .await
    .unwrap();
    (
        format!("http://{}", ready["listening"].as_str().unwrap()),
        child,
    )
}

#[tokio::test]
async fn a_retry_after_the_bridge_process_died_is_told_the_visit_to_look_at() {
    use facepay_core::api::TransType;
    use facepay_sim::{Behaviour, Script};
    let sim = SimServer::loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("facepay.db");
    common::first_admin(&db, &sim.url()).await;
    let token = run(cli(&db, &sim.url(), &["bridge-token"]), None).await;
    let token = token.json["token"].as_str().unwrap().to_owned();
    // The patient takes their time; the bridge process is killed meanwhile.
    sim.sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Hang));
    let (base, mut child) = serve(&db, &sim.url()).await;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(800))
        .build()
        .unwrap();
    let first = http
        .post(format!("{base}/v1/face-auth"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "scan-before-the-crash")
        .send()
        .await;
    assert!(first.is_err(), "the HIS gave up waiting");
    child.kill().unwrap();
    child.wait().unwrap();

    let (base, mut child) = serve(&db, &sim.url()).await;
    let retry = reqwest::Client::new()
        .post(format!("{base}/v1/face-auth"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "scan-before-the-crash")
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 409);
    let body: Value = retry.json().await.unwrap();
    assert_eq!(body["code"], "idempotency_interrupted", "{body}");
    let out_biz_no = body["outBizNo"].as_str().unwrap().to_owned();
    assert!(
        body["advice"].as_str().unwrap().contains(&out_biz_no),
        "{body}"
    );
    // The visit it names is there, 待确认 (the scan may have happened).
    let visit: Value = reqwest::Client::new()
        .get(format!("{base}/v1/visits/{out_biz_no}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(visit["state"], "pending", "{visit}");
    child.kill().unwrap();
    child.wait().unwrap();
}
