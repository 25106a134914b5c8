//! A `facepay` session as hospital IT would type it, against the simulator.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{Counter, export, refund_json, settle_json};
use facepay_sim::{Behaviour, Script};
use serde_json::json;

#[tokio::test]
async fn auth_notify_history_summary_export_pending_resolve() {
    let t = Counter::with_admin().await;
    let auth = t.run(&["auth"]).await;
    assert!(auth.ok, "{}", auth.json);
    let visit = auth.out_biz_no();
    assert!(
        auth.json["identity"]["idNo"]
            .as_str()
            .unwrap()
            .contains('*')
    );

    let file = t.dir.path().join("settle.json");
    std::fs::write(&file, settle_json(&visit, "2026-11-25 09:30:00")).unwrap();
    let notified = t.run(&["notify", "--json", file.to_str().unwrap()]).await;
    assert!(notified.ok, "{}", notified.json);
    assert_eq!(notified.json["delivery"]["status"], "delivered");
    let settlement = notified.json["settlementId"].as_i64().unwrap();

    // From standard input; a refund of the same visit.
    let refunded = t.notify(refund_json(&visit, "2026-11-25 10:00:00")).await;
    assert!(refunded.ok, "{}", refunded.json);
    assert_eq!(refunded.json["originalId"].as_i64(), Some(settlement));

    let history = t.run(&["history", "--out-biz-no", &visit]).await;
    assert_eq!(history.json["rows"].as_array().unwrap().len(), 2);
    let summary = t.run(&["summary", "--date", "2026-11-25"]).await;
    assert_eq!(summary.json[0]["net"]["totalFee"], "0.00");
    assert_eq!(summary.json[0]["byState"].as_array().unwrap().len(), 2);

    let csv = t.dir.path().join("export.csv");
    let exported = t
        .run(&export("2026-11-25", "2026-11-25", "csv", &csv))
        .await;
    assert_eq!(exported.json["rows"], 2);
    assert!(
        std::fs::read(&csv)
            .unwrap()
            .starts_with(&[0xEF, 0xBB, 0xBF])
    );

    let detail = t.run(&["visit", &visit]).await;
    assert_eq!(detail.json["calls"].as_array().unwrap().len(), 4);

    // A terminal that never answers: a non-zero exit, JSON on stdout, and a 待确认 entry.
    t.sim.sim.push_script(Script::any(Behaviour::Hang));
    let hung = t
        .env("FACEPAY_CONFIG", write_timeouts(t.dir.path()))
        .settle("V-HANG", "2026-11-25 11:00:00")
        .await;
    assert!(
        hung.ok,
        "the settlement is recorded even though delivery timed out: {}",
        hung.json
    );
    assert_eq!(hung.json["delivery"]["status"], "pending");
    let pending = t.run(&["pending"]).await;
    let call = pending.json[0]["id"].as_i64().unwrap();
    assert_eq!(pending.json[0]["errorKind"], "transport_timeout");
    let resolved = t
        .run(&[
            "resolve",
            "--call",
            &call.to_string(),
            "--outcome",
            "ok",
            "--reason",
            "终端屏幕已显示结算成功",
        ])
        .await;
    assert!(resolved.ok, "{}", resolved.json);
    let outbox = t.run(&["outbox"]).await;
    assert!(
        outbox.json["undelivered"].as_array().unwrap().is_empty(),
        "{}",
        outbox.json
    );

    // Failures: exit 1 with {code, message}; usage errors exit 2.
    let dup = t.run(&["notify", "--json", file.to_str().unwrap()]).await;
    assert_eq!(
        (dup.code, dup.json["code"].as_str()),
        (Some(1), Some("duplicate"))
    );
    let bad = t
        .notify(r#"{"outBizNo":"X","medicalSettleState":"SUCCESS","totalFee":"abc"}"#)
        .await;
    assert_eq!(bad.json["code"], "validation");
    assert!(bad.json["message"].as_str().unwrap().contains("totalFee"));
    let usage = t.run(&["summary"]).await;
    assert_eq!(
        (usage.code, usage.json["code"].as_str()),
        (Some(2), Some("usage"))
    );

    // No log line carries a full 证件号 (and the check does catch one).
    assert!(std::panic::catch_unwind(|| assert_no_full_id("idNo=11010519491231002X,")).is_err());
    for r in [&auth, &notified, &refunded, &detail, &hung] {
        assert_no_full_id(&r.stderr);
    }
    assert_no_full_id(&std::fs::read_to_string(&csv).unwrap());
    assert_no_full_id(&detail.json.to_string());
}

fn write_timeouts(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("short.toml");
    std::fs::write(&path, "[timeouts]\nface_auth = 2\nother = 1\n").unwrap();
    path
}

/// No standalone 18-character token in the text is a valid 居民身份证号.
fn assert_no_full_id(text: &str) {
    for token in text.split(|c: char| !(c.is_ascii_digit() || c == 'X' || c == 'x')) {
        assert!(
            !(token.len() == 18 && nhsa_terminal::simulator::is_valid_resident_id(token)),
            "full 证件号 leaked: {token}"
        );
    }
}

#[tokio::test]
async fn self_pay_and_refunds_from_the_command_line() {
    let t = Counter::start().await;
    let visit = t.new_visit().await;
    let paid = t.settle(&visit, "2026-11-25 09:30:00").await;
    let id = paid.json["settlementId"].as_i64().unwrap().to_string();
    let refund = ["refund", "--settlement", &id, "--json", "-"];

    // A partial refund from stdin: the HIS's 2208 amounts; the rest from the original.
    let partial = r#"{"totalFee": "20.50", "ownAmt": "20.50", "hifAmt": "0.00", "acctAmt": "0.00",
        "hifpAmt": "0.00", "setlTime": "2026-11-25 10:00:00"}"#;
    let refunded = t.run_with(&refund, partial).await;
    assert!(refunded.ok, "{}", refunded.json);
    assert_eq!(refunded.json["state"], "REFUND_SUCCESS");
    assert_eq!(refunded.json["outBizNo"], visit.as_str());
    assert_eq!(
        refunded.json["originalId"].as_i64().unwrap().to_string(),
        id
    );

    // Too much: exit 1, the field named, nothing sent.
    let sent = t.sent();
    let over = t.run_with(&refund, r#"{"totalFee": "100.01"}"#).await;
    assert_eq!(over.code, Some(1));
    assert_eq!(over.json["code"], "invalid_input");
    assert!(
        over.json["message"].as_str().unwrap().contains("totalFee"),
        "{}",
        over.json
    );
    assert_eq!(t.sent(), sent);

    // Part of the rest without its split: refused (only the HIS knows it).
    let part = t.run_with(&refund, r#"{"totalFee": "50.00"}"#).await;
    assert_eq!(part.json["code"], "invalid_input", "{}", part.json);
    // Without --json: all that is left, each amount what is left of it.
    let rest = t.run(&["refund", "--settlement", &id]).await;
    assert!(rest.ok, "{}", rest.json);
    let sent = t.sim.sim.received().last().unwrap().data().unwrap();
    assert_eq!(
        (&sent["totalFee"], &sent["ownAmt"], &sent["hifAmt"]),
        (&json!("100.00"), &json!("0.00"), &json!("80.00"))
    );
    assert!(sent.get("balance").is_none(), "{sent}");
    let history = t.run(&["history", "--out-biz-no", &visit]).await;
    let original = history.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_i64().unwrap().to_string() == id)
        .unwrap()
        .clone();
    assert_eq!(original["refundableFee"], "0.00");

    // 自费: selfPay and no amount block.
    let cash = t.new_visit().await;
    let draft = json!({"outBizNo": cash, "medicalSettleState": "SUCCESS",
        "selfPay": true, "totalFee": "35.00", "setlTime": "2026-11-25 11:00:00"});
    let notified = t.notify(draft.to_string()).await;
    assert!(notified.ok, "{}", notified.json);
    assert_eq!(notified.json["selfPay"], true);
    let summary = t.run(&["summary", "--date", "2026-11-25"]).await;
    assert_eq!(summary.json[0]["netSelfPay"]["totalFee"], "35.00");
    // The rest was refunded today (no setlTime given): it counts in today's 日结.
    assert_eq!(summary.json[0]["netInsured"]["totalFee"], "100.00");
}

#[tokio::test]
async fn a_qrcode_visit_from_the_command_line() {
    let t = Counter::start().await;
    t.sim.sim.push_script(Script::for_trans(
        facepay_sim::TransType::QrCodeGet,
        Behaviour::AsPerson {
            person: "child-1y5m".into(),
        },
    ));
    let scan = t.run(&["qrcode"]).await;
    assert!(scan.ok, "{}", scan.json);
    assert_eq!(scan.json["credential"], "qrcode");
    assert!(
        scan.json["identity"]["idNo"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    assert!(
        scan.json["identity"]["ageLabel"]
            .as_str()
            .unwrap()
            .starts_with("1岁")
    );
    let visit = scan.out_biz_no();
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let paid = t.settle(&visit, &now).await;
    assert!(paid.ok, "{}", paid.json);
    let listed = t.run(&["history", "--credential", "qrcode"]).await;
    let rows = listed.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", listed.json);
    assert_eq!(rows[0]["outBizNo"], visit.as_str());
    let faces = t.run(&["history", "--credential", "face"]).await;
    assert!(faces.json["rows"].as_array().unwrap().is_empty());
    let bad = t.run(&["history", "--credential", "card"]).await;
    assert_eq!(bad.json["field"], "credential", "{}", bad.json);
}
