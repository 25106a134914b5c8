//! A hospital's day under failure: twenty counters (each its own journal,
//! written as the counter writes it, and its own `facepay` processes
//! shipping) send to one real PostgreSQL while a proxy cuts every
//! connection again and again and the server crashes once. Afterwards the
//! hospital's totals are the counters' to the 分, no row is there twice or
//! missing, and every counter's position agrees on both sides.
//!
//! `FACEPAY_HOSPITAL_VISITS` sets the visits per counter (500 by default).

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Cli, journal_key, temp_db};
use facepay_journal::{Journal, SystemClock, replication};
use facepay_testkit::postgres::{PASSWORD, PgServer};
use facepay_testkit::proxy::TcpProxy;
use nhsa_terminal::protocol::SettleNotify;
use nhsa_terminal::samples;

const COUNTERS: usize = 20;
const DAY: &str = "2026-11-25";

/// What one counter wrote: settlements and its net in 分.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Written {
    visits: i64,
    rows: i64,
    net_fen: i64,
}

fn notify(counter: &str, n: usize, state: &str) -> SettleNotify {
    let out_biz_no = format!("H44170200001{counter}{n:012}");
    let mut draft = samples::settle_success_draft(&out_biz_no, None);
    draft.medical_settle_state = state.into();
    draft.setl_time = format!("{DAY} {:02}:{:02}:{:02}", 8 + n / 3600, n / 60 % 60, n % 60);
    // Amounts vary so a row lost or doubled cannot hide in a multiple.
    let fen = 1000 + (n as i64 * 37) % 9000;
    let yuan = |f: i64| format!("{}.{:02}", f / 100, f % 100);
    draft.total_fee = yuan(fen);
    draft.own_amt = Some(yuan(fen / 4));
    draft.acct_amt = Some(yuan(fen / 4));
    draft.hif_amt = Some(yuan(fen - 2 * (fen / 4)));
    draft.hifp_amt = draft.hif_amt.clone();
    SettleNotify::try_from(draft).unwrap()
}

/// The person of a counter's visit `n`: a full name and 证件号 that must
/// never reach the server.
fn person(counter: &str, n: usize) -> (String, String) {
    let digits: String = counter[1..]
        .chars()
        .map(|d| {
            "零一二三四五六七八九"
                .chars()
                .nth(d as usize - '0' as usize)
                .unwrap()
        })
        .collect();
    (
        format!("陈{digits}强"),
        format!("441702199001{}{n:04}", &counter[1..]),
    )
}

/// The counter's day, written into its journal as the desk writes it: the
/// visit with its person in one commit, its settlement in the next; every
/// tenth refunded.
fn a_day_at(counter: &str, db: &std::path::Path, visits: usize) -> Written {
    let mut journal = Journal::open(db, &journal_key(db), "test", Arc::new(SystemClock)).unwrap();
    let counter_id = facepay_journal::CounterId::new(counter).unwrap();
    let mut written = Written::default();
    for n in 0..visits {
        let paid = notify(counter, n, "SUCCESS");
        let (name, id_no) = person(counter, n);
        let who = nhsa_terminal::protocol::Identity::stored(
            &name,
            &id_no,
            Some("01".into()),
            None,
            None,
            None,
        );
        let now = journal.now();
        let visit = journal
            .write(|tx| {
                let visit = facepay_journal::visits::insert(
                    tx,
                    &facepay_journal::visits::NewVisit {
                        out_biz_no: paid.out_biz_no.as_str(),
                        counter_id: &counter_id,
                        operator_id: paid.operator_id.as_str(),
                        operator_name: paid.operator_name.as_str(),
                        office_id: "0301",
                        office_name: "挂号收费处",
                        business_type: "01101",
                        source: facepay_journal::Source::Panel,
                        credential: facepay_journal::Credential::Face,
                    },
                    &now,
                )?;
                facepay_journal::visits::set_identity(tx, visit, &who, &now)?;
                Ok::<_, facepay_journal::JournalError>(visit)
            })
            .unwrap();
        written.visits += 1;
        let now = journal.now();
        let recorded = journal
            .write(|tx| facepay_journal::settlements::record(tx, &paid, Some(visit), None, &now))
            .unwrap();
        written.rows += 1;
        written.net_fen += i64::try_from(paid.total_fee.fen()).unwrap();
        if n % 10 == 0 {
            let refund = notify(counter, n, "REFUND_SUCCESS");
            let now = journal.now();
            journal
                .write(|tx| {
                    facepay_journal::settlements::record(
                        tx,
                        &refund,
                        None,
                        Some(recorded.settlement_id),
                        &now,
                    )
                })
                .unwrap();
            written.rows += 1;
            written.net_fen -= i64::try_from(refund.total_fee.fen()).unwrap();
        }
    }
    written
}

fn acknowledged_locally(db: &std::path::Path) -> i64 {
    let journal = Journal::open(db, &journal_key(db), "test", Arc::new(SystemClock)).unwrap();
    replication::position(journal.conn())
        .unwrap()
        .unwrap()
        .acknowledged_seq
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_counters_ship_through_cut_connections_and_a_crash_and_the_hospital_adds_up() {
    let visits: usize = std::env::var("FACEPAY_HOSPITAL_VISITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let pg = Arc::new(PgServer::start());
    let proxy = Arc::new(TcpProxy::start(pg.port));
    let through_proxy = format!(
        "postgres://facepay:{PASSWORD}@127.0.0.1:{}/facepay",
        proxy.port
    );

    // Twenty counters, installed as IT would: an administrator, the key.
    let mut counters = Vec::new();
    for i in 1..=COUNTERS {
        let id = format!("W{i:02}");
        let (dir, db) = temp_db();
        let cli = Cli::new(&db, "http://127.0.0.1:9")
            .env("FACEPAY_COUNTER_ID", &id)
            .env("FACEPAY_CENTRAL_URL", &through_proxy);
        cli.first_admin().await;
        counters.push((id, dir, db, cli));
    }
    let first = &counters[0].3;
    let init = first.run(&["central", "init"]).await;
    assert!(init.ok, "{} {}", init.json, init.stderr);
    let key = first.run(&["central", "identity-key", "--show"]).await;
    let key = key.json["identityKey"].as_str().unwrap().to_owned();
    for (_, _, _, cli) in &counters[1..] {
        let enrolled = cli
            .run_with(&["central", "identity-key", "--enroll"], key.clone())
            .await;
        assert!(enrolled.ok, "{}", enrolled.json);
    }

    // The day: writers, shippers and the chaos all at once.
    let writing_done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = counters
        .iter()
        .map(|(id, _, db, _)| {
            let (id, db) = (id.clone(), db.clone());
            std::thread::spawn(move || a_day_at(&id, &db, visits))
        })
        .collect();
    let shippers: Vec<_> = counters
        .iter()
        .map(|(_, _, _, cli)| {
            let (cli, done) = (cli.clone(), Arc::clone(&writing_done));
            std::thread::spawn(move || {
                let mut attempts = 0;
                while !done.load(Ordering::SeqCst) {
                    // Failures are expected while the network is cut.
                    let _ = cli.cmd(&["central", "sync"]).output().unwrap();
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(300));
                }
                attempts
            })
        })
        .collect();
    let crashed = Arc::new(AtomicBool::new(false));
    let chaos = {
        let (pg, proxy) = (Arc::clone(&pg), Arc::clone(&proxy));
        let (done, crashed) = (Arc::clone(&writing_done), Arc::clone(&crashed));
        std::thread::spawn(move || {
            let mut cut = 0;
            std::thread::sleep(Duration::from_millis(800));
            cut += proxy.cut();
            pg.crash();
            std::thread::sleep(Duration::from_millis(1500));
            pg.start_again();
            crashed.store(true, Ordering::SeqCst);
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(400));
                cut += proxy.cut();
            }
            cut
        })
    };
    let written: Vec<Written> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    // The day ends once the crash is behind it, and the shippers had a round after it.
    while !crashed.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    writing_done.store(true, Ordering::SeqCst);
    let connections_cut = chaos.join().unwrap();
    let attempts: usize = shippers.into_iter().map(|s| s.join().unwrap()).sum();
    assert!(connections_cut > 0, "the proxy cut live connections");
    assert!(
        attempts >= COUNTERS,
        "every counter tried to ship during the day"
    );

    // The network back: each counter catches up.
    for (id, _, _, cli) in &counters {
        let synced = cli.run(&["central", "sync", "--wait"]).await;
        assert!(synced.ok, "{id}: {} {}", synced.json, synced.stderr);
        assert_eq!(synced.json["pending"], 0, "{id}: {}", synced.json);
    }

    let per_counter = pg.psql_on(
        "facepay",
        "SELECT counter_id, count(*), sum(CASE state WHEN 'SUCCESS' THEN total_fee_fen
                                                    WHEN 'REFUND_SUCCESS' THEN -total_fee_fen END)
         FROM settlements GROUP BY counter_id ORDER BY counter_id",
    );
    let expected: String = counters
        .iter()
        .zip(&written)
        .map(|((id, ..), w)| format!("{id}|{}|{}\n", w.rows, w.net_fen))
        .collect();
    assert_eq!(
        per_counter, expected,
        "every counter's rows and net, to the 分"
    );
    let visits_per_counter = pg.psql_on(
        "facepay",
        "SELECT counter_id, count(*) FROM visits GROUP BY counter_id ORDER BY counter_id",
    );
    let expected: String = counters
        .iter()
        .zip(&written)
        .map(|((id, ..), w)| format!("{id}|{}\n", w.visits))
        .collect();
    assert_eq!(visits_per_counter, expected, "every counter's visits");
    // Each visit's person went up masked, with the keyed hash only.
    for (id, ..) in &counters {
        for n in [0, visits / 2, visits - 1] {
            let (name, id_no) = person(id, n);
            let found = pg.psql_on(
                "facepay",
                &format!(
                    "SELECT (SELECT count(*) FROM visits v WHERE v::text LIKE '%{id_no}%'
                                                        OR v::text LIKE '%{name}%')
                          + (SELECT count(*) FROM settlements s WHERE s::text LIKE '%{id_no}%'
                                                        OR s::text LIKE '%{name}%'),
                            (SELECT count(*) FROM visits WHERE counter_id = '{id}'
                                 AND id_hmac IS NOT NULL AND user_name_masked LIKE '陈%')"
                ),
            );
            assert_eq!(found.trim(), format!("0|{visits}"), "{id} visit {n}");
        }
    }
    let twice = pg.psql_on(
        "facepay",
        "SELECT count(*) FROM (SELECT counter_id, out_biz_no, state FROM settlements
                               GROUP BY 1, 2, 3 HAVING count(*) > 1) AS t",
    );
    assert_eq!(twice.trim(), "0", "no settlement twice");

    let hospital = first.run(&["central", "summary", "--date", DAY]).await;
    assert!(hospital.ok, "{}", hospital.json);
    let net: i64 = written.iter().map(|w| w.net_fen).sum();
    let total = hospital.json["totalFee"].as_str().unwrap().replace('.', "");
    assert_eq!(total.parse::<i64>().unwrap(), net);

    for (id, _, db, _) in &counters {
        let server: i64 = pg
            .psql_on(
                "facepay",
                &format!("SELECT acknowledged_seq FROM counters WHERE counter_id = '{id}'"),
            )
            .trim()
            .parse()
            .unwrap();
        assert_eq!(
            server,
            acknowledged_locally(db),
            "{id}'s position on both sides"
        );
    }
}
