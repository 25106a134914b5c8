//! The IPC commands through Tauri's mock runtime: no display, no webkit
//! window, the real service on a real SQLite file and the simulator.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::sync::Arc;

use facepay_core::Desk;
use facepay_core::config::FileConfig;
use facepay_core::journal::SystemClock;
use facepay_core::terminal::simulator::Simulator;
use facepay_core::terminal::transport::SimulatorTransport;
use facepay_desk::{AppState, app_builder};
use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

fn app(dir: &std::path::Path) -> tauri::App<tauri::test::MockRuntime> {
    let mut file = FileConfig::default();
    file.journal.path = Some(dir.join("facepay.db"));
    let config = file.validate().unwrap();
    let transport = Arc::new(SimulatorTransport::new(Arc::new(Simulator::with_seed(3))));
    let desk = Desk::with_parts(config, transport, Arc::new(SystemClock), "test").unwrap();
    let state = AppState::with_desk(desk, Some(dir.join("facepay.toml")));
    app_builder(mock_builder())
        .manage(state)
        .build(mock_context(noop_assets()))
        .unwrap()
}

fn call(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn a_visit_through_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let info = call(&w, "app_info", json!({})).unwrap();
    assert_eq!(info["demo"], true);

    let visit = call(&w, "face_auth", json!({})).unwrap();
    assert!(visit["identity"]["idNo"].as_str().unwrap().contains('*'));
    let out_biz_no = visit["outBizNo"].as_str().unwrap();

    let draft = json!({"outBizNo": out_biz_no, "medicalSettleState": "SUCCESS", "totalFee": "120.50",
        "bizType": "", "operatorId": "", "operatorName": "", "hospitalName": "", "setlTime": "",
        "medicalSettleNo": "441700G1", "ownAmt": "20.50", "hifAmt": "80.00", "acctAmt": "20.00", "hifpAmt": "80.00"});
    let receipt = call(&w, "notify", json!({ "draft": draft })).unwrap();
    assert_eq!(receipt["delivery"]["status"], "delivered");

    let page = call(&w, "history", json!({"filter": {"outBizNo": out_biz_no}})).unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 1);
    let status = call(&w, "status", json!({})).unwrap();
    assert_eq!(
        (
            status["reachable"].as_bool(),
            status["undelivered"].as_u64()
        ),
        (Some(true), Some(0))
    );
}

#[test]
fn errors_cross_ipc_as_code_and_message_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let draft = json!({"outBizNo": "V-1", "medicalSettleState": "SUCCESS", "totalFee": "1.234",
        "bizType": "", "operatorId": "", "operatorName": "", "hospitalName": "", "setlTime": ""});
    let err = call(&w, "notify", json!({ "draft": draft })).unwrap_err();
    assert_eq!(err["code"], "validation");
    assert_eq!(err["field"], "totalFee");
    assert!(err["message"].as_str().unwrap().contains("总费用"));

    let mut form = call(&w, "get_settings", json!({})).unwrap();
    form["operatorName"] = json!("林".repeat(31));
    let err = call(&w, "save_settings", json!({ "form": form })).unwrap_err();
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("config"), Some("operatorName"))
    );
    assert!(
        !dir.path().join("facepay.toml").exists(),
        "bad settings change nothing"
    );

    form["operatorName"] = json!("陈美玲");
    let info = call(&w, "save_settings", json!({ "form": form })).unwrap();
    assert_eq!(info["operatorName"], "陈美玲");
    assert!(
        std::fs::read_to_string(dir.path().join("facepay.toml"))
            .unwrap()
            .contains("陈美玲")
    );
}
