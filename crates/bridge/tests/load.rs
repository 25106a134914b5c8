//! A bounded load: 8 HIS clients mixing history queries, 日结 and notifies
//! (some retried under their key) for 30 s (`BRIDGE_LOAD_SECS`) against the
//! simulator. No request may fail, no settlement be lost or doubled.
//! Latencies are printed; BENCHMARKS.md records a release run:
//! `BRIDGE_LOAD_SECS=30 cargo test --release -p facepay-bridge --test load -- --nocapture`

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::His;
use reqwest::StatusCode;

const CLIENTS: usize = 8;

fn pct(v: &mut [Duration], p: usize) -> Duration {
    v.sort();
    v[(v.len() - 1) * p / 100]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_his_clients_for_thirty_seconds_lose_and_double_nothing() {
    let secs: u64 = std::env::var("BRIDGE_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let his = std::sync::Arc::new(His::start().await);
    let day = chrono::Local::now().naive_local();
    let setl_time = day.format("%Y-%m-%d %H:%M:%S").to_string();
    let date = day.format("%Y-%m-%d").to_string();
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let his = std::sync::Arc::clone(&his);
        let setl_time = setl_time.clone();
        let date = date.clone();
        tasks.push(tokio::spawn(async move {
            let mut notify_ms = Vec::new();
            let mut query_ms = Vec::new();
            let mut settled = Vec::new();
            let mut errors = Vec::new();
            let mut i = 0u64;
            while Instant::now() < until {
                i += 1;
                let started = Instant::now();
                if i.is_multiple_of(3) {
                    let out_biz_no = format!("H44170200001-L{client}-{i}");
                    let body = common::setlinfo_2207(&out_biz_no, &setl_time);
                    let key = format!("load-{client}-{i}");
                    let a = his.post("/v1/settlements", &body, Some(&key)).await;
                    notify_ms.push(started.elapsed());
                    if a.status != StatusCode::CREATED {
                        errors.push(format!("{}: {}", a.status, a.body));
                        continue;
                    }
                    // Every fourth is retried, as a HIS that lost the answer does.
                    if i.is_multiple_of(4) {
                        let again = his.post("/v1/settlements", &body, Some(&key)).await;
                        if again.body != a.body
                            || again.headers.get("idempotent-replayed").is_none()
                        {
                            errors.push(format!("replay differs: {}", again.body));
                        }
                    }
                    settled.push(out_biz_no);
                } else {
                    let a = if i % 3 == 1 {
                        his.get("/v1/settlements?limit=20").await
                    } else {
                        his.get(&format!("/v1/summary?date={date}")).await
                    };
                    query_ms.push(started.elapsed());
                    if a.status != StatusCode::OK {
                        errors.push(format!("{}: {}", a.status, a.body));
                    }
                }
            }
            (notify_ms, query_ms, settled, errors)
        }));
    }
    let mut notify_ms = Vec::new();
    let mut query_ms = Vec::new();
    let mut settled = Vec::new();
    let mut errors = Vec::new();
    for t in tasks {
        let (n, q, s, e) = t.await.unwrap();
        notify_ms.extend(n);
        query_ms.extend(q);
        settled.extend(s);
        errors.extend(e);
    }
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    // Nothing lost, nothing doubled: one settlement and one delivery each.
    let unique: HashSet<&String> = settled.iter().collect();
    assert_eq!(unique.len(), settled.len());
    assert_eq!(
        his.count("SELECT count(*) FROM settlements") as usize,
        settled.len()
    );
    assert_eq!(
        his.count("SELECT count(DISTINCT out_biz_no) FROM settlements") as usize,
        settled.len()
    );
    assert_eq!(
        his.count("SELECT count(*) FROM outbox WHERE status <> 'delivered'"),
        0
    );
    let sent: HashSet<String> = his
        .notifies()
        .iter()
        .map(|n| n["outBizNo"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(his.notifies().len(), settled.len(), "each sent once");
    assert_eq!(sent.len(), settled.len());
    let total = notify_ms.len() + query_ms.len();
    println!(
        "bridge load: {CLIENTS} clients, {secs} s, {total} requests ({} notifies, {} queries), 0 errors; \
         notify p50 {:?} p99 {:?}; query p50 {:?} p99 {:?}",
        notify_ms.len(),
        query_ms.len(),
        pct(&mut notify_ms, 50),
        pct(&mut notify_ms, 99),
        pct(&mut query_ms, 50),
        pct(&mut query_ms, 99),
    );
}
