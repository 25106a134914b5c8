//! Kill `facepay` with SIGKILL at many points of auth, notify, the outbox's
//! re-delivery, export and close-day, and check after every kill: the file is
//! intact, every acknowledged row survived, nothing was recorded or sent
//! twice, no half-written export stands as a finished one, and calls caught
//! in flight come back as unknown (待确认) — never lost, never failures.
//! `FACEPAY_CRASH_KILLS` sets the number of kills (CI: 50; scripts/crash.sh: 200).

#![cfg(unix)]
#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use common::{Counter, export, finish, settle_json};
use facepay_journal::{FixedClock, Journal};
use facepay_sim::{Behaviour, Script};

fn kills_wanted() -> usize {
    std::env::var("FACEPAY_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}

/// What a round runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Auth,
    Notify,
    Deliver,
    Export,
    CloseDay,
}

const OPS: [Op; 6] = [
    Op::Auth,
    Op::Notify,
    Op::Auth,
    Op::Notify,
    Op::Deliver,
    Op::Export,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_many_points_loses_and_duplicates_nothing() {
    let t = Counter::start().await;
    let mut rng = fastrand::Rng::with_seed(2026);
    // What each completed run told its caller: these must survive every later kill.
    let mut acknowledged_visits: Vec<String> = Vec::new();
    let mut acknowledged_settlements: HashMap<i64, String> = HashMap::new();
    let mut kills = 0;
    let mut interrupted = 0;
    let mut kills_by_op: HashMap<String, usize> = HashMap::new();
    let wanted = kills_wanted();
    let exports = tempfile::tempdir().unwrap();

    // Bounded: most rounds end in a kill, some complete (and are acknowledged).
    for round in 0..wanted * 4 {
        if kills >= wanted {
            break;
        }
        let op = if round % 7 == 6 {
            Op::CloseDay
        } else {
            OPS[round % OPS.len()]
        };
        let auth = op == Op::Auth;
        // The terminal takes 0–80 ms (and now and then is busy, so the outbox
        // has re-deliveries to make); we kill 0–120 ms after start.
        let reply = if rng.u8(0..5) == 0 {
            Behaviour::Error {
                code: 5001,
                message: "终端忙".into(),
            }
        } else {
            Behaviour::Normal
        };
        t.sim
            .sim
            .push_script(Script::any(reply).delayed(rng.u64(0..80)));
        let notify_body = settle_json(&format!("CRASH-{round}"), "2026-11-25 09:30:00");
        let export_file = exports.path().join(format!("export-{round}.xlsx"));
        let day = format!("2026-01-{:02}", 1 + round % 28);
        let mut cmd = t.cmd(&match op {
            Op::Auth => vec!["auth"],
            Op::Notify => vec!["notify", "--json", "-"],
            // Due at once: the journal's retries are scheduled by the wall clock.
            Op::Deliver => vec!["outbox", "--deliver"],
            Op::Export => export("2026-11-01", "2026-11-30", "xlsx", &export_file),
            Op::CloseDay => vec!["close-day", "--date", &day],
        });
        if op == Op::Notify {
            cmd.stdin(std::process::Stdio::piped());
        }
        let delay = Duration::from_millis(rng.u64(0..120));
        // Every fifth round is left to finish, so there are acknowledged rows
        // to check after later kills even when a loaded machine needs longer
        // than the kill window for every command.
        let spared = round % 5 == 4;
        let body = notify_body.clone();
        let (killed, run) = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().unwrap();
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                let _ = stdin.write_all(body.as_bytes());
            }
            std::thread::sleep(delay);
            let killed = !spared && child.try_wait().unwrap().is_none() && child.kill().is_ok();
            (
                killed,
                finish_or_killed(child.wait_with_output().unwrap(), killed),
            )
        })
        .await
        .unwrap();
        t.sim.sim.clear_scripts();
        if killed {
            kills += 1;
            *kills_by_op.entry(format!("{op:?}")).or_default() += 1;
        } else if let Some(run) = run {
            let busy = run.json["code"] == "terminal" || run.json["code"] == "duplicate";
            assert!(run.ok || busy, "round {round} ({op:?}): {}", run.json);
            match op {
                Op::Auth if run.ok => {
                    acknowledged_visits.push(run.json["outBizNo"].as_str().unwrap().to_owned());
                }
                Op::Notify if run.ok => {
                    acknowledged_settlements.insert(
                        run.json["settlementId"].as_i64().unwrap(),
                        format!("CRASH-{round}"),
                    );
                }
                _ => {}
            }
        }
        if op == Op::Export && export_file.exists() {
            // Written beside and renamed: a file under the final name is whole.
            let bytes = std::fs::read(&export_file).unwrap();
            assert!(
                bytes.starts_with(b"PK"),
                "round {round}: a half-written export"
            );
            assert!(
                !exports
                    .path()
                    .join(format!("export-{round}.partial"))
                    .exists()
                    || killed
            );
        }
        interrupted = check(&t, &acknowledged_visits, &acknowledged_settlements);
        if killed && !auth {
            // The cashier submits the same settlement again: recorded once, whatever the kill interrupted.
            let rerun = t.notify(notify_body).await;
            assert!(
                rerun.ok || rerun.json["code"] == "duplicate",
                "round {round}: {}",
                rerun.json
            );
            let count = with_journal(&t.db, |j| {
                j.conn()
                    .query_row(
                        "SELECT count(*) FROM settlements WHERE out_biz_no = ?1",
                        [format!("CRASH-{round}")],
                        |r| r.get::<_, i64>(0),
                    )
                    .unwrap()
            });
            assert_eq!(
                count, 1,
                "round {round}: the settlement exists exactly once"
            );
        }
    }
    eprintln!("{kills} kills by operation: {kills_by_op:?}; {interrupted} calls found interrupted");
    assert!(kills >= wanted, "only {kills} kills");
    for op in ["Auth", "Notify", "Deliver", "Export"] {
        assert!(
            kills_by_op.get(op).is_some_and(|&n| n > 0),
            "no kill during {op}: {kills_by_op:?}"
        );
    }
    assert!(
        interrupted >= 5,
        "the kills must also land mid-call (only {interrupted} did)"
    );
    assert!(!acknowledged_visits.is_empty() && !acknowledged_settlements.is_empty());
}

fn finish_or_killed(out: std::process::Output, killed: bool) -> Option<common::Run> {
    if killed { None } else { Some(finish(out)) }
}

fn with_journal<T>(db: &std::path::Path, f: impl FnOnce(&Journal) -> T) -> T {
    // Opening runs the recovery a restarted panel would run.
    let j = Journal::open(
        db,
        &common::journal_key(db),
        "crash-check",
        Arc::new(FixedClock::at("2026-11-25 12:00:00")),
    )
    .unwrap();
    f(&j)
}

/// Returns how many calls were found interrupted (in flight at the kill).
fn check(t: &Counter, visits: &[String], settlements: &HashMap<i64, String>) -> usize {
    let db = &t.db;
    // Killed before its key was written (the first rounds on a loaded
    // machine): then there is no journal either — the key comes first.
    if !common::key_file(db).exists() {
        assert!(
            !db.exists() || std::fs::metadata(db).is_ok_and(|m| m.len() == 0),
            "a journal without its key"
        );
        assert!(visits.is_empty() && settlements.is_empty());
        return 0;
    }
    with_journal(db, |j| {
        j.integrity_check().unwrap();
        let c = j.conn();
        let in_flight: i64 = c
            .query_row(
                "SELECT count(*) FROM calls WHERE status = 'in_flight'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            in_flight, 0,
            "every call of a dead process is resolved to unknown at open"
        );
        for v in visits {
            let identified: bool = c
                .query_row(
                    "SELECT id_no IS NOT NULL FROM visits WHERE out_biz_no = ?1",
                    [v],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(identified, "acknowledged visit {v} lost its identity");
        }
        for (id, no) in settlements {
            let found: String = c
                .query_row(
                    "SELECT out_biz_no FROM settlements WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(&found, no);
        }
        // Nothing duplicated: in the journal, and on the wire.
        let dup_numbers: i64 = c
            .query_row(
                "SELECT count(*) FROM (SELECT out_biz_no FROM calls WHERE trans_type <> 'cn.nhsa.settle.notify'
                 GROUP BY out_biz_no HAVING count(*) > 1)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(dup_numbers, 0);
        let mut sent = HashSet::new();
        for r in t.sim.sim.received() {
            if r.trans_type.as_deref() != Some("cn.nhsa.settle.notify") {
                let no = r.data().unwrap()["outBizNo"].as_str().unwrap().to_owned();
                assert!(
                    sent.insert(no.clone()),
                    "outBizNo {no} went to the terminal twice"
                );
            }
        }
        let delivered_twice: i64 = c
            .query_row(
                "SELECT count(*) FROM (SELECT settlement_id FROM calls WHERE status = 'ok' AND settlement_id IS NOT NULL
                 GROUP BY settlement_id HAVING count(*) > 1)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            delivered_twice, 0,
            "a settlement was delivered more than once"
        );
        c.query_row(
            "SELECT count(*) FROM calls WHERE error_kind = 'interrupted'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize
    })
}

/// Four counters' processes on one journal for `FACEPAY_CONCURRENT_SECS`
/// (default 60): every acknowledged row is there, nothing doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_at_once_for_a_minute() {
    let secs: u64 = std::env::var("FACEPAY_CONCURRENT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let t = Counter::start().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut workers = Vec::new();
    for counter in ["W01", "W02", "W03", "W04"] {
        let cli = t.env("FACEPAY_COUNTER_ID", counter);
        workers.push(tokio::spawn(async move {
            let mut acknowledged = (Vec::new(), HashMap::new());
            let mut round = 0;
            while std::time::Instant::now() < deadline {
                round += 1;
                let visit = cli.run(&["auth"]).await;
                assert!(visit.ok, "{counter} auth: {}", visit.json);
                let no = visit.out_biz_no();
                acknowledged.0.push(no.clone());
                let paid = cli.settle(&no, "2026-11-25 09:30:00").await;
                assert!(paid.ok, "{counter} notify: {}", paid.json);
                acknowledged
                    .1
                    .insert(paid.json["settlementId"].as_i64().unwrap(), no);
                if round % 5 == 0 {
                    assert!(cli.run(&["history", "--limit", "50"]).await.ok);
                }
            }
            acknowledged
        }));
    }
    let (mut visits, mut settlements) = (Vec::new(), HashMap::new());
    for w in workers {
        let (v, s) = w.await.unwrap();
        visits.extend(v);
        settlements.extend(s);
    }
    eprintln!(
        "4 processes, {secs} s: {} visits, {} settlements",
        visits.len(),
        settlements.len()
    );
    assert!(visits.len() >= 8, "too little happened: {}", visits.len());
    check(&t, &visits, &settlements);
}
