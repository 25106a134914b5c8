//! The real `facepay` under a wrong clock (Debian's `faketime`): a retry
//! scheduled a day ahead is delivered once the clock is right again, and the
//! clock behind the journal is reported.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::Counter;
use facepay_sim::{Behaviour, Script};

#[tokio::test]
async fn a_notify_failed_under_a_clock_a_day_ahead_is_retried_after_it_is_corrected() {
    let t = Counter::start().await;
    let out_biz_no = t.new_visit().await;

    t.sim.sim.push_script(Script::any(Behaviour::Error {
        code: 5001,
        message: "终端忙".into(),
    }));
    let today = chrono_today();
    let notified = t
        .at("+1d")
        .settle(&out_biz_no, &format!("{today} 09:30:00"))
        .await;
    assert!(notified.ok, "{} {}", notified.json, notified.stderr);
    assert_eq!(notified.json["delivery"]["status"], "pending");
    let next = notified.json["delivery"]["nextAttemptAt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        next.as_str() > today.as_str(),
        "scheduled by the clock ahead: {next}"
    );

    // Back on the right clock: the retry is due now, and the jump is reported.
    let delivered = t.run(&["outbox", "--deliver"]).await;
    assert!(delivered.ok, "{}", delivered.json);
    let attempted = delivered.json["attempted"].as_array().unwrap();
    assert_eq!(attempted.len(), 1, "{}", delivered.json);
    assert_eq!(attempted[0]["status"], "delivered");
    assert!(
        delivered.stderr.contains("早于记录中最后的时间"),
        "{}",
        delivered.stderr
    );
}

/// Today by the machine's real clock, as `YYYY-MM-DD`.
fn chrono_today() -> String {
    let out = std::process::Command::new("date")
        .arg("+%F")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
