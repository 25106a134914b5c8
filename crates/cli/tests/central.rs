//! The hospital's central server, as IT drives it (docs/central.md): a real
//! PostgreSQL started by the test, real counters (the `facepay` binary,
//! each with its own journal and simulator) shipping to it.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::process::Command;

use common::central::{DAY, a_morning, counter, enroll, fen, local_net_fen};
use common::{Cli, Counter, journal_key};
use facepay_testkit::postgres::PgServer;
use serde_json::Value;

/// Every name and full 证件号 the counter's journal holds.
fn identities(t: &Counter) -> Vec<String> {
    let plain = t.dir.path().join("plain-identities.db");
    let _ = std::fs::remove_file(&plain);
    facepay_journal::rewrite::decrypt_copy(&t.db, &journal_key(&t.db), &plain).unwrap();
    let conn = rusqlite::Connection::open(&plain).unwrap();
    let mut stmt = conn
        .prepare("SELECT user_name, id_no FROM visits WHERE id_no IS NOT NULL")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!rows.is_empty(), "the journal holds identities");
    rows.into_iter().flat_map(|(n, i)| [n, i]).collect()
}

/// Change the counter's journal behind its back, as a crash or an old state would leave it.
fn write_journal(db: &std::path::Path, sql: &str) {
    let mut journal = facepay_journal::Journal::open(
        db,
        &journal_key(db),
        "test",
        std::sync::Arc::new(facepay_journal::SystemClock),
    )
    .unwrap();
    journal
        .write(|tx| {
            tx.execute(sql, [])
                .map_err(facepay_journal::JournalError::from)
        })
        .unwrap();
}

fn pg_dump(pg: &PgServer) -> String {
    let out = Command::new("pg_dump")
        .env("PGPASSWORD", facepay_testkit::postgres::PASSWORD)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            "facepay",
            "facepay",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn three_counters_ship_their_day_and_the_hospital_total_is_theirs_to_the_fen() {
    let pg = PgServer::start();
    let (w01, cli01) = counter("W01", &pg.url()).await;
    let (w02, cli02) = counter("W02", &pg.url()).await;
    let (_w03, cli03) = counter("W03", &pg.url()).await;

    // Before init: every counter is told what to do, and keeps serving.
    let early = cli02.run(&["central", "sync", "--wait"]).await;
    assert_eq!(early.code, Some(1));
    assert_eq!(
        early.json["code"], "central_no_identity_key",
        "{}",
        early.json
    );

    let init = cli01.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    assert_eq!(init.json["identityKey"], "created");
    assert_eq!(init.json["schemaVersion"], 5);
    // A second init changes nothing and keeps the key.
    let again = cli01.run(&["central", "init"]).await;
    assert!(again.ok, "{}", again.json);
    assert_eq!(again.json["identityKey"], "enrolled");
    assert_eq!(again.json["migrationsApplied"], 0);
    // Another counter without the key may not make a second one.
    let refused = cli02.run(&["central", "init"]).await;
    assert_eq!(
        refused.json["code"], "central_no_identity_key",
        "{}",
        refused.json
    );
    enroll(&cli01, &cli02).await;
    enroll(&cli01, &cli03).await;

    a_morning(&cli01, 4).await;
    a_morning(&cli02, 3).await;
    // And one 自费 at W02 (no 医保 amounts: its 自费 is its total).
    let own = cli02.new_visit().await;
    let self_pay = serde_json::json!({
        "outBizNo": own, "medicalSettleState": "SUCCESS", "totalFee": "40.00",
        "setlTime": format!("{DAY} 10:00:00"), "selfPay": true
    });
    let paid = cli02.notify(self_pay.to_string()).await;
    assert!(paid.ok, "{} {}", paid.json, paid.stderr);
    a_morning(&cli03, 0).await;
    for cli in [&cli01, &cli02, &cli03] {
        let synced = cli.run(&["central", "sync", "--wait"]).await;
        assert!(synced.ok, "{} {}", synced.json, synced.stderr);
        assert_eq!(synced.json["pending"], 0, "{}", synced.json);
    }

    let hospital = cli03
        .run(&["central", "summary", "--date", DAY, "--json"])
        .await;
    assert!(hospital.ok, "{} {}", hospital.json, hospital.stderr);
    let w01_net = local_net_fen(&cli01).await;
    let w02_net = local_net_fen(&cli02).await;
    assert_eq!(w01_net, 3 * 12050, "four paid, one refunded");
    assert_eq!(fen(&hospital.json["totalFee"]), w01_net + w02_net);
    let counters = hospital.json["counters"].as_array().unwrap();
    let of = |id: &str| {
        counters
            .iter()
            .find(|c| c["counterId"] == id)
            .unwrap_or_else(|| panic!("{id} in {counters:?}"))
            .clone()
    };
    assert_eq!(fen(&of("W01")["totalFee"]), w01_net);
    assert_eq!(fen(&of("W02")["totalFee"]), w02_net);
    assert_eq!(of("W01")["insured"]["count"], 4);
    assert_eq!(of("W01")["insured"]["refundCount"], 1);
    assert_eq!(fen(&hospital.json["selfPay"]["totalFee"]), 4000);
    assert_eq!(
        fen(&hospital.json["selfPay"]["ownAmt"]),
        4000,
        "自费 is paid by the patient"
    );
    // Every amount as the counter's own 日结 has it, not only the total.
    let w02_day = cli02.run(&["summary", "--date", DAY]).await;
    let own_local: i64 = w02_day
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| fen(&d["net"]["ownAmt"]))
        .sum();
    assert_eq!(
        fen(&of("W02")["insured"]["ownAmt"]) + fen(&of("W02")["selfPay"]["ownAmt"]),
        own_local
    );

    // The same money broken down by 收款员, office and day, and as 财务's CSV.
    for by in ["counter", "operator", "office", "day"] {
        let report = cli03
            .run(&["central", "report", "--from", DAY, "--to", DAY, "--by", by])
            .await;
        assert!(report.ok, "{by}: {} {}", report.json, report.stderr);
        assert_eq!(report.json["totalFee"], hospital.json["totalFee"], "{by}");
        let rows = report.json["rows"].as_array().unwrap();
        let sum: i64 = rows.iter().map(|r| fen(&r["totalFee"])).sum();
        assert_eq!(sum, fen(&hospital.json["totalFee"]), "{by}: {rows:?}");
        if by == "day" {
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0]["key"], DAY);
        }
        if by == "operator" {
            assert!(rows.iter().all(|r| r["name"].is_string()), "{rows:?}");
        }
    }
    // A spreadsheet, not JSON: read as it is printed.
    let csv = cli03
        .cmd(&[
            "central", "report", "--from", DAY, "--to", DAY, "--by", "counter", "--csv",
        ])
        .output()
        .unwrap();
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let csv = String::from_utf8(csv.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}收银台,名称,医保笔数"),
        "{}",
        lines[0]
    );
    assert!(lines.iter().any(|l| l.starts_with("W02,")));
    let total = lines.iter().find(|l| l.starts_with("全院,")).unwrap();
    assert!(
        total.ends_with(&format!(",{}", hospital.json["totalFee"].as_str().unwrap())),
        "{total}"
    );
    let backwards = cli03
        .run(&["central", "report", "--from", DAY, "--to", "2026-11-01"])
        .await;
    assert_eq!(backwards.json["field"], "to", "{}", backwards.json);

    // A second PC set up with W02's id cannot overwrite W02's rows.
    let (_impostor, impostor) = counter("W02", &pg.url()).await;
    enroll(&cli01, &impostor).await;
    a_morning(&impostor, 2).await;
    let taken = impostor.run(&["central", "sync", "--wait"]).await;
    assert_eq!(taken.code, Some(1));
    assert_eq!(
        taken.json["code"], "central_counter_taken",
        "{}",
        taken.json
    );
    let again = cli03.run(&["central", "summary", "--date", DAY]).await;
    assert_eq!(again.json, hospital.json, "the hospital's day is unchanged");

    // Shipping again ships nothing twice.
    let rows = |table: &str| pg.psql_on("facepay", &format!("SELECT count(*) FROM {table}"));
    let before = (rows("settlements"), rows("visits"), rows("deliveries"));
    assert_eq!(
        before.0.trim(),
        "10",
        "4 + 1 refund at W01, 3 + 1 + 1 自费 at W02"
    );
    let synced = cli01.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok);
    assert_eq!(synced.json["rowsShipped"], 0, "{}", synced.json);
    assert_eq!(
        (rows("settlements"), rows("visits"), rows("deliveries")),
        before
    );

    // The terminal calls, the audit log and the shifts came along.
    let local_count = |t: &Counter, table: &str| -> String {
        let plain = t.dir.path().join(format!("plain-{table}.db"));
        let _ = std::fs::remove_file(&plain);
        facepay_journal::rewrite::decrypt_copy(&t.db, &journal_key(&t.db), &plain).unwrap();
        let conn = rusqlite::Connection::open(&plain).unwrap();
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
        .to_string()
    };
    for table in ["calls", "audit", "shifts"] {
        let central = pg.psql_on(
            "facepay",
            &format!("SELECT count(*) FROM {table} WHERE counter_id = 'W01'"),
        );
        assert_eq!(central.trim(), local_count(&w01, table), "{table}");
    }
    assert_ne!(local_count(&w01, "calls"), "0");

    // Every counter and its heartbeat, seen from any of them.
    let status = cli02.run(&["central", "status", "--json"]).await;
    assert!(status.ok, "{}", status.json);
    let seen: Vec<&str> = status.json["counters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["counterId"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ["W01", "W02", "W03"]);
    assert_eq!(status.json["counters"][0]["stale"], false);
    assert_eq!(status.json["counters"][0]["pendingChanges"], 0);
    assert_eq!(status.json["thisCounterPending"], 0);

    // No name and no full 证件号 anywhere on the server; searchable by hash.
    let dump = pg_dump(&pg);
    for t in [&w01, &w02] {
        for secret in identities(t) {
            assert!(!dump.contains(&secret), "{secret} is on the server");
        }
    }
    let hashed = pg.psql_on(
        "facepay",
        "SELECT count(*) FROM visits WHERE id_hmac IS NOT NULL AND id_no_masked LIKE '%*'",
    );
    assert_eq!(hashed.trim(), "8", "every visit (4 + 4) hashed and masked");

    // One person's settlements at every counter, by the 证件号 (read from
    // standard input, hashed on the counter), masked.
    let id_no = identities(&w01)
        .into_iter()
        .find(|s| s.len() == 18 && s.is_ascii())
        .unwrap();
    let at_w02 = identities(&w02).contains(&id_no);
    let found = cli03
        .run_with(&["central", "person"], format!("{id_no}\n"))
        .await;
    assert!(found.ok, "{} {}", found.json, found.stderr);
    let hits = found.json.as_array().unwrap();
    let counters_seen: std::collections::BTreeSet<&str> = hits
        .iter()
        .map(|r| r["counterId"].as_str().unwrap())
        .collect();
    assert!(counters_seen.contains("W01"), "{counters_seen:?}");
    assert_eq!(counters_seen.contains("W02"), at_w02, "{counters_seen:?}");
    assert!(
        !found.stdout.contains(&id_no),
        "the 证件号 is never shown in full"
    );
    for r in hits {
        assert!(r["idNo"].as_str().unwrap().contains('*'), "{r}");
    }
    let nobody = cli03
        .run_with(&["central", "person"], "110101190001011234\n")
        .await;
    assert_eq!(nobody.json, serde_json::json!([]));
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT count(*) FROM central_audit WHERE action = 'person_search' AND counter_id = 'W03'"
        )
        .trim(),
        "2",
        "every lookup audited"
    );
    assert!(!pg_dump(&pg).contains(&id_no), "not even in the audit");
    for bad in [
        "４４１７０２",
        "abc",
        "441702 1990",
        "4417021990010112345",
        "44170219900101123",
    ] {
        let refused = cli03
            .run_with(&["central", "person"], format!("{bad}\n"))
            .await;
        assert_eq!(refused.json["field"], "idNo", "{bad}: {}", refused.json);
    }
    assert_eq!(rows("visits").trim(), "8");
}

#[tokio::test]
async fn a_server_that_crashes_restarts_or_loses_its_copy_ends_with_every_row_once() {
    let pg = PgServer::start();
    let (w01, cli) = counter("W01", &pg.url()).await;
    assert!(cli.run(&["central", "init"]).await.ok);
    a_morning(&cli, 5).await;

    // Down: the counter keeps serving and says why it cannot ship.
    pg.crash();
    let down = cli.run(&["central", "sync"]).await;
    assert_eq!(down.code, Some(1));
    assert_eq!(down.json["code"], "central_unreachable", "{}", down.json);
    assert!(
        !down.json["message"]
            .as_str()
            .unwrap()
            .contains(facepay_testkit::postgres::PASSWORD)
    );
    let visit = cli.new_visit().await;
    assert!(cli.settle(&visit, &format!("{DAY} 10:30:00")).await.ok);
    let status = cli.run(&["central", "status"]).await;
    assert!(status.ok, "{}", status.json);
    assert_eq!(status.json["reachable"], false);
    assert!(
        status.json["thisCounterPending"].as_i64().unwrap() > 0,
        "{}",
        status.json
    );

    // `sync --wait` started while it is down finishes once it is back.
    let waiting = cli.cmd(&["central", "sync", "--wait"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    pg.start_again();
    let synced = common::finish(waiting.wait_with_output().unwrap());
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    assert_eq!(synced.json["pending"], 0);
    let total = |pg: &PgServer| {
        pg.psql_on(
            "facepay",
            &format!(
                "SELECT count(*), sum(CASE state WHEN 'SUCCESS' THEN total_fee_fen
                                                WHEN 'REFUND_SUCCESS' THEN -total_fee_fen END)
                 FROM settlements WHERE business_day = '{DAY}'"
            ),
        )
    };
    let expected = format!("7|{}\n", local_net_fen(&cli).await);
    assert_eq!(total(&pg), expected, "5 + 1 paid, 1 refund");

    // The server restored from an older backup: it holds less than it
    // acknowledged. The counter sends everything again, once.
    pg.psql_on(
        "facepay",
        "DELETE FROM settlements; DELETE FROM visits; DELETE FROM deliveries;
         UPDATE counters SET acknowledged_seq = 0",
    );
    let resent = cli.run(&["central", "sync", "--wait"]).await;
    assert!(resent.ok, "{} {}", resent.json, resent.stderr);
    assert_eq!(total(&pg), expected);
    assert_eq!(
        pg.psql_on("facepay", "SELECT count(*) FROM visits").trim(),
        "6"
    );

    // The counter lost its acknowledgement (killed after the server's
    // commit): the server's position is taken, nothing is applied twice.
    write_journal(&w01.db, "UPDATE replication SET acknowledged_seq = 0");
    let again = cli.run(&["central", "sync", "--wait"]).await;
    assert!(again.ok);
    assert_eq!(total(&pg), expected);
}

#[tokio::test]
async fn a_copy_of_a_counters_journal_that_shipped_is_refused_not_lost_silently() {
    let pg = PgServer::start();
    let (t, original) = counter("W01", &pg.url()).await;
    assert!(original.run(&["central", "init"]).await.ok);
    a_morning(&original, 2).await;
    assert!(original.run(&["central", "sync", "--wait"]).await.ok);

    // A cloned PC: the same journal file and key, the same counter id.
    let clone_dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let from = entry.unwrap().path();
        let to = clone_dir.path().join(from.file_name().unwrap());
        if from.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            for f in std::fs::read_dir(&from).unwrap() {
                let f = f.unwrap().path();
                std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
            }
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    let clone = Cli::new(&clone_dir.path().join("facepay.db"), &t.sim.url())
        .env("FACEPAY_COUNTER_ID", "W01")
        .env("FACEPAY_CENTRAL_URL", pg.url());
    let visit = clone.new_visit().await;
    assert!(clone.settle(&visit, &format!("{DAY} 12:00:00")).await.ok);
    let first = clone.run(&["central", "sync", "--wait"]).await;
    assert!(first.ok, "the first to ship is taken: {}", first.json);

    // The original goes on; its next shipping is refused, never "0 pending".
    let visit = original.new_visit().await;
    assert!(original.settle(&visit, &format!("{DAY} 12:05:00")).await.ok);
    let refused = original.run(&["central", "sync", "--wait"]).await;
    assert_eq!(refused.code, Some(1), "{}", refused.json);
    assert_eq!(
        refused.json["code"], "central_counter_taken",
        "{}",
        refused.json
    );
    let status = original.run(&["central", "status"]).await;
    assert_ne!(
        status.json["thisCounterPending"], 0,
        "still owed: {}",
        status.json
    );
}

#[tokio::test]
async fn a_settlement_held_for_the_cashiers_f4_ships_with_its_state() {
    let pg = PgServer::start();
    let (t, cli) = counter("W01", &pg.url()).await;
    assert!(cli.run(&["central", "init"]).await.ok);
    let visit = cli.new_visit().await;
    assert!(cli.settle(&visit, &format!("{DAY} 09:00:00")).await.ok);
    // As a HIS settlement under his_notify = "cashier" stands until F4.
    write_journal(&t.db, "UPDATE outbox SET status = 'held'");
    let synced = cli.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    assert_eq!(
        pg.psql_on("facepay", "SELECT status FROM deliveries")
            .trim(),
        "held"
    );
}

#[tokio::test]
async fn a_server_on_a_newer_schema_or_another_key_is_refused_and_the_counter_serves_on() {
    let pg = PgServer::start();
    let (_w01, cli01) = counter("W01", &pg.url()).await;
    let (_w02, cli02) = counter("W02", &pg.url()).await;
    assert!(cli01.run(&["central", "init"]).await.ok);

    // A newer FacePay Desk upgraded the schema.
    pg.psql_on(
        "facepay",
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
         VALUES (99, 'from_a_newer_desk', '2026-12-06', '0')",
    );
    a_morning(&cli01, 1).await;
    let refused = cli01.run(&["central", "sync", "--wait"]).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(
        refused.json["code"], "central_schema_too_new",
        "{}",
        refused.json
    );
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("请升级本机")
    );
    // It still takes payments, and ships them once it is upgraded (here:
    // once the server is back on its version).
    let visit = cli01.new_visit().await;
    assert!(cli01.settle(&visit, &format!("{DAY} 10:00:00")).await.ok);
    pg.psql_on(
        "facepay",
        "DELETE FROM refinery_schema_history WHERE version = 99",
    );
    let synced = cli01.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{}", synced.json);
    assert_eq!(
        pg.psql_on("facepay", "SELECT count(*) FROM settlements")
            .trim(),
        "3"
    );

    let hospital_key = cli01.run(&["central", "identity-key", "--show"]).await.json["identityKey"]
        .as_str()
        .unwrap()
        .to_owned();
    // A counter that made a key of its own cannot join the hospital's hashes.
    let own = "ab".repeat(32);
    assert!(
        cli02
            .run_with(&["central", "identity-key", "--enroll"], own)
            .await
            .ok
    );
    let wrong = cli02.run(&["central", "sync", "--wait"]).await;
    assert_eq!(
        wrong.json["code"], "central_wrong_identity_key",
        "{}",
        wrong.json
    );
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT count(*) FROM counters WHERE counter_id = 'W02'"
        )
        .trim(),
        "0"
    );
    // Enrolled by mistake: replaced with the hospital's, it ships.
    let not_over = cli02
        .run_with(
            &["central", "identity-key", "--enroll"],
            format!("{hospital_key}\n"),
        )
        .await;
    assert_eq!(not_over.json["field"], "identity-key", "{}", not_over.json);
    let replaced = cli02
        .run_with(
            &["central", "identity-key", "--enroll", "--replace"],
            format!("{hospital_key}\n"),
        )
        .await;
    assert!(replaced.ok, "{} {}", replaced.json, replaced.stderr);
    assert!(cli02.run(&["central", "sync", "--wait"]).await.ok);
}

#[tokio::test]
async fn the_password_is_kept_in_the_keystore_and_settings_are_checked() {
    let pg = PgServer::start();
    let (t, with_password) = counter("W01", &pg.url()).await;
    assert!(with_password.run(&["central", "init"]).await.ok);

    // The url as the settings file writes it: no password.
    let cli = t
        .env("FACEPAY_CENTRAL_URL", pg.url_without_password())
        .env("FACEPAY_COUNTER_ID", "W01");
    // Refused by the server: said at once, not retried for the patience.
    let started = std::time::Instant::now();
    let refused = cli.run(&["central", "sync", "--wait"]).await;
    assert_eq!(
        refused.json["code"], "central_unreachable",
        "{}",
        refused.json
    );
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("拒绝连接"),
        "{}",
        refused.json
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let saved = cli
        .run_with(
            &["central", "password"],
            format!("{}\n", facepay_testkit::postgres::PASSWORD),
        )
        .await;
    assert!(saved.ok, "{} {}", saved.json, saved.stderr);
    let synced = cli.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    let password_file = std::fs::read_dir(t.dir.path().join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.ends_with("central-password.key"))
        .expect("the password beside the journal's key");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&password_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by this user only");
    }

    // Without central: said so, with the setting to set.
    let alone = t
        .env_remove("FACEPAY_CENTRAL_URL")
        .run(&["central", "status"])
        .await;
    assert_eq!(
        alone.json["code"], "central_not_configured",
        "{}",
        alone.json
    );
    assert_eq!(alone.json["field"], "central.url");
    // A server elsewhere in plain text: refused before anything is sent.
    let remote = t
        .env(
            "FACEPAY_CENTRAL_URL",
            "postgres://facepay:pw@his-db:5432/facepay",
        )
        .run(&["central", "status"])
        .await;
    assert_eq!(remote.json["code"], "config", "{}", remote.json);
    assert_eq!(remote.json["field"], "central.url");
    assert!(!remote.json.to_string().contains(":pw@"));
}

/// Polls `sql` on the server until it answers `want`, for up to `seconds`.
async fn eventually(pg: &PgServer, sql: &str, want: &str, seconds: u64) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        let got = pg.psql_on("facepay", sql);
        if got.trim() == want || std::time::Instant::now() > deadline {
            return got.trim().to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_running_counter_ships_each_settlement_within_seconds_and_beats_while_idle() {
    let pg = PgServer::start();
    let (_t, cli) = counter("W01", &pg.url()).await;
    assert!(cli.run(&["central", "init"]).await.ok);
    // The counter as a service (its worker ships as the panel's does).
    let serving = common::Bridge::start(&cli).await;
    assert_eq!(
        eventually(
            &pg,
            "SELECT count(*) FROM heartbeats WHERE counter_id = 'W01'",
            "1",
            10
        )
        .await,
        "1",
        "a heartbeat as soon as it starts"
    );
    assert_eq!(
        eventually(
            &pg,
            "SELECT terminal_reachable FROM heartbeats WHERE counter_id = 'W01'",
            "t",
            10
        )
        .await,
        "t",
        "saying its terminal answers"
    );
    let visit = cli.new_visit().await;
    let made = std::time::Instant::now();
    assert!(cli.settle(&visit, &format!("{DAY} 09:00:00")).await.ok);
    let sql = format!("SELECT count(*) FROM settlements WHERE out_biz_no = '{visit}'");
    assert_eq!(eventually(&pg, &sql, "1", 10).await, "1");
    assert!(
        made.elapsed() < std::time::Duration::from_secs(8),
        "on the server {:?} after it was made",
        made.elapsed()
    );
    // And the delivery of its notification, once the outbox has sent it.
    let delivered = format!(
        "SELECT status FROM deliveries d JOIN settlements s
           ON s.counter_id = d.counter_id AND s.local_id = d.settlement_local_id
         WHERE s.out_biz_no = '{visit}'"
    );
    assert_eq!(
        eventually(&pg, &delivered, "delivered", 10).await,
        "delivered"
    );
    // An operator added at another counter reaches this one within a
    // minute (the worker pulls the directory with each heartbeat).
    let (_w02, cli02) = counter("W02", &pg.url()).await;
    enroll(&cli, &cli02).await;
    assert!(
        cli02.run(&["central", "sync", "--wait"]).await.ok,
        "W02 joins"
    );
    let added = std::time::Instant::now();
    let r = cli02
        .add_operator("0201", "陈收费", "cashier", "2468")
        .await;
    assert!(r.ok, "{} {}", r.json, r.stderr);
    while listed(&cli, "0201").await.is_none() {
        assert!(
            added.elapsed() < std::time::Duration::from_secs(60),
            "not here a minute after it was added"
        );
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    serving.kill();
}

#[tokio::test]
async fn a_server_off_this_machine_is_reached_over_verified_tls_only() {
    let pg = PgServer::start_tls();
    // By name, as a server elsewhere is reached (the certificate names localhost).
    let url = format!(
        "postgres://facepay:{}@localhost:{}/facepay",
        facepay_testkit::postgres::PASSWORD,
        pg.port
    );
    let (t, plain) = counter("W01", &url).await;
    // Without the CA: plain, which this server refuses for the role.
    let refused = plain.run(&["central", "init"]).await;
    assert_eq!(
        refused.json["code"], "central_unreachable",
        "{}",
        refused.json
    );

    // Trusting another CA: the server's certificate is not accepted.
    let other = plain.env("FACEPAY_CENTRAL_CA_FILE", pg.other_ca_file());
    let untrusted = other.run(&["central", "init"]).await;
    assert_eq!(
        untrusted.json["code"], "central_unreachable",
        "{}",
        untrusted.json
    );
    assert!(
        untrusted.json["message"]
            .as_str()
            .unwrap()
            .contains("certificate"),
        "{}",
        untrusted.json
    );

    // The hospital's CA: TLS, verified, and the day ships.
    let tls = plain.env("FACEPAY_CENTRAL_CA_FILE", pg.ca_file());
    let init = tls.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    a_morning(&tls, 2).await;
    let synced = tls.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    assert_eq!(
        pg.psql_on("facepay", "SELECT count(*) FROM settlements")
            .trim(),
        "3"
    );

    // A CA file that holds no certificate is refused as a setting.
    let junk = t.dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let bad = plain
        .env("FACEPAY_CENTRAL_CA_FILE", &junk)
        .run(&["central", "status"])
        .await;
    assert_eq!(bad.json["code"], "config", "{}", bad.json);
    assert_eq!(bad.json["field"], "central.ca_file");
}

#[tokio::test]
async fn reconciliation_with_the_his_finds_every_kind_of_difference_until_each_is_explained() {
    use facepay_core::api::TransType;
    use facepay_sim::{Behaviour, Script};
    let pg = PgServer::start();
    let (t, cli) = counter("W01", &pg.url()).await;
    assert!(cli.run(&["central", "init"]).await.ok);
    let setl_id = |visit: &str| nhsa_terminal::samples::setl_id_for(visit);
    // Today: the day's scans count with its settlements.
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let at = |_: u32| chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();

    let matched = cli.new_visit().await;
    let first = cli.settle(&matched, &at(1)).await;
    assert!(first.ok);
    // Two partial refunds: they share the settlement's setl_id.
    let paid_id = first.json["settlementId"].as_i64().unwrap().to_string();
    for partial in [
        serde_json::json!({"totalFee": "50.00", "ownAmt": "0.00", "hifAmt": "50.00",
                           "acctAmt": "0.00", "hifpAmt": "50.00"}),
        serde_json::json!({"totalFee": "20.00", "ownAmt": "0.00", "hifAmt": "0.00",
                           "acctAmt": "20.00", "hifpAmt": "0.00"}),
    ] {
        let refund = cli
            .run_with(
                &["refund", "--settlement", &paid_id, "--json", "-"],
                partial.to_string(),
            )
            .await;
        assert!(refund.ok, "{} {}", refund.json, refund.stderr);
    }
    let other_amount = cli.new_visit().await;
    assert!(cli.settle(&other_amount, &at(2)).await.ok);
    let unknown_to_his = cli.new_visit().await;
    assert!(cli.settle(&unknown_to_his, &at(3)).await.ok);
    let never_settled = cli.new_visit().await;
    let his_says_fail = cli.new_visit().await;
    assert!(cli.settle(&his_says_fail, &at(5)).await.ok);
    // The terminal refuses this one's result: recorded, never shown.
    let not_shown = cli.new_visit().await;
    for _ in 0..3 {
        t.sim.sim.push_script(Script::for_trans(
            TransType::SettleNotify,
            Behaviour::Error {
                code: 5001,
                message: "终端忙".into(),
            },
        ));
    }
    let undelivered = cli.settle(&not_shown, &at(6)).await;
    assert!(
        undelivered.ok,
        "{} {}",
        undelivered.json, undelivered.stderr
    );
    assert_ne!(
        undelivered.json["delivery"]["status"], "delivered",
        "{}",
        undelivered.json
    );
    assert!(cli.run(&["central", "sync", "--wait"]).await.ok);

    let his = format!(
        "setl_id,outBizNo,totalFee,state\n\
         {},{matched},120.50,SUCCESS\n\
         {},{matched},20.00,REFUND_SUCCESS\n\
         {},{matched},50.00,REFUND_SUCCESS\n\
         {},{other_amount},100.00,SUCCESS\n\
         {},{his_says_fail},120.50,FAIL\n\
         {},{not_shown},120.50,SUCCESS\n\
         S-NOBODY-KNOWS,,88.00,SUCCESS\n",
        setl_id(&matched),
        setl_id(&matched),
        setl_id(&matched),
        setl_id(&other_amount),
        setl_id(&his_says_fail),
        setl_id(&not_shown),
    );
    let file = t.dir.path().join("his.csv");
    std::fs::write(&file, &his).unwrap();
    let file_arg = file.display().to_string();
    let run = cli
        .run(&["reconcile", "--file", &file_arg, "--date", &today])
        .await;
    assert!(run.ok, "{} {}", run.json, run.stderr);
    let tally = &run.json["hospital"];
    for (kind, n) in [
        ("matched", 3),
        ("amountDiffers", 1),
        ("terminalOnly", 1),
        ("unsettledScan", 1),
        ("notDelivered", 1),
        ("stateDiffers", 1),
        ("hisOnly", 1),
    ] {
        assert_eq!(tally[kind], n, "{kind}: {}", run.json);
    }
    let differences = run.json["differences"].as_array().unwrap();
    let find = |kind: &str| {
        differences
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} in {differences:?}"))
            .clone()
    };
    assert_eq!(find("amount_differs")["hisTotalFee"], "100.00");
    assert_eq!(find("amount_differs")["ourTotalFee"], "120.50");
    assert_eq!(find("terminal_only")["outBizNo"], unknown_to_his.as_str());
    assert_eq!(find("unsettled_scan")["outBizNo"], never_settled.as_str());
    assert_eq!(find("not_delivered")["outBizNo"], not_shown.as_str());
    assert_eq!(find("his_only")["key"], "S-NOBODY-KNOWS");
    assert_eq!(find("his_only")["counterId"], serde_json::Value::Null);
    // A settlement of an old PC that died before shipping it: the server
    // has no visit, but its outBizNo names the counter (another day's list).
    let yesterday = (chrono::Local::now() - chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let counter_part = matched.rsplitn(3, '-').nth(2).unwrap();
    let lost = format!("{counter_part}-20261206093000123-ZZ");
    let lost_file = t.dir.path().join("his-yesterday.csv");
    std::fs::write(
        &lost_file,
        format!(
            "setl_id,outBizNo,totalFee,state
S-OLD-PC,{lost},66.00,SUCCESS
"
        ),
    )
    .unwrap();
    let old_pc = cli
        .run(&[
            "reconcile",
            "--file",
            &lost_file.display().to_string(),
            "--date",
            &yesterday,
        ])
        .await;
    let only = &old_pc.json["differences"][0];
    assert_eq!(only["kind"], "his_only", "{}", old_pc.json);
    assert_eq!(only["counterId"], "W01", "{}", old_pc.json);

    // 财务 explains one: it leaves the open list, audited with who and where.
    let id = find("his_only")["id"].as_i64().unwrap().to_string();
    let explained = cli
        .run(&[
            "central",
            "explain",
            "--difference",
            &id,
            "--note",
            "HIS 测试数据，已作废",
        ])
        .await;
    assert!(explained.ok, "{} {}", explained.json, explained.stderr);
    let open = cli.run(&["central", "differences", "--date", &today]).await;
    assert_eq!(open.json.as_array().unwrap().len(), 5, "{}", open.json);
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT counter_id || '|' || operator_id || '|' || detail FROM central_audit"
        )
        .trim(),
        "W01|0107|HIS 测试数据，已作废"
    );

    // The HIS corrects its list: what is no longer found leaves the open list;
    // the explanation stays with its difference.
    let corrected = his.replace(
        "S-NOBODY-KNOWS,,88.00,SUCCESS\n",
        &format!(
            "S-NOBODY-KNOWS,,88.00,SUCCESS\n{},{unknown_to_his},120.50,SUCCESS\n",
            setl_id(&unknown_to_his)
        ),
    );
    std::fs::write(&file, corrected).unwrap();
    let again = cli
        .run(&["reconcile", "--file", &file_arg, "--date", &today])
        .await;
    assert_eq!(again.json["hospital"]["terminalOnly"], 0, "{}", again.json);
    assert_eq!(again.json["hospital"]["matched"], 4);
    let still = again.json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "his_only")
        .unwrap()
        .clone();
    assert_eq!(still["note"], "HIS 测试数据，已作废");
    let open = cli.run(&["central", "differences", "--date", &today]).await;
    assert_eq!(open.json.as_array().unwrap().len(), 4, "{}", open.json);

    // 财务/信息科 reads the differences (an operator of the hospital's
    // directory, its new role on the server); a cashier does not, and the
    // administrators' commands stay closed to 财务.
    for (id, role) in [("0305", "finance"), ("0410", "cashier")] {
        let added = cli.add_operator(id, "黄丽", role, "2468").await;
        assert!(added.ok, "{} {}", added.json, added.stderr);
    }
    let as_ = |id: &str| {
        cli.env("FACEPAY_ADMIN_ID", id)
            .env("FACEPAY_ADMIN_PIN", "2468")
    };
    let read = as_("0305")
        .run(&["central", "differences", "--date", &today])
        .await;
    assert_eq!(read.json, open.json);
    for (id, args) in [
        ("0410", &["central", "differences", "--date", &today][..]),
        ("0305", &["operators", "list"][..]),
        ("0305", &["central", "identity-key", "--show"][..]),
    ] {
        let refused = as_(id).run(args).await;
        assert_eq!(
            refused.json["code"], "forbidden",
            "{id} {args:?}: {}",
            refused.json
        );
    }

    // A note naming a patient's number keeps it masked; the terminal's own
    // words (which may name the patient) never reach the server.
    let state_id = find("state_differs")["id"].as_i64().unwrap().to_string();
    let noted = cli
        .run(&[
            "central",
            "explain",
            "--difference",
            &state_id,
            "--note",
            "患者 44172119951207012X 当场改为自费",
        ])
        .await;
    assert!(noted.ok, "{}", noted.json);
    assert!(!pg_dump(&pg).contains("44172119951207012X"));
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT count(*) FROM calls WHERE error_message IS NOT NULL"
        )
        .trim(),
        "0"
    );
    assert_ne!(
        pg.psql_on(
            "facepay",
            "SELECT count(*) FROM calls WHERE error_code = '5001'"
        )
        .trim(),
        "0",
        "the failed delivery's code is there"
    );

    // An explanation holds for the amounts it saw: other amounts re-open it.
    let amount_id = find("amount_differs")["id"].as_i64().unwrap().to_string();
    let explained = cli
        .run(&[
            "central",
            "explain",
            "--difference",
            &amount_id,
            "--note",
            "HIS 少收 20.50，已补收",
        ])
        .await;
    assert!(explained.ok);
    let open = cli.run(&["central", "differences", "--date", &today]).await;
    assert_eq!(open.json.as_array().unwrap().len(), 2, "{}", open.json);
    let changed = std::fs::read_to_string(&file)
        .unwrap()
        .replace(",100.00,", ",99.00,");
    std::fs::write(&file, changed).unwrap();
    let rerun = cli
        .run(&["reconcile", "--file", &file_arg, "--date", &today])
        .await;
    assert!(rerun.ok, "{}", rerun.json);
    let open = cli.run(&["central", "differences", "--date", &today]).await;
    assert_eq!(
        open.json.as_array().unwrap().len(),
        3,
        "re-opened: {}",
        open.json
    );

    // A bad file changes nothing and names the line.
    std::fs::write(
        &file,
        "setl_id,outBizNo,totalFee,state\nX,Y,12.345,SUCCESS\n",
    )
    .unwrap();
    let refused = cli
        .run(&["reconcile", "--file", &file_arg, "--date", &today])
        .await;
    assert_eq!(refused.json["code"], "invalid_input", "{}", refused.json);
    assert_eq!(refused.json["field"], "file");
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("第 2 行 totalFee")
    );
    let open = cli.run(&["central", "differences", "--date", &today]).await;
    assert_eq!(open.json.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_his_reconciles_its_day_through_the_bridge() {
    use facepay_testkit::Http;
    use reqwest::{Method, StatusCode};
    let pg = PgServer::start();
    let (t, cli) = counter("W01", &pg.url()).await;
    assert!(cli.run(&["central", "init"]).await.ok);
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let now = || chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let paid = cli.new_visit().await;
    assert!(cli.settle(&paid, &now()).await.ok);
    let unknown = cli.new_visit().await;
    assert!(cli.settle(&unknown, &now()).await.ok);
    assert!(cli.run(&["central", "sync", "--wait"]).await.ok);

    let token = cli.run(&["bridge-token"]).await.json["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bridge = common::Bridge::start(&cli).await;
    let his = Http::new(&bridge.base).bearer(&token);
    let body = serde_json::json!({
        "date": today,
        "settlements": [
            {"setlId": nhsa_terminal::samples::setl_id_for(&paid).to_lowercase(),
             "outBizNo": paid, "totalFee": "120.50", "state": "SUCCESS"},
            {"setlId": "S-ONLY-IN-HIS", "totalFee": "9.00", "state": "SUCCESS"}
        ]
    })
    .to_string();
    let (status, report) = his.send(Method::POST, "/v1/reconciliation", &body).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["hospital"]["matched"], 1, "{report}");
    assert_eq!(report["hospital"]["hisOnly"], 1);
    assert_eq!(report["hospital"]["terminalOnly"], 1);
    let only = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "terminal_only")
        .unwrap()
        .clone();
    assert_eq!(only["outBizNo"], unknown.as_str());

    // A bad line: 422 naming it, nothing kept.
    let bad = body.replace("\"9.00\"", "\"9.001\"");
    let (status, error) = his.send(Method::POST, "/v1/reconciliation", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["field"], "settlements");
    assert!(
        error["message"].as_str().unwrap().contains("第 1 条"),
        "{error}"
    );
    let (status, error) = his
        .send(
            Method::POST,
            "/v1/reconciliation",
            r#"{"date":"2026-02-30","settlements":[]}"#,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["field"], "date");
    bridge.kill();

    // A counter without the central server says so.
    let alone = t.env_remove("FACEPAY_CENTRAL_URL");
    let bridge = common::Bridge::start(&alone).await;
    let his = Http::new(&bridge.base).bearer(&token);
    let keyed = |his: &Http| {
        his.request(Method::POST, "/v1/reconciliation")
            .header("content-type", "application/json")
            .header("Idempotency-Key", "recon-2026-12-06")
            .body(body.clone())
    };
    let (status, error) = facepay_testkit::json(keyed(&his)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["code"], "central_not_configured");
    bridge.kill();
    // Nothing was done: once the server is configured, the same key is used afresh.
    let bridge = common::Bridge::start(&cli).await;
    let his = Http::new(&bridge.base).bearer(&token);
    let (status, report) = facepay_testkit::json(keyed(&his)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["hospital"]["matched"], 1);
    bridge.kill();
}

/// Operator `id` as `facepay operators list` shows it at this counter.
async fn listed(cli: &Cli, id: &str) -> Option<Value> {
    let list = cli.run(&["operators", "list"]).await;
    assert!(list.ok, "{} {}", list.json, list.stderr);
    list.json
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .cloned()
}

/// What a protected command answers for the credential `id`/`pin` (a
/// cashier's right PIN is `forbidden`: known, but not an administrator).
async fn credential(cli: &Cli, id: &str, pin: &str) -> String {
    let r = cli
        .env("FACEPAY_ADMIN_ID", id)
        .env("FACEPAY_ADMIN_PIN", pin)
        .run(&["audit"])
        .await;
    if r.ok {
        return "ok".into();
    }
    r.json["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn operators_live_on_the_server_reach_every_counter_and_sign_in_works_with_it_down() {
    let pg = PgServer::start();
    let (_w01, cli01) = counter("W01", &pg.url()).await;
    let (_w02, cli02) = counter("W02", &pg.url()).await;
    // Before W02 joins the hospital it had a cashier of its own.
    let local = cli02
        .add_operator("0555", "赵本地", "cashier", "5555")
        .await;
    assert!(local.ok, "{}", local.json);

    // `central init` founds the directory with the first counter's operators.
    let init = cli01.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    assert_eq!(
        pg.psql_on("facepay", "SELECT id, role, active FROM operators")
            .trim(),
        "0107|admin|t"
    );
    enroll(&cli01, &cli02).await;
    let joined = cli02.run(&["central", "sync", "--wait"]).await;
    assert!(joined.ok, "{} {}", joined.json, joined.stderr);
    assert_eq!(
        listed(&cli02, "0555").await.unwrap()["active"],
        false,
        "an operator only W02 knew is disabled when it joins"
    );
    assert_eq!(credential(&cli02, "0555", "5555").await, "wrong_pin");
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT count(*) FROM operators WHERE id = '0555'"
        )
        .trim(),
        "0",
        "and never reaches the hospital's directory"
    );

    // Added at W01, it is on the server at once; W02 checks sign-ins against
    // the directory while it answers, and keeps a copy at its next pull.
    let added = cli01
        .add_operator("0201", "陈收费", "cashier", "2468")
        .await;
    assert!(added.ok, "{} {}", added.json, added.stderr);
    assert!(
        cli01
            .add_operator("0202", "黄药房", "cashier", "1357")
            .await
            .ok
    );
    assert_eq!(credential(&cli02, "0201", "2468").await, "forbidden");
    assert!(cli02.run(&["central", "sync", "--wait"]).await.ok);
    assert_eq!(listed(&cli02, "0201").await.unwrap()["name"], "陈收费");
    let twice = cli02
        .add_operator("0201", "另一人", "cashier", "9999")
        .await;
    assert_eq!(twice.json["field"], "id", "{}", twice.json);

    // A PIN reset and a role change at W02 hold at W01 at once.
    let row = "SELECT pin_hash, seal, revision FROM operators WHERE id = '0201'";
    let before_reset = pg.psql_on("facepay", row);
    let reset = cli02
        .env("FACEPAY_NEW_PIN", "8642")
        .run(&["operators", "update", "--id", "0201", "--reset-pin"])
        .await;
    assert!(reset.ok, "{} {}", reset.json, reset.stderr);
    let promoted = cli02
        .run(&["operators", "update", "--id", "0202", "--role", "admin"])
        .await;
    assert!(promoted.ok, "{}", promoted.json);
    assert_eq!(credential(&cli01, "0201", "2468").await, "wrong_pin");
    assert_eq!(credential(&cli01, "0201", "8642").await, "forbidden");
    assert_eq!(credential(&cli01, "0202", "1357").await, "ok");
    assert!(cli01.run(&["central", "sync", "--wait"]).await.ok);

    // The row as it was before the reset, sealed and all, copied back past
    // the counters: W01 has seen a newer one and does not believe it.
    let after_reset = pg.psql_on("facepay", row);
    let put_back = |fields: &str| {
        let f: Vec<&str> = fields.trim().split('|').collect();
        format!(
            "UPDATE operators SET pin_hash = '{}', seal = '{}', revision = {} WHERE id = '0201'",
            f[0], f[1], f[2]
        )
    };
    pg.psql_on("facepay", &put_back(&before_reset));
    assert_eq!(credential(&cli01, "0201", "2468").await, "wrong_pin");
    assert_eq!(credential(&cli01, "0201", "8642").await, "forbidden");
    pg.psql_on("facepay", &put_back(&after_reset));

    // Disabled at W02, 0202 is refused at W01 before W01 has pulled it, and
    // the directory refuses a change from it made with W01's stale copy.
    assert!(
        cli02
            .run(&["operators", "update", "--id", "0202", "--disable"])
            .await
            .ok
    );
    assert_eq!(credential(&cli01, "0202", "1357").await, "wrong_pin");
    let key = cli01.run(&["central", "identity-key", "--show"]).await;
    let key = facepay_central::IdentityKey::from_hex(&key.json.to_string()).unwrap();
    let url = facepay_central::CentralUrl::parse(&pg.url(), None).unwrap();
    let refused = std::thread::scope(|s| {
        s.spawn(|| {
            facepay_central::directory::add(
                &mut url.connect().unwrap(),
                &key,
                "0202",
                &facepay_central::directory::NewEntry {
                    id: "0666",
                    name: "后门",
                    role: facepay_journal::Role::Admin,
                    pin_hash: "x",
                },
                "W01/0202",
                "2026-12-06 10:00:00.000",
            )
        })
        .join()
        .unwrap()
    });
    assert!(
        matches!(
            refused,
            Err(facepay_central::CentralError::ActorRefused(ref id)) if id == "0202"
        ),
        "{refused:?}"
    );

    // The hospital keeps an administrator: not the last one, disabled anywhere.
    let last = cli02
        .run(&["operators", "update", "--id", "0107", "--disable"])
        .await;
    assert_eq!(last.json["field"], "active", "{}", last.json);
    assert!(last.json["message"].as_str().unwrap().contains("全院唯一"));

    // A login to the database alone makes nobody an administrator: an entry
    // written past the counters lacks the hospital's seal and is refused.
    let sealed = pg.psql_on(
        "facepay",
        "SELECT revision FROM operators WHERE id = '0201'",
    );
    pg.psql_on(
        "facepay",
        "UPDATE operators SET role = 'admin', revision = nextval('operator_revision')
         WHERE id = '0201'",
    );
    assert_eq!(credential(&cli01, "0201", "8642").await, "wrong_pin");
    assert!(cli01.run(&["central", "sync", "--wait"]).await.ok);
    assert_eq!(listed(&cli01, "0201").await.unwrap()["role"], "cashier");
    pg.psql_on(
        "facepay",
        &format!(
            "UPDATE operators SET role = 'cashier', revision = {} WHERE id = '0201'",
            sealed.trim()
        ),
    );

    // Wrong PINs count at every counter while the server answers: three at
    // W01 and two at W02 lock 0201 everywhere, its right PIN included.
    for _ in 0..3 {
        assert_eq!(credential(&cli01, "0201", "0000").await, "wrong_pin");
    }
    assert_eq!(credential(&cli02, "0201", "0000").await, "wrong_pin");
    assert_eq!(credential(&cli02, "0201", "0000").await, "pin_locked");
    assert_eq!(credential(&cli01, "0201", "8642").await, "pin_locked");

    // The server down: sign-in works against each counter's copy, the
    // lockout W01 was told of holds there, and an operator change is refused
    // with the reason, nothing changed.
    pg.crash();
    assert_eq!(credential(&cli02, "0107", common::ADMIN_PIN).await, "ok");
    assert_eq!(credential(&cli01, "0201", "8642").await, "pin_locked");
    assert_eq!(credential(&cli02, "0201", "8642").await, "pin_locked");
    let refused = cli02
        .add_operator("0301", "刘新人", "cashier", "3030")
        .await;
    assert_eq!(
        refused.json["code"], "central_unreachable",
        "{}",
        refused.json
    );
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("连不上全院库"),
        "{}",
        refused.json
    );
    assert!(listed(&cli02, "0301").await.is_none());
    pg.start_again();
    assert!(
        cli02
            .add_operator("0301", "刘新人", "cashier", "3030")
            .await
            .ok
    );
    assert!(cli01.run(&["central", "sync", "--wait"]).await.ok);
    assert_eq!(credential(&cli01, "0301", "3030").await, "forbidden");

    // A PIN reset lifts the lockout where it was kept, at once while online.
    let reset = cli02
        .env("FACEPAY_NEW_PIN", "9753")
        .run(&["operators", "update", "--id", "0201", "--reset-pin"])
        .await;
    assert!(reset.ok, "{}", reset.json);
    assert_eq!(credential(&cli01, "0201", "9753").await, "forbidden");

    // A lockout written past the counters is held five minutes at most,
    // and lifted when the directory lifts it.
    pg.psql_on(
        "facepay",
        "UPDATE operators SET locked_until = '2099-01-01' WHERE id = '0301'",
    );
    assert_eq!(credential(&cli01, "0301", "3030").await, "pin_locked");
    let until = listed(&cli01, "0301").await.unwrap()["lockedUntil"].clone();
    assert!(
        until.as_str().is_some_and(|u| u < "2099"),
        "held until {until}"
    );
    pg.psql_on(
        "facepay",
        "UPDATE operators SET locked_until = NULL WHERE id = '0301'",
    );
    assert_eq!(credential(&cli01, "0301", "3030").await, "forbidden");

    // A revision pushed to the end of time by hand does not stop a counter
    // taking what the directory says next.
    let sealed = pg.psql_on(
        "facepay",
        "SELECT revision FROM operators WHERE id = '0202'",
    );
    pg.psql_on(
        "facepay",
        "UPDATE operators SET revision = 9223372036854775807 WHERE id = '0202'",
    );
    assert!(cli01.run(&["central", "sync", "--wait"]).await.ok);
    let added = cli02
        .add_operator("0302", "周新人", "cashier", "3131")
        .await;
    assert!(added.ok, "{}", added.json);
    assert!(cli01.run(&["central", "sync", "--wait"]).await.ok);
    assert_eq!(listed(&cli01, "0302").await.unwrap()["active"], true);
    pg.psql_on(
        "facepay",
        &format!(
            "UPDATE operators SET revision = {} WHERE id = '0202'",
            sealed.trim()
        ),
    );
}

#[tokio::test]
async fn the_newest_counter_upgrades_the_schema_once_every_other_counter_can_follow() {
    use facepay_central::{CentralUrl, IdentityKey, schema};
    let pg = PgServer::start();
    // A hospital still on schema 3, with a counter W09 whose build never said
    // which schema it can write.
    let key = IdentityKey::generate().unwrap();
    let url = CentralUrl::parse(&pg.url(), None).unwrap();
    // postgres' blocking client runs a runtime of its own: not on the test's.
    let on_server = |f: &(dyn Fn(&mut facepay_central::Client) + Sync)| {
        std::thread::scope(|s| {
            s.spawn(|| f(&mut url.connect().unwrap())).join().unwrap();
        });
    };
    on_server(&|c| schema::init_up_to(c, &key, 3).unwrap());
    pg.psql_on(
        "facepay",
        "INSERT INTO counters (counter_id, journal_id) VALUES ('W09', 'old-pc')",
    );
    let (_w01, cli01) = counter("W01", &pg.url()).await;
    let enrolled = cli01
        .run_with(
            &["central", "identity-key", "--enroll"],
            format!("{}\n", key.to_hex().as_str()),
        )
        .await;
    assert!(enrolled.ok, "{}", enrolled.json);
    a_morning(&cli01, 2).await;

    let waits = cli01.run(&["central", "sync", "--wait"]).await;
    assert_eq!(waits.code, Some(1));
    assert_eq!(
        waits.json["code"], "central_schema_too_old",
        "{}",
        waits.json
    );
    assert!(
        waits.json["message"].as_str().unwrap().contains("W09"),
        "names the counter to upgrade first: {}",
        waits.json
    );
    let version = "SELECT max(version) FROM refinery_schema_history";
    assert_eq!(pg.psql_on("facepay", version).trim(), "3");
    // Still serving meanwhile.
    a_morning(&cli01, 1).await;

    // W09 retired: every remaining counter can follow, so W01 upgrades.
    pg.psql_on("facepay", "DELETE FROM counters WHERE counter_id = 'W09'");
    let upgraded = cli01.run(&["central", "sync", "--wait"]).await;
    assert!(upgraded.ok, "{} {}", upgraded.json, upgraded.stderr);
    assert_eq!(
        pg.psql_on("facepay", version).trim(),
        schema::supported().to_string()
    );
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT counter_id, action FROM central_audit WHERE action = 'schema_upgrade'"
        )
        .trim(),
        "W01|schema_upgrade"
    );
    assert_eq!(
        pg.psql_on(
            "facepay",
            "SELECT supported_schema FROM heartbeats WHERE counter_id = 'W01'"
        )
        .trim(),
        schema::supported().to_string(),
        "its heartbeat says what its build writes"
    );
    assert_eq!(
        pg.psql_on("facepay", "SELECT count(*) FROM settlements")
            .trim(),
        "5",
        "and the mornings waiting on it are shipped (3 + 2, refunds included)"
    );

    // The next upgrade waits for every counter whose build is older than it.
    let (_w02, cli02) = counter("W02", &pg.url()).await;
    enroll(&cli01, &cli02).await;
    assert!(cli02.run(&["central", "sync", "--wait"]).await.ok);
    let next = schema::supported() + 1;
    on_server(&|c| {
        assert_eq!(schema::held_back_by(c, "W01", next).unwrap(), ["W02"]);
        let current = schema::held_back_by(c, "W01", schema::supported()).unwrap();
        assert!(current.is_empty(), "{current:?}");
    });
    pg.psql_on(
        "facepay",
        &format!("UPDATE heartbeats SET supported_schema = {next} WHERE counter_id = 'W02'"),
    );
    on_server(&|c| {
        let waiting = schema::held_back_by(c, "W01", next).unwrap();
        assert!(waiting.is_empty(), "{waiting:?}");
    });
}
