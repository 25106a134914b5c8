//! The money rules from the command line (`facepay notify` takes the wire
//! form, as a HIS vendor's script writes it): one setl_id, one settlement,
//! and no refund without a settlement behind it.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{Counter, refund_json, settle_json};

#[tokio::test]
async fn an_identity_fetched_again_about_another_person_is_refused() {
    use facepay_core::api::TransType;
    use facepay_sim::{Behaviour, Script};
    let t = Counter::with_admin().await;
    let visit = t.new_visit().await;
    t.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::AsPerson {
            person: "child-13y8m".into(),
        },
    ));
    let refused = t.run(&["identity", "--visit", &visit]).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "reply_mismatch", "{}", refused.json);
    assert!(!refused.stderr.contains("欧阳雨桐"), "{}", refused.stderr);
}

#[tokio::test]
async fn a_repeated_setl_id_and_a_refund_of_nothing_are_refused_and_nothing_is_sent() {
    let t = Counter::with_admin().await;
    let first = t.new_visit().await;
    let second = t.new_visit().await;

    // A refund on a visit nobody settled: refused naming the visit's number.
    let refused = t.notify(refund_json(&second, "2026-11-25 09:00:00")).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "invalid_input", "{}", refused.json);
    assert_eq!(refused.json["field"], "outBizNo");

    let paid = t.settle(&first, "2026-11-25 09:30:00").await;
    assert!(paid.ok, "{}", paid.json);
    let sent = t.sent();
    // The first visit's setl_id again, on the second visit.
    let repeated = settle_json(&first, "2026-11-25 09:40:00").replace(&first, &second);
    let refused = t.notify(repeated).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "duplicate", "{}", refused.json);
    assert!(
        refused.json["message"].as_str().unwrap().contains(&first),
        "{}",
        refused.json
    );
    assert_eq!(t.sent(), sent, "nothing reached the terminal");
    let summary = t.run(&["summary", "--date", "2026-11-25"]).await;
    assert_eq!(summary.json[0]["net"]["totalFee"], "120.50");
}
