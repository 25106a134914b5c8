//! Shared by the journal's tests: a journal in a fresh temp dir (or reopened), valid
//! notifications and the settlements they record, counts and CSV exports read back.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use facepay_journal::export::{ExportFormat, export};
use facepay_journal::history::HistoryFilter;
use facepay_journal::settlements::Recorded;
use facepay_journal::{FixedClock, Journal, JournalError};
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

/// The journal at `path` as another process (or a restart) opens it, at
/// 2026-11-25 09:00:00.
pub fn open(path: &Path) -> Result<Journal, JournalError> {
    let clock = Arc::new(FixedClock::at("2026-11-25 09:00:00"));
    Journal::open(path, &key(), "test", clock)
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

pub fn record(j: &mut Journal, n: &SettleNotify) -> Recorded {
    let now = j.now();
    j.write(|tx| facepay_journal::settlements::record(tx, n, None, None, &now))
        .unwrap()
}

/// Records the test notification of `out_biz_no` in `state`, settled at `setl_time`.
pub fn settle(j: &mut Journal, out_biz_no: &str, state: &str, setl_time: &str) -> Recorded {
    record(j, &notify(out_biz_no, state, setl_time))
}

/// The one integer `sql` selects (a count, mostly).
pub fn count(c: &rusqlite::Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Exports what `filter` finds as CSV to `out` (`unmasked` or not): the text written.
pub fn csv_export(j: &Journal, filter: &HistoryFilter, unmasked: bool, out: &Path) -> String {
    export(j.conn(), filter, ExportFormat::Csv, unmasked, out, |_| {}).unwrap();
    std::fs::read_to_string(out).unwrap()
}
