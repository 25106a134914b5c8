//! A replaced counter PC (docs/central.md §3.2): the new PC's fresh journal
//! takes over its counter's history from a real PostgreSQL, and the old PC's
//! journal is refused from then on.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::central::{DAY, a_morning, counter, enroll, fen, local_net_fen};
use common::{journal_key, refund_json};
use facepay_testkit::postgres::PgServer;

/// The stamp part of one of our outBizNo (`…-yyyyMMddHHmmssSSS-XX`).
fn stamp(out_biz_no: &str) -> String {
    let mut parts = out_biz_no.rsplitn(3, '-');
    parts.next();
    parts.next().unwrap().to_owned()
}

#[tokio::test]
async fn a_replaced_pc_takes_over_its_counters_history_and_the_old_one_is_refused() {
    let pg = PgServer::start();
    let (_old, old) = counter("W03", &pg.url()).await;
    let init = old.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    a_morning(&old, 3).await;
    // Paid at the old PC; the patient comes back for the refund after the swap.
    let later_refunded = old.new_visit().await;
    let paid = old
        .settle(&later_refunded, &format!("{DAY} 10:30:00"))
        .await;
    assert!(paid.ok, "{} {}", paid.json, paid.stderr);
    let newest_old = old.new_visit().await;
    let synced = old.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    let old_net = local_net_fen(&old).await;
    let audit_of_old_pc = || {
        pg.psql_on(
            "facepay",
            "SELECT local_id, action, at FROM audit WHERE counter_id = 'W03' ORDER BY local_id",
        )
    };
    let old_audit = audit_of_old_pc();
    assert!(old_audit.lines().count() > 3, "{old_audit}");

    // The new PC, set up as IT does: its own administrator, the key, the id.
    let (new_pc, new) = counter("W03", &pg.url()).await;
    enroll(&old, &new).await;
    // Before the restore the server refuses it, as any second journal.
    let early = new.run(&["central", "sync", "--wait"]).await;
    assert_eq!(
        early.json["code"], "central_counter_taken",
        "{}",
        early.json
    );

    // Restoring another counter's id, or one the server never saw, changes nothing.
    let other = new.run(&["central", "restore", "--counter", "W04"]).await;
    assert_eq!(other.json["field"], "counter", "{}", other.json);
    let unknown = new
        .env("FACEPAY_COUNTER_ID", "W09")
        .run(&["central", "restore", "--counter", "W09"])
        .await;
    assert_eq!(unknown.json["code"], "not_found", "{}", unknown.json);
    let no_admin = new
        .env_remove("FACEPAY_ADMIN_PIN")
        .run(&["central", "restore", "--counter", "W03"])
        .await;
    assert!(!no_admin.ok, "{}", no_admin.json);

    // A PC that already served patients is refused before the server hands
    // the counter over: the old PC is not stranded by it.
    let (_used, used) = counter("W03", &pg.url()).await;
    enroll(&old, &used).await;
    used.new_visit().await;
    let dirty = used.run(&["central", "restore", "--counter", "W03"]).await;
    assert_eq!(dirty.json["field"], "counter", "{}", dirty.json);
    let still_old = old.run(&["central", "sync", "--wait"]).await;
    assert!(still_old.ok, "{} {}", still_old.json, still_old.stderr);
    // A counter that still beats is in use: not taken over (a mistyped id,
    // an old PC not yet switched off).
    let alive = new.run(&["central", "restore", "--counter", "W03"]).await;
    assert_eq!(alive.json["field"], "counter", "{}", alive.json);
    assert!(
        alive.json["message"].as_str().unwrap().contains("仍在使用"),
        "{}",
        alive.json
    );
    // The old PC died ten minutes ago.
    pg.psql_on(
        "facepay",
        "UPDATE heartbeats SET at = now() - interval '10 minutes' WHERE counter_id = 'W03'",
    );

    // A restore cut off after the server handed the counter over, before it
    // wrote here (the server fails while the history is read): this PC takes
    // no payment until a restore finishes, so none is stranded between the
    // two journals, and its sync says why.
    pg.psql_on("facepay", "ALTER TABLE shifts RENAME TO shifts_away");
    let cut = new.run(&["central", "restore", "--counter", "W03"]).await;
    assert!(!cut.ok, "{}", cut.json);
    // Paused, a mistyped id is not taken for a new plan.
    let typo = new.run(&["central", "restore", "--counter", "W04"]).await;
    assert!(
        typo.json["message"]
            .as_str()
            .unwrap()
            .contains("本机正在恢复收银台 W03"),
        "{}",
        typo.json
    );
    let scan = new.run(&["auth"]).await;
    assert_eq!(scan.json["code"], "restore_unfinished", "{}", scan.json);
    assert!(
        scan.json["message"]
            .as_str()
            .unwrap()
            .contains("facepay central restore --counter W03"),
        "{}",
        scan.json
    );
    let settled = new
        .settle(&later_refunded, &format!("{DAY} 11:00:00"))
        .await;
    assert_eq!(
        settled.json["code"], "restore_unfinished",
        "{}",
        settled.json
    );
    let unfinished = new.run(&["central", "sync"]).await;
    assert_eq!(
        unfinished.json["code"], "restore_unfinished",
        "{}",
        unfinished.json
    );
    assert!(
        unfinished.json["message"]
            .as_str()
            .unwrap()
            .contains("换机恢复尚未完成"),
        "{}",
        unfinished.json
    );
    pg.psql_on("facepay", "ALTER TABLE shifts_away RENAME TO shifts");

    let restored = new.run(&["central", "restore", "--counter", "W03"]).await;
    assert!(restored.ok, "{} {}", restored.json, restored.stderr);
    assert_eq!(restored.json["visits"], 5, "{}", restored.json);
    assert_eq!(restored.json["settlements"], 5, "four paid, one refund");
    assert!(restored.json["calls"].as_u64().unwrap() >= 10);
    // The newest of every number the old PC sent (its last identity check's, here).
    let floor = restored.json["outBizNoFloor"].as_str().unwrap().to_owned();
    assert!(floor >= stamp(&newest_old), "{floor} {newest_old}");
    let again = new.run(&["central", "restore", "--counter", "W03"]).await;
    assert_eq!(again.json["code"], "duplicate", "{}", again.json);

    // Its history and 日结 are the old PC's, masked: no full identity came back.
    assert_eq!(local_net_fen(&new).await, old_net);
    let history = new.run(&["history", "--out-biz-no", &later_refunded]).await;
    let rows = history.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", history.json);
    let name = rows[0]["userName"].as_str().unwrap();
    assert!(name.contains('*'), "masked: {name}");
    let plain = new_pc.dir.path().join("plain.db");
    facepay_journal::rewrite::decrypt_copy(&new_pc.db, &journal_key(&new_pc.db), &plain).unwrap();
    let conn = rusqlite::Connection::open(&plain).unwrap();
    let full: i64 = conn
        .query_row(
            "SELECT count(*) FROM visits WHERE id_no IS NOT NULL OR ec_token IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(full, 0);
    drop(conn);

    // The patient's refund of a settlement made on the old PC, at the new one.
    let refund = new
        .notify(refund_json(&later_refunded, &format!("{DAY} 15:00:00")))
        .await;
    assert!(refund.ok, "{} {}", refund.json, refund.stderr);
    let refunded = new.run(&["history", "--out-biz-no", &later_refunded]).await;
    let rows = refunded.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{}", refunded.json);
    assert!(
        rows.iter().all(|r| r["userName"] == name),
        "the refund shows the person as the restored payment does: {}",
        refunded.json
    );
    // A new PC whose clock is behind the old one's never repeats a number.
    let behind = new.at("-2d").new_visit().await;
    assert!(stamp(&behind) > floor, "{behind} after {floor}");

    let synced = new.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    assert_eq!(synced.json["pending"], 0, "{}", synced.json);
    let hospital = new.run(&["central", "summary", "--date", DAY]).await;
    assert!(hospital.ok, "{}", hospital.json);
    assert_eq!(fen(&hospital.json["totalFee"]), old_net - 12050);
    let count = |sql: &str| pg.psql_on("facepay", sql).trim().to_owned();
    assert_eq!(
        count("SELECT count(*) FROM settlements WHERE counter_id = 'W03'"),
        "6"
    );
    assert_eq!(
        count("SELECT count(*) FROM visits WHERE counter_id = 'W03'"),
        "6"
    );
    // The old PC's audit is as it shipped it; the new PC's own lines follow it.
    let now = audit_of_old_pc();
    assert!(
        now.starts_with(old_audit.trim_end()),
        "{old_audit}\n---\n{now}"
    );
    assert!(
        count("SELECT count(*) FROM audit WHERE counter_id = 'W03' AND action = 'central_restore'")
            == "1"
    );

    // The old PC, switched on again, is refused and keeps its rows; it
    // changes nobody's operators either.
    a_morning(&old, 1).await;
    let refused = old.run(&["central", "sync", "--wait"]).await;
    assert_eq!(
        refused.json["code"], "central_counter_taken",
        "{}",
        refused.json
    );
    assert!(
        refused.json["advice"].as_str().unwrap().contains("export"),
        "told its records stay here: {}",
        refused.json
    );
    let operator = old.add_operator("0999", "测试员", "admin", "2468").await;
    assert_eq!(
        operator.json["code"], "central_counter_taken",
        "{}",
        operator.json
    );
    assert_eq!(
        count("SELECT count(*) FROM operators WHERE id = '0999'"),
        "0"
    );
    assert_eq!(
        count("SELECT count(*) FROM settlements WHERE counter_id = 'W03'"),
        "6"
    );
}

/// Two PCs restoring one counter: the second finds it in use while the
/// first restores, and a PC that lost the counter part-way keeps nothing
/// and stays paused, whatever it tries short of a restore that finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_is_restored_onto_one_pc_and_the_one_that_lost_it_stays_paused() {
    let pg = std::sync::Arc::new(PgServer::start());
    let (_old, old) = counter("W03", &pg.url()).await;
    let init = old.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    a_morning(&old, 2).await;
    let synced = old.run(&["central", "sync", "--wait"]).await;
    assert!(synced.ok, "{} {}", synced.json, synced.stderr);
    // The old PC is switched off.
    pg.psql_on(
        "facepay",
        "UPDATE heartbeats SET at = now() - interval '10 minutes' WHERE counter_id = 'W03'",
    );
    let (_first_pc, first) = counter("W03", &pg.url()).await;
    enroll(&old, &first).await;
    let (_second_pc, second) = counter("W03", &pg.url()).await;
    enroll(&old, &second).await;

    // The first PC's restore is held by a slow server while it reads the history.
    let slow = {
        let pg = std::sync::Arc::clone(&pg);
        std::thread::spawn(move || {
            pg.psql_on(
                "facepay",
                "BEGIN; LOCK TABLE visits IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;",
            )
        })
    };
    let held = || {
        pg.psql_on(
            "facepay",
            "SELECT count(*) FROM pg_locks WHERE relation = 'visits'::regclass
                                            AND mode = 'AccessExclusiveLock' AND granted",
        )
    };
    while held().trim() != "1" {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let restoring = tokio::spawn({
        let first = first.clone();
        async move { first.run(&["central", "restore", "--counter", "W03"]).await }
    });
    let token = || {
        pg.psql_on(
            "facepay",
            "SELECT last_token FROM counters WHERE counter_id = 'W03'",
        )
    };
    while !token().starts_with("restore-") {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Taken over, the counter beats for the first PC: the second is refused
    // and may go on taking payments as whatever it is.
    let second_try = second
        .run(&["central", "restore", "--counter", "W03"])
        .await;
    assert!(
        second_try.json["message"]
            .as_str()
            .unwrap()
            .contains("仍在使用"),
        "{}",
        second_try.json
    );
    let second_status = second.run(&["central", "status"]).await;
    assert_eq!(
        second_status.json["thisCounterRestoreUnfinished"], false,
        "{}",
        second_status.json
    );

    // Meanwhile a third PC takes the counter (90 s later, as far as the
    // server can tell): the first writes nothing and stays paused.
    pg.psql_on(
        "facepay",
        "UPDATE counters SET journal_id = 'a-third-pc', last_token = 'restore-a-third-pc'
         WHERE counter_id = 'W03'",
    );
    slow.join().unwrap();
    let lost = restoring.await.unwrap();
    assert_eq!(lost.json["code"], "restore_unfinished", "{}", lost.json);
    assert!(
        lost.json["message"]
            .as_str()
            .unwrap()
            .contains("另一份记录库"),
        "{}",
        lost.json
    );
    assert!(
        lost.json["advice"].as_str().unwrap().contains("另一台电脑"),
        "{}",
        lost.json
    );
    let paused = first.run(&["auth"]).await;
    assert_eq!(paused.json["code"], "restore_unfinished", "{}", paused.json);
    let status = first.run(&["central", "status"]).await;
    assert_eq!(
        status.json["thisCounterRestoreUnfinished"], true,
        "{}",
        status.json
    );
    let kept = first.run(&["history"]).await;
    assert!(kept.ok, "{} {}", kept.json, kept.stderr);
    assert_eq!(
        kept.json["rows"].as_array().unwrap().len(),
        0,
        "nothing of the old PC's history was kept: {}",
        kept.json
    );

    // It stays paused, and never takes the counter back, not even once
    // the PC that won it has been quiet for a while (its payments would
    // then be the ones stranded): the way out is a new id and journal.
    pg.psql_on(
        "facepay",
        "UPDATE heartbeats SET at = now() - interval '10 minutes' WHERE counter_id = 'W03'",
    );
    let again = first.run(&["central", "restore", "--counter", "W03"]).await;
    assert_eq!(again.json["code"], "restore_unfinished", "{}", again.json);
    assert!(
        again.json["advice"].as_str().unwrap().contains("新的编号"),
        "{}",
        again.json
    );
    assert_eq!(
        token().trim(),
        "restore-a-third-pc",
        "the counter stays with the PC that took it"
    );
    // Nor does a server that no longer knows the counter (a wrong or
    // rebuilt database) or another counter's id end the pause.
    let typo = first.run(&["central", "restore", "--counter", "W04"]).await;
    assert!(
        typo.json["advice"].as_str().unwrap().contains("新的编号"),
        "{}",
        typo.json
    );
    pg.psql("CREATE DATABASE rebuilt OWNER facepay");
    let rebuilt = format!("{}/rebuilt", pg.url().rsplit_once('/').unwrap().0);
    let (_w01_pc, w01) = counter("W01", &rebuilt).await;
    enroll(&old, &w01).await;
    let init = w01.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    let elsewhere = first
        .env("FACEPAY_CENTRAL_URL", &rebuilt)
        .run(&["central", "restore", "--counter", "W03"])
        .await;
    assert_eq!(
        elsewhere.json["code"], "restore_unfinished",
        "{}",
        elsewhere.json
    );
    let still = first.run(&["auth"]).await;
    assert_eq!(still.json["code"], "restore_unfinished", "{}", still.json);
}
