//! The real app window under Xvfb, against the simulator over HTTP: the whole
//! flow from the keyboard, a terminal error, an undelivered notification
//! recovered by 重发, and invalid settings refused with the field named.
//! Run by scripts/e2e.sh (it builds the app and installs tauri-driver).

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::time::Duration;

use facepay_e2e::fantoccini::Locator;
use facepay_e2e::{
    Panel, Seat, click, fill, first_admin, press, root, screens, shot, sign_in, switch_to,
    wait_for, wait_text,
};
use facepay_sim::{Behaviour, Script, SimServer, TransType};

const ADMIN_PIN: &str = "246810";
const FINANCE_PIN: &str = "864200";
const CASHIER_PIN: &str = "1357";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: scripts/e2e.sh runs it"]
async fn the_cashier_panel_end_to_end() {
    let sim = SimServer::loopback().await.unwrap();
    let exports_dir = tempfile::tempdir().unwrap();
    let exports = exports_dir.path().to_path_buf();
    let seat = Seat::W01;
    let panel = Panel::open(
        &sim.url(),
        seat,
        "[outbox]\nfirst_retry_ms = 600000\n",
        &[("FACEPAY_EXPORT_DIR", exports.display().to_string())],
    )
    .await;
    let c = &panel.c;
    let shots = screens();

    // The first start asks for the 管理员, who is then signed in.
    wait_for(c, "#first-admin").await;
    shot(c, &shots, "00-first-admin").await;
    first_admin(c, "0107", "林晓燕", ADMIN_PIN).await;
    wait_text(c, "#operator-badge", "管理员").await;
    // 关于 names the build (the version of the root Cargo.toml).
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .unwrap()
        .trim_end_matches('"');
    click(c, "#about").await;
    wait_text(c, "#about-version", version).await;
    click(c, "#about-close").await;

    // 收款: 刷脸 (F2) → waiting → identity → settlement → 通知终端 (F4).
    wait_for(c, "#scan").await;
    wait_text(c, "#status-bar", "终端在线").await;
    shot(c, &shots, "01-panel-idle").await;
    sim.sim.push_script(
        Script::for_trans(facepay_sim_trans("cn.nhsa.ec.auth"), Behaviour::Normal).delayed(2500),
    );
    press(c, "F2").await;
    wait_text(c, "#waiting", "请患者在终端上刷脸").await;
    wait_text(c, "#waiting", "已等待 1 秒").await;
    shot(c, &shots, "02-panel-waiting").await;
    let id = wait_for(c, "#identity-id").await.text().await.unwrap();
    assert!(id.contains('*'), "masked on screen: {id}");
    assert_eq!(id.chars().count(), 18);
    fill(c, "totalFee", "120.50").await;
    fill(c, "hifAmt", "80.00").await;
    fill(c, "hifpAmt", "80.00").await;
    fill(c, "acctAmt", "20.00").await;
    fill(c, "ownAmt", "10.00").await;
    wait_text(c, "#balance-warning", "请核对").await;
    fill(c, "ownAmt", "20.50").await;
    fill(c, "medicalSettleNo", "441700G0000012345678").await;
    fill(c, "doctorName", "陈医生").await;
    shot(c, &shots, "03-panel-identity-and-settlement").await;
    press(c, "F4").await;
    wait_text(c, "#receipt", "已送达").await;
    shot(c, &shots, "04-panel-notified").await;
    let sent = sim.sim.received();
    let notify = sent
        .iter()
        .find(|r| r.trans_type.as_deref() == Some("cn.nhsa.settle.notify"))
        .unwrap();
    let data = notify.data().unwrap();
    assert_eq!(
        (data["totalFee"].as_str(), data["doctorName"].as_str()),
        (Some("120.50"), Some("陈医生"))
    );
    let visit = data["outBizNo"].as_str().unwrap().to_owned();

    // 显示 reveals the full 证件号 (audited).
    click(c, "#reveal").await;
    let full = wait_for(c, "#identity-id").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while full.text().await.unwrap().contains('*') {
        assert!(std::time::Instant::now() < deadline, "显示 did not reveal");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    press(c, "Escape").await;
    wait_for(c, "#scan").await;

    // A terminal error: the terminal's own message and code, and what to do.
    sim.sim.push_script(Script::for_trans(
        facepay_sim_trans("cn.nhsa.ec.auth"),
        Behaviour::Error {
            code: -2,
            message: "用户取消刷脸".into(),
        },
    ));
    press(c, "F2").await;
    let error = wait_text(c, "#error", "用户取消刷脸").await;
    assert!(
        error.contains("terminal") && error.contains("重新刷脸"),
        "{error}"
    );
    shot(c, &shots, "05-panel-terminal-error").await;

    // An undelivered notification: recorded, shown as 待重发, resent by F4
    // on its card (the terminal still busy), recovered by 重发 in 历史.
    for _ in 0..2 {
        sim.sim.push_script(Script::for_trans(
            facepay_sim_trans("cn.nhsa.settle.notify"),
            Behaviour::Error {
                code: 5001,
                message: "终端忙".into(),
            },
        ));
    }
    press(c, "F2").await;
    wait_for(c, "#identity").await;
    fill(c, "totalFee", "35.00").await;
    click(c, "[name='state-FAIL']").await;
    fill(c, "failReason", "医保结算失败").await;
    press(c, "F4").await;
    wait_text(c, "#receipt", "待重发").await;
    shot(c, &shots, "06-panel-undelivered").await;
    wait_text(c, "#status-bar", "未送达 1").await;
    let notifies = |sim: &SimServer| {
        sim.sim
            .received()
            .iter()
            .filter(|r| r.trans_type.as_deref() == Some("cn.nhsa.settle.notify"))
            .count()
    };
    let before = notifies(&sim);
    wait_text(c, "#resend", "立即重发").await;
    press(c, "F4").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while notifies(&sim) == before {
        assert!(std::time::Instant::now() < deadline, "F4 did not resend");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_text(c, "#receipt", "终端忙").await;

    // 自费: the switch hides the 医保 amounts; the terminal gets no amount block.
    press(c, "F2").await;
    wait_for(c, "#identity").await;
    click(c, "[name='selfPay']").await;
    assert!(
        c.find(Locator::Css("[name='hifAmt']")).await.is_err(),
        "自费 hides the 医保 amounts"
    );
    fill(c, "totalFee", "35.00").await;
    let office = wait_for(c, "[name='officeId']").await;
    assert_eq!(office.prop("value").await.unwrap().as_deref(), Some("0301"));
    let setl_time = wait_for(c, "[name='setlTime']").await;
    assert!(
        setl_time
            .prop("value")
            .await
            .unwrap()
            .is_some_and(|v| v.len() >= 16)
    );
    shot(c, &shots, "06b-panel-self-pay").await;
    press(c, "F4").await;
    let receipt = wait_text(c, "#receipt", "已送达").await;
    assert!(receipt.contains("自费"), "{receipt}");
    let cash = sim.sim.last_data(TransType::SettleNotify).unwrap();
    assert_eq!(
        (cash["totalFee"].as_str(), cash["officeId"].as_str()),
        (Some("35.00"), Some("0301"))
    );
    assert!(
        cash.get("hifAmt").is_none() && cash.get("selfPay").is_none(),
        "{cash}"
    );
    let cash_visit = cash["outBizNo"].as_str().unwrap().to_owned();

    // 历史 (F6) opens the wider window.
    press(c, "F6").await;
    switch_to(c, true).await;
    wait_for(c, "#history-table").await;
    click(c, "#search").await;
    wait_text(c, "#history-table", "120.50").await;
    wait_text(c, "#history-table", "待重发").await;
    shot(c, &shots, "07-history").await;
    click(c, "[name='resend']").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while c
        .find(Locator::Css("#history-table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("待重发")
    {
        assert!(std::time::Instant::now() < deadline, "重发 did not deliver");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_text(c, "#history-notice", "终端已收到结果").await;
    fill(c, "outBizNo", &visit).await;
    click(c, "#search").await;
    wait_text(c, "#history-table", "120.50").await;
    click(c, "#history-table .link").await;
    let detail = wait_text(c, "#detail", "结算通知").await;
    assert!(
        detail.contains("刷脸授权") && detail.contains("获取身份"),
        "{detail}"
    );
    shot(c, &shots, "08-history-detail").await;

    // 退费 from 历史: a partial refund of the 自费 settlement, shown under it.
    click(c, "#detail-close").await;
    fill(c, "outBizNo", &cash_visit).await;
    click(c, "#search").await;
    wait_text(c, "#history-table", "35.00").await;
    click(c, "[name='refund']").await;
    let dialog = wait_text(c, "#refund-dialog", "35.00").await;
    assert!(dialog.contains("自费"), "{dialog}");
    assert!(
        c.find(Locator::Css("[name='refund-ownAmt']"))
            .await
            .is_err(),
        "a 自费 refund has no 医保 amounts"
    );
    fill(c, "refund-totalFee", "15.00").await;
    shot(c, &shots, "08b-refund-dialog").await;
    click(c, "#refund-submit").await;
    wait_text(c, "#refund-receipt", "已送达").await;
    let refund = sim.sim.last_data(TransType::SettleNotify).unwrap();
    assert_eq!(
        (
            refund["medicalSettleState"].as_str(),
            refund["outBizNo"].as_str(),
            refund["totalFee"].as_str()
        ),
        (
            Some("REFUND_SUCCESS"),
            Some(cash_visit.as_str()),
            Some("15.00")
        )
    );
    click(c, "#refund-cancel").await;
    let table = wait_text(c, "#history-table", "↳").await;
    assert!(table.contains("可退 20.00"), "{table}");
    wait_for(c, "#history-table tr.refund.nested").await;
    shot(c, &shots, "08c-history-refund-under-original").await;

    // 日结 (F7): totals of the day, then export through the (configured) folder.
    press(c, "F7").await;
    wait_for(c, "#load-day").await.click().await.unwrap();
    let day = wait_text(c, ".summary", "120.50").await;
    assert!(day.contains("净额"), "{day}");
    click(c, "[name='format'] option[value='csv']").await;
    click(c, "#export-button").await;
    let day = wait_text(c, ".summary", "其中自费").await;
    assert!(day.contains("20.00"), "自费 net of the day: {day}");
    // Two 收款 and a 退费, counted apart (not "净额合计 1").
    assert!(day.contains("收 2 · 退 1"), "{day}");
    wait_text(c, "#export-progress", "已导出 4 行").await;
    shot(c, &shots, "09-day-close-and-export").await;
    let file = std::fs::read_dir(&exports)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV with BOM: {}",
        file.display()
    );
    assert!(String::from_utf8_lossy(&bytes).contains("120.50"));

    // 待确认 (F8) and 设置 (F9): invalid settings are refused with the field named.
    press(c, "F8").await;
    wait_for(c, ".pending").await;
    shot(c, &shots, "10-pending").await;
    press(c, "F9").await;
    wait_for(c, "#settings").await;
    fill(c, "operatorName", &"林".repeat(31)).await;
    click(c, "#save-settings").await;
    let error = wait_text(c, "#error", "最多 30 个字符").await;
    // Named as the cashier reads it, not as the settings file spells it.
    assert!(error.contains("收款员姓名"), "{error}");
    assert!(!error.contains("operatorName"), "{error}");
    wait_for(c, "label.bad [name='operatorName']").await;
    shot(c, &shots, "11-settings-invalid").await;
    click(c, "#test-connection").await;

    // 审计 (F10, 管理员): the sign-in, the 显示 and the export are on record.
    press(c, "F10").await;
    click(c, "#audit-search").await;
    let audit = wait_text(c, "#audit-table", "导出").await;
    assert!(audit.contains("登录") && audit.contains("0107"), "{audit}");
    assert!(c.find(Locator::Css(".audit-row")).await.is_ok());
    shot(c, &shots, "12-audit").await;

    // 操作员 (F11): a 收款员 is added.
    press(c, "F11").await;
    wait_for(c, "#operators-table").await;
    fill(c, "newStaffId", "0002").await;
    fill(c, "newName", "王芳").await;
    click(c, "[name='newRole'] option[value='cashier']").await;
    fill(c, "newPin", CASHIER_PIN).await;
    click(c, "#add-operator-submit").await;
    let operators = wait_text(c, "#operators-table", "王芳").await;
    assert!(operators.contains("收款员"), "{operators}");
    // And 财务/信息科, who reviews the hospital and takes no payments.
    fill(c, "newStaffId", "0003").await;
    fill(c, "newName", "黄丽").await;
    click(c, "[name='newRole'] option[value='finance']").await;
    fill(c, "newPin", FINANCE_PIN).await;
    click(c, "#add-operator-submit").await;
    wait_text(c, "#operators-table", "财务/信息科").await;
    shot(c, &shots, "13-operators").await;

    // 交班: the shift's own totals, then the sign-in form.
    switch_to(c, false).await;
    click(c, "#hand-over").await;
    let shift = wait_text(c, "#shift-summary", "120.50").await;
    shot(c, &shots, "14-hand-over").await;
    assert!(shift.contains("自费"), "{shift}");
    click(c, "#hand-over-confirm").await;
    wait_for(c, "#shift-summary-done").await;
    click(c, "#shift-summary-close").await;

    // The 收款员: a wrong PIN first (the tries left are shown), then theirs.
    sign_in(c, "0002", "9999").await;
    wait_text(c, "#sign-in-error", "再错 4 次").await;
    shot(c, &shots, "15-sign-in-wrong-pin").await;
    sign_in(c, "0002", CASHIER_PIN).await;
    wait_text(c, "#operator-badge", "收款员").await;
    assert!(
        c.find(Locator::Css("#open-settings")).await.is_err(),
        "no 设置 for a 收款员"
    );
    // 锁定 (F12): only the PIN opens the panel again.
    press(c, "F12").await;
    wait_text(c, "#lock-screen", "王芳").await;
    shot(c, &shots, "16-locked").await;
    fill(c, "pin", CASHIER_PIN).await;
    click(c, "#unlock-submit").await;
    wait_for(c, "#scan").await;
    // The records window follows the seat: no 设置, 审计, 操作员 or 全院 for a 收款员.
    switch_to(c, true).await;
    wait_text(c, "#records-operator", "王芳").await;
    wait_for(c, "#tab-history").await;
    for admin_tab in [
        "#tab-settings",
        "#tab-audit",
        "#tab-operators",
        "#tab-hospital",
    ] {
        assert!(
            c.find(Locator::Css(admin_tab)).await.is_err(),
            "{admin_tab} shown to a 收款员"
        );
    }

    // 财务/信息科 at the panel: no scan, no counter records; the way to 全院.
    switch_to(c, false).await;
    click(c, "#hand-over").await;
    // Confirmed once the shift's totals are shown (none taken in this one).
    wait_for(c, "#shift-summary").await;
    click(c, "#hand-over-confirm").await;
    wait_for(c, "#shift-summary-done").await;
    click(c, "#shift-summary-close").await;
    sign_in(c, "0003", FINANCE_PIN).await;
    wait_text(c, "#operator-badge", "财务/信息科").await;
    wait_text(c, "#finance-home", "不在收银台收费").await;
    for counter_only in ["#scan", "#open-history", "#open-day", "#open-pending"] {
        assert!(
            c.find(Locator::Css(counter_only)).await.is_err(),
            "{counter_only} shown to 财务/信息科"
        );
    }
    shot(c, &shots, "17-finance-home").await;
    click(c, "#open-hospital-home").await;
    switch_to(c, true).await;
    wait_text(c, "#records-operator", "黄丽").await;
    // No server in this test: the tab says so, in the role's own window.
    wait_text(c, ".hospital", "未配置全院库").await;
    for tab in ["#tab-history", "#tab-day", "#tab-pending", "#tab-settings"] {
        assert!(
            c.find(Locator::Css(tab)).await.is_err(),
            "{tab} shown to 财务/信息科"
        );
    }
    shot(c, &shots, "18-finance-records").await;

    let Panel { c, .. } = panel;
    c.close().await.unwrap();
}

fn facepay_sim_trans(name: &str) -> facepay_sim::TransType {
    facepay_sim::TransType::parse(name).unwrap()
}
