//! The money rules from the command line (`facepay notify` takes the wire
//! form, as a HIS vendor's script writes it): one setl_id, one settlement,
//! and no refund without a settlement behind it.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{facepay, run, settle_json, temp_db};
use facepay_sim::SimServer;

#[tokio::test]
async fn an_identity_fetched_again_about_another_person_is_refused() {
    use facepay_core::api::TransType;
    use facepay_sim::{Behaviour, Script};
    let sim = SimServer::loopback().await.unwrap();
    let (_dir, db) = temp_db();
    let url = sim.url();
    common::first_admin(&db, &url).await;
    let auth = run(
        {
            let mut c = facepay(&db, &url);
            c.arg("auth");
            c
        },
        None,
    )
    .await;
    let visit = auth.json["outBizNo"].as_str().unwrap().to_owned();
    sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::AsPerson {
            person: "child-13y8m".into(),
        },
    ));
    let mut cmd = facepay(&db, &url);
    cmd.args(["identity", "--visit", &visit]);
    let refused = run(cmd, None).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "reply_mismatch", "{}", refused.json);
    assert!(!refused.stderr.contains("欧阳雨桐"), "{}", refused.stderr);
}

#[tokio::test]
async fn a_repeated_setl_id_and_a_refund_of_nothing_are_refused_and_nothing_is_sent() {
    let sim = SimServer::loopback().await.unwrap();
    let (_dir, db) = temp_db();
    let url = sim.url();
    let cli = |args: &[&str]| {
        let mut c = facepay(&db, &url);
        c.args(args);
        c
    };
    common::first_admin(&db, &url).await;
    let visit = |r: common::Run| r.json["outBizNo"].as_str().unwrap().to_owned();
    let first = visit(run(cli(&["auth"]), None).await);
    let second = visit(run(cli(&["auth"]), None).await);

    // A refund on a visit nobody settled: refused naming the visit's number.
    let orphan =
        settle_json(&second, "2026-11-25 09:00:00").replace("\"SUCCESS\"", "\"REFUND_SUCCESS\"");
    let refused = run(cli(&["notify", "--json", "-"]), Some(orphan)).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "invalid_input", "{}", refused.json);
    assert_eq!(refused.json["field"], "outBizNo");

    let paid = run(
        cli(&["notify", "--json", "-"]),
        Some(settle_json(&first, "2026-11-25 09:30:00")),
    )
    .await;
    assert!(paid.ok, "{}", paid.json);
    let sent = sim.sim.received().len();
    // The first visit's setl_id again, on the second visit.
    let repeated = settle_json(&first, "2026-11-25 09:40:00").replace(&first, &second);
    let refused = run(cli(&["notify", "--json", "-"]), Some(repeated)).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "duplicate", "{}", refused.json);
    assert!(
        refused.json["message"].as_str().unwrap().contains(&first),
        "{}",
        refused.json
    );
    assert_eq!(
        sim.sim.received().len(),
        sent,
        "nothing reached the terminal"
    );
    let summary = run(cli(&["summary", "--date", "2026-11-25"]), None).await;
    assert_eq!(summary.json[0]["net"]["totalFee"], "120.50");
}
