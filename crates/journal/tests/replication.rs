//! The change list the central server is shipped from (migration 014):
//! nothing listed before enrolment, everything once at enrolment, every
//! later change in commit order, and no entry numbered at or below one the
//! server has acknowledged — not even after the journal is rewritten.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{journal_at, notify, record};
use facepay_journal::replication::{self, Position};
use facepay_journal::{CounterId, JournalError};

fn w01() -> CounterId {
    CounterId::new("W01").unwrap()
}

#[test]
fn a_counter_lists_its_changes_only_once_enrolled_and_forgets_what_the_server_holds() {
    let mut f = journal_at("2026-11-25 09:00:00");
    record(
        &mut f.journal,
        &notify(
            "H44170200001W01000000000001",
            "SUCCESS",
            "2026-11-25 09:00:00",
        ),
    );
    assert_eq!(replication::position(f.journal.conn()).unwrap(), None);
    let listed: i64 = f
        .journal
        .conn()
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(listed, 0, "a counter without a server pays nothing");

    let now = f.journal.now();
    let first = f
        .journal
        .write(|tx| replication::enroll(tx, &w01(), &now))
        .unwrap();
    assert!(first);
    let again = f
        .journal
        .write(|tx| replication::enroll(tx, &w01(), &now))
        .unwrap();
    assert!(!again, "enrolling twice lists nothing twice");
    let position = replication::position(f.journal.conn()).unwrap().unwrap();
    assert_eq!(position.counter_id, "W01");
    assert_eq!(position.acknowledged_seq, 0);
    let batch = replication::batch(f.journal.conn(), 0, 100).unwrap();
    assert_eq!(batch.settlements.len(), 1);
    assert_eq!(batch.entries, position.pending);
    assert_eq!(batch.settlements[0].total_fee_fen, 12050);

    // Under another counter id: refused, naming the setting.
    let other = CounterId::new("W02").unwrap();
    let refused = f
        .journal
        .write(|tx| replication::enroll(tx, &other, &now))
        .unwrap_err();
    assert!(
        matches!(
            refused,
            JournalError::Invalid {
                field: "counter.id",
                ..
            }
        ),
        "{refused}"
    );

    // Acknowledged: forgotten, and what comes next is numbered above.
    let up_to = batch.up_to_seq;
    f.journal
        .write(|tx| replication::acknowledge(tx, up_to, Some("t1")))
        .unwrap();
    assert_eq!(
        replication::position(f.journal.conn()).unwrap(),
        Some(Position {
            counter_id: "W01".into(),
            journal_id: position.journal_id.clone(),
            shipped_token: Some("t1".into()),
            acknowledged_seq: up_to,
            pending: 0
        })
    );
    assert_eq!(position.journal_id.len(), 32);
    record(
        &mut f.journal,
        &notify(
            "H44170200001W01000000000002",
            "SUCCESS",
            "2026-11-25 09:10:00",
        ),
    );
    let next = replication::batch(f.journal.conn(), up_to, 100).unwrap();
    assert!(next.up_to_seq > up_to);
    assert_eq!(next.settlements.len(), 1);
    assert_eq!(
        next.settlements[0].out_biz_no,
        "H44170200001W01000000000002"
    );
}

#[test]
fn after_a_rekey_the_next_change_is_still_numbered_above_the_acknowledged_one() {
    let mut f = journal_at("2026-11-25 09:00:00");
    let now = f.journal.now();
    record(
        &mut f.journal,
        &notify(
            "H44170200001W01000000000001",
            "SUCCESS",
            "2026-11-25 09:00:00",
        ),
    );
    f.journal
        .write(|tx| replication::enroll(tx, &w01(), &now))
        .unwrap();
    let batch = replication::batch(f.journal.conn(), 0, 100).unwrap();
    f.journal
        .write(|tx| replication::acknowledge(tx, batch.up_to_seq, Some("t1")))
        .unwrap();
    let path = f.dir.path().join("facepay.db");
    drop(f.journal);

    let new = facepay_journal::JournalKey::from_hex(&"6b".repeat(32)).unwrap();
    let held = facepay_journal::RewriteLock::exclusive(&path).unwrap();
    facepay_journal::rewrite::rekey(&held, &path, &common::key(), &new).unwrap();
    drop(held);
    let clock = std::sync::Arc::new(facepay_journal::FixedClock::at("2026-11-25 10:00:00"));
    let mut journal = facepay_journal::Journal::open(&path, &new, "test", clock).unwrap();
    record(
        &mut journal,
        &notify(
            "H44170200001W01000000000002",
            "SUCCESS",
            "2026-11-25 10:00:00",
        ),
    );
    let next = replication::batch(journal.conn(), batch.up_to_seq, 100).unwrap();
    assert_eq!(
        next.settlements.len(),
        1,
        "the new settlement is not skipped"
    );
    assert_eq!(
        next.settlements[0].out_biz_no,
        "H44170200001W01000000000002"
    );
}
