//! Shared by the journal's tests: a journal in a fresh temp dir and valid notifications.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use facepay_journal::{FixedClock, Journal};
use nhsa_protocol::SettleNotify;
use nhsa_protocol::notify::SettleNotifyDraft;
use nhsa_protocol::samples;

#[derive(Debug)]
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: Arc<FixedClock>,
    pub journal: Journal,
}

pub fn journal_at(now: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(now));
    let journal = Journal::open(
        &dir.path().join("facepay.db"),
        &key(),
        "test",
        clock.clone(),
    )
    .unwrap();
    Fixture {
        dir,
        clock,
        journal,
    }
}

/// The key every journal test uses (real keys come from the key file).
pub fn key() -> facepay_journal::JournalKey {
    facepay_journal::JournalKey::from_hex(&"5a".repeat(32)).unwrap()
}

pub fn draft(out_biz_no: &str, state: &str, setl_time: &str) -> SettleNotifyDraft {
    let mut d = samples::settle_success_draft(out_biz_no, Some("ano3728680187894374401630000"));
    d.medical_settle_state = state.into();
    d.setl_time = setl_time.into();
    d.user_name = Some("欧阳娜娜".into());
    d.id_no = Some("44170219980101123X".into());
    if !matches!(state, "SUCCESS" | "REFUND_SUCCESS") {
        d.medical_settle_no = None;
        d.own_amt = None;
        d.hif_amt = None;
        d.acct_amt = None;
        d.hifp_amt = None;
        d.fail_reason = Some("医保结算失败".into());
    }
    d
}

pub fn notify(out_biz_no: &str, state: &str, setl_time: &str) -> SettleNotify {
    SettleNotify::try_from(draft(out_biz_no, state, setl_time)).unwrap()
}

pub fn record(j: &mut Journal, n: &SettleNotify) -> facepay_journal::settlements::Recorded {
    let now = j.now();
    j.write(|tx| facepay_journal::settlements::record(tx, n, None, None, &now))
        .unwrap()
}
