//! Wrong clocks at the counter: a retry scheduled by a clock running ahead is
//! not stalled once it is corrected, and jumps are noticed, audited and shown.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::sync::Arc;

use common::{harness, never, success};
use facepay_core::api::{DeliveryStatus, Desk};
use facepay_journal::FixedClock;
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::TransType;
use nhsa_terminal::transport::HttpTransport;

fn audited_jumps(d: &Desk) -> Vec<String> {
    d.with_journal(|j| {
        let mut stmt = j
            .conn()
            .prepare("SELECT detail FROM audit WHERE action = 'clock_jump' ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    })
}

#[tokio::test]
async fn a_retry_scheduled_by_a_clock_a_day_ahead_is_due_once_the_clock_is_corrected() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    // Someone set the PC a day ahead; the terminal is busy: a retry is scheduled "tomorrow".
    h.clock.set("2026-11-26 09:30:00");
    h.sim.sim.push_script(Script::for_trans(
        TransType::SettleNotify,
        Behaviour::Error {
            code: 5001,
            message: "终端忙".into(),
        },
    ));
    let mut d = success(&visit.out_biz_no);
    d.setl_time = "2026-11-25 09:29:00".into();
    let receipt = h.desk.notify(d).await.unwrap();
    assert_eq!(receipt.delivery.status, DeliveryStatus::Pending);
    assert!(
        receipt
            .delivery
            .next_attempt_at
            .unwrap()
            .starts_with("2026-11-26")
    );
    assert!(h.desk.clock_warning().unwrap().contains("向前跳"));

    // The clock is put right: the retry runs now, not in a day.
    h.clock.set("2026-11-25 09:31:00");
    let delivered = h.desk.deliver_due().await.unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].status, DeliveryStatus::Delivered);
    let jumps = audited_jumps(&h.desk);
    assert_eq!(jumps.len(), 2, "ahead, then back: {jumps:?}");
    assert!(jumps[1].contains("向后调"), "{jumps:?}");
    // The settlement counts on the HIS's day, whatever the clock said.
    let row = &h.desk.history(&Default::default()).unwrap().rows[0];
    assert_eq!(row.business_day, "2026-11-25");
}

#[tokio::test]
async fn a_clock_behind_the_journal_is_noticed_at_start() {
    let h = harness("2026-11-25 09:30:00").await;
    h.desk.face_auth(never()).await.unwrap();
    assert_eq!(h.desk.clock_warning(), None, "nothing odd yet");
    let config = h.desk.config().clone();
    let url = h.sim.url();
    drop(h.desk);
    // Restarted with the clock a day behind what is already written.
    let clock = Arc::new(FixedClock::at("2026-11-24 09:30:00"));
    let transport = Arc::new(HttpTransport::new(&url).unwrap());
    let again = Desk::with_parts(config, transport, clock, "test").unwrap();
    let warning = again.clock_warning().unwrap();
    assert!(warning.contains("早于记录中最后的时间"), "{warning}");
    assert_eq!(audited_jumps(&again).len(), 1);
}
