//! A process that exits while other threads still read the encrypted journal
//! exits cleanly: the panel ends its event loop with `std::process::exit`
//! while the outbox worker and the HIS bridge may be decrypting a page, and
//! OpenSSL's own exit-time cleanup used to pull the cipher from under them
//! (SIGSEGV on the way out, seen in CI on the installed .deb).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use facepay_journal::{FixedClock, Journal};

const CHILD: &str = "FACEPAY_TEST_EXIT_WHILE_READING";

/// In the child: readers decrypting pages in a loop, then `exit(0)` under them.
fn child(path: PathBuf) -> ! {
    let clock = Arc::new(FixedClock::at("2026-11-28 09:00:00"));
    drop(Journal::open(&path, &common::key(), "test", clock.clone()).unwrap());
    for _ in 0..3 {
        let (path, clock) = (path.clone(), clock.clone());
        std::thread::spawn(move || {
            // A fresh connection each time: its page cache is empty, so
            // every page read goes through the cipher.
            loop {
                Journal::open_read_only(&path, &common::key(), clock.clone())
                    .unwrap()
                    .integrity_check()
                    .unwrap();
            }
        });
    }
    std::thread::sleep(Duration::from_millis(40));
    std::process::exit(0);
}

#[test]
fn exiting_while_threads_read_the_journal_is_a_clean_exit() {
    if let Some(path) = std::env::var_os(CHILD) {
        child(PathBuf::from(path));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for run in 0..40 {
        let path = dir.path().join(format!("run{run}.db"));
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "exiting_while_threads_read_the_journal_is_a_clean_exit",
                "--nocapture",
            ])
            .env(CHILD, &path)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "run {run}: {} {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
