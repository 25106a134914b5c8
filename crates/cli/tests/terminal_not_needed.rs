//! Commands that only read or keep the journal never connect the terminal:
//! with `kind = "host"` they start no `nation-ec-host` beside the panel's
//! (the vendor DLL loaded twice), and a broken terminal configuration does
//! not keep IT from the records. Commands that call the terminal still
//! connect it, and say what is wrong with it.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{facepay, run, settle_json, temp_db};
use facepay_sim::SimServer;

#[tokio::test]
async fn reading_commands_work_without_the_terminal_and_calling_ones_name_it() {
    let sim = SimServer::loopback().await.unwrap();
    let (dir, db) = temp_db();
    let url = sim.url();
    common::first_admin(&db, &url).await;
    let mut auth = facepay(&db, &url);
    auth.arg("auth");
    let auth = run(auth, None).await;
    assert!(auth.ok, "{}", auth.json);
    let visit = auth.json["outBizNo"].as_str().unwrap().to_owned();
    let mut notify = facepay(&db, &url);
    notify.args(["notify", "--json", "-"]);
    let notified = run(notify, Some(settle_json(&visit, "2026-11-25 09:30:00"))).await;
    assert!(notified.ok, "{}", notified.json);

    // The terminal as IT may leave it: a host and a library that do not exist.
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        "[terminal]\nkind = \"host\"\npath = \"/nonexistent/NationECCode.so\"\n\
         center_url = \"http://127.0.0.1:9/\"\nhost = \"/nonexistent/nation-ec-host\"\n",
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let mut c = facepay(&db, &url);
        c.env_remove("FACEPAY_TERMINAL_URL")
            .env("FACEPAY_CONFIG", &config)
            .args(args);
        c
    };

    let history = run(cli(&["history", "--out-biz-no", &visit]), None).await;
    assert!(history.ok, "{}", history.json);
    assert_eq!(history.json["rows"].as_array().unwrap().len(), 1);
    let summary = run(cli(&["summary", "--date", "2026-11-25"]), None).await;
    assert!(summary.ok, "{}", summary.json);
    let csv = dir.path().join("export.csv");
    let exported = run(
        cli(&[
            "export",
            "--from",
            "2026-11-25",
            "--to",
            "2026-11-25",
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap(),
        ]),
        None,
    )
    .await;
    assert!(exported.ok, "{}", exported.json);
    assert!(std::fs::read_to_string(&csv).unwrap().contains(&visit));
    for args in [&["pending"][..], &["outbox"], &["visit", &visit]] {
        let r = run(cli(args), None).await;
        assert!(r.ok, "{args:?}: {}", r.json);
    }

    // Calling the terminal connects it, and the error names the setting.
    for args in [&["auth"][..], &["outbox", "--deliver"]] {
        let r = run(cli(args), None).await;
        assert!(!r.ok, "{args:?}: {}", r.json);
        let text = r.json.to_string();
        assert!(text.contains("terminal.host"), "{args:?}: {text}");
    }
    // Nothing reached the simulator but the first visit's three calls.
    assert_eq!(sim.sim.received().len(), 3);
}
