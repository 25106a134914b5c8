//! The cashier's keys timed in the real window (issue 19), as BENCHMARKS.md
//! reports them: F2 → the waiting state painted, F6 → the first page of 历史
//! painted, a filter's 查询 → its rows painted, F7 → 日结 painted. The app marks
//! each key where it is handled and each answer once its frame is painted
//! (`ui/src/marks.ts`); this reads the marks over WebDriver and pairs them
//! across the two windows by wall-clock time.
//!
//! Run by `scripts/measure-keys.sh`, which builds the panel and the journal:
//! `KEYS_APP` the panel to start (the script's faketime wrapper),
//! `KEYS_JOURNAL` the journal it opens (a copy: the run writes to it),
//! `KEYS_SAMPLES` presses of each key (default 10).

#![allow(clippy::print_stdout)] // the report is what it prints
#![allow(clippy::unwrap_used)] // a harness fails by panicking, like a test

use std::path::PathBuf;
use std::time::{Duration, Instant};

use facepay_e2e::fantoccini::Client;
use facepay_e2e::{Panel, Seat, fill, first_admin, press, switch_to, wait_for, wait_text};
use facepay_sim::{Behaviour, Script, SimServer, TransType};

/// How long the simulated terminal takes to answer a face scan: long enough
/// that the waiting state is what F2's frame shows.
const SCAN_MS: u64 = 400;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let app = PathBuf::from(var("KEYS_APP"));
    let journal = PathBuf::from(var("KEYS_JOURNAL"));
    let samples: usize = std::env::var("KEYS_SAMPLES").map_or(10, |s| s.parse().unwrap());
    let key_file = journal.with_extension("keys").join("journal.key");

    let sim = SimServer::loopback().await.unwrap();
    let seat = Seat::W01;
    let panel = Panel::open_app(
        &app,
        &sim.url(),
        seat,
        "",
        &[
            ("FACEPAY_DB", journal.display().to_string()),
            ("FACEPAY_JOURNAL_KEY_FILE", key_file.display().to_string()),
        ],
    )
    .await;
    let c = &panel.c;
    first_admin(c, "0107", "林晓燕", "246810").await;
    wait_text(c, "#status-bar", "终端在线").await;

    let mut f2 = Vec::new();
    for _ in 0..samples {
        wait_for(c, "#scan").await;
        sim.sim.push_script(
            Script::for_trans(
                TransType::parse("cn.nhsa.ec.auth").unwrap(),
                Behaviour::Normal,
            )
            .delayed(SCAN_MS),
        );
        press(c, "F2").await;
        f2.push(answered(c, "F2", "F2", false).await);
        wait_for(c, "#identity-id").await;
        press(c, "Escape").await;
    }

    // The first F6 creates the records window; later ones find it.
    wait_for(c, "#scan").await;
    press(c, "F6").await;
    let first_f6 = answered(c, "F6", "history", true).await;
    let (mut f6, mut f7) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        switch_to(c, false).await;
        press(c, "F7").await;
        f7.push(answered(c, "F7", "day", true).await);
        switch_to(c, false).await;
        press(c, "F6").await;
        f6.push(answered(c, "F6", "history", true).await);
    }

    // 查询 after a filter change, in the records window: one filter at a time.
    switch_to(c, true).await;
    let filters: [(&str, &[&str]); 4] = [
        ("operatorId", &["0101", "0107", "0113", "0119"]),
        ("officeId", &["0301", "0305", "0309"]),
        ("userName", &["陈", "李秀英", "黄"]),
        ("idLast4", &["1234", "0042", "9876"]),
    ];
    let mut filtered = Vec::new();
    for i in 0..samples {
        let (field, values) = filters[i % filters.len()];
        fill(c, field, values[i / filters.len() % values.len()]).await;
        press(c, "Enter").await;
        filtered.push(answered(c, "filter", "history", false).await);
        wait_for(c, &format!("[name='{field}']"))
            .await
            .clear()
            .await
            .unwrap();
    }

    println!("| key (real window, {samples} presses each) | median | max | target |");
    println!("|---|---|---|---|");
    report("F2 → waiting painted", &f2, "≤ 50 ms");
    report(
        "F6 → first page of 历史 painted, window created",
        &[first_f6],
        "≤ 150 ms",
    );
    report(
        "F6 → first page of 历史 painted, window open",
        &f6,
        "≤ 150 ms",
    );
    report(
        "查询 after a filter change → rows painted",
        &filtered,
        "≤ 150 ms",
    );
    report("F7 → 日结 painted", &f7, "≤ 150 ms");
}

/// Microseconds from the last `key:<key>:pressed` mark in the current window
/// to the first `key:<answer>:painted` mark after it, in the records window
/// when `in_records` (which is then left current).
async fn answered(c: &Client, key: &str, answer: &str, in_records: bool) -> i64 {
    let at = marks(c, &format!("key:{key}:pressed")).await;
    let pressed = *at.last().unwrap_or_else(|| panic!("no {key} pressed mark"));
    if in_records {
        switch_to(c, true).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let painted = marks(c, &format!("key:{answer}:painted")).await;
        if let Some(t) = painted.into_iter().find(|t| *t >= pressed) {
            return t - pressed;
        }
        assert!(
            Instant::now() < deadline,
            "{answer} was not painted after {key}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The wall-clock times (µs since the epoch) of the marks named `name` in the current window.
async fn marks(c: &Client, name: &str) -> Vec<i64> {
    let v = c
        .execute(
            "return performance.getEntriesByName(arguments[0], 'mark')\
               .map(m => Math.round((performance.timeOrigin + m.startTime) * 1000))",
            vec![name.into()],
        )
        .await
        .unwrap_or_else(|e| panic!("marks {name}: {e}"));
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_i64().unwrap())
        .collect()
}

fn report(what: &str, times: &[i64], target: &str) {
    let mut v = times.to_vec();
    v.sort_unstable();
    let ms = |us: i64| format!("{}.{} ms", us / 1000, us % 1000 / 100);
    let (median, max) = (ms(v[(v.len() - 1) / 2]), ms(v[v.len() - 1]));
    println!("| {what} | {median} | {max} | {target} |");
}
