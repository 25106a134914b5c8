//! Operators: sign-in with argon2id PINs, the lockout, the idle lock, 交班
//! and who the journal says did what — on a real journal file.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ADMIN_PIN, admin, harness, never, success};
use facepay_core::api::{
    AuditFilter, Desk, DeskError, ErrorCode, NewOperatorRequest, OperatorUpdate, Pin, Role, StaffId,
};
use facepay_journal::FixedClock;
use nhsa_terminal::transport::{HttpTransport, TransportConfig};

fn id(v: &str) -> StaffId {
    StaffId::new(v).unwrap()
}

fn pin(v: &str) -> Pin {
    Pin::new(v).unwrap()
}

fn add_cashier(desk: &Desk, staff: &str, name: &str, p: &str) {
    desk.add_operator(
        &admin(desk),
        NewOperatorRequest {
            id: id(staff),
            name: name.into(),
            role: Role::Cashier,
            pin: pin(p),
        },
    )
    .unwrap();
}

fn actions_of(desk: &Desk, operator: &str) -> Vec<String> {
    desk.audit_log(
        &admin(desk),
        &AuditFilter {
            operator_id: Some(operator.into()),
            ..AuditFilter::default()
        },
    )
    .unwrap()
    .into_iter()
    .rev()
    .map(|e| e.action)
    .collect()
}

#[test]
fn staff_ids_and_pins_are_checked_at_the_door_and_a_pin_is_never_printed() {
    for bad in ["", "a b", "工号1", &"1".repeat(21)] {
        let err = StaffId::new(bad).unwrap_err();
        assert_eq!(err.field(), Some("staffId"), "{bad:?}");
    }
    for bad in ["123", "1234567890123", "12a4", " 1234"] {
        let err = Pin::new(bad).unwrap_err();
        assert_eq!(err.field(), Some("pin"), "{bad:?}");
    }
    let p: Pin = serde_json::from_str("\"024680\"").unwrap();
    assert_eq!(format!("{p:?}"), "Pin(****)");
    assert!(serde_json::from_str::<Pin>("\"12\"").is_err());
}

#[tokio::test]
async fn the_first_start_creates_the_administrator_once() {
    let h = harness("2026-11-28 09:00:00").await;
    assert!(h.desk.seat_view().unwrap().needs_first_admin);
    let cashier_first = h.desk.create_first_admin(NewOperatorRequest {
        id: id("0001"),
        name: "周建国".into(),
        role: Role::Cashier,
        pin: pin("1357"),
    });
    assert_eq!(cashier_first.unwrap_err().field(), Some("role"));
    let op = h
        .desk
        .sign_in_first_admin(NewOperatorRequest {
            id: id("0001"),
            name: "周建国".into(),
            role: Role::Admin,
            pin: pin("1357"),
        })
        .unwrap();
    assert_eq!(op.role(), Role::Admin);
    let seat = h.desk.seat_view().unwrap();
    assert!(!seat.needs_first_admin);
    assert_eq!(seat.operator.unwrap().id, "0001");
    // A second "first" administrator is refused.
    let again = h.desk.create_first_admin(NewOperatorRequest {
        id: id("0002"),
        name: "李四".into(),
        role: Role::Admin,
        pin: pin("2468"),
    });
    assert_eq!(again.unwrap_err().code(), ErrorCode::Forbidden);
    // The journal keeps an argon2id hash, never the PIN.
    let hash: String = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT pin_hash FROM operators WHERE id = '0001'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    });
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("1357"));
}

#[tokio::test]
async fn five_wrong_pins_lock_the_staff_id_for_five_minutes_even_across_a_restart() {
    let h = harness("2026-11-28 09:00:00").await;
    add_cashier(&h.desk, "0002", "林晓燕", "1357");
    for left in (1..=4).rev() {
        match h.desk.sign_in(&id("0002"), &pin("0000")) {
            Err(DeskError::WrongPin { left: l }) => assert_eq!(l, left),
            other => panic!("{other:?}"),
        }
    }
    match h.desk.sign_in(&id("0002"), &pin("0000")) {
        Err(DeskError::PinLocked { until }) => assert_eq!(until, "09:05"),
        other => panic!("{other:?}"),
    }
    // Locked: even the right PIN is refused, and the lockout is in the file.
    let locked = h.desk.sign_in(&id("0002"), &pin("1357"));
    assert_eq!(locked.unwrap_err().code(), ErrorCode::PinLocked);
    let cfg = h.desk.config().clone();
    let TransportConfig::Http { url, .. } = &cfg.transport else {
        unreachable!()
    };
    let reopened = Desk::with_parts(
        cfg.clone(),
        Arc::new(HttpTransport::new(url).unwrap()),
        h.clock.clone(),
        "test-2",
    )
    .unwrap();
    let locked = reopened.sign_in(&id("0002"), &pin("1357"));
    assert_eq!(locked.unwrap_err().code(), ErrorCode::PinLocked);
    // An unknown 工号 answers like a wrong PIN (no hint which 工号 exist).
    let unknown = reopened.sign_in(&id("9999"), &pin("1357")).unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::WrongPin);

    h.clock.set("2026-11-28 09:05:01");
    let op = reopened.sign_in(&id("0002"), &pin("1357")).unwrap();
    assert_eq!(op.name(), "林晓燕");
    // The counter starts again after a right PIN.
    assert!(matches!(
        reopened.sign_in(&id("0002"), &pin("0000")),
        Err(DeskError::WrongPin { left: 4 })
    ));
    let actions = actions_of(&reopened, "0002");
    assert_eq!(
        actions.iter().filter(|a| *a == "sign_in_failed").count(),
        5,
        "{actions:?}"
    );
    assert!(actions.contains(&"pin_locked".to_owned()), "{actions:?}");
    // An administrator's reset lifts a lockout at once.
    for _ in 0..5 {
        let _ = reopened.sign_in(&id("0002"), &pin("0000"));
    }
    reopened
        .update_operator(
            &admin(&reopened),
            &id("0002"),
            OperatorUpdate {
                pin: Some(pin("8642")),
                ..OperatorUpdate::default()
            },
        )
        .unwrap();
    reopened.sign_in(&id("0002"), &pin("8642")).unwrap();
}

#[tokio::test]
async fn an_idle_panel_locks_and_only_the_operators_pin_opens_it() {
    let sim = facepay_sim::SimServer::loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(&dir.path().join("facepay.db"), &sim.url());
    cfg.idle_lock = Some(Duration::from_millis(300));
    let TransportConfig::Http { url, .. } = &cfg.transport else {
        unreachable!()
    };
    let desk = Desk::with_parts(
        cfg.clone(),
        Arc::new(HttpTransport::new(url).unwrap()),
        Arc::new(FixedClock::at("2026-11-28 09:00:00")),
        "test",
    )
    .unwrap();
    add_cashier(&desk, "0002", "林晓燕", "1357");
    desk.sign_in(&id("0002"), &pin("1357")).unwrap();
    assert!(desk.require(Role::Cashier).is_ok());
    // Polling (the status bar, the HIS badge) does not keep it awake.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(100));
        let _ = desk.check(Role::Cashier);
    }
    assert!(desk.seat_view().unwrap().locked);
    assert_eq!(
        desk.require(Role::Cashier).unwrap_err().code(),
        ErrorCode::SeatLocked
    );
    assert_eq!(
        desk.unlock(&pin("0000")).unwrap_err().code(),
        ErrorCode::WrongPin
    );
    desk.unlock(&pin("1357")).unwrap();
    assert!(desk.require(Role::Cashier).is_ok());
    // Saving 设置 keeps the operator signed in, under the new idle time.
    let mut longer = cfg;
    longer.idle_lock = None;
    let replaced = Desk::open(longer, "test").unwrap().keep_seat_of(&desk);
    assert_eq!(replaced.seat_view().unwrap().operator.unwrap().id, "0002");
    assert_eq!(replaced.seat_view().unwrap().idle_lock_minutes, 0);
}

#[tokio::test]
async fn the_journal_records_the_signed_in_operator_and_hand_over_sums_only_their_shift() {
    let h = harness("2026-11-28 09:00:00").await;
    add_cashier(&h.desk, "0002", "林晓燕", "1357");
    add_cashier(&h.desk, "0003", "王芳", "2468");

    // Before 0002's shift: a settlement by the configured operator (CLI-like).
    let v0 = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&v0.out_biz_no)).await.unwrap();

    h.clock.set("2026-11-28 10:00:00");
    h.desk.sign_in(&id("0002"), &pin("1357")).unwrap();
    let v1 = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&v1.out_biz_no)).await.unwrap();
    h.clock.set("2026-11-28 10:05:00");
    let v2 = h.desk.face_auth(never()).await.unwrap();
    let fail = nhsa_terminal::protocol::notify::SettleNotifyDraft {
        out_biz_no: v2.out_biz_no.clone(),
        medical_settle_state: "FAIL".into(),
        total_fee: "120.50".into(),
        fail_reason: Some("医保结算失败".into()),
        ..Default::default()
    };
    h.desk.notify(fail).await.unwrap();

    let so_far = h.desk.shift_so_far().unwrap();
    assert_eq!(so_far.net.count, 1);
    h.clock.set("2026-11-28 12:00:00");
    let summary = h.desk.hand_over().unwrap();
    assert_eq!(summary.operator_id, "0002");
    assert_eq!(summary.started_at, "2026-11-28 10:00:00.000");
    assert_eq!(summary.ended_at.as_deref(), Some("2026-11-28 12:00:00.000"));
    assert_eq!(summary.net.total_fee, "120.50", "{summary:?}");
    assert_eq!(summary.by_state.len(), 2, "SUCCESS and FAIL: {summary:?}");
    assert!(h.desk.seat_view().unwrap().operator.is_none());
    assert_eq!(
        h.desk.hand_over().unwrap_err().code(),
        ErrorCode::NotSignedIn
    );

    // The settlement and the terminal request name the signed-in operator.
    let (op_id, op_name): (String, String) = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT operator_id, operator_name FROM settlements WHERE out_biz_no = ?1",
                [&v1.out_biz_no],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    });
    assert_eq!((op_id.as_str(), op_name.as_str()), ("0002", "林晓燕"));
    let request: String = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT request_masked FROM calls WHERE out_biz_no = ?1 AND trans_type = 'cn.nhsa.ec.auth'",
                [&v1.out_biz_no],
                |r| r.get(0),
            )
            .unwrap()
    });
    assert!(request.contains("\"operatorId\":\"0002\""), "{request}");
    let actions = actions_of(&h.desk, "0002");
    assert_eq!(
        actions,
        ["sign_in", "notify", "notify", "hand_over"],
        "{actions:?}"
    );

    // A colleague signing in at a locked seat ends the first shift as replaced.
    h.desk.sign_in(&id("0002"), &pin("1357")).unwrap();
    h.desk.lock().unwrap();
    h.desk.sign_in(&id("0003"), &pin("2468")).unwrap();
    let ended: String = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT ended_how FROM shifts WHERE operator_id = '0002' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap()
    });
    assert_eq!(ended, "replaced");
}

#[tokio::test]
async fn administrators_manage_operators_but_never_leave_the_counter_without_one() {
    let h = harness("2026-11-28 09:00:00").await;
    let a = admin(&h.desk);
    add_cashier(&h.desk, "0002", "林晓燕", "1357");
    let dup = h.desk.add_operator(
        &a,
        NewOperatorRequest {
            id: id("0002"),
            name: "重复".into(),
            role: Role::Cashier,
            pin: pin("1111"),
        },
    );
    // A field of the form to correct, named; not "sent twice, see 历史".
    let dup = dup.unwrap_err();
    assert_eq!(dup.code(), ErrorCode::Invalid);
    assert_eq!(dup.field(), Some("id"));
    assert!(dup.to_string().contains("工号 0002 已存在"), "{dup}");
    let last = h.desk.update_operator(
        &a,
        &id("0107"),
        OperatorUpdate {
            role: Some(Role::Cashier),
            ..OperatorUpdate::default()
        },
    );
    assert_eq!(last.unwrap_err().field(), Some("role"));
    let last = h.desk.update_operator(
        &a,
        &id("0107"),
        OperatorUpdate {
            active: Some(false),
            ..OperatorUpdate::default()
        },
    );
    assert_eq!(last.unwrap_err().field(), Some("active"));

    // A disabled operator cannot sign in; a signed-in one loses the seat.
    h.desk.sign_in(&id("0002"), &pin("1357")).unwrap();
    let info = h
        .desk
        .update_operator(
            &a,
            &id("0002"),
            OperatorUpdate {
                active: Some(false),
                ..OperatorUpdate::default()
            },
        )
        .unwrap();
    assert!(!info.active);
    assert!(h.desk.seat_view().unwrap().operator.is_none());
    assert_eq!(
        h.desk
            .sign_in(&id("0002"), &pin("1357"))
            .unwrap_err()
            .code(),
        ErrorCode::WrongPin
    );
    // A cashier's credential is not an administrator's.
    let _ = h.desk.update_operator(
        &a,
        &id("0002"),
        OperatorUpdate {
            active: Some(true),
            ..OperatorUpdate::default()
        },
    );
    let err = h
        .desk
        .authenticate_admin(&id("0002"), &pin("1357"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(
        h.desk
            .authenticate_admin(&id("0107"), &pin(ADMIN_PIN))
            .is_ok()
    );
    let list = h.desk.operators(&a).unwrap();
    assert_eq!(list.len(), 2);
}

#[tokio::test]
async fn an_unmasked_export_needs_an_administrator_and_leaves_nothing_when_refused() {
    let (h, request) = common::one_settled_day(true).await;
    let out = h.dir.path().join("full.csv");
    let err = h.desk.export(&request, &out, |_| {}, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(!out.exists());
    let a = admin(&h.desk);
    let exports = |d: &Desk| {
        d.audit_log(
            &a,
            &AuditFilter {
                action: Some("export".into()),
                ..AuditFilter::default()
            },
        )
        .unwrap()
    };
    assert!(
        exports(&h.desk).is_empty(),
        "a refused export is not an export"
    );
    h.desk.export(&request, &out, |_| {}, Some(&a)).unwrap();
    let logged = exports(&h.desk);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].operator_id, "0107");
    assert!(
        logged[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("\"unmasked\":true")
    );
}

#[tokio::test]
async fn an_administrators_purge_is_audited_under_their_staff_id() {
    let h = harness("2026-11-28 09:00:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let a = admin(&h.desk);
    assert_eq!(
        h.desk.purge(&a, Some(0)).unwrap_err().field(),
        Some("olderThanDays")
    );
    h.clock.set("2026-11-30 09:00:00");
    let purged = h.desk.purge(&a, Some(1)).unwrap();
    assert_eq!(purged.visits, 1);
    let entries = h
        .desk
        .audit_log(
            &a,
            &AuditFilter {
                action: Some("purge_identities".into()),
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(entries[0].operator_id, "0107");
}
