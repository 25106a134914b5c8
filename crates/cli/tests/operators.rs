//! `facepay` and operators: the first administrator at installation, the
//! administrator's credential on every protected command, the lockout.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{ADMIN_PIN, Counter};

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
    let t = Counter::with_admin().await;
    let anonymous = t.env_remove("FACEPAY_ADMIN_ID");
    let cashier = t
        .env("FACEPAY_ADMIN_ID", "0002")
        .env("FACEPAY_ADMIN_PIN", "1357");
    // A second operator added without a credential is refused now.
    let r = anonymous
        .add_operator("0002", "王芳", "cashier", "1357")
        .await;
    assert_eq!(r.json["code"], "forbidden", "{}", r.json);
    let r = t.add_operator("0002", "王芳", "cashier", "1357").await;
    assert!(r.ok, "{}", r.json);

    for args in PROTECTED {
        let r = anonymous.run(args).await;
        assert_eq!(
            (r.code, r.json["code"].as_str()),
            (Some(1), Some("forbidden")),
            "{args:?} without --admin: {}",
            r.json
        );
        // A cashier's credential is not an administrator's.
        let r = cashier.run(args).await;
        assert_eq!(
            r.json["code"], "forbidden",
            "{args:?} by a cashier: {}",
            r.json
        );
    }
    // `TOKEN=$(facepay bridge-token --raw)` refused: nothing on stdout to
    // be taken for the token; the error on stderr, a non-zero exit.
    let r = anonymous.run(&["bridge-token", "--raw"]).await;
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    assert_eq!(r.json["code"], "forbidden", "{}", r.stderr);
    // A bridge with a token of one's own choosing needs an administrator:
    // a cashier cannot open one and list identities.
    let r = cashier
        .env(
            "FACEPAY_BRIDGE_TOKEN",
            "a-token-of-my-own-choosing-0123456789",
        )
        .run(&["serve", "--listen", "127.0.0.1:0"])
        .await;
    assert_eq!(
        (r.code, r.json["code"].as_str()),
        (Some(1), Some("forbidden")),
        "{}",
        r.json
    );
    // No PIN and no terminal to ask on: the error says how to give one.
    let r = t
        .env_remove("FACEPAY_ADMIN_PIN")
        .run_with(&["audit"], "")
        .await;
    assert_eq!(r.json["field"], "adminPin", "{}", r.json);
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("FACEPAY_ADMIN_PIN")
    );

    // With the credential: the audit log shows who did what, under their 工号.
    let r = t
        .run(&["--admin", "0107", "audit", "--operator", "0002"])
        .await;
    assert!(r.ok, "{}", r.json);
    let actions: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"forbidden"), "{actions:?}");
    let r = t.run(&["operators", "list"]).await;
    assert_eq!(r.json.as_array().unwrap().len(), 2, "{}", r.json);
    let r = t.run(&["purge", "--older-than-days", "30"]).await;
    assert_eq!(r.json["visits"], 0, "{}", r.json);
}

#[tokio::test]
async fn five_wrong_administrator_pins_lock_the_staff_id_for_the_panel_too() {
    let t = Counter::with_admin().await;
    let wrong = t.env("FACEPAY_ADMIN_PIN", "000000");
    for left in (1..=4).rev() {
        let r = wrong.run(&["audit"]).await;
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
    assert_eq!(wrong.run(&["audit"]).await.json["code"], "pin_locked");
    // Locked: the right PIN waits too (the panel reads the same journal).
    let r = t.env("FACEPAY_ADMIN_PIN", ADMIN_PIN).run(&["audit"]).await;
    assert_eq!(r.json["code"], "pin_locked", "{}", r.json);
    // Five minutes later it opens again.
    let r = t.at("+6m").run(&["audit", "--action", "pin_locked"]).await;
    assert!(r.ok, "{}", r.json);
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.json);
}
