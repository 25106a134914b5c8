//! A plaintext journal of an older version is encrypted in place on the
//! first start of this one; a SIGKILL at any moment of that leaves either the
//! old plaintext file or the new encrypted one, complete and usable.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Cli, Counter, journal_key, key_file, temp_db};
use facepay_sim::SimServer;

fn plaintext_rows(db: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT count(*) FROM settlements", [], |r| r.get(0))
        .unwrap()
}

/// An older version's journal: the same data, unencrypted.
async fn plaintext_journal(
    url: &str,
    settlements: usize,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let (src_dir, src) = temp_db();
    let older = Cli::new(&src, url);
    for i in 0..settlements {
        let no = older.new_visit().await;
        let n = older
            .settle(&no, &format!("2026-11-20 09:{:02}:00", i % 60))
            .await;
        assert!(n.ok, "{}", n.stderr);
    }
    let (dir, db) = temp_db();
    facepay_journal::rewrite::decrypt_copy(&src, &journal_key(&src), &db).unwrap();
    drop(src_dir);
    assert!(facepay_journal::rewrite::is_plaintext(&db).unwrap());
    (dir, db)
}

#[tokio::test]
async fn a_kill_during_encryption_leaves_a_usable_journal() {
    let sim = SimServer::loopback().await.unwrap();
    let (_dir, db) = plaintext_journal(&sim.url(), 6).await;
    let cli = Cli::new(&db, &sim.url());
    assert_eq!(plaintext_rows(&db), 6);

    // Killed at the worst moment: the encrypted copy complete, not yet renamed.
    let mut child = cli
        .env("FACEPAY_TEST_PAUSE_BEFORE_REPLACE", "1")
        .cmd(&["history"])
        .spawn()
        .unwrap();
    let copy = std::path::PathBuf::from(format!("{}.encrypting", db.display()));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut last = 0;
    loop {
        let len = std::fs::metadata(&copy).map_or(0, |m| m.len());
        if len > 0 && len == last {
            break;
        }
        last = len;
        assert!(std::time::Instant::now() < deadline, "no copy written");
        std::thread::sleep(Duration::from_millis(300));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        facepay_journal::rewrite::is_plaintext(&db).unwrap(),
        "the old file stays"
    );
    assert_eq!(plaintext_rows(&db), 6);

    // Killed at random moments of further attempts.
    for i in 0..8 {
        let mut child = cli.cmd(&["history"]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(fastrand::u64(0..=40 + i * 10)));
        let _ = child.kill();
        child.wait().unwrap();
        if facepay_journal::rewrite::is_plaintext(&db).unwrap() {
            assert_eq!(plaintext_rows(&db), 6, "attempt {i}: plaintext intact");
        }
    }

    // The next start finishes the job; everything is there, encrypted.
    let history = cli.run(&["history"]).await;
    assert!(history.ok, "{} {}", history.json, history.stderr);
    assert_eq!(history.json["rows"].as_array().unwrap().len(), 6);
    assert!(!facepay_journal::rewrite::is_plaintext(&db).unwrap());
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows(9).any(|w| w == "林晓燕".as_bytes()));
}

#[tokio::test]
async fn rekey_rotates_the_key_and_keeps_everything() {
    let t = Counter::start().await;
    let visit = t.new_visit().await;
    let key_before = std::fs::read_to_string(key_file(&t.db)).unwrap();
    t.first_admin().await;
    let r = t.run(&["rekey"]).await;
    assert!(r.ok, "{} {}", r.json, r.stderr);
    let key_after = std::fs::read_to_string(key_file(&t.db)).unwrap();
    assert_ne!(key_before, key_after);
    let shown = t.run(&["visit", &visit]).await;
    assert!(shown.ok, "{}", shown.stderr);
    // The old key no longer opens it.
    std::fs::write(key_file(&t.db), key_before).unwrap();
    let refused = t.run(&["history"]).await;
    assert!(!refused.ok);
    assert_eq!(refused.json["code"], "journal_wrong_key");
}
