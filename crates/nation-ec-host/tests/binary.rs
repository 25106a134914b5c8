//! `nation-ec-host` as a process: its ready line, a call through it, a clean
//! stop on SIGTERM, and its refusals at start.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use facepay_sim::SimServer;
use serde_json::Value;

fn host_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nation-ec-host"));
    cmd.env_remove("NATION_EC_HOST_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

fn output_json(cmd: &mut Command) -> (Option<i32>, Value) {
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.code(),
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

#[tokio::test]
async fn prints_a_ready_line_serves_and_stops_on_sigterm() {
    let server = SimServer::loopback().await.unwrap();
    let mut child = host_command()
        .arg("--dll")
        .arg(facepay_testkit::fake_library())
        .args(["--center-url", &server.url(), "--listen", "127.0.0.1:0"])
        .env("NATION_EC_HOST_TOKEN", "t0ken")
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(ready["token"], true, "{ready}");
    assert!(!line.contains("t0ken"), "the token was printed: {line}");
    let url = ready["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/api/open"));

    let reply = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(&url)
        .header("Authorization", "Bearer t0ken")
        .body(r#"{"orgId":"H44170200001","transType":"cn.nhsa.ec.auth","data":{"orgId":"H44170200001","outBizNo":"B-1","businessType":"01101","operatorId":"0107","operatorName":"林晓燕","officeId":"0301","officeName":"挂号收费处","extData":"{}"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let answer: Value = reply.json().await.unwrap();
    assert_eq!(answer["code"], 0, "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let stopped: Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(stopped["stopped"], ready["listening"]);
}

#[test]
fn refuses_to_listen_beyond_loopback() {
    let (code, body) = output_json(host_command().args([
        "--dll",
        "unused.dll",
        "--center-url",
        "http://127.0.0.1:9/x",
        "--listen",
        "0.0.0.0:4302",
    ]));
    assert_eq!(code, Some(2));
    assert_eq!(body["code"], "listen_not_loopback");
    assert!(body["message"].as_str().unwrap().contains("--listen"));
}

#[test]
fn a_library_without_the_entry_point_is_refused_with_its_name() {
    let (code, body) = output_json(host_command().args([
        "--dll",
        "libc.so.6",
        "--center-url",
        "http://127.0.0.1:9/x",
        "--listen",
        "127.0.0.1:0",
    ]));
    assert_eq!(code, Some(1));
    assert_eq!(body["code"], "library_load");
    assert!(body["message"].as_str().unwrap().contains("NationEcTrans"));
}

#[test]
fn usage_errors_are_json_with_exit_code_2() {
    let (code, body) = output_json(host_command().args(["--listen", "127.0.0.1:0"]));
    assert_eq!((code, body["code"].as_str()), (Some(2), Some("usage")));
    assert!(body["message"].as_str().unwrap().contains("--dll"));
}
