//! `cargo run --release -p facepay-bench -- --bridge`: what the HIS bridge
//! adds to a notify — the same settlement recorded and delivered in-process
//! and through `POST /v1/settlements` on loopback, alternately, same journal,
//! same simulator.

use std::sync::Arc;
use std::time::Instant;

use facepay_bridge::TokenSource;
use facepay_sim::SimServer;
use nhsa_terminal::samples;

use crate::{desk_on, ms, pct, row};

pub async fn overhead(samples_n: usize) {
    let sim = SimServer::loopback()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (desk, _) = desk_on(&dir.path().join("bridge.db"), &sim.url());
    let token = "bench-token-0123456789abcdef0123";
    let source = Arc::new(
        TokenSource::open(&dir.path().join("bridge.token"), Some(token))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let served = Arc::clone(&desk);
    let bridge = facepay_bridge::start(
        Arc::new(move || Arc::clone(&served)),
        "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        source,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}/v1/settlements", bridge.addr());
    let http = reqwest::Client::new();
    let (mut direct, mut bridged) = (Vec::new(), Vec::new());
    for i in 0..samples_n + 20 {
        // Each its own visit and setl_id (one setl_id, one settlement).
        let draft =
            |tag: &str| samples::settle_success_draft(&format!("H44170200001-B-{tag}-{i}"), None);
        let t = Instant::now();
        desk.notify(draft("D"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let d = t.elapsed();
        let body = serde_json::to_string(&draft("H")).unwrap_or_else(|e| panic!("{e}"));
        let t = Instant::now();
        let r = http
            .post(&url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .header("idempotency-key", format!("bench-{i}"))
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 201);
        let b = t.elapsed();
        if i >= 20 {
            direct.push(d);
            bridged.push(b);
        }
    }
    let (d50, b50) = (pct(direct.clone(), 50), pct(bridged.clone(), 50));
    row("notify in-process (p50)", ms(d50), "–");
    row("notify through the HIS bridge (p50)", ms(b50), "–");
    row(
        "bridge overhead (p50 difference)",
        ms(b50.saturating_sub(d50)),
        "≤ 2 ms",
    );
    row(
        "bridge overhead (p95 difference)",
        ms(pct(bridged, 95).saturating_sub(pct(direct, 95))),
        "–",
    );
}
