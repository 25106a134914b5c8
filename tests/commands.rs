//! The IPC commands through Tauri's mock runtime: no display, no webkit
//! window, the real service on a real SQLite file and the simulator.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use facepay_core::api::{Desk, FileConfig};
use facepay_desk::{AppState, app_builder};
use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

fn app(dir: &std::path::Path) -> tauri::App<tauri::test::MockRuntime> {
    app_with(dir, |_| {})
}

/// The app on a journal in `dir`, its state adjusted first (an export folder …).
fn app_with(
    dir: &std::path::Path,
    adjust: impl FnOnce(&mut AppState),
) -> tauri::App<tauri::test::MockRuntime> {
    let mut file = FileConfig::default();
    file.journal.path = Some(dir.join("facepay.db"));
    file.journal.key_file = Some(dir.join("keys").join("journal.key"));
    // No terminal configured: the embedded simulator, as on a newcomer's machine.
    app_on(dir, file, adjust)
}

/// The app with settings of the test's own.
fn app_on(
    dir: &std::path::Path,
    file: FileConfig,
    adjust: impl FnOnce(&mut AppState),
) -> tauri::App<tauri::test::MockRuntime> {
    let desk = Desk::open(file.validate().unwrap(), "test").unwrap();
    let mut state = AppState::with_desk(desk, Some(dir.join("facepay.toml")));
    adjust(&mut state);
    app_builder(mock_builder())
        .manage(state)
        .build(mock_context(noop_assets()))
        .unwrap()
}

fn call(webview: &Window, cmd: &str, args: Value) -> Result<Value, Value> {
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

const ADMIN_PIN: &str = "246810";

type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;

/// The panel's window, as the app opens it.
fn main_window(app: &tauri::App<tauri::test::MockRuntime>) -> Window {
    tauri::WebviewWindowBuilder::new(app, "main", Default::default())
        .build()
        .unwrap()
}

/// The panel's window on a first start, its administrator signed in.
fn signed_in(app: &tauri::App<tauri::test::MockRuntime>) -> Window {
    let w = main_window(app);
    sign_in_admin(&w);
    w
}

/// The first start: the administrator 0001 is created and signed in.
fn sign_in_admin(w: &Window) {
    let request = json!({"id": "0001", "name": "周建国", "role": "admin", "pin": ADMIN_PIN});
    call(w, "create_first_admin", json!({ "request": request })).unwrap();
}

#[test]
fn a_visit_through_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = signed_in(&app);

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
    let w = signed_in(&app);
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
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("facepay.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the settings file is this user's only");
    }
}

#[test]
fn one_setl_id_one_settlement_and_no_refund_without_a_settlement_from_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = signed_in(&app);
    let first = call(&w, "face_auth", json!({})).unwrap();
    let first = first["outBizNo"].as_str().unwrap().to_owned();
    let paid = call(
        &w,
        "notify",
        json!({ "draft": panel_draft(&first, false, "") }),
    )
    .unwrap();
    // The same 医保单据流水号 on the next patient (a HIS screen left open).
    let second = call(&w, "face_auth", json!({})).unwrap();
    let second = second["outBizNo"].as_str().unwrap().to_owned();
    let err = call(
        &w,
        "notify",
        json!({ "draft": panel_draft(&second, false, "") }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "duplicate", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains(&first) && message.contains(&paid["settlementId"].to_string()),
        "{message}"
    );
    // A refund typed on a visit that was never settled: refused, nothing sent.
    let mut refund = panel_draft(&second, false, "");
    refund["medicalSettleState"] = json!("REFUND_SUCCESS");
    refund["medicalSettleNo"] = json!("441700G2");
    let err = call(&w, "notify", json!({ "draft": refund })).unwrap_err();
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("invalid_input"), Some("outBizNo")),
        "{err}"
    );
    let page = call(&w, "history", json!({"filter": {}})).unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 1);
}

#[test]
fn the_panel_refuses_an_identity_fetched_again_about_another_person() {
    // A terminal the test can script: the simulator over HTTP.
    let (sim, runtime) = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        (rt.block_on(facepay_sim::SimServer::loopback()).unwrap(), rt)
    };
    let dir = tempfile::tempdir().unwrap();
    let app = app_on(
        dir.path(),
        facepay_testkit::counter(dir.path(), &sim.url()),
        |_| {},
    );
    let w = signed_in(&app);
    let visit = call(&w, "face_auth", json!({})).unwrap();
    let out_biz_no = visit["outBizNo"].as_str().unwrap().to_owned();
    call(
        &w,
        "notify",
        json!({ "draft": panel_draft(&out_biz_no, false, "") }),
    )
    .unwrap();
    sim.sim.push_script(facepay_sim::Script::for_trans(
        facepay_core::api::TransType::AuthCheck,
        facepay_sim::Behaviour::AsPerson {
            person: "child-1y5m".into(),
        },
    ));
    let err = call(&w, "fetch_identity", json!({ "outBizNo": out_biz_no })).unwrap_err();
    assert_eq!(err["code"], "reply_mismatch", "{err}");
    let again = call(&w, "fetch_identity", json!({ "outBizNo": out_biz_no })).unwrap();
    assert_eq!(again["identity"]["idNo"], visit["identity"]["idNo"]);
    drop(runtime);
}

/// The draft exactly as the panel's form builds it (ui/src/panel/SettleForm.tsx).
fn panel_draft(out_biz_no: &str, self_pay: bool, setl_time: &str) -> Value {
    let mut d = json!({"outBizNo": out_biz_no, "medicalSettleState": "SUCCESS", "selfPay": self_pay,
        "totalFee": "120.50", "bizType": "", "operatorId": "", "operatorName": "", "hospitalName": "",
        "setlTime": setl_time, "officeId": "0412", "officeName": "药剂科", "doctorName": null,
        "failReason": null});
    if !self_pay {
        for (k, v) in [
            ("medicalSettleNo", "441700G1"),
            ("ownAmt", "20.50"),
            ("hifAmt", "80.00"),
            ("acctAmt", "20.00"),
            ("hifpAmt", "80.00"),
            ("balance", "1234.56"),
            ("hifmiAmt", "0.00"),
        ] {
            d[k] = json!(v);
        }
    }
    d
}

#[test]
fn the_panel_form_stores_its_office_id_and_self_pay_and_refunds_from_history() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = signed_in(&app);
    let info = call(&w, "app_info", json!({})).unwrap();
    assert_eq!(
        info["officeId"], "0001",
        "the panel prefills the office id from the settings"
    );
    assert_eq!(info["transportKind"], "simulator");
    let now = chrono_like_now();

    let insured = call(&w, "face_auth", json!({})).unwrap();
    let receipt = call(
        &w,
        "notify",
        json!({"draft": panel_draft(insured["outBizNo"].as_str().unwrap(), false, &now)}),
    )
    .unwrap();
    assert_eq!(
        (receipt["selfPay"].as_bool(), receipt["state"].as_str()),
        (Some(false), Some("SUCCESS"))
    );
    let cash = call(&w, "face_auth", json!({})).unwrap();
    let receipt = call(
        &w,
        "notify",
        json!({"draft": panel_draft(cash["outBizNo"].as_str().unwrap(), true, &now)}),
    )
    .unwrap();
    assert_eq!(receipt["selfPay"], true);
    let cash_id = receipt["settlementId"].clone();

    // 历史's 科室编号 filter finds what the panel sent.
    let page = call(&w, "history", json!({"filter": {"officeId": "0412"}})).unwrap();
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["officeId"] == "0412" && r["officeName"] == "药剂科")
    );
    let kinds: Vec<bool> = rows
        .iter()
        .map(|r| r["selfPay"].as_bool().unwrap())
        .collect();
    assert_eq!(kinds, [true, false], "newest first");

    // 退费 from 历史: the prefilled full refund, sent as the dialog sends it.
    let draft = call(&w, "refund_draft", json!({"settlementId": cash_id})).unwrap();
    assert_eq!(
        (
            draft["refundable"].as_str(),
            draft["original"]["selfPay"].as_bool()
        ),
        (Some("120.50"), Some(true))
    );
    let mut request = draft["request"].clone();
    request["totalFee"] = json!("20.00");
    let refund = call(&w, "refund", json!({"request": request})).unwrap();
    assert_eq!(
        (refund["state"].as_str(), refund["originalId"].clone()),
        (Some("REFUND_SUCCESS"), cash_id.clone())
    );
    request["totalFee"] = json!("100.51");
    let err = call(&w, "refund", json!({"request": request})).unwrap_err();
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("invalid_input"), Some("totalFee"))
    );
    let page = call(
        &w,
        "history",
        json!({"filter": {"outBizNo": cash["outBizNo"]}}),
    )
    .unwrap();
    let original = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == cash_id)
        .unwrap()
        .clone();
    assert_eq!(
        (
            original["refundedFee"].as_str(),
            original["refundableFee"].as_str()
        ),
        (Some("20.00"), Some("100.50"))
    );

    // 日结 keeps 医保 and 自费 apart.
    let day = call(
        &w,
        "summary",
        json!({"date": &now[..10], "operatorId": null}),
    )
    .unwrap();
    assert_eq!(day[0]["netInsured"]["totalFee"], "120.50");
    assert_eq!(day[0]["netSelfPay"]["totalFee"], "100.50");
}

/// Now as the panel's 结算时间 field gives it.
fn chrono_like_now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A command the window may not call fails only in the real app (the mock
/// runtime does not check permissions): the capability must allow exactly
/// the commands of the table (build.rs reads the same table for the app
/// manifest), and the TypeScript backend must invoke exactly those.
#[test]
fn every_command_is_registered_and_permitted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let table: std::collections::BTreeSet<String> = facepay_desk::COMMANDS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    assert_eq!(table.len(), facepay_desk::COMMANDS.len(), "a name twice");
    let capability: Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let allowed: std::collections::BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert!(table.len() > 20, "{table:?}");
    let diff = |a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>| {
        (
            a.difference(b).cloned().collect::<Vec<_>>(),
            b.difference(a).cloned().collect::<Vec<_>>(),
        )
    };
    let (missing, extra) = diff(&table, &allowed);
    assert!(
        missing.is_empty() && extra.is_empty(),
        "capabilities/default.json lacks {missing:?} and allows {extra:?} beyond the command table"
    );
    // Each command is called through its generated type (tests/command_bindings.rs).
    let ts = read("ui/src/backend/tauri.ts");
    let invoked: std::collections::BTreeSet<String> = ts
        .split("call(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .collect();
    let (missing, extra) = diff(&table, &invoked);
    assert!(
        missing.is_empty() && extra.is_empty(),
        "ui/src/backend/tauri.ts does not call {missing:?}, and calls {extra:?} beyond the command table"
    );
}

#[test]
fn the_panel_serves_the_his_bridge_and_shows_the_his_at_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = FileConfig::default();
    file.journal.path = Some(dir.path().join("facepay.db"));
    file.journal.key_file = Some(dir.path().join("keys").join("journal.key"));
    file.bridge.listen = Some("127.0.0.1:0".into());
    file.bridge.his_notify = Some(facepay_core::api::HisNotify::Cashier);
    let mut addr = None;
    let app = app_on(dir.path(), file, |state| {
        tauri::async_runtime::block_on(state.bridge.follow(state.desk_cell()));
        addr = state.bridge.addr();
    });
    let addr = addr.expect("serving");
    let w = signed_in(&app);

    let info = call(&w, "bridge_info", json!({})).unwrap();
    assert_eq!(info["serving"], addr.to_string());
    let masked = info["tokenMasked"].as_str().unwrap().to_owned();
    assert!(masked.ends_with("****"), "{masked}");
    let token = call(&w, "copy_bridge_token", json!({})).unwrap();
    let token = token.as_str().unwrap().to_owned();
    assert!(token.starts_with(&masked[..4]));

    // The HIS scans and pushes its 2207 result over HTTP.
    let his = facepay_testkit::Http::new(format!("http://{addr}")).bearer(&token);
    let (scan, settled) = tauri::async_runtime::block_on(async {
        let scan = his.post_empty("/v1/face-auth").await;
        let now = chrono::Local::now()
            .naive_local()
            .format("%Y-%m-%d %H:%M:%S");
        let body = format!(
            r#"{{"outBizNo":"{}","medicalSettleState":"SUCCESS","setlinfo":{{"medfee_sumamt":35,
            "psn_cash_pay":5,"fund_pay_sumamt":30,"acct_pay":0,"hifp_pay":30,"setl_id":"S-1","setl_time":"{now}"}}}}"#,
            scan["outBizNo"].as_str().unwrap()
        );
        let settled = his.post("/v1/settlements", &body).await;
        (scan, settled)
    });
    // The panel sees the HIS's visit, masked, with its settlement held for F4.
    let seen = call(&w, "his_activity", json!({})).unwrap();
    assert_eq!(seen["outBizNo"], scan["outBizNo"]);
    assert_eq!(seen["state"], "identified");
    assert!(seen["identity"]["idNo"].as_str().unwrap().contains('*'));
    assert_eq!(seen["settlements"][0]["delivery"], "held");
    assert_eq!(call(&w, "status", json!({})).unwrap()["held"], 1);
    let sent = call(
        &w,
        "release_settlement",
        json!({"settlementId": settled["settlementId"]}),
    )
    .unwrap();
    assert_eq!(sent["status"], "delivered");
    let info = call(&w, "bridge_info", json!({})).unwrap();
    let recent = info["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0]["path"], "/v1/settlements");
    assert_eq!(recent[0]["status"], 201);
    // 重新生成: the old token stops working.
    let rotated = call(&w, "rotate_bridge_token", json!({})).unwrap();
    assert_ne!(rotated["tokenMasked"], info["tokenMasked"]);
    let (old, _) = tauri::async_runtime::block_on(async {
        facepay_testkit::json(his.request(reqwest::Method::GET, "/v1/health")).await
    });
    assert_eq!(old, 401);
}

#[test]
fn a_configuration_that_cannot_be_used_keeps_the_setup_screen_until_settings_are_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = FileConfig::default();
    file.journal.path = Some(dir.path().join("facepay.db"));
    file.journal.key_file = Some(dir.path().join("keys").join("journal.key"));
    // The simulator behind the setup screen writes to its own demo journal.
    assert!(
        file.clone()
            .validate()
            .unwrap()
            .db_path
            .ends_with("facepay-demo.db")
    );
    let app = app_on(dir.path(), file, |state| {
        *state.startup_error.lock().unwrap() = Some("配置项 terminal.url：不是网址".into());
    });
    let w = main_window(&app);
    let info = call(&w, "app_info", json!({})).unwrap();
    assert!(
        info["startupError"]
            .as_str()
            .unwrap()
            .contains("terminal.url")
    );
    let mut form = call(&w, "get_settings", json!({})).unwrap();
    form["operatorName"] = json!("林".repeat(31));
    assert!(call(&w, "save_settings", json!({ "form": form.clone() })).is_err());
    let info = call(&w, "app_info", json!({})).unwrap();
    assert!(
        info["startupError"].is_string(),
        "a refused save changes nothing"
    );
    form["operatorName"] = json!("陈美玲");
    let info = call(&w, "save_settings", json!({ "form": form })).unwrap();
    assert!(info["startupError"].is_null(), "{info}");
    assert!(
        !dir.path().join("facepay.db").exists(),
        "no production journal was made"
    );
}

/// Commands anyone at the panel may call: the sign-in and lock screens,
/// the status bar, the window itself.
const PUBLIC: &[&str] = &[
    "app_info",
    "status",
    "ui_ready",
    "set_always_on_top",
    "seat",
    "sign_in",
    "create_first_admin",
    "lock",
    "unlock",
];
/// 管理员 only.
const ADMIN: &[&str] = &[
    "get_settings",
    "save_settings",
    "test_connection",
    "bridge_info",
    "copy_bridge_token",
    "rotate_bridge_token",
    "resolve",
    "list_operators",
    "add_operator",
    "update_operator",
    "audit_log",
    "purge",
];
/// 财务/信息科 (or 管理员): the hospital's views.
const FINANCE: &[&str] = &[
    "central_status",
    "central_summary",
    "central_differences",
    "central_explain",
    "central_person",
    "central_report",
    "central_export",
];
/// A signed-in operator of any role.
const SIGNED: &[&str] = &["shift_summary", "hand_over", "change_pin"];
/// A signed-in operator who takes payments (收款员, 管理员).
const CASHIER: &[&str] = &[
    "open_records",
    "face_auth",
    "qrcode",
    "cancel_face_auth",
    "fetch_identity",
    "reveal_identity",
    "notify",
    "history",
    "visit_detail",
    "refund_draft",
    "refund",
    "resend",
    "summary",
    "close_day",
    "export",
    "pending",
    "his_activity",
    "release_settlement",
];

/// Well-formed arguments for each command: the role check, not argument
/// parsing, must be what refuses.
fn sample_args(cmd: &str, form: &Value) -> Value {
    let export =
        json!({"from": "2026-11-28", "to": "2026-11-28", "format": "csv", "unmasked": false});
    match cmd {
        "open_records" => json!({"tab": "history"}),
        "fetch_identity" | "visit_detail" => json!({"outBizNo": "H44170200001-W01-X"}),
        "reveal_identity" => json!({"visitId": 1}),
        "notify" => json!({"draft": panel_draft("H44170200001-W01-X", false, "")}),
        "history" => json!({"filter": {}}),
        "refund_draft" | "resend" | "release_settlement" => json!({"settlementId": 1}),
        "refund" => json!({"request": {"settlementId": 1}}),
        "summary" | "close_day" | "central_summary" | "central_differences" => {
            json!({"date": "2026-11-28"})
        }
        "central_explain" => json!({"differenceId": 1, "note": "HIS 测试数据"}),
        "central_person" => json!({"idNo": "44170219980101123X"}),
        "central_report" | "central_export" => {
            json!({"from": "2026-11-01", "to": "2026-11-28", "by": "operator"})
        }
        "export" => json!({ "request": export }),
        "resolve" => json!({"callId": 1, "resolution": "confirmed_ok", "reason": "终端已显示"}),
        "save_settings" | "test_connection" => json!({ "form": form }),
        "add_operator" => {
            json!({"request": {"id": "0003", "name": "王芳", "role": "cashier", "pin": "1357"}})
        }
        "update_operator" => json!({"staffId": "0002", "update": {"active": false}}),
        "audit_log" => json!({"filter": {}}),
        "purge" => json!({"olderThanDays": null}),
        "change_pin" => json!({"oldPin": "1357", "newPin": "2468"}),
        "sign_in" => json!({"staffId": "0002", "pin": "1357"}),
        "unlock" => json!({"pin": "1357"}),
        "create_first_admin" => {
            json!({"request": {"id": "0009", "name": "李四", "role": "admin", "pin": "1357"}})
        }
        _ => json!({}),
    }
}

fn code_of(w: &Window, cmd: &str, args: Value) -> String {
    match call(w, cmd, args) {
        Ok(v) => format!("ok: {v}"),
        Err(e) => e["code"].as_str().unwrap_or("?").to_owned(),
    }
}

#[test]
fn every_protected_command_needs_a_signed_in_operator_and_admin_ones_an_administrator() {
    use facepay_desk::Access;
    let with = |wanted: &[Access]| -> std::collections::BTreeSet<&str> {
        facepay_desk::COMMANDS
            .iter()
            .filter(|(_, a)| wanted.contains(a))
            .map(|(name, _)| *name)
            .collect()
    };
    let set = |names: &[&'static str]| names.iter().copied().collect();
    assert_eq!(with(&[Access::Public]), set(PUBLIC), "open to anyone");
    assert_eq!(
        with(&[Access::Admin, Access::AdminPolled, Access::Setup]),
        set(ADMIN),
        "an administrator's"
    );
    assert_eq!(
        with(&[Access::Cashier, Access::Polled, Access::Records]),
        set(CASHIER),
        "a signed-in operator's who takes payments"
    );
    assert_eq!(with(&[Access::Finance]), set(FINANCE), "财务/信息科's");
    assert_eq!(with(&[Access::Signed]), set(SIGNED), "anyone signed in");

    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = main_window(&app);
    // Nobody yet: the first start must create the administrator.
    assert_eq!(
        call(&w, "seat", json!({})).unwrap()["needsFirstAdmin"],
        true
    );
    assert_eq!(code_of(&w, "face_auth", json!({})), "not_signed_in");
    sign_in_admin(&w);
    let form = call(&w, "get_settings", json!({})).unwrap();
    call(
        &w,
        "add_operator",
        json!({"request": {"id": "0002", "name": "林晓燕", "role": "cashier", "pin": "1357"}}),
    )
    .unwrap();
    // A second first administrator is refused once one exists.
    assert_eq!(
        code_of(
            &w,
            "create_first_admin",
            sample_args("create_first_admin", &form)
        ),
        "forbidden"
    );
    call(&w, "hand_over", json!({})).unwrap();

    for cmd in ADMIN.iter().chain(CASHIER).chain(FINANCE).chain(SIGNED) {
        assert_eq!(
            code_of(&w, cmd, sample_args(cmd, &form)),
            "not_signed_in",
            "{cmd} without anyone signed in"
        );
    }

    let cashier = call(&w, "sign_in", sample_args("sign_in", &form)).unwrap();
    assert_eq!(cashier["role"], "cashier");
    for cmd in ADMIN.iter().chain(FINANCE) {
        assert_eq!(
            code_of(&w, cmd, sample_args(cmd, &form)),
            "forbidden",
            "{cmd} by a cashier"
        );
    }
    let unmasked = json!({"request": {"from": "2026-11-28", "to": "2026-11-28", "format": "csv", "unmasked": true}});
    assert_eq!(code_of(&w, "export", unmasked), "forbidden");
    // 设置 stays closed to a cashier; 历史 opens.
    assert_eq!(
        code_of(&w, "open_records", json!({"tab": "settings"})),
        "forbidden"
    );
    assert!(call(&w, "history", json!({"filter": {}})).is_ok());
    assert_eq!(
        code_of(&w, "open_records", json!({"tab": "hospital"})),
        "forbidden"
    );

    call(&w, "lock", json!({})).unwrap();
    for cmd in CASHIER.iter().chain(SIGNED) {
        assert_eq!(
            code_of(&w, cmd, sample_args(cmd, &form)),
            "seat_locked",
            "{cmd} while locked"
        );
    }
    let seat = call(&w, "seat", json!({})).unwrap();
    assert_eq!(
        (seat["locked"].as_bool(), seat["operator"]["id"].as_str()),
        (Some(true), Some("0002"))
    );
    assert_eq!(code_of(&w, "unlock", json!({"pin": "9999"})), "wrong_pin");
    call(&w, "unlock", json!({"pin": "1357"})).unwrap();
    assert!(call(&w, "pending", json!({})).is_ok());

    // What the cashier was refused is on record under their 工号.
    call(&w, "hand_over", json!({})).unwrap();
    call(&w, "sign_in", json!({"staffId": "0001", "pin": ADMIN_PIN})).unwrap();
    let audit = call(&w, "audit_log", json!({"filter": {"operatorId": "0002"}})).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["sign_in", "lock", "sign_in_failed", "unlock", "hand_over"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }

    // 财务/信息科: the hospital's views; no payments, no records of the
    // counter's own, no settings — and still their own PIN and 交班.
    call(
        &w,
        "add_operator",
        json!({"request": {"id": "0005", "name": "黄丽", "role": "finance", "pin": "2468"}}),
    )
    .unwrap();
    call(&w, "hand_over", json!({})).unwrap();
    let finance = call(&w, "sign_in", json!({"staffId": "0005", "pin": "2468"})).unwrap();
    assert_eq!(finance["role"], "finance");
    for cmd in ADMIN.iter().chain(CASHIER) {
        assert_eq!(
            code_of(&w, cmd, sample_args(cmd, &form)),
            "forbidden",
            "{cmd} by 财务/信息科"
        );
    }
    for cmd in FINANCE {
        // No server configured here: refused for that, not for the role.
        assert_eq!(
            code_of(&w, cmd, sample_args(cmd, &form)),
            "central_not_configured",
            "{cmd} by 财务/信息科"
        );
    }
    assert!(call(&w, "shift_summary", json!({})).is_ok());
    assert!(
        call(
            &w,
            "change_pin",
            json!({"oldPin": "2468", "newPin": "8642"})
        )
        .is_ok()
    );
    call(&w, "hand_over", json!({})).unwrap();
}

/// An unmasked export says so in its name and never replaces the masked one
/// (nor does a second export of the same days replace the first).
#[test]
fn exports_into_the_configured_folder_never_replace_one_another() {
    let dir = tempfile::tempdir().unwrap();
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let app = app_with(dir.path(), |state| state.export_dir = Some(exports.clone()));
    let w = signed_in(&app);
    let export = |unmasked: bool| {
        let request = json!({"from": "2026-11-28", "to": "2026-11-28", "format": "csv", "unmasked": unmasked});
        call(&w, "export", json!({ "request": request })).unwrap()["file"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let masked = export(false);
    let unmasked = export(true);
    let again = export(false);
    let mut names: Vec<String> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "结算明细_2026-11-28_2026-11-28 (2).csv",
            "结算明细_2026-11-28_2026-11-28.csv",
            "结算明细_未脱敏_2026-11-28_2026-11-28.csv",
        ]
    );
    assert!(
        masked.ends_with("结算明细_2026-11-28_2026-11-28.csv"),
        "{masked}"
    );
    assert!(unmasked.contains("未脱敏"), "{unmasked}");
    assert!(again.ends_with("(2).csv"), "{again}");
}
