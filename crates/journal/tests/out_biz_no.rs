//! outBizNo never repeats: across restarts, clocks set back, counters, fresh
//! journals (reinstall, wrong path) and journals restored from a backup.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::collections::HashSet;
use std::path::Path;

use chrono::{Duration, NaiveDateTime};
use facepay_journal::clock::stamp;
use facepay_journal::sequence::{MAX_PREFIX_CHARS, next_out_biz_no};
use facepay_journal::{CounterId, Journal, JournalError};
use proptest::prelude::*;

fn at(text: &str) -> NaiveDateTime {
    facepay_journal::clock::parse(text).unwrap()
}

fn open(path: &Path) -> Journal {
    common::open(path).unwrap()
}

/// `n` numbers of `counter` at the wall time `now`.
fn issue(j: &mut Journal, counter: &str, now: NaiveDateTime, n: usize) -> Vec<String> {
    j.write(|tx| {
        (0..n)
            .map(|_| {
                next_out_biz_no(
                    tx,
                    "H44170200001",
                    &CounterId::new(counter).unwrap(),
                    &stamp(now),
                )
                .map(|no| no.as_str().to_owned())
            })
            .collect::<Result<Vec<_>, JournalError>>()
    })
    .unwrap()
}

fn all_new(seen: &mut HashSet<String>, numbers: Vec<String>, when: &str) {
    for no in numbers {
        assert!(no.chars().count() <= 64, "{no}");
        assert!(seen.insert(no.clone()), "{no} repeated ({when})");
    }
}

#[test]
fn a_million_numbers_across_restarts_clocks_set_back_and_two_counters_never_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facepay.db");
    let mut seen: HashSet<String> = HashSet::with_capacity(1_000_000);
    // The wall clock wanders: forward, back across midnight, back a month.
    let times = [
        "2026-11-25 09:00:00",
        "2026-11-26 00:00:01",
        "2026-11-25 23:59:59",
        "2026-10-01 08:00:00",
        "2026-11-26 09:00:00",
    ];
    let mut rng = fastrand::Rng::with_seed(11);
    for restart in 0..50 {
        let mut j = open(&path);
        for _ in 0..20 {
            let counter = if rng.bool() { "W01" } else { "W02" };
            let now = at(times[rng.usize(..times.len())]);
            all_new(
                &mut seen,
                issue(&mut j, counter, now, 1000),
                &format!("restart {restart}"),
            );
        }
    }
    assert_eq!(seen.len(), 1_000_000);
}

#[test]
fn fresh_journals_and_restored_backups_do_not_repeat_what_was_issued() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = HashSet::new();
    let mut now = at("2026-11-25 09:00:00");
    // A counter reinstalled ten times: each time a new, empty journal.
    for install in 0..10 {
        let mut j = open(&dir.path().join(format!("install-{install}.db")));
        all_new(&mut seen, issue(&mut j, "W01", now, 500), "fresh journal");
        now += Duration::seconds(1);
    }
    // A backup taken, numbers issued after it, then the backup restored.
    let live = dir.path().join("live.db");
    let mut j = open(&live);
    all_new(
        &mut seen,
        issue(&mut j, "W01", now, 100),
        "before the backup",
    );
    drop(j);
    let backup = dir.path().join("backup.db");
    std::fs::copy(&live, &backup).unwrap();
    let mut j = open(&live);
    for _ in 0..5 {
        now += Duration::milliseconds(50);
        all_new(
            &mut seen,
            issue(&mut j, "W01", now, 200),
            "after the backup",
        );
    }
    drop(j);
    std::fs::copy(&backup, &live).unwrap();
    let mut restored = open(&live);
    now += Duration::seconds(1);
    all_new(
        &mut seen,
        issue(&mut restored, "W01", now, 1000),
        "restored backup",
    );
}

#[test]
fn the_number_says_when_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = open(&dir.path().join("f.db"));
    let no = issue(&mut j, "W01", at("2026-11-25 09:30:15.123"), 1).remove(0);
    assert!(
        no.starts_with("H44170200001-W01-20261125093015123-"),
        "{no}"
    );
    assert_eq!(no.len(), "H44170200001-W01-20261125093015123-XX".len());
}

#[test]
fn the_longest_allowed_prefix_still_fits() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = open(&dir.path().join("f.db"));
    let org = "H".repeat(40);
    let counter = "C".repeat(MAX_PREFIX_CHARS - 41);
    let no = j
        .write(|tx| {
            next_out_biz_no(
                tx,
                &org,
                &CounterId::new(&counter).unwrap(),
                &stamp(at("2026-11-25 09:00:00.000")),
            )
        })
        .unwrap();
    assert_eq!(no.as_str().chars().count(), 64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn numbers_are_distinct_whatever_the_interleaving(
        ops in prop::collection::vec((0u8..3, -3_600_000i64..3_600_000), 1..200)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let mut seen = HashSet::new();
        let mut j = open(&path);
        let base = at("2026-11-25 09:00:00");
        for (op, shift_ms) in ops {
            if op == 0 {
                drop(j);
                j = open(&path);
            }
            let counter = if op == 1 { "W01" } else { "W02" };
            let no = issue(&mut j, counter, base + Duration::milliseconds(shift_ms), 1).remove(0);
            prop_assert!(seen.insert(no));
        }
    }
}
