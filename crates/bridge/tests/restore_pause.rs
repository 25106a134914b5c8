//! A counter PC under `facepay central restore` (docs/central.md 3.2), as
//! the HIS sees it: its health says so, and every payment is refused with
//! `restore_unfinished`, recording and sending nothing.

#![allow(clippy::unwrap_used)]

mod common;

use common::{His, setlinfo_2207};
use facepay_journal::CounterId;
use reqwest::StatusCode;

#[tokio::test]
async fn a_counter_under_restore_says_so_and_takes_no_payment_until_it_ends() {
    let his = His::start().await;
    let counter = CounterId::new("W07").unwrap();
    his.desk.with_journal(|j| {
        let now = j.now();
        facepay_journal::replication::enroll(j.conn(), &counter, &now).unwrap();
        facepay_journal::restore::begin(j.conn(), &counter, &now).unwrap();
    });

    let health = his.get("/v1/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "degraded", "{}", health.body);
    assert_eq!(health.body["restoreUnfinished"], true, "{}", health.body);

    let scan = his
        .post("/v1/face-auth", "{}", Some("k-scan-during-restore"))
        .await;
    assert_eq!(scan.status, StatusCode::CONFLICT, "{}", scan.body);
    assert_eq!(scan.body["code"], "restore_unfinished", "{}", scan.body);
    let settled = his
        .post(
            "/v1/settlements",
            &setlinfo_2207("H44170200001W0700000000001", &common::now()),
            Some("k-settle-during-restore"),
        )
        .await;
    assert_eq!(settled.status, StatusCode::CONFLICT, "{}", settled.body);
    assert_eq!(settled.body["code"], "restore_unfinished");
    assert!(
        his.sim.sim.received().is_empty(),
        "nothing reached the terminal"
    );
    assert_eq!(
        his.count(
            "SELECT (SELECT count(*) FROM visits) + (SELECT count(*) FROM settlements)
                  + (SELECT count(*) FROM calls)"
        ),
        0
    );

    // The restore refused for certain: the same key scans now.
    his.desk
        .with_journal(|j| facepay_journal::restore::abandon(j.conn()).unwrap());
    let health = his.get("/v1/health").await;
    assert_eq!(health.body["restoreUnfinished"], false, "{}", health.body);
    let scan = his
        .post("/v1/face-auth", "{}", Some("k-scan-during-restore"))
        .await;
    assert_eq!(scan.status, StatusCode::CREATED, "{}", scan.body);
}
