//! Commands that only read or keep the journal never connect the terminal:
//! with `kind = "host"` they start no `nation-ec-host` beside the panel's
//! (the vendor DLL loaded twice), and a broken terminal configuration does
//! not keep IT from the records. Commands that call the terminal still
//! connect it, and say what is wrong with it.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{Counter, export};

#[tokio::test]
async fn reading_commands_work_without_the_terminal_and_calling_ones_name_it() {
    let t = Counter::with_admin().await;
    let visit = t.new_visit().await;
    let notified = t.settle(&visit, "2026-11-25 09:30:00").await;
    assert!(notified.ok, "{}", notified.json);

    // The terminal as IT may leave it: a host and a library that do not exist.
    let config = t.dir.path().join("host.toml");
    std::fs::write(
        &config,
        "[terminal]\nkind = \"host\"\npath = \"/nonexistent/NationECCode.so\"\n\
         center_url = \"http://127.0.0.1:9/\"\nhost = \"/nonexistent/nation-ec-host\"\n",
    )
    .unwrap();
    let cli = t
        .env_remove("FACEPAY_TERMINAL_URL")
        .env("FACEPAY_CONFIG", &config);

    let history = cli.run(&["history", "--out-biz-no", &visit]).await;
    assert!(history.ok, "{}", history.json);
    assert_eq!(history.json["rows"].as_array().unwrap().len(), 1);
    let summary = cli.run(&["summary", "--date", "2026-11-25"]).await;
    assert!(summary.ok, "{}", summary.json);
    let csv = t.dir.path().join("export.csv");
    let exported = cli
        .run(&export("2026-11-25", "2026-11-25", "csv", &csv))
        .await;
    assert!(exported.ok, "{}", exported.json);
    assert!(std::fs::read_to_string(&csv).unwrap().contains(&visit));
    for args in [&["pending"][..], &["outbox"], &["visit", &visit]] {
        let r = cli.run(args).await;
        assert!(r.ok, "{args:?}: {}", r.json);
    }

    // Calling the terminal connects it, and the error names the setting.
    for args in [&["auth"][..], &["outbox", "--deliver"]] {
        let r = cli.run(args).await;
        assert!(!r.ok, "{args:?}: {}", r.json);
        let text = r.json.to_string();
        assert!(text.contains("terminal.host"), "{args:?}: {text}");
    }
    // Nothing reached the simulator but the first visit's three calls.
    assert_eq!(t.sent(), 3);
}
