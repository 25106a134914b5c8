//! Opening a journal file: migrations, version guard, integrity, and
//! recovery of calls a dead process left in flight.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::sync::Arc;

use common::{count, open};
use facepay_journal::CallId;
use facepay_journal::calls::{self, NewCall, Outcome};
use facepay_journal::{CallStatus, CounterId, Journal, JournalError, Resolution, SCHEMA_VERSION};
use nhsa_protocol::TransType;

/// A raw connection to an (encrypted) test journal.
fn keyed(path: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "5a".repeat(32)))
        .unwrap();
    c
}

#[test]
fn a_new_file_gets_the_schema_in_wal_with_full_sync() {
    let f = common::journal_at("2026-11-25 09:00:00");
    let c = f.journal.conn();
    let version: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = c
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "FULL");
    let fk: i64 = c
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    f.journal.integrity_check().unwrap();
}

#[cfg(unix)]
#[test]
fn the_journal_and_its_wal_are_this_users_only() {
    use std::os::unix::fs::PermissionsExt;
    let f = common::journal_at("2026-11-25 09:00:00");
    let path = f.journal.path().to_owned();
    for file in [
        path.clone(),
        std::path::PathBuf::from(format!("{}-wal", path.display())),
    ] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_twice() {
    let f = common::journal_at("2026-11-25 09:00:00");
    let path = f.journal.path().to_owned();
    let mut j = f.journal;
    let now = j.now();
    j.write(|tx| {
        facepay_journal::audit::append(
            tx,
            &now,
            "0107",
            facepay_journal::AuditAction::Lock,
            None,
            None,
        )
    })
    .unwrap();
    drop(j);
    let j = open(&path).unwrap();
    let audit = facepay_journal::audit::recent(j.conn(), 10).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].operator_id, "0107");
}

#[test]
fn a_schema_1_journal_is_migrated_and_keeps_its_settlements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facepay.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../src/migrations/001_initial.sql"))
            .unwrap();
        c.execute_batch(
            "INSERT INTO settlements (out_biz_no, state, operator_id, operator_name, biz_type,
                 total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen, medical_settle_no,
                 setl_time, business_day, payload, created_at)
             VALUES ('V-OLD', 'SUCCESS', '0107', '林晓燕', 'register', 12050, 2050, 8000, 2000,
                 8000, '441700G0000012345678', '2026-11-20 09:30:00', '2026-11-20', '{}',
                 '2026-11-20 09:30:01');
             INSERT INTO settings (key, value) VALUES ('k', 'v');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    assert!(facepay_journal::rewrite::is_plaintext(&path).unwrap());
    let j = open(&path).unwrap();
    // The plaintext journal of an older version is now encrypted, in place.
    assert!(!facepay_journal::rewrite::is_plaintext(&path).unwrap());
    assert!(
        !std::fs::read(&path)
            .unwrap()
            .windows(6)
            .any(|w| w == &"林晓燕".as_bytes()[..6])
    );
    assert!(!path.with_extension("db.encrypting").exists());
    let version: i64 = j
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let day = facepay_journal::summary::day(j.conn(), "2026-11-20", None).unwrap();
    assert_eq!(day[0].net_insured.total_fee, "120.50", "old rows are 医保");
    assert_eq!(day[0].net_self_pay.count, 0);
    let dropped = count(
        j.conn(),
        "SELECT count(*) FROM sqlite_master WHERE name = 'settings'",
    );
    assert_eq!(dropped, 0, "the unused settings table is gone");
}

#[test]
fn a_journal_that_recorded_a_setl_id_twice_keeps_both_and_takes_no_third() {
    // Before one setl_id meant one settlement, the same 2207 could be
    // recorded again: the migration keeps such rows (settlements are never
    // deleted), marks the later ones, and the rule holds from then on.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facepay.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for (i, sql) in [
            include_str!("../src/migrations/001_initial.sql"),
            include_str!("../src/migrations/002_self_pay_and_refunds.sql"),
            include_str!("../src/migrations/003_his_bridge.sql"),
            include_str!("../src/migrations/004_less_kept.sql"),
            include_str!("../src/migrations/005_operators.sql"),
            include_str!("../src/migrations/006_credential.sql"),
        ]
        .iter()
        .enumerate()
        {
            c.execute_batch(sql)
                .unwrap_or_else(|e| panic!("migration {}: {e}", i + 1));
        }
        for (visit, time) in [
            ("V-1", "09:30:00"),
            ("V-1", "09:45:00"),
            ("V-2", "10:00:00"),
        ] {
            c.execute(
                "INSERT INTO settlements (out_biz_no, state, operator_id, operator_name, biz_type,
                     total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen, medical_settle_no,
                     setl_time, business_day, payload, created_at)
                 VALUES (?1, 'SUCCESS', '0107', '林晓燕', 'register', 10000, 0, 10000, 0, 10000,
                     '441700G0000000000100', ?2, '2026-11-20', '{}', ?2)",
                rusqlite::params![visit, format!("2026-11-20 {time}")],
            )
            .unwrap();
        }
        c.pragma_update(None, "user_version", 6).unwrap();
    }
    let mut j = open(&path).unwrap();
    let marked: Vec<(i64, i64)> = j
        .conn()
        .prepare("SELECT id, legacy_repeat FROM settlements ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(marked, vec![(1, 0), (2, 2), (3, 3)]);
    let again = common::notify("V-3", "SUCCESS", "2026-11-20 11:00:00");
    let mut draft = again.to_draft();
    draft.medical_settle_no = Some("441700G0000000000100".into());
    let again = nhsa_protocol::SettleNotify::try_from(draft).unwrap();
    let now = j.now();
    match j.write(|tx| facepay_journal::settlements::record(tx, &again, None, None, &now)) {
        Err(JournalError::DuplicateSettlement { settlement_id, .. }) => {
            assert_eq!(settlement_id.get(), 1)
        }
        other => panic!("{other:?}"),
    }
    // The mark is part of the record: never edited.
    assert!(
        j.conn()
            .execute("UPDATE settlements SET legacy_repeat = 0 WHERE id = 2", [])
            .is_err()
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let f = common::journal_at("2026-11-25 09:00:00");
    let path = f.journal.path().to_owned();
    f.journal
        .conn()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    drop(f.journal);
    match open(&path) {
        Err(e @ JournalError::TooNew { found: 99, .. }) => {
            assert!(e.to_string().contains("请升级本程序"), "{e}");
            assert_eq!(e.code(), "journal_too_new");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_corrupt_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facepay.db");
    // A valid header followed by garbage pages.
    {
        let j = open(&path).unwrap();
        j.conn()
            .execute_batch(
                "CREATE TABLE filler(x); INSERT INTO filler VALUES (randomblob(100000));",
            )
            .unwrap();
        j.conn()
            .pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(4096).take(8192) {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    match open(&path) {
        Err(e @ JournalError::Corrupt { .. }) => assert!(e.to_string().contains("已损坏"), "{e}"),
        other => panic!("{other:?}"),
    }
}

/// Records a call as about to be made (or says why it may not be).
fn try_intent(
    j: &mut Journal,
    counter: &str,
    trans_type: TransType,
    out_biz_no: &str,
    request: &str,
) -> Result<CallId, JournalError> {
    let session = j.session().id().to_owned();
    let now = j.now();
    j.write(|tx| {
        let call = NewCall {
            session_id: &session,
            visit_id: None,
            settlement_id: None,
            counter_id: &CounterId::new(counter).unwrap(),
            trans_type,
            out_biz_no,
            request,
        };
        calls::insert_intent(tx, &call, &now)
    })
}

/// A face scan at `counter`, under way until finished.
fn intent(j: &mut Journal, counter: &str, no: &str) -> CallId {
    let request = r#"{"transType":"cn.nhsa.ec.auth"}"#;
    try_intent(j, counter, TransType::EcAuth, no, request).unwrap()
}

fn finish(j: &mut Journal, id: CallId, outcome: &Outcome) {
    let now = j.now();
    j.write(|tx| calls::finish(tx, id, outcome, &now)).unwrap();
}

fn ok(reply: &str) -> Outcome {
    Outcome::Ok {
        reply: reply.into(),
    }
}

#[test]
fn calls_of_a_dead_session_become_unknown_those_of_a_live_one_do_not() {
    let f = common::journal_at("2026-11-25 09:00:00");
    let path = f.journal.path().to_owned();
    let mut dead = f.journal;
    let orphan = intent(&mut dead, "W01", "N-1");
    drop(dead); // the process is gone: its session lock is released

    let mut live = open(&path).unwrap();
    let busy = intent(&mut live, "W02", "N-2");

    let third = open(&path).unwrap();
    let orphan = calls::by_id(third.conn(), CallId(orphan.get()))
        .unwrap()
        .unwrap();
    assert_eq!(orphan.status, CallStatus::Unknown);
    assert_eq!(orphan.error_kind.as_deref(), Some("interrupted"));
    assert_eq!(
        calls::by_id(third.conn(), CallId(busy.get()))
            .unwrap()
            .unwrap()
            .status,
        CallStatus::InFlight
    );
    let pending: Vec<_> = calls::pending(third.conn())
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(pending, [orphan.id]);
}

#[test]
fn one_face_scan_at_a_time_per_counter() {
    let mut f = common::journal_at("2026-11-25 09:00:00");
    let first = intent(&mut f.journal, "W01", "N-1");
    let second = try_intent(&mut f.journal, "W01", TransType::EcAuth, "N-2", "{}");
    assert!(matches!(second, Err(JournalError::Busy(_))), "{second:?}");
    // Another counter may scan meanwhile; and once the first ends, W01 may again.
    intent(&mut f.journal, "W02", "N-3");
    finish(&mut f.journal, first, &ok("{}"));
    intent(&mut f.journal, "W01", "N-4");
}

#[test]
fn an_out_biz_no_is_used_once() {
    let mut f = common::journal_at("2026-11-25 09:00:00");
    let first = intent(&mut f.journal, "W01", "N-1");
    finish(&mut f.journal, first, &ok("{}"));
    let again = try_intent(&mut f.journal, "W01", TransType::AuthCheck, "N-1", "{}");
    assert!(
        matches!(again, Err(JournalError::Duplicate(_))),
        "{again:?}"
    );
}

#[test]
fn raw_copies_in_calls_are_masked() {
    let mut f = common::journal_at("2026-11-25 09:00:00");
    let id = intent(&mut f.journal, "W01", "N-1");
    let reply = r#"{"code":0,"data":"{\"userName\":\"阿炳\",\"idNo\":\"44170219980101123X\"}"}"#;
    finish(&mut f.journal, id, &ok(reply));
    let call = calls::by_id(f.journal.conn(), CallId(id.get()))
        .unwrap()
        .unwrap();
    let stored = call.reply_masked.unwrap();
    assert!(
        !stored.contains("44170219980101123X") && !stored.contains("阿炳"),
        "{stored}"
    );
    assert!(stored.contains("**************123*"));
}

#[test]
fn resolving_an_unknown_call_needs_a_reason_and_is_audited() {
    let mut f = common::journal_at("2026-11-25 09:00:00");
    let id = intent(&mut f.journal, "W01", "N-1");
    let now = f.journal.now();
    let unknown = Outcome::Unknown {
        kind: "transport_timeout".into(),
        message: "终端在 120 秒内没有回复".into(),
        reply: None,
    };
    finish(&mut f.journal, id, &unknown);
    let blank = f.journal.write(|tx| {
        calls::resolve(
            tx,
            CallId(id.get()),
            Resolution::ConfirmedFailed,
            " ",
            "0107",
            &now,
        )
    });
    assert!(matches!(
        blank,
        Err(JournalError::Invalid {
            field: "reason",
            ..
        })
    ));
    let resolved = f
        .journal
        .write(|tx| {
            calls::resolve(
                tx,
                CallId(id.get()),
                Resolution::ConfirmedFailed,
                "患者离开，未完成刷脸",
                "0107",
                &now,
            )
        })
        .unwrap();
    assert_eq!(
        resolved.status,
        CallStatus::Unknown,
        "what the terminal did stays unknown"
    );
    assert_eq!(resolved.resolution, Some(Resolution::ConfirmedFailed));
    assert!(calls::pending(f.journal.conn()).unwrap().is_empty());
    let audit = facepay_journal::audit::recent(f.journal.conn(), 10).unwrap();
    assert_eq!(audit[0].action, "resolve_unknown");
    assert!(audit[0].detail.as_deref().unwrap().contains("患者离开"));
    // The audit log cannot be edited or emptied.
    assert!(
        f.journal
            .conn()
            .execute("UPDATE audit SET detail = 'x'", [])
            .is_err()
    );
    assert!(f.journal.conn().execute("DELETE FROM audit", []).is_err());
}

#[test]
fn sessions_that_made_no_call_and_lock_files_of_dead_processes_are_cleaned() {
    let f = common::journal_at("2026-11-25 09:00:00");
    let path = f.journal.path().to_owned();
    drop(f.journal);
    for _ in 0..5 {
        drop(open(&path).unwrap());
    }
    let sessions_dir = std::path::PathBuf::from(format!("{}.sessions", path.display()));
    // A process killed before it made a call: its row and its (unlocked) lock file stay behind.
    {
        let c = keyed(&path);
        c.execute(
            "INSERT INTO sessions (id, program, pid, started_at) VALUES ('deadbeefdeadbeef', 'cli', 1, '2026-11-25 08:00:00.000')",
            [],
        )
        .unwrap();
    }
    std::fs::write(sessions_dir.join("deadbeefdeadbeef.lock"), b"").unwrap();
    let live = open(&path).unwrap();
    live.recover_orphans().unwrap();
    let rows = count(live.conn(), "SELECT count(*) FROM sessions");
    assert_eq!(rows, 1, "only the live session remains");
    let files: Vec<_> = std::fs::read_dir(&sessions_dir).unwrap().collect();
    assert_eq!(files.len(), 1, "only the live session's lock file");
    drop(live);
    let c = keyed(&path);
    let rows = count(&c, "SELECT count(*) FROM sessions");
    assert_eq!(rows, 0, "a clean exit without calls leaves no row");
    assert_eq!(std::fs::read_dir(&sessions_dir).unwrap().count(), 0);
}

#[test]
fn processes_starting_together_on_a_new_file_migrate_it_once() {
    for attempt in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facepay.db");
        let start = Arc::new(std::sync::Barrier::new(4));
        let opened: Vec<_> = (0..4)
            .map(|_| {
                let (path, start) = (path.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    open(&path).map(drop)
                })
            })
            .collect();
        for (i, t) in opened.into_iter().enumerate() {
            if let Err(e) = t.join().unwrap() {
                panic!("attempt {attempt}, opener {i}: {e}");
            }
        }
    }
}
