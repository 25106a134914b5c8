//! `facepay` and operators: the first administrator at installation, the
//! administrator's credential on every protected command, the lockout.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{ADMIN_PIN, facepay, first_admin, run, temp_db};
use facepay_sim::SimServer;

const PROTECTED: &[&[&str]] = &[
    &[
        "resolve",
        "--call",
        "1",
        "--outcome",
        "ok",
        "--reason",
        "终端已显示",
    ],
    &[
        "export",
        "--from",
        "2026-11-28",
        "--to",
        "2026-11-28",
        "--format",
        "csv",
        "--unmasked",
        "--out",
        "/nonexistent/x.csv",
    ],
    &["operators", "list"],
    &["audit"],
    &["purge"],
    &["bridge-token"],
    &["rekey"],
];

#[tokio::test]
async fn protected_commands_need_an_administrators_credential() {
    let sim = SimServer::loopback().await.unwrap();
    let (_dir, db) = temp_db();
    let url = sim.url();
    first_admin(&db, &url).await;
    // A second operator added without a credential is refused now.
    let mut add = facepay(&db, &url);
    add.args([
        "operators",
        "add",
        "--id",
        "0002",
        "--name",
        "王芳",
        "--role",
        "cashier",
    ])
    .env("FACEPAY_NEW_PIN", "1357")
    .env_remove("FACEPAY_ADMIN_ID");
    let r = run(add, None).await;
    assert_eq!(r.json["code"], "forbidden", "{}", r.json);
    let mut add = facepay(&db, &url);
    add.args([
        "operators",
        "add",
        "--id",
        "0002",
        "--name",
        "王芳",
        "--role",
        "cashier",
    ])
    .env("FACEPAY_NEW_PIN", "1357");
    let r = run(add, None).await;
    assert!(r.ok, "{}", r.json);

    for args in PROTECTED {
        let mut cmd = facepay(&db, &url);
        cmd.args(*args).env_remove("FACEPAY_ADMIN_ID");
        let r = run(cmd, None).await;
        assert_eq!(
            (r.code, r.json["code"].as_str()),
            (Some(1), Some("forbidden")),
            "{args:?} without --admin: {}",
            r.json
        );
        // A cashier's credential is not an administrator's.
        let mut cmd = facepay(&db, &url);
        cmd.args(*args)
            .env("FACEPAY_ADMIN_ID", "0002")
            .env("FACEPAY_ADMIN_PIN", "1357");
        let r = run(cmd, None).await;
        assert_eq!(
            r.json["code"], "forbidden",
            "{args:?} by a cashier: {}",
            r.json
        );
    }
    // `TOKEN=$(facepay bridge-token --raw)` refused: nothing on stdout to
    // be taken for the token; the error on stderr, a non-zero exit.
    let mut cmd = facepay(&db, &url);
    cmd.args(["bridge-token", "--raw"])
        .env_remove("FACEPAY_ADMIN_ID");
    let r = run(cmd, None).await;
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    assert_eq!(r.json["code"], "forbidden", "{}", r.stderr);
    // A bridge with a token of one's own choosing needs an administrator:
    // a cashier cannot open one and list identities.
    let mut cmd = facepay(&db, &url);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "FACEPAY_BRIDGE_TOKEN",
            "a-token-of-my-own-choosing-0123456789",
        )
        .env("FACEPAY_ADMIN_ID", "0002")
        .env("FACEPAY_ADMIN_PIN", "1357");
    let r = run(cmd, None).await;
    assert_eq!(
        (r.code, r.json["code"].as_str()),
        (Some(1), Some("forbidden")),
        "{}",
        r.json
    );
    // No PIN and no terminal to ask on: the error says how to give one.
    let mut cmd = facepay(&db, &url);
    cmd.args(["audit"]).env_remove("FACEPAY_ADMIN_PIN");
    let r = run(cmd, Some(String::new())).await;
    assert_eq!(r.json["field"], "adminPin", "{}", r.json);
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("FACEPAY_ADMIN_PIN")
    );

    // With the credential: the audit log shows who did what, under their 工号.
    let mut cmd = facepay(&db, &url);
    cmd.args(["--admin", "0107", "audit", "--operator", "0002"]);
    let r = run(cmd, None).await;
    assert!(r.ok, "{}", r.json);
    let actions: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"forbidden"), "{actions:?}");
    let mut cmd = facepay(&db, &url);
    cmd.args(["operators", "list"]);
    let r = run(cmd, None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 2, "{}", r.json);
    let mut cmd = facepay(&db, &url);
    cmd.args(["purge", "--older-than-days", "30"]);
    let r = run(cmd, None).await;
    assert_eq!(r.json["visits"], 0, "{}", r.json);
}

#[tokio::test]
async fn five_wrong_administrator_pins_lock_the_staff_id_for_the_panel_too() {
    let sim = SimServer::loopback().await.unwrap();
    let (_dir, db) = temp_db();
    let url = sim.url();
    first_admin(&db, &url).await;
    for left in (1..=4).rev() {
        let mut cmd = facepay(&db, &url);
        cmd.args(["audit"]).env("FACEPAY_ADMIN_PIN", "000000");
        let r = run(cmd, None).await;
        assert_eq!(r.json["code"], "wrong_pin", "{}", r.json);
        assert!(
            r.json["message"]
                .as_str()
                .unwrap()
                .contains(&format!("再错 {left} 次")),
            "{}",
            r.json
        );
    }
    let mut cmd = facepay(&db, &url);
    cmd.args(["audit"]).env("FACEPAY_ADMIN_PIN", "000000");
    assert_eq!(run(cmd, None).await.json["code"], "pin_locked");
    // Locked: the right PIN waits too (the panel reads the same journal).
    let mut cmd = facepay(&db, &url);
    cmd.args(["audit"]).env("FACEPAY_ADMIN_PIN", ADMIN_PIN);
    let r = run(cmd, None).await;
    assert_eq!(r.json["code"], "pin_locked", "{}", r.json);
    // Five minutes later it opens again.
    let mut cmd = common::facepay_at("+6m", &db, &url);
    cmd.args(["audit", "--action", "pin_locked"]);
    let r = run(cmd, None).await;
    assert!(r.ok, "{}", r.json);
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.json);
}
