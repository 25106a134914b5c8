//! The journal at rest: after a whole session nothing personal can be read
//! from the database, its WAL or its index — with a positive control showing
//! the same scan finds it all in a decrypted copy; a wrong key changes
//! nothing; a rotation interrupted by a kill completes on the next start.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{harness, never, success};
use facepay_core::api::{Desk, ErrorCode, ExportFormat, ExportRequest, RefundRequest};
use facepay_journal::JournalKey;
use facepay_journal::rewrite;

fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && haystack.windows(n.len()).any(|w| w == n)
}

fn files_of(db: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let p = format!("{}{suffix}", db.display());
            std::fs::read(&p).ok().map(|b| (p, b))
        })
        .collect()
}

#[tokio::test]
async fn nothing_personal_is_readable_in_the_files_after_a_whole_session() {
    let h = harness("2026-11-28 09:30:00").await;
    let mut secrets = Vec::new();
    for i in 0..3 {
        let visit = h.desk.face_auth(never()).await.unwrap();
        let his = h.desk.disclose_visit(&visit.out_biz_no, "test").unwrap();
        let who = his.identity.unwrap();
        secrets.push(who.user_name.clone());
        secrets.push(who.id_no.clone());
        secrets.push(who.ec_token.clone().unwrap());
        let mut draft = success(&visit.out_biz_no);
        draft.setl_time = format!("2026-11-28 09:2{i}:00");
        let receipt = h.desk.notify(draft).await.unwrap();
        if i == 0 {
            let mut refund = RefundRequest::full(receipt.settlement_id);
            refund.total_fee = Some("20.50".into());
            refund.own_amt = Some("20.50".into());
            refund.hif_amt = Some("0.00".into());
            refund.acct_amt = Some("0.00".into());
            refund.hifp_amt = Some("0.00".into());
            h.desk.refund(refund).await.unwrap();
        }
    }
    let export = h.dir.path().join("export.csv");
    h.desk
        .export(
            &ExportRequest {
                from: "2026-11-28".into(),
                to: "2026-11-28".into(),
                format: ExportFormat::Csv,
                unmasked: false,
            },
            &export,
            |_| {},
            None,
        )
        .unwrap();
    let db = h.dir.path().join("facepay.db");
    // While the desk is open: the WAL holds this session's pages.
    let open_files = files_of(&db);
    assert!(
        open_files
            .iter()
            .any(|(p, b)| p.ends_with("-wal") && !b.is_empty())
    );
    let mut scanned = open_files;
    scanned.push((
        export.display().to_string(),
        std::fs::read(&export).unwrap(),
    ));
    for (path, bytes) in &scanned {
        for s in &secrets {
            assert!(!contains(bytes, s), "{path} holds {s}");
        }
    }
    // Positive control: the same scan over a decrypted copy finds every one.
    let key_file = h.dir.path().join("keys").join("journal.key");
    let key = JournalKey::from_hex(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    let plain = h.dir.path().join("plain.db");
    rewrite::decrypt_copy(&db, &key, &plain).unwrap();
    let bytes = std::fs::read(&plain).unwrap();
    for s in &secrets {
        assert!(contains(&bytes, s), "the control misses {s}");
    }
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error_that_changes_nothing() {
    let h = harness("2026-11-28 09:30:00").await;
    h.desk.face_auth(never()).await.unwrap();
    // The files as a power cut leaves them: the session's pages still in the WAL.
    let mut config = h.desk.config().clone();
    let db = h.dir.path().join("cut").join("facepay.db");
    let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::copy(&config.db_path, &db).unwrap();
    std::fs::copy(format!("{}-wal", config.db_path.display()), &wal).unwrap();
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    config.db_path = db.clone();
    config.key_file = h.dir.path().join("other-keys").join("journal.key");
    std::fs::create_dir_all(config.key_file.parent().unwrap()).unwrap();
    let digest = |p: &std::path::Path| {
        std::fs::read(p).map(|b| {
            let sum = b
                .iter()
                .fold(0u64, |h, x| h.wrapping_mul(31).wrapping_add(u64::from(*x)));
            (b.len(), sum)
        })
    };
    let before = (digest(&db).unwrap(), digest(&wal).unwrap());
    // Someone put another key in the key file.
    let other = JournalKey::generate().unwrap();
    std::fs::write(&config.key_file, other.to_hex().as_bytes()).unwrap();
    let err = Desk::open(config.clone(), "test").unwrap_err();
    assert_eq!(err.code(), ErrorCode::JournalWrongKey, "{err}");
    assert!(err.to_string().contains("未做任何改动"), "{err}");
    let after = (digest(&db).unwrap(), digest(&wal).unwrap());
    assert_eq!(after, before, "the file and its WAL are untouched");
    // The key file gone altogether: refused, and no new key is made up.
    std::fs::remove_file(&config.key_file).unwrap();
    let err = Desk::open(config.clone(), "test").unwrap_err();
    assert_eq!(err.code(), ErrorCode::JournalKeyInvalid, "{err}");
    assert!(!config.key_file.exists());
    // With the right key the cut files open, the WAL's session included.
    config.key_file = h.desk.config().key_file.clone();
    let desk = Desk::open(config, "test").unwrap();
    assert_eq!(desk.backlog().unwrap().pending, 0);
}

#[tokio::test]
async fn a_rotation_interrupted_after_the_rewrite_completes_on_the_next_start() {
    let h = harness("2026-11-28 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let config = h.desk.config().clone();
    drop(h.desk);
    let store = facepay_keystore::KeyFile::at(&config.key_file);
    let old = JournalKey::from_hex(&store.read().unwrap().unwrap()).unwrap();
    let new = JournalKey::generate().unwrap();
    // The steps of `facepay rekey`, killed before the new key was promoted.
    store.write_pending(&new.to_hex()).unwrap();
    let held = facepay_journal::RewriteLock::exclusive(&config.db_path).unwrap();
    rewrite::rekey(&held, &config.db_path, &old, &new).unwrap();
    drop(held);
    let desk = Desk::open(config.clone(), "test").unwrap();
    assert_eq!(
        desk.visit(&visit.out_biz_no).unwrap().visit.id,
        visit.visit_id
    );
    assert_eq!(
        store.read().unwrap().unwrap().as_str(),
        new.to_hex().as_str()
    );
    assert!(store.pending().unwrap().is_none());
    drop(desk);
    // Killed before the rewrite: the old key stays, the pending one is dropped.
    let newer = JournalKey::generate().unwrap();
    store.write_pending(&newer.to_hex()).unwrap();
    let desk = Desk::open(config.clone(), "test").unwrap();
    assert!(desk.visit(&visit.out_biz_no).is_ok());
    assert_eq!(
        store.read().unwrap().unwrap().as_str(),
        new.to_hex().as_str()
    );
    assert!(store.pending().unwrap().is_none());
    // A whole rotation, refused while another process has the journal open.
    let busy =
        facepay_core::api::rekey(&config, std::sync::Arc::new(facepay_core::api::SystemClock));
    assert!(busy.is_err(), "the desk above is still open");
    drop(desk);
    facepay_core::api::rekey(&config, std::sync::Arc::new(facepay_core::api::SystemClock)).unwrap();
    assert_ne!(
        store.read().unwrap().unwrap().as_str(),
        new.to_hex().as_str()
    );
    let desk = Desk::open(config, "test").unwrap();
    assert!(desk.visit(&visit.out_biz_no).is_ok());
}

#[tokio::test]
async fn an_export_never_goes_over_the_journal_or_its_key() {
    let (h, request) = common::one_settled_day(false).await;
    let db = h.desk.config().db_path.clone();
    let key = h.desk.config().key_file.clone();
    let key_before = std::fs::read(&key).unwrap();
    let other = h.dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let mut ours = vec![
        db.clone(),
        db.with_file_name("facepay.db-wal"),
        db.with_file_name("facepay.db-shm"),
        db.with_file_name("facepay.db.rewrite.lock"),
        other.join("..").join("facepay.db"),
        key.clone(),
    ];
    #[cfg(unix)]
    {
        let linked = other.join("key-again.csv");
        std::fs::hard_link(&key, &linked).unwrap();
        ours.push(linked);
    }
    for out in &ours {
        let e = h.desk.export(&request, out, |_| {}, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid, "{}: {e}", out.display());
        assert!(e.to_string().contains("out"), "{}: {e}", out.display());
    }
    assert_eq!(
        std::fs::read(&key).unwrap(),
        key_before,
        "the key is the key"
    );
    assert_eq!(h.desk.history(&Default::default()).unwrap().rows.len(), 1);
    // Beside the journal under a name of its own is fine.
    let beside = db.with_file_name("日结.csv");
    h.desk.export(&request, &beside, |_| {}, None).unwrap();
}

#[tokio::test]
async fn exports_are_audited_before_they_are_written_and_run_no_formulas() {
    let h = harness("2026-11-28 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let mut draft = success(&visit.out_biz_no);
    draft.doctor_name = Some("=HYPERLINK(\"http://x\",\"点我\")".into());
    draft.office_name = Some("@SUM(1+1)".into());
    draft.setl_time = "2026-11-28 09:20:00".into();
    h.desk.notify(draft).await.unwrap();
    let request = ExportRequest {
        from: "2026-11-28".into(),
        to: "2026-11-28".into(),
        format: ExportFormat::Csv,
        unmasked: false,
    };
    let audits = |desk: &Desk| {
        desk.with_journal(|j| {
            j.conn()
                .query_row(
                    "SELECT count(*) FROM audit WHERE action = 'export'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
        })
    };
    // A file that cannot be written: the attempt is on record all the same.
    let nowhere = h.dir.path().join("no-such-folder").join("x.csv");
    assert!(h.desk.export(&request, &nowhere, |_| {}, None).is_err());
    assert_eq!(audits(&h.desk), 1);
    let out = h.dir.path().join("export.csv");
    h.desk.export(&request, &out, |_| {}, None).unwrap();
    assert_eq!(audits(&h.desk), 2);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'@SUM(1+1)"), "{text}");
    assert!(
        !text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"),
        "{text}"
    );
    // The XLSX holds them as text cells, never as formulas.
    let xlsx = h.dir.path().join("export.xlsx");
    let request = ExportRequest {
        format: ExportFormat::Xlsx,
        ..request
    };
    h.desk.export(&request, &xlsx, |_| {}, None).unwrap();
    let mut book = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut book.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    let strings = match book.by_name("xl/sharedStrings.xml") {
        Ok(mut f) => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s).unwrap();
            s
        }
        Err(_) => String::new(),
    };
    let cells = format!("{sheet}{strings}");
    assert!(!sheet.contains("<f>"), "no formula cell: {sheet}");
    // Text as typed, no `'` in it: the cell's format says "text" (Excel's
    // quote prefix), so editing it in Excel keeps it text too.
    assert!(cells.contains(">=HYPERLINK"), "{cells}");
    assert!(cells.contains(">@SUM(1+1)"), "{cells}");
    assert!(!cells.contains("'=") && !cells.contains("'@"), "{cells}");
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut book.by_name("xl/styles.xml").unwrap(), &mut styles)
        .unwrap();
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
}

fn one(desk: &Desk, sql: &str) -> Option<String> {
    use rusqlite::OptionalExtension;
    desk.with_journal(|j| {
        j.conn()
            .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
            .optional()
            .unwrap()
            .flatten()
    })
}

#[tokio::test]
async fn tokens_go_after_settlement_and_identities_after_the_retention() {
    let h = harness("2026-05-01 09:00:00").await;
    // Settled: its ecToken goes at the next housekeeping.
    let settled = h.desk.face_auth(never()).await.unwrap();
    let mut draft = success(&settled.out_biz_no);
    draft.setl_time = "2026-05-01 08:59:00".into();
    h.desk.notify(draft).await.unwrap();
    // Not settled: kept for the HIS's 1101 for a day.
    let waiting = h.desk.face_auth(never()).await.unwrap();
    let token_of = |v: &facepay_core::api::FaceAuthOutcome| {
        one(
            &h.desk,
            &format!("SELECT ec_token FROM visits WHERE id = {}", v.visit_id),
        )
    };
    assert!(token_of(&settled).is_some());
    let purged = h.desk.housekeeping().unwrap();
    assert_eq!((purged.visits, purged.settlements), (0, 0));
    assert!(token_of(&settled).is_none(), "settled: token dropped");
    assert!(
        token_of(&waiting).is_some(),
        "not yet settled, within a day: kept"
    );
    h.clock.set("2026-05-02 09:00:01");
    h.desk.housekeeping().unwrap();
    assert!(token_of(&waiting).is_none(), "a day old: dropped");

    // 181 days on: names and 证件号 go, masked forms and amounts stay.
    let full_name = h.desk.reveal(settled.visit_id).unwrap().user_name;
    h.clock.set("2026-10-29 09:00:00");
    let purged = h.desk.housekeeping().unwrap();
    assert_eq!((purged.visits, purged.settlements), (2, 1));
    assert!(one(&h.desk, "SELECT id_no FROM visits WHERE id_no IS NOT NULL").is_none());
    // The calls' copies of requests and replies go with the identity.
    assert!(
        one(
            &h.desk,
            "SELECT reply_masked FROM calls WHERE reply_masked IS NOT NULL"
        )
        .is_none(),
        "a call of a purged visit keeps its reply"
    );
    assert_eq!(
        one(&h.desk, "SELECT DISTINCT request_masked FROM calls").as_deref(),
        Some(facepay_journal::retention::PURGED)
    );
    let shown = h
        .desk
        .history(&facepay_core::api::HistoryFilter::default())
        .unwrap();
    let row = &shown.rows[0];
    assert_eq!(row.total_fee, "120.50");
    assert!(row.user_name.as_deref().unwrap().ends_with('*'));
    assert!(row.id_no.as_deref().unwrap().starts_with("**********"));
    assert!(
        h.desk.reveal(settled.visit_id).is_err(),
        "nothing left to reveal"
    );
    let audit = one(
        &h.desk,
        "SELECT detail FROM audit WHERE action = 'purge_identities'",
    )
    .unwrap();
    assert!(audit.contains("\"visits\":2"), "{audit}");
    // Nothing of the person is left in the file's tables.
    let plain = h.dir.path().join("plain.db");
    let key_file = h.dir.path().join("keys").join("journal.key");
    let key = JournalKey::from_hex(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    drop(h.desk);
    rewrite::decrypt_copy(&h.dir.path().join("facepay.db"), &key, &plain).unwrap();
    let c = rusqlite::Connection::open(&plain).unwrap();
    c.execute_batch("VACUUM").unwrap();
    drop(c);
    let bytes = std::fs::read(&plain).unwrap();
    assert!(
        !contains(&bytes, &full_name),
        "{full_name} still in the journal"
    );
}

/// Every page of an SQLCipher file (the journal, or the frames of its WAL)
/// decrypted with `key`, as someone holding the key and a copy of the files
/// could read them — deleted rows and older page versions included.
fn decrypted_pages(path: &Path, key: &JournalKey, wal: bool) -> Vec<u8> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
    const PAGE: usize = 4096;
    const RESERVE: usize = 80; // IV 16 + HMAC 64
    let raw = std::fs::read(path).unwrap_or_default();
    let key_bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&key.to_hex()[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut pages: Vec<(u32, &[u8])> = Vec::new();
    if wal {
        let mut at = 32;
        while at + 24 + PAGE <= raw.len() {
            let no = u32::from_be_bytes(raw[at..at + 4].try_into().unwrap());
            pages.push((no, &raw[at + 24..at + 24 + PAGE]));
            at += 24 + PAGE;
        }
    } else {
        for (i, page) in raw.chunks_exact(PAGE).enumerate() {
            pages.push((i as u32 + 1, page));
        }
    }
    let mut out = Vec::new();
    for (no, page) in pages {
        let start = if no == 1 { 16 } else { 0 };
        let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
        let mut data = page[start..PAGE - RESERVE].to_vec();
        let cipher = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key_bytes, iv).unwrap();
        if cipher.decrypt_padded_mut::<NoPadding>(&mut data).is_ok() {
            out.extend_from_slice(&data);
        }
    }
    out
}

#[tokio::test]
async fn a_purge_leaves_no_identity_in_the_file_or_its_wal_while_another_process_has_it_open() {
    let h = harness("2026-05-01 09:00:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let mut draft = success(&visit.out_biz_no);
    draft.setl_time = "2026-05-01 08:59:00".into();
    h.desk.notify(draft).await.unwrap();
    let person = h.desk.reveal(visit.visit_id).unwrap();
    let db = h.dir.path().join("facepay.db");
    let wal = h.dir.path().join("facepay.db-wal");
    let key_file = h.dir.path().join("keys").join("journal.key");
    let key = JournalKey::from_hex(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    // The reading works: before the purge the person is there to be found.
    let before = [
        decrypted_pages(&db, &key, false),
        decrypted_pages(&wal, &key, true),
    ]
    .concat();
    assert!(
        contains(&before, &person.user_name),
        "the page reader reads the journal"
    );
    // Another process (`facepay serve`, a second panel) has the journal open.
    let other = Desk::open(h.desk.config().clone(), "facepay-serve").unwrap();
    other
        .history(&facepay_core::api::HistoryFilter::default())
        .unwrap();
    h.clock.set("2026-10-29 09:00:00");
    let purged = h.desk.housekeeping().unwrap();
    assert_eq!(purged.visits, 1);
    let after = [
        decrypted_pages(&db, &key, false),
        decrypted_pages(&wal, &key, true),
    ]
    .concat();
    for secret in [person.user_name.as_str(), person.id_no.as_str()] {
        assert!(
            !contains(&after, secret),
            "{secret} readable after the purge"
        );
    }
    assert_eq!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        0,
        "the WAL is emptied"
    );
    drop(other);
}
