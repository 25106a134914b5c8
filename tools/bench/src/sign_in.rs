//! `--sign-in`: how long a wrong PIN takes to be refused for a 工号 that
//! exists and for one that does not. Equal times are what keep a stranger
//! from listing the 工号 by timing the answers (issue 17); a timed unit test
//! could not say so on a loaded CI machine, so it is measured here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use facepay_core::api::{Desk, NewOperatorRequest, Pin, Role, StaffId};
use facepay_journal::FixedClock;

use crate::{ms, pct, row};

fn staff(id: &str) -> StaffId {
    StaffId::new(id).unwrap_or_else(|e| panic!("{e}"))
}

fn pin(p: &str) -> Pin {
    Pin::new(p).unwrap_or_else(|e| panic!("{e}"))
}

/// `samples` wrong PINs each for an existing and an unknown 工号,
/// interleaved so both meet the same machine; the clock moves past each
/// lockout (every fifth answer locks), which is counted too.
pub(crate) fn wrong_pins(desk: &Desk, clock: &FixedClock, samples: usize) {
    desk.create_first_admin(NewOperatorRequest {
        id: staff("0107"),
        name: "林晓燕".into(),
        role: Role::Admin,
        pin: pin("246810"),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let (existing, unknown) = (staff("0107"), staff("9107"));
    let mut took: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut minute = 0;
    for n in 0..samples {
        if n % 5 == 0 {
            minute += 6;
            clock.set(&format!(
                "2026-11-28 {:02}:{:02}:00",
                8 + minute / 60,
                minute % 60
            ));
        }
        let wrong = pin(&format!("{:06}", 100_000 + n));
        for (i, who) in [&existing, &unknown].into_iter().enumerate().rev() {
            let started = Instant::now();
            let refused = desk.authenticate(who, &wrong).is_err();
            took[i].push(started.elapsed());
            assert!(refused, "a wrong PIN was accepted");
        }
    }
    let [existing, unknown] = took;
    for (what, v) in [("existing 工号", existing), ("unknown 工号", unknown)] {
        row(
            &format!("wrong PIN refused, {what} (p50 / p95)"),
            format!("{} / {}", ms(pct(v.clone(), 50)), ms(pct(v, 95))),
            "equal",
        );
    }
}

/// A desk of its own on a fixed clock, so lockouts can be waited out at once.
pub(crate) fn run(samples: usize) {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clock = Arc::new(FixedClock::at("2026-11-28 08:00:00"));
    let desk = crate::desk_with_clock(
        &scratch.path().join("sign-in.db"),
        "http://127.0.0.1:9",
        clock.clone(),
    );
    wrong_pins(&desk, &clock, samples);
}
