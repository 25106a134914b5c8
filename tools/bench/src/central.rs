//! The central server's figures (issue 20), against a real PostgreSQL
//! started for the run: what shipping adds to the counter's round trip, a
//! day's catch-up after a day offline, and the hospital's 日结 and a
//! cross-counter search on `central_rows` settlements.

use std::sync::Arc;
use std::time::{Duration, Instant};

use facepay_central::IdentityKey;
use facepay_central::report::GroupBy;
use facepay_journal::SystemClock;
use facepay_sim::SimServer;
use facepay_testkit::postgres::PgServer;

use crate::{desk_configured, desk_on, ms, pct, round_trips, row};

/// The hospital's key on the counter at `desk_db`, the schema on the server
/// (on a thread of its own: postgres' client may not block the runtime).
fn enroll(desk_db: &std::path::Path, pg: &PgServer) -> IdentityKey {
    std::thread::scope(|s| {
        s.spawn(|| enroll_here(desk_db, pg))
            .join()
            .unwrap_or_else(|_| panic!("enrolling failed"))
    })
}

fn enroll_here(desk_db: &std::path::Path, pg: &PgServer) -> IdentityKey {
    let key = IdentityKey::generate().unwrap_or_else(|e| panic!("{e}"));
    let file = desk_db.with_extension("keys").join("central-identity.key");
    key.enroll(&facepay_keystore::KeyFile::at(file))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut client =
        postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
    facepay_central::schema::init(&mut client, &key).unwrap_or_else(|e| panic!("{e}"));
    key
}

pub fn run(samples: usize, offline_visits: usize, central_rows: u64) {
    let pg = PgServer::start();
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let sim = SimServer::loopback()
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        // The same round trip without a server and with one shipping as it
        // goes, in alternating rounds so that the machine's drift (other
        // work, the disk's flushes) falls on both alike.
        let (alone, bare) = desk_on(&scratch.path().join("alone.db"), &sim.url());
        let db = scratch.path().join("shipping.db");
        let shipping = desk_configured(
            &db,
            &sim.url(),
            Arc::new(SystemClock),
            Some((&pg.url(), "W01")),
        );
        let key = enroll(&db, &pg);
        let worker = tokio::spawn(facepay_core::api::central_worker(Arc::clone(&shipping)));
        let (mut without, mut with) = (Vec::new(), Vec::new());
        for _ in 0..10 {
            without.push(round_trips(&alone, &bare, samples / 10).await.1);
            with.push(round_trips(&shipping, &bare, samples / 10).await.1);
        }
        worker.abort();
        let (without, with) = (pct(without, 50), pct(with, 50));
        row(
            "auth + check + notify, journaled, no central server (median of 10 rounds' p50)",
            ms(without),
            "–",
        );
        row(
            "same, shipping to the central server as it goes",
            ms(with),
            "–",
        );
        row(
            "what shipping adds to the counter (p50 difference)",
            ms(with.saturating_sub(without)),
            "≤ 0.5 ms",
        );

        // A day offline: its visits made with no server, then caught up.
        let db = scratch.path().join("offline.db");
        let offline = desk_configured(
            &db,
            &sim.url(),
            Arc::new(SystemClock),
            Some((&pg.url(), "W02")),
        );
        key.enroll(&facepay_keystore::KeyFile::at(
            db.with_extension("keys").join("central-identity.key"),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        round_trips(&offline, &bare, offline_visits.saturating_sub(20)).await;
        let desk = Arc::clone(&offline);
        let (report, took) = tokio::task::spawn_blocking(move || {
            let t = Instant::now();
            let report = desk
                .central_sync(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("{e}"));
            (report, t.elapsed())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        row(
            &format!(
                "catch-up after a day offline ({offline_visits} visits, {} rows)",
                report.rows_shipped
            ),
            ms(took),
            "≤ 10 s",
        );
        let per_second =
            u128::try_from(report.rows_shipped).unwrap_or(0) * 1_000_000 / took.as_micros().max(1);
        row(
            "replication throughput",
            format!("{per_second} rows/s"),
            "≥ 5 000 rows/s",
        );
    });
    if central_rows > 0 {
        queries(&pg, samples, central_rows);
    }
}

/// `rows` settlements over a year at 20 counters, then the hospital's 日结
/// of a day and a person's settlements across counters, `samples` times.
fn queries(pg: &PgServer, samples: usize, rows: u64) {
    let mut client =
        postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    for month in 1..=12 {
        let from = chrono::NaiveDate::from_ymd_opt(2026, month, 1).unwrap_or_default();
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or_default();
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS settlements_{} PARTITION OF settlements
                 FOR VALUES FROM ('{from}') TO ('{to}')",
                from.format("%Y%m")
            ))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // Five settlements per person on average (a hospital's regulars come
    // back); md5 stands in for the keyed hash (the same width and spread).
    let people = (rows / 5).max(1);
    client
        .execute(
            "INSERT INTO settlements (counter_id, local_id, business_day, out_biz_no, state,
                 operator_id, operator_name, office_id, office_name, biz_type, user_name_masked,
                 id_no_masked, id_hmac, total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen,
                 medical_settle_no, setl_time, self_pay, source, credential, created_at)
             SELECT 'W' || lpad((1 + i % 20)::text, 2, '0'), i,
                    DATE '2026-01-01' + (i / 20 % 365)::int,
                    'H44170200001W' || lpad(i::text, 14, '0'),
                    CASE WHEN i % 10 = 0 THEN 'REFUND_SUCCESS' ELSE 'SUCCESS' END,
                    lpad((i % 40)::text, 4, '0'), '收款员', '0301', '挂号收费处', 'register',
                    '林**', '**************123*', md5((i % $1::bigint)::text),
                    1000 + i % 9000, 250, 500, 250, 500, 'S' || i,
                    TIMESTAMP '2026-01-01 08:00' + (i / 20 % 365) * INTERVAL '1 day',
                    i % 7 = 0, 'panel', 'face', now()
             FROM generate_series(1, $2::bigint) AS i",
            &[
                &i64::try_from(people).unwrap_or(1),
                &i64::try_from(rows).unwrap_or(0),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute("ANALYZE settlements")
        .unwrap_or_else(|e| panic!("{e}"));
    row(
        &format!("generate {rows} central settlements (not a target)"),
        ms(t.elapsed()),
        "–",
    );
    let mut rng = fastrand::Rng::with_seed(20);
    let mut days = Vec::new();
    let mut searches = Vec::new();
    for _ in 0..samples {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
            + chrono::Days::new(rng.u64(0..365));
        let t = Instant::now();
        let summary =
            facepay_central::report::summary(&mut client, day).unwrap_or_else(|e| panic!("{e}"));
        days.push(t.elapsed());
        assert_eq!(summary.counters.len(), 20, "every counter worked that day");
        let person: String = client
            .query_one(
                "SELECT md5($1::bigint::text)",
                &[&i64::try_from(rng.u64(0..people)).unwrap_or(0)],
            )
            .unwrap_or_else(|e| panic!("{e}"))
            .get(0);
        let t = Instant::now();
        let found = facepay_central::report::settlements_of_person(&mut client, &person, 50)
            .unwrap_or_else(|e| panic!("{e}"));
        searches.push(t.elapsed());
        assert!(!found.is_empty(), "the person has settlements");
    }
    row(
        &format!("hospital 日结 of a day, 20 counters ({rows} central rows)"),
        ms(pct(days, 95)),
        "≤ 200 ms",
    );
    row(
        &format!("a person's settlements across counters by 证件号 hash ({rows} rows)"),
        ms(pct(searches, 95)),
        "≤ 200 ms",
    );
    // The 全院汇总 over a month (30 days, a month's partition or two):
    // heavier than a day, so a tenth of the samples, each grouping alike.
    for by in GroupBy::ALL {
        let mut months = Vec::new();
        for _ in 0..(samples / 10).max(5) {
            let from = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
                + chrono::Days::new(rng.u64(0..335));
            let to = from + chrono::Days::new(29);
            let t = Instant::now();
            let report = facepay_central::report::report(&mut client, from, to, *by)
                .unwrap_or_else(|e| panic!("{e}"));
            months.push(t.elapsed());
            assert!(!report.rows.is_empty(), "the month has settlements");
        }
        row(
            &format!(
                "全院汇总 of 30 days by {} ({rows} central rows)",
                by.label()
            ),
            ms(pct(months, 95)),
            "–",
        );
    }
}
