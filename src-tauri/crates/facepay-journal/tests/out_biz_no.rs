//! outBizNo stays unique across restarts, clock changes and counters.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::collections::HashSet;
use std::sync::Arc;

use facepay_journal::sequence::{MAX_PREFIX_CHARS, next_out_biz_no};
use facepay_journal::{FixedClock, Journal};
use proptest::prelude::*;

#[test]
fn a_million_numbers_across_restarts_clock_changes_and_two_counters_never_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facepay.db");
    let mut seen: HashSet<String> = HashSet::with_capacity(1_000_000);
    // The wall clock wanders: forward, back across midnight, back a month.
    let days = [
        "2026-11-25",
        "2026-11-26",
        "2026-11-25",
        "2026-10-01",
        "2026-11-26",
    ];
    let mut rng = fastrand::Rng::with_seed(11);
    for restart in 0..50 {
        let clock = Arc::new(FixedClock::at("2026-11-25 09:00:00"));
        let mut j = Journal::open(&path, "proptest", clock).unwrap();
        j.write(|tx| {
            for _ in 0..20_000 {
                let counter = if rng.bool() { "W01" } else { "W02" };
                let day = days[rng.usize(..days.len())];
                let no = next_out_biz_no(tx, "H44170200001", counter, day)?;
                assert!(no.as_str().chars().count() <= 64);
                assert!(
                    seen.insert(no.as_str().to_owned()),
                    "repeat after restart {restart}: {no}"
                );
            }
            Ok::<_, facepay_journal::JournalError>(())
        })
        .unwrap();
    }
    assert_eq!(seen.len(), 1_000_000);
}

#[test]
fn the_longest_allowed_prefix_still_fits() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(
        &dir.path().join("f.db"),
        "t",
        Arc::new(FixedClock::at("2026-11-25 09:00:00")),
    )
    .unwrap();
    let org = "H".repeat(40);
    let counter = "C".repeat(MAX_PREFIX_CHARS - 41);
    let no = j
        .write(|tx| next_out_biz_no(tx, &org, &counter, "2026-11-25"))
        .unwrap();
    assert_eq!(no.as_str().chars().count(), 64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn numbers_are_distinct_whatever_the_interleaving(ops in prop::collection::vec((0u8..3, 0usize..4), 1..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let mut seen = HashSet::new();
        let mut j = Journal::open(&path, "t", Arc::new(FixedClock::at("2026-11-25 09:00:00"))).unwrap();
        for (op, day) in ops {
            if op == 0 {
                drop(j);
                j = Journal::open(&path, "t", Arc::new(FixedClock::at("2026-11-25 09:00:00"))).unwrap();
            }
            let counter = if op == 1 { "W01" } else { "W02" };
            let day = ["2026-11-25", "2026-11-24", "2027-01-01", "2026-11-25"][day];
            let no = j.write(|tx| next_out_biz_no(tx, "H44170200001", counter, day)).unwrap();
            prop_assert!(seen.insert(no.as_str().to_owned()));
        }
    }
}
