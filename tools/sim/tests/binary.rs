//! `facepay-sim` as a process: hand-written envelopes, as hospital IT would
//! send them with curl, get code 0; an invalid one gets a non-zero code and a
//! message naming what is wrong.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

struct Sim {
    child: Child,
    url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Sim {
    start_with(&[])
}

/// The simulator binary on a free loopback port, seeded, with `extra` arguments.
fn start_with(extra: &[&str]) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facepay-sim"))
        .args(["--listen", "127.0.0.1:0", "--seed", "7"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("facepay-sim listening on ")
        .unwrap()
        .to_owned();
    Sim {
        child,
        url: format!("{base}/api/open"),
    }
}

async fn post(url: &str, body: &str) -> Value {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let reply = http
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    serde_json::from_str(&reply.text().await.unwrap()).unwrap()
}

fn data(reply: &Value) -> Value {
    serde_json::from_str(reply["data"].as_str().expect("data is a JSON string")).unwrap()
}

#[tokio::test]
async fn the_three_transactions_by_hand() {
    let sim = start();
    let office = r#""operatorId":"0107","operatorName":"林晓燕","officeId":"0301","officeName":"挂号收费处","extData":"{}""#;
    let auth = post(
        &sim.url,
        &format!(
            r#"{{"orgId":"H44170200001","transType":"cn.nhsa.ec.auth","data":{{"orgId":"H44170200001","outBizNo":"CURL-0001","businessType":"01101",{office}}}}}"#
        ),
    )
    .await;
    assert_eq!(auth["code"], 0, "{auth}");
    assert_eq!(auth["message"], "成功");
    let auth_no = data(&auth)["authNo"].as_str().unwrap().to_owned();

    let check = post(
        &sim.url,
        &format!(
            r#"{{"orgId":"H44170200001","transType":"cn.nhsa.auth.check","data":{{"orgId":"H44170200001","outBizNo":"CURL-0002","authNo":"{auth_no}","businessType":"01101",{office}}}}}"#
        ),
    )
    .await;
    assert_eq!(check["code"], 0, "{check}");
    let who = data(&check);
    assert!(nhsa_terminal::simulator::is_valid_resident_id(
        who["idNo"].as_str().unwrap()
    ));
    assert!(who["insuOrg"].as_str().unwrap().starts_with("4417"));

    let notify = json!({"orgId": "H44170200001", "transType": "cn.nhsa.settle.notify", "data": {
        "outBizNo": "CURL-0001", "medicalSettleState": "SUCCESS", "authNo": auth_no,
        "operatorId": "0107", "operatorName": "林晓燕", "totalFee": "120.50", "bizType": "register",
        "setlTime": "2026-11-25 09:30:00", "hospitalName": "阳江市妇幼保健院",
        "medicalSettleNo": "441700G0000012345678", "ownAmt": "20.50", "hifAmt": "80.00",
        "acctAmt": "20.00", "hifpAmt": "80.00"}});
    let ack = post(&sim.url, &notify.to_string()).await;
    assert_eq!(ack["code"], 0, "{ack}");
    assert_eq!(data(&ack)["outBizNo"], "CURL-0001");
}

#[tokio::test]
async fn an_invalid_envelope_is_refused_with_a_clear_message() {
    let sim = start();
    let reply = post(
        &sim.url,
        r#"{"orgId":"H44170200001","transType":"cn.nhsa.ec.auth","data":{"orgId":"H44170200001","outBizNo":"CURL-0009","businessType":"99999","operatorId":"0107","operatorName":"林晓燕","officeId":"0301","officeName":"挂号收费处","extData":"{}"}}"#,
    )
    .await;
    assert_ne!(reply["code"], 0);
    let message = reply["message"].as_str().unwrap();
    assert!(
        message.contains("businessType") && message.contains("代码表"),
        "{message}"
    );

    let reply = post(
        &sim.url,
        r#"{"orgId":"H44170200001","transType":"cn.nhsa.pay"}"#,
    )
    .await;
    assert_eq!(reply["code"], 1002);
    assert!(reply["message"].as_str().unwrap().contains("cn.nhsa.pay"));
}

#[tokio::test]
async fn a_qrcode_scan_by_hand_on_a_fixed_day() {
    let sim = start_with(&["--today", "2026-11-25"]);
    let control = facepay_testkit::Http::new(sim.url.trim_end_matches("/api/open"));
    control
        .post(
            "/_sim/script",
            r#"{"transType":"cn.nhsa.qrcode.get","reply":"asPerson","person":"child-5m"}"#,
        )
        .await;
    let reply = post(
        &sim.url,
        r#"{"orgId":"H44170200001","transType":"cn.nhsa.qrcode.get","data":{"orgId":"H44170200001","outBizNo":"CURL-Q001","businessType":"01101","operatorId":"0107","operatorName":"林晓燕","officeId":"0301","officeName":"挂号收费处","extData":"{}"}}"#,
    )
    .await;
    assert_eq!(reply["code"], 0, "{reply}");
    let who = data(&reply);
    assert_eq!(who["outBizNo"], "CURL-Q001");
    assert_eq!(who["birthday"], "2026.06.25", "5 months before --today");
    assert!(nhsa_terminal::simulator::is_valid_resident_id(
        who["idNo"].as_str().unwrap()
    ));
    let extra: Value = serde_json::from_str(who["extra"].as_str().unwrap()).unwrap();
    assert_eq!(extra["accountType"], "family");

    let bad = Command::new(env!("CARGO_BIN_EXE_facepay-sim"))
        .args(["--listen", "127.0.0.1:0", "--today", "2026-13-01"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}
