//! Kill `facepay` with SIGKILL at many points of auth and notify, and check
//! after every kill: the file is intact, every acknowledged row survived,
//! nothing was recorded or sent twice, and calls caught in flight come back
//! as unknown (待确认) — never lost, never turned into failures.

#![cfg(unix)]
#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use common::{facepay, finish, settle_json, temp_db};
use facepay_journal::{FixedClock, Journal};
use facepay_sim::{Behaviour, Script, SimServer};

const KILLS: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_many_points_loses_and_duplicates_nothing() {
    let sim = SimServer::loopback().await.unwrap();
    let (_dir, db) = temp_db();
    let url = sim.url();
    let mut rng = fastrand::Rng::with_seed(2026);
    // What each completed run told its caller: these must survive every later kill.
    let mut acknowledged_visits: Vec<String> = Vec::new();
    let mut acknowledged_settlements: HashMap<i64, String> = HashMap::new();
    let mut kills = 0;
    let mut caught_in_flight = 0;

    // Bounded: most rounds end in a kill, some complete (and are acknowledged).
    for round in 0..KILLS * 4 {
        if kills >= KILLS {
            break;
        }
        let auth = round % 2 == 0;
        // The terminal takes 0–80 ms; we kill 0–120 ms after start.
        sim.sim
            .push_script(Script::any(Behaviour::Normal).delayed(rng.u64(0..80)));
        let notify_body = settle_json(&format!("CRASH-{round}"), "2026-11-25 09:30:00");
        let mut cmd = facepay(&db, &url);
        if auth {
            cmd.arg("auth");
        } else {
            cmd.args(["notify", "--json", "-"])
                .stdin(std::process::Stdio::piped());
        }
        let delay = Duration::from_millis(rng.u64(0..120));
        let body = notify_body.clone();
        let (killed, run) = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().unwrap();
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                let _ = stdin.write_all(body.as_bytes());
            }
            std::thread::sleep(delay);
            let killed = child.try_wait().unwrap().is_none() && child.kill().is_ok();
            (
                killed,
                finish_or_killed(child.wait_with_output().unwrap(), killed),
            )
        })
        .await
        .unwrap();
        sim.sim.clear_scripts();
        if killed {
            kills += 1;
        } else if let Some(run) = run {
            assert!(run.ok, "round {round}: {}", run.json);
            if auth {
                acknowledged_visits.push(run.json["outBizNo"].as_str().unwrap().to_owned());
            } else {
                acknowledged_settlements.insert(
                    run.json["settlementId"].as_i64().unwrap(),
                    format!("CRASH-{round}"),
                );
            }
        }
        caught_in_flight += check(&db, &acknowledged_visits, &acknowledged_settlements, &sim);
        if killed && !auth {
            // The cashier submits the same settlement again: recorded once, whatever the kill interrupted.
            let mut again = facepay(&db, &url);
            again.args(["notify", "--json", "-"]);
            let rerun = common::run(again, Some(notify_body)).await;
            assert!(
                rerun.ok || rerun.json["code"] == "duplicate",
                "round {round}: {}",
                rerun.json
            );
            let count = with_journal(&db, |j| {
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
    assert!(kills >= KILLS, "only {kills} kills");
    assert!(
        caught_in_flight >= 5,
        "the kills must also land mid-call (only {caught_in_flight} did)"
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
        "crash-check",
        Arc::new(FixedClock::at("2026-11-25 12:00:00")),
    )
    .unwrap();
    f(&j)
}

/// Returns how many calls were found interrupted (in flight at the kill).
fn check(
    db: &std::path::Path,
    visits: &[String],
    settlements: &HashMap<i64, String>,
    sim: &SimServer,
) -> usize {
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
        for r in sim.sim.received() {
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
