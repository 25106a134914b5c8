//! A replaced PC's fresh journal takes over its counter's history
//! (migration 016): the server's rows under the server's ids, this journal's
//! own few rows moved above them, and nothing of it shipped back twice.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{count, journal_at, notify, record};
use facepay_journal::operators::{NewOperator, insert, start_shift};
use facepay_journal::replication::{self, Batch, DeliveryRow, SettlementRow, ShiftRow, VisitRow};
use facepay_journal::restore::{Restoration, restore};
use facepay_journal::{AuditAction, CounterId, JournalError, Role, audit};

const OUT_BIZ_NO: &str = "H44170200001-W03-20261125090000123-AB";

fn w03() -> CounterId {
    CounterId::new("W03").unwrap()
}

/// What the server holds of W03: one visit paid (its delivery unfinished),
/// two shifts — one by an operator this PC never had, still open.
fn server_rows() -> Batch {
    let visit = VisitRow {
        id: 7,
        out_biz_no: OUT_BIZ_NO.into(),
        operator_id: "0233".into(),
        operator_name: "陈建国".into(),
        office_id: "0301".into(),
        office_name: "内科".into(),
        business_type: "01301".into(),
        auth_no: Some("AUTH7".into()),
        user_name: Some("张*".into()),
        id_no: None,
        id_no_last4: Some("0015".into()),
        id_type: Some("01".into()),
        insu_org: Some("441702".into()),
        identified_at: Some("2026-11-25 09:00:01.000".into()),
        created_at: "2026-11-25 09:00:00.123".into(),
        source: "panel".into(),
        credential: "face".into(),
        id_hmac: Some("ab".repeat(32)),
    };
    let settlement = SettlementRow {
        id: 9,
        visit_id: Some(7),
        original_id: None,
        out_biz_no: visit.out_biz_no.clone(),
        auth_no: Some("AUTH7".into()),
        state: "SUCCESS".into(),
        operator_id: "0233".into(),
        operator_name: "陈建国".into(),
        office_id: None,
        office_name: None,
        biz_type: "settle".into(),
        user_name: Some("张*".into()),
        id_no: None,
        id_no_last4: Some("0015".into()),
        total_fee_fen: 12050,
        own_fen: Some(2050),
        hif_fen: Some(8000),
        acct_fen: Some(2000),
        hifp_fen: Some(8000),
        medical_settle_no: Some(nhsa_protocol::samples::setl_id_for(OUT_BIZ_NO)),
        fail_reason: None,
        setl_time: "2026-11-25 09:05:00".into(),
        business_day: "2026-11-25".into(),
        self_pay: false,
        source: "panel".into(),
        credential: "face".into(),
        created_at: "2026-11-25 09:05:00.500".into(),
        id_hmac: Some("ab".repeat(32)),
    };
    Batch {
        visits: vec![visit],
        settlements: vec![settlement],
        deliveries: vec![DeliveryRow {
            settlement_id: 9,
            status: "pending".into(),
            attempts: 2,
            delivered_at: None,
        }],
        shifts: vec![
            ShiftRow {
                id: 4,
                operator_id: "0107".into(),
                started_at: "2026-11-25 08:00:00.000".into(),
                ended_at: Some("2026-11-25 08:30:00.000".into()),
                ended_how: Some("handover".into()),
            },
            ShiftRow {
                id: 5,
                operator_id: "0233".into(),
                started_at: "2026-11-25 08:30:00.000".into(),
                ended_at: None,
                ended_how: None,
            },
        ],
        ..Batch::default()
    }
}

/// The server's rows restored as W03 with no audit floor and no stamp.
fn restore_plain(
    tx: &rusqlite::Connection,
    now: &facepay_journal::clock::Stamp,
) -> Result<facepay_journal::restore::Restored, JournalError> {
    restore(
        tx,
        &Restoration {
            counter: &w03(),
            org_id: "H44170200001",
            hospital_name: "阳江市妇幼保健院",
            token: "restore-x",
            rows: server_rows(),
            audit_floor: 0,
            newest_stamp: None,
        },
        "0107",
        now,
    )
}

#[test]
fn a_fresh_journal_takes_the_servers_rows_and_moves_its_own_above_them() {
    let mut f = journal_at("2026-12-01 10:00:00");
    let now = f.journal.now();
    let session = f.journal.session().id().to_owned();
    // What IT did on the new PC first: an administrator, a sign-in.
    f.journal
        .write(|tx| {
            insert(
                tx,
                &NewOperator {
                    id: "0107",
                    name: "林晓燕",
                    role: Role::Admin,
                    pin_hash: "$argon2id$test",
                },
                "setup",
                &now,
            )?;
            audit::append(
                tx,
                &now,
                "0107",
                AuditAction::CreateOperator,
                Some("0107"),
                None,
            )?;
            start_shift(tx, "0107", &session, &now)?;
            replication::enroll(tx, &w03(), &now)
        })
        .unwrap();
    let conn = |f: &common::Fixture, sql: &str| count(f.journal.conn(), sql);
    assert_eq!(conn(&f, "SELECT min(id) FROM audit"), 1);

    let restoration = Restoration {
        counter: &w03(),
        org_id: "H44170200001",
        hospital_name: "阳江市妇幼保健院",
        token: "restore-x",
        rows: server_rows(),
        audit_floor: 40,
        newest_stamp: Some("20261125090000123".into()),
    };
    let restored = f
        .journal
        .write(|tx| restore(tx, &restoration, "0107", &now))
        .unwrap();
    assert_eq!(
        (restored.visits, restored.settlements, restored.shifts),
        (1, 1, 2)
    );
    assert_eq!(
        restored.past_operators, 1,
        "0233 worked there, unknown here"
    );
    assert_eq!(restored.undelivered, 1);

    // The server's ids kept; this journal's own rows above the server's.
    assert_eq!(conn(&f, "SELECT id FROM settlements"), 9);
    assert!(conn(&f, "SELECT min(id) FROM audit") > 40);
    assert!(
        conn(
            &f,
            "SELECT min(id) FROM shifts WHERE operator_id = '0107' AND id > 5"
        ) > 5
    );
    assert_eq!(
        conn(
            &f,
            "SELECT count(*) FROM changes WHERE tbl = 'audit' AND row_id <= 40"
        ),
        0,
        "the change list follows the moved rows"
    );
    // Only what the server does not have is listed: this journal's own rows,
    // the restore's audit line and the shift the restore closed.
    assert_eq!(
        conn(
            &f,
            "SELECT count(*) FROM changes WHERE tbl IN ('visits', 'settlements', 'outbox')"
        ),
        0
    );
    assert_eq!(
        conn(
            &f,
            "SELECT count(*) FROM changes WHERE tbl = 'shifts' AND row_id = 5"
        ),
        1
    );
    assert_eq!(
        conn(
            &f,
            "SELECT count(*) FROM shifts WHERE ended_at IS NULL AND id <= 5"
        ),
        0
    );
    // 0233 kept by name, disabled; the undelivered result is for a person.
    let (name, active): (String, i64) = f
        .journal
        .conn()
        .query_row(
            "SELECT name, active FROM operators WHERE id = '0233'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((name.as_str(), active), ("陈建国", 0));
    assert_eq!(
        conn(&f, "SELECT count(*) FROM outbox WHERE status = 'gave_up'"),
        1
    );
    // The audit log is append-only again.
    let edit = f.journal.write(|tx| {
        tx.execute("UPDATE audit SET detail = 'x'", [])
            .map_err(JournalError::from)
    });
    assert!(edit.is_err());
    // The position agrees with the server's: nothing acknowledged, its token.
    let position = replication::position(f.journal.conn()).unwrap().unwrap();
    assert_eq!(position.acknowledged_seq, 0);
    assert_eq!(position.shipped_token.as_deref(), Some("restore-x"));

    // A refund of the restored settlement passes the item checks (its
    // notification was rebuilt from the server's columns).
    f.clock.set("2026-12-01 10:05:00");
    let refund = record(
        &mut f.journal,
        &notify(OUT_BIZ_NO, "REFUND_SUCCESS", "2026-12-01 10:05:00"),
    );
    assert_eq!(refund.original_id.map(|o| o.0), Some(9));

    // Twice is refused, and a journal with its own visits cannot be restored into.
    let twice = f
        .journal
        .write(|tx| restore(tx, &restoration, "0107", &now));
    assert!(
        matches!(twice, Err(JournalError::Duplicate(_))),
        "{twice:?}"
    );
}

#[test]
fn a_journal_that_served_patients_is_not_restored_into() {
    let mut f = journal_at("2026-12-01 10:00:00");
    let now = f.journal.now();
    record(
        &mut f.journal,
        &notify(
            "H44170200001W03000000000001",
            "SUCCESS",
            "2026-12-01 09:00:00",
        ),
    );
    f.journal
        .write(|tx| replication::enroll(tx, &w03(), &now))
        .unwrap();
    let refused = f.journal.write(|tx| restore_plain(tx, &now));
    match refused {
        Err(JournalError::Invalid { field, .. }) => assert_eq!(field, "counter"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        count(f.journal.conn(), "SELECT count(*) FROM settlements"),
        1
    );
}

#[test]
fn a_restore_under_way_keeps_payments_off_the_journal_until_it_ends() {
    let mut f = journal_at("2026-12-01 10:00:00");
    let now = f.journal.now();
    f.journal
        .write(|tx| replication::enroll(tx, &w03(), &now))
        .unwrap();
    let begin = |f: &mut common::Fixture| {
        f.journal
            .write(|tx| facepay_journal::restore::begin(tx, &w03(), &now))
            .unwrap()
    };
    let visit = |f: &mut common::Fixture, out_biz_no: &str| {
        f.journal.write(|tx| {
            facepay_journal::visits::insert(
                tx,
                &facepay_journal::visits::NewVisit {
                    out_biz_no,
                    counter_id: &w03(),
                    operator_id: "0107",
                    operator_name: "林晓燕",
                    office_id: "0301",
                    office_name: "挂号收费处",
                    business_type: "01101",
                    source: facepay_journal::Source::Panel,
                    credential: facepay_journal::Credential::Face,
                },
                &now,
            )
        })
    };
    let settle = |f: &mut common::Fixture| {
        let n = notify(
            "H44170200001W03000000000009",
            "SUCCESS",
            "2026-12-01 09:00:00",
        );
        f.journal
            .write(|tx| facepay_journal::settlements::record(tx, &n, None, None, &now))
    };

    // Begun, then refused by the server: payments go on.
    begin(&mut f);
    let during = visit(&mut f, "H44170200001W03000000000001");
    assert!(unfinished(during.as_ref().err()), "{during:?}");
    let settled = settle(&mut f);
    assert!(unfinished(settled.as_ref().err()), "{settled:?}");
    assert_eq!(
        count(
            f.journal.conn(),
            "SELECT (SELECT count(*) FROM visits) + (SELECT count(*) FROM settlements)"
        ),
        0
    );
    f.journal
        .write(|tx| facepay_journal::restore::abandon(tx))
        .unwrap();
    visit(&mut f, "H44170200001W03000000000002").unwrap();

    // That visit makes the journal unfit for a restore: refused before
    // anything is marked.
    let refused = f
        .journal
        .write(|tx| facepay_journal::restore::begin(tx, &w03(), &now));
    assert!(
        matches!(
            refused,
            Err(JournalError::Invalid {
                field: "counter",
                ..
            })
        ),
        "{refused:?}"
    );
    settle(&mut f).unwrap();
}

#[test]
fn the_restore_itself_ends_the_pause() {
    let mut f = journal_at("2026-12-01 10:00:00");
    let now = f.journal.now();
    f.journal
        .write(|tx| replication::enroll(tx, &w03(), &now))
        .unwrap();
    f.journal
        .write(|tx| facepay_journal::restore::begin(tx, &w03(), &now))
        .unwrap();
    f.journal.write(|tx| restore_plain(tx, &now)).unwrap();
    let after = f.journal.write(|tx| {
        facepay_journal::settlements::record(
            tx,
            &notify(
                "H44170200001W03000000000777",
                "SUCCESS",
                "2026-12-01 09:30:00",
            ),
            None,
            None,
            &now,
        )
    });
    assert!(after.is_ok(), "{after:?}");
}

fn unfinished(e: Option<&JournalError>) -> bool {
    matches!(e, Some(JournalError::RestoreUnfinished { counter_id, .. }) if counter_id == "W03")
}
