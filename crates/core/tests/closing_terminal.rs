//! A terminal whose embedded HTTP server closes the connection after every
//! reply without `Connection: close`: every face scan succeeds, and no call
//! reaches the terminal twice.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use facepay_core::Desk;
use facepay_journal::FixedClock;
use facepay_sim::Simulator;
use facepay_sim::closing::ClosingServer;
use nhsa_terminal::transport::HttpTransport;

const SCANS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_scans_against_a_terminal_that_closes_after_each_reply_all_succeed() {
    let terminal = ClosingServer::start(Arc::new(Simulator::new()))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&dir.path().join("facepay.db"), &terminal.url());
    let transport = Arc::new(HttpTransport::new(&terminal.url()).unwrap());
    let clock = Arc::new(FixedClock::at("2026-11-25 09:00:00"));
    let desk = Desk::with_parts(cfg, transport, clock, "test").unwrap();
    let mut failures = Vec::new();
    for i in 0..SCANS {
        if let Err(e) = desk.face_auth(common::never()).await {
            failures.push(format!("scan {i}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {SCANS} failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    // Each scan's ec.auth and auth.check reached the terminal exactly once.
    let received = terminal.sim.received();
    let count = |t: &str| {
        received
            .iter()
            .filter(|r| r.trans_type.as_deref() == Some(t))
            .count()
    };
    assert_eq!(count("cn.nhsa.ec.auth"), SCANS);
    assert_eq!(count("cn.nhsa.auth.check"), SCANS);
}
