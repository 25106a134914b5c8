//! The HIS drives the real panel through the bridge: a HIS program (here,
//! plain HTTP) starts a scan, the window shows it waiting and then the
//! identity marked HIS 发起; the HIS posts its 2207 `setlinfo`, the window
//! shows it delivered. With the hospital's central PostgreSQL configured,
//! the status bar's 全院同步 follows IT's `central init` and the settlement
//! reaches the server. Run by scripts/e2e.sh.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use facepay_e2e::{
    Panel, Seat, click, fill, first_admin, free_port, press, screens, shot, switch_to, wait_for,
    wait_text, wait_text_within,
};
use facepay_sim::{Behaviour, Script, SimServer, TransType};
use facepay_testkit::postgres::PgServer;
use facepay_testkit::{Http, json};
use reqwest::Method;

const TOKEN: &str = "e2e-bridge-token-0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: scripts/e2e.sh runs it"]
async fn the_his_drives_the_panel_through_the_bridge() {
    let sim = SimServer::loopback().await.unwrap();
    let pg = PgServer::start();
    let port = free_port();
    let exports = tempfile::tempdir().unwrap();
    let seat = Seat {
        id: "W02",
        operator_id: "0108",
        operator_name: "陈美玲",
        office_id: "0301",
        office_name: "挂号收费处",
    };
    let panel = Panel::open(
        &sim.url(),
        seat,
        &format!("[bridge]\nlisten = \"127.0.0.1:{port}\"\n"),
        &[
            ("FACEPAY_BRIDGE_TOKEN", TOKEN.into()),
            ("FACEPAY_CENTRAL_URL", pg.url()),
            ("FACEPAY_EXPORT_DIR", exports.path().display().to_string()),
        ],
    )
    .await;
    let c = &panel.c;
    let shots = screens();
    // The HIS is served from the start; the panel follows it once someone signs in.
    first_admin(c, "0108", "陈美玲", "802460").await;
    wait_for(c, "#scan").await;
    wait_text(c, "#status-bar", "终端在线").await;

    // The server is there but not set up: the counter says so and serves on.
    wait_text(c, "#central-sync", "全院同步：未连接").await;
    let init = panel.facepay(
        &["central", "init"],
        &[
            ("FACEPAY_ADMIN_ID", "0108"),
            ("FACEPAY_ADMIN_PIN", "802460"),
        ],
    );
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stdout)
    );
    // The worker's next round (it backs off while the server refuses).
    wait_text_within(
        c,
        "#central-sync",
        "全院同步：已同步",
        Duration::from_secs(45),
    )
    .await;
    shot(c, &shots, "19-panel-central-synced").await;

    // The HIS starts the scan; the patient takes a few seconds.
    sim.sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(3000));
    let his = Http::new(format!("http://127.0.0.1:{port}")).bearer(TOKEN);
    let scan = tokio::spawn({
        let his = his.clone();
        async move {
            his.post("/v1/face-auth", r#"{"officeName":"儿科门诊"}"#)
                .await
        }
    });
    wait_text(c, "#his-waiting", "HIS").await;
    shot(c, &shots, "20-panel-his-scan-waiting").await;
    let scan = scan.await.unwrap();
    let out_biz_no = scan["outBizNo"].as_str().unwrap().to_owned();
    assert_eq!(scan["identity"]["idNo"].as_str().unwrap().len(), 18);
    // The window shows the identity, masked, marked as the HIS's.
    wait_for(c, "#his-badge").await;
    let id = wait_for(c, "#identity-id").await.text().await.unwrap();
    assert!(id.contains('*'), "masked on screen: {id}");
    shot(c, &shots, "21-panel-his-identity").await;

    // The HIS posts its 2207 result; the window shows it delivered.
    let now = chrono_now();
    let body = format!(
        r#"{{"outBizNo":"{out_biz_no}","medicalSettleState":"SUCCESS","setlinfo":{{"setl_id":"441700G0000077777777",
        "setl_time":"{now}","medfee_sumamt":86.4,"psn_cash_pay":"16.40","fund_pay_sumamt":60,"acct_pay":10,
        "hifp_pay":60,"hifmi_pay":null,"balc":512.3,"mdtrt_id":"M-1"}}}}"#
    );
    let (_, settled) = json(
        his.request(Method::POST, "/v1/settlements")
            .header("content-type", "application/json")
            .header("idempotency-key", "e2e-1")
            .body(body),
    )
    .await;
    assert_eq!(settled["delivery"]["status"], "delivered", "{settled}");
    wait_text(c, "#his-settlement", "已通知终端").await;
    wait_text(c, "#his-settlement", "86.40").await;
    shot(c, &shots, "22-panel-his-settlement-delivered").await;
    let notify = sim.sim.last_data(TransType::SettleNotify).unwrap();
    assert_eq!(notify["totalFee"], "86.40");
    assert_eq!(notify["acctAmt"], "10.00");
    // On the hospital's server within seconds, with its delivery.
    let shipped = format!(
        "SELECT s.total_fee_fen, d.status FROM settlements s JOIN deliveries d
           ON d.counter_id = s.counter_id AND d.settlement_local_id = s.local_id
         WHERE s.out_biz_no = '{out_biz_no}'"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while pg.psql_on("facepay", &shipped).trim() != "8640|delivered" {
        assert!(
            std::time::Instant::now() < deadline,
            "not on the server: {:?}",
            pg.psql_on("facepay", &shipped)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    wait_text(c, "#central-sync", "全院同步：已同步").await;

    // 全院 (the administrator's tab of the records window): this counter's
    // heartbeat and the hospital's 日结 with the settlement in it.
    press(c, "F6").await;
    switch_to(c, true).await;
    click(c, "#tab-hospital").await;
    wait_text(c, "#counters", "W02").await;
    wait_text(c, "#counters", "在线").await;
    wait_text(c, "#hospital-total", "86.40").await;
    shot(c, &shots, "23-records-hospital").await;

    // The HIS's 对账 of the day: its own settlement matches, one it settled
    // never reached a counter. 财务 sees it in the tab until explained.
    let today = &now[..10];
    let reconciliation = format!(
        r#"{{"date":"{today}","settlements":[
        {{"setlId":"441700G0000077777777","outBizNo":"{out_biz_no}","totalFee":"86.40","state":"SUCCESS"}},
        {{"setlId":"441700G0000088888888","totalFee":"12.00","state":"SUCCESS"}}]}}"#
    );
    let (_, reconciled) = json(
        his.request(Method::POST, "/v1/reconciliation")
            .header("content-type", "application/json")
            .body(reconciliation),
    )
    .await;
    assert_eq!(reconciled["hospital"]["matched"], 1, "{reconciled}");
    click(c, "#load-hospital").await;
    wait_text(c, "#differences", "HIS 已结算、收银台没有").await;
    wait_text(c, "#differences", "441700G0000088888888").await;
    click(c, "[name='explain']").await;
    fill(c, "note", "HIS 测试数据，已作废").await;
    click(c, "#explain-confirm").await;
    wait_text(c, "#differences-note", "已说明差异 441700G0000088888888").await;
    wait_text(c, "#differences", "这一天没有待说明的差异").await;
    // A person's settlements across counters, by the full 证件号 (masked on screen).
    fill(c, "personIdNo", scan["identity"]["idNo"].as_str().unwrap()).await;
    click(c, "#search-person").await;
    let found = wait_text(c, "#person-settlements", "86.40").await;
    assert!(found.contains("W02") && found.contains('*'), "{found}");
    shot(c, &shots, "24-records-hospital-differences-person").await;
    // 全院汇总 by 收款员 (the HIS's settlement is the configured cashier's), and its CSV.
    click(c, "#load-report").await;
    wait_text(c, "#report", "0108").await;
    wait_text(c, "#report-total", "86.40").await;
    click(c, "#export-report").await;
    wait_text(c, "#report-note", "已导出").await;
    let csv: Vec<_> = std::fs::read_dir(exports.path())
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert_eq!(csv.len(), 1);
    assert!(csv[0].starts_with("\u{feff}收款员,名称"), "{}", csv[0]);
    assert!(csv[0].contains(",86.40\r\n"), "{}", csv[0]);
    shot(c, &shots, "25-records-hospital-report").await;
    assert!(
        pg.psql_on("facepay", "SELECT action FROM central_audit ORDER BY id")
            .contains("person_search"),
        "the search is audited on the server"
    );
    switch_to(c, false).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Panel {
        c, driver, home, ..
    } = panel;
    c.close().await.unwrap();
    drop(driver);

    // The person the HIS was told about is in no file the panel wrote: its
    // log, its journal and WAL (encrypted), its settings.
    let name = scan["identity"]["userName"].as_str().unwrap().to_owned();
    let id_no = scan["identity"]["idNo"].as_str().unwrap().to_owned();
    let token = scan["identity"]["ecToken"].as_str().unwrap().to_owned();
    let mut scanned = Vec::new();
    let mut logs = 0;
    scan_files(home.path(), &mut |path, bytes| {
        for secret in [&name, &id_no, &token] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds {secret}",
                path.display()
            );
        }
        logs += usize::from(path.extension().is_some_and(|e| e == "log"));
        scanned.push(path.to_owned());
    });
    assert!(logs >= 1, "the panel's log was scanned: {scanned:?}");
    assert!(
        scanned
            .iter()
            .any(|p| p.ends_with("facepay.db-wal") || p.ends_with("facepay.db"))
    );
}

fn scan_files(dir: &std::path::Path, f: &mut impl FnMut(&std::path::Path, &[u8])) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            scan_files(&path, f);
        } else if let Ok(bytes) = std::fs::read(&path) {
            f(&path, &bytes);
        }
    }
}

/// The local time as the HIS writes setl_time.
fn chrono_now() -> String {
    let out = std::process::Command::new("date")
        .arg("+%Y-%m-%d %H:%M:%S")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
