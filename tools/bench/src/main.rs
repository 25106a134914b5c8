//! `cargo run --release -p facepay-bench -- --rows 1000000`
//!
//! Builds (or reuses) a journal of N generated settlements and measures what
//! the targets in BENCHMARKS.md name. Prints a Markdown table.

mod bridge;
mod central;
mod generate;
mod sign_in;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use facepay_core::api::{Desk, DeskConfig, ExportRequest};
use facepay_journal::export::ExportFormat;
use facepay_journal::history::{HistoryFilter, search};
use facepay_journal::{Connection, FixedClock, Journal, SystemClock, summary};
use facepay_sim::SimServer;
use nhsa_terminal::protocol::notify::SettleNotifyDraft;
use nhsa_terminal::protocol::{BizType, MedicalSettleState};
use nhsa_terminal::transport::HttpTransport;
use nhsa_terminal::{Terminal, samples};

#[derive(Debug, Parser)]
struct Args {
    /// Settlements in the generated journal.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Queries per measured filter.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Where the generated journal is kept between runs.
    #[arg(long, default_value = "target/bench-data")]
    data: PathBuf,
    /// Only compare a notify through the HIS bridge with the same call in-process.
    #[arg(long)]
    bridge: bool,
    /// Only time wrong PINs for an existing and an unknown 工号.
    #[arg(long)]
    sign_in: bool,
    /// Only the central server's figures (issue 20): a real PostgreSQL
    /// started for the run, `--central-rows` settlements in it.
    #[arg(long)]
    central: bool,
    /// Settlements generated on the central server for its queries.
    #[arg(long, default_value_t = 10_000_000)]
    central_rows: u64,
    /// Visits a counter makes while offline before it catches up.
    #[arg(long, default_value_t = 1000)]
    offline_visits: usize,
    /// Only make (or extend) the journal and print its path: for
    /// scripts/measure-keys.sh, which opens it in the real window.
    #[arg(long)]
    generate_only: bool,
}

/// The `percent`-th percentile (nearest rank).
pub(crate) fn pct(mut v: Vec<Duration>, percent: usize) -> Duration {
    v.sort();
    v[(v.len() - 1) * percent / 100]
}

pub(crate) fn ms(d: Duration) -> String {
    let us = d.as_micros();
    format!("{}.{:02} ms", us / 1000, us % 1000 / 10)
}

#[allow(clippy::print_stdout)]
pub(crate) fn row(what: &str, measured: String, target: &str) {
    println!("| {what} | {measured} | {target} |");
}

fn main() {
    let args = Args::parse();
    if args.generate_only {
        // Only the path: scripts/measure-keys.sh reads it.
        println!("{}", generated(&args).display());
        return;
    }
    println!("| measure | p95 (or as stated) | target |\n|---|---|---|");
    if args.bridge {
        let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(bridge::overhead(args.samples));
        return;
    }
    if args.sign_in {
        sign_in::run(args.samples);
        return;
    }
    if args.central {
        central::run(args.samples, args.offline_visits, args.central_rows);
        return;
    }
    // First, on a quiet machine: the generated journal's writes would still be
    // flushing and inflate every fsync.
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let sim = SimServer::loopback()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (desk, bare) = desk_on(&scratch.path().join("rt.db"), &sim.url());
        report_round_trips("", round_trips(&desk, &bare, args.samples).await);
    });
    let db = generated(&args);
    let journal =
        Journal::open(&db, &bench_key(&db), "bench", clock()).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = fastrand::Rng::with_seed(99);

    let c = journal.conn();
    history_searches(c, args.rows, args.samples, &mut rng);
    day_summaries(c, args.samples, &mut rng);
    exports(c);
    drop(journal);
    rt.block_on(round_trips_during_export(&db, args.samples));
}

/// The generated journal's clock: the evening of its last business day.
fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at("2026-11-25 18:00:00"))
}

/// The journal of `args.rows` settlements, made or extended now.
fn generated(args: &Args) -> PathBuf {
    std::fs::create_dir_all(&args.data).unwrap_or_else(|e| panic!("{}: {e}", args.data.display()));
    // "by-day": the layout of `generate::day_of` (a journal of the older,
    // interleaved layout is not reused).
    let db = args.data.join(format!("bench-{}-by-day.db", args.rows));
    let started = Instant::now();
    let mut journal =
        Journal::open(&db, &bench_key(&db), "bench", clock()).unwrap_or_else(|e| panic!("{e}"));
    let existing: u64 = journal
        .conn()
        .query_row("SELECT count(*) FROM settlements", [], |r| r.get(0))
        .unwrap_or(0);
    if existing < args.rows {
        generate::settlements(&mut journal, existing, args.rows);
        eprintln!(
            "generated {} settlements in {:.1?}",
            args.rows - existing,
            started.elapsed()
        );
    }
    db
}

/// 历史 by every filter staff use, p95 each.
fn history_searches(c: &Connection, rows: u64, samples: usize, rng: &mut fastrand::Rng) {
    type Make = Box<dyn Fn(&mut fastrand::Rng) -> HistoryFilter>;
    let s = Some::<String>;
    let filters: Vec<(&str, Make)> = vec![
        (
            "history: one business day",
            Box::new(move |r| {
                generate::one_day(HistoryFilter {
                    from: s(generate::day(r)),
                    ..Default::default()
                })
            }),
        ),
        (
            "history: operator",
            Box::new(move |r| HistoryFilter {
                operator_id: s(generate::operator(r)),
                ..Default::default()
            }),
        ),
        (
            "history: office",
            Box::new(move |r| HistoryFilter {
                office_id: s(generate::office(r)),
                ..Default::default()
            }),
        ),
        (
            "history: state REFUND_FAIL (rare)",
            Box::new(move |_| HistoryFilter {
                state: Some(MedicalSettleState::RefundFail),
                ..Default::default()
            }),
        ),
        (
            "history: bizType drugStore",
            Box::new(move |_| HistoryFilter {
                biz_type: Some(BizType::DrugStore),
                ..Default::default()
            }),
        ),
        (
            "history: name",
            Box::new(move |r| HistoryFilter {
                user_name: s(generate::name(r)),
                ..Default::default()
            }),
        ),
        (
            "history: last 4 of 证件号",
            Box::new(move |r| HistoryFilter {
                id_last4: s(format!("{:04}", r.u32(0..10000))),
                ..Default::default()
            }),
        ),
        (
            "history: outBizNo",
            Box::new(move |r| HistoryFilter {
                out_biz_no: s(generate::out_biz_no(r.u64(0..rows))),
                ..Default::default()
            }),
        ),
        (
            "history: authNo",
            Box::new(move |r| HistoryFilter {
                auth_no: s(generate::auth_no(r.u64(0..rows))),
                ..Default::default()
            }),
        ),
        (
            "history: medicalSettleNo",
            Box::new(move |r| HistoryFilter {
                medical_settle_no: s(generate::settle_no(r.u64(0..rows))),
                ..Default::default()
            }),
        ),
        (
            "history: operator + day + state",
            Box::new(move |r| {
                generate::one_day(HistoryFilter {
                    operator_id: s(generate::operator(r)),
                    state: Some(MedicalSettleState::Success),
                    from: s(generate::day(r)),
                    ..Default::default()
                })
            }),
        ),
        (
            "history: page 20 of all (keyset)",
            Box::new(move |_| HistoryFilter::default()),
        ),
    ];
    for (name, make) in &filters {
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let mut f = make(rng);
            let t = Instant::now();
            let mut page = search(c, &f).unwrap_or_else(|e| panic!("{e}"));
            if name.contains("page 20") {
                for _ in 0..19 {
                    f.before = page.next_cursor.clone();
                    page = search(c, &f).unwrap_or_else(|e| panic!("{e}"));
                }
            }
            times.push(t.elapsed());
            std::hint::black_box(page);
        }
        row(name, ms(pct(times, 95)), "≤ 20 ms");
    }
}

/// 日结 of a day, for every operator and for one.
fn day_summaries(c: &Connection, samples: usize, rng: &mut fastrand::Rng) {
    // Targets: issue 19's.
    for (name, per_operator, target) in [
        ("日结: one day, every operator", false, "≤ 5 ms"),
        ("日结: one day, one operator", true, "–"),
    ] {
        let mut times = Vec::new();
        for _ in 0..samples {
            let day = generate::day(rng);
            let op = generate::operator(rng);
            let t = Instant::now();
            let sums = summary::day(c, &day, per_operator.then_some(op.as_str()))
                .unwrap_or_else(|e| panic!("{e}"));
            times.push(t.elapsed());
            std::hint::black_box(sums);
        }
        row(name, ms(pct(times, 95)), target);
    }
}

/// 100 k rows out, as XLSX and as CSV.
fn exports(c: &Connection) {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (from, to) = generate::range_of(c, 100_000);
    let filter = HistoryFilter {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let t = Instant::now();
    let n = facepay_journal::export::export(
        c,
        &filter,
        ExportFormat::Xlsx,
        false,
        &out.path().join("x.xlsx"),
        |_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    row(
        &format!("export {n} rows to XLSX"),
        ms(t.elapsed()),
        "≤ 1500 ms (100 k rows)",
    );
    let t = Instant::now();
    let n = facepay_journal::export::export(
        c,
        &filter,
        ExportFormat::Csv,
        false,
        &out.path().join("x.csv"),
        |_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    row(&format!("export {n} rows to CSV"), ms(t.elapsed()), "–");
}

/// A desk on `db` talking to the simulator at `url`, and a bare terminal beside it.
/// The key of a bench journal, in the key file its desk uses too.
fn bench_key(db: &std::path::Path) -> facepay_journal::JournalKey {
    let file = facepay_keystore::KeyFile::at(db.with_extension("keys").join("journal.key"));
    let fresh = facepay_journal::JournalKey::generate().unwrap_or_else(|e| panic!("{e}"));
    let hex = file
        .create(&fresh.to_hex())
        .unwrap_or_else(|e| panic!("{e}"));
    facepay_journal::JournalKey::from_hex(&hex).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn desk_on(db: &std::path::Path, url: &str) -> (Arc<Desk>, Terminal) {
    let transport = Arc::new(HttpTransport::new(url).unwrap_or_else(|e| panic!("{e}")));
    let bare = Terminal::new(samples::org_id(), transport, Default::default());
    (desk_with_clock(db, url, Arc::new(SystemClock)), bare)
}

/// The bench's counter on a journal at `db`, talking to `url`, on `clock`.
pub(crate) fn desk_with_clock(
    db: &std::path::Path,
    url: &str,
    clock: Arc<dyn facepay_journal::Clock>,
) -> Arc<Desk> {
    desk_configured(db, url, clock, None)
}

/// [`desk_with_clock`], shipping to the central server when given
/// `(server, counter id)` (each journal ships under a counter id of its own).
pub(crate) fn desk_configured(
    db: &std::path::Path,
    url: &str,
    clock: Arc<dyn facepay_journal::Clock>,
    central: Option<(&str, &str)>,
) -> Arc<Desk> {
    let transport = Arc::new(HttpTransport::new(url).unwrap_or_else(|e| panic!("{e}")));
    let mut cfg = facepay_core::config::FileConfig::default();
    cfg.override_from(|k| match k {
        "FACEPAY_DB" => Some(db.display().to_string()),
        "FACEPAY_JOURNAL_KEY_FILE" => Some(
            db.with_extension("keys")
                .join("journal.key")
                .display()
                .to_string(),
        ),
        "FACEPAY_TERMINAL_URL" => Some(url.to_owned()),
        "FACEPAY_ORG_ID" => Some(samples::ORG_ID.into()),
        "FACEPAY_HOSPITAL_NAME" => Some(samples::HOSPITAL_NAME.into()),
        "FACEPAY_COUNTER_ID" => Some(central.map_or("W01", |(_, id)| id).into()),
        "FACEPAY_OPERATOR_ID" => Some("0107".into()),
        "FACEPAY_OPERATOR_NAME" => Some("林晓燕".into()),
        "FACEPAY_OFFICE_ID" => Some("0301".into()),
        "FACEPAY_OFFICE_NAME" => Some("挂号收费处".into()),
        "FACEPAY_CENTRAL_URL" => central.map(|(url, _)| url.to_owned()),
        _ => None,
    });
    let cfg: DeskConfig = cfg.validate().unwrap_or_else(|e| panic!("{e}"));
    let desk = Desk::with_parts(cfg, transport, clock, "bench").unwrap_or_else(|e| panic!("{e}"));
    Arc::new(desk)
}

/// auth + check + notify, `samples` times (after 20 warm-ups): bare HTTP
/// round trips and the journaled workflow; their p50s.
async fn round_trips(desk: &Desk, bare: &Terminal, samples: usize) -> (Duration, Duration) {
    let (mut plain, mut journaled) = (Vec::new(), Vec::new());
    for i in 0..samples + 20 {
        let tag = fastrand::u64(..);
        let t = Instant::now();
        let auth_no = bare
            .call(&samples::ec_auth(&format!("B-{tag}-A")))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .data
            .auth_no;
        bare.call(&samples::auth_check(&format!("B-{tag}-C"), &auth_no))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        bare.call(&samples::settle_success(
            &format!("B-{tag}-A"),
            Some(auth_no.as_str()),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let bare_time = t.elapsed();

        let t = Instant::now();
        let visit = desk
            .face_auth(std::future::pending())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Settled now, after its scan (the panel refuses a time before it).
        // Its own setl_id (one setl_id, one settlement).
        let draft = SettleNotifyDraft {
            setl_time: String::new(),
            ..samples::settle_success_draft(&visit.out_biz_no, None)
        };
        desk.notify(draft).await.unwrap_or_else(|e| panic!("{e}"));
        let journaled_time = t.elapsed();
        if i >= 20 {
            plain.push(bare_time);
            journaled.push(journaled_time);
        }
    }
    (pct(plain, 50), pct(journaled, 50))
}

fn report_round_trips(label: &str, (p, j): (Duration, Duration)) {
    row(
        &format!("auth + check + notify, bare HTTP (p50){label}"),
        ms(p),
        "–",
    );
    row(
        &format!("auth + check + notify, journaled (p50){label}"),
        ms(j),
        "–",
    );
    row(
        &format!("journal overhead (p50 difference){label}"),
        ms(j.saturating_sub(p)),
        "≤ 2 ms",
    );
}

/// The counter goes on while 历史 exports the whole journal: the journaled
/// round trip measured on the same journal file during a full CSV export.
async fn round_trips_during_export(db: &std::path::Path, samples: usize) {
    let sim = SimServer::loopback()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (desk, bare) = desk_on(db, &sim.url());
    let (from, to) = desk.with_journal(|j| generate::range_of(j.conn(), u64::MAX));
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let exporter = {
        let desk = Arc::clone(&desk);
        let file = out.path().join("all.csv");
        tokio::task::spawn_blocking(move || {
            let request = ExportRequest {
                from,
                to,
                format: ExportFormat::Csv,
                unmasked: false,
            };
            let t = Instant::now();
            let rows = desk
                .export(&request, &file, |_| {}, None)
                .unwrap_or_else(|e| panic!("{e}"));
            (rows, t.elapsed())
        })
    };
    // Let the export get going before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let measured = round_trips(&desk, &bare, samples).await;
    // On a small journal (CI's smoke run) the export ends first: say so
    // rather than report a figure that measured nothing.
    let overlapped = !exporter.is_finished();
    let (rows, took) = exporter.await.unwrap_or_else(|e| panic!("{e}"));
    let label = if overlapped {
        format!(", during a {rows}-row export")
    } else {
        format!(", after a {rows}-row export ended (not concurrent: journal too small)")
    };
    report_round_trips(&label, measured);
    row(
        &format!("export {rows} rows to CSV (concurrently)"),
        ms(took),
        "–",
    );
}
