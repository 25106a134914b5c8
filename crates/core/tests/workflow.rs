//! The cashier workflow end to end: simulator over HTTP, real SQLite file.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::time::Duration;

use common::{harness, never, success};
use facepay_core::DeskError;
use facepay_journal::history::HistoryFilter;
use facepay_journal::{CallStatus, DeliveryStatus, Resolution};
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::TransType;

#[tokio::test]
async fn face_auth_identity_notify_history_and_day_close() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    assert!(
        visit
            .out_biz_no
            .starts_with("H44170200001-W01-20261125093000"),
        "{}",
        visit.out_biz_no
    );
    assert!(
        visit.identity.id_no.contains('*'),
        "masked: {}",
        visit.identity.id_no
    );
    assert!(visit.identity.user_name.contains('*'));
    assert_eq!(visit.identity.id_type.as_deref(), Some("居民身份证"));
    assert!(visit.identity.age.is_some());

    let receipt = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    assert_eq!(receipt.delivery.status, DeliveryStatus::Delivered);
    assert!(receipt.warnings.is_empty());
    assert_eq!(receipt.business_day, "2026-11-25");

    // What reached the terminal: the visit's outBizNo, authNo and identity, filled in by the desk.
    let data = h.notifies().pop().unwrap();
    assert_eq!(data["outBizNo"], visit.out_biz_no.as_str());
    assert_eq!(data["authNo"], visit.auth_no.as_deref().unwrap());
    assert_eq!(data["operatorName"], "林晓燕");
    assert_eq!(data["hospitalName"], "阳江市妇幼保健院");
    assert_eq!(data["setlTime"], "2026-11-25 09:30:00");
    let id_no = data["idNo"].as_str().unwrap();
    assert!(nhsa_terminal::simulator::is_valid_resident_id(id_no));

    let page = h
        .desk
        .history(&HistoryFilter {
            id_last4: Some(id_no[14..].to_owned()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].delivery, DeliveryStatus::Delivered);
    let detail = h.desk.visit(&visit.out_biz_no).unwrap();
    let kinds: Vec<&str> = detail.calls.iter().map(|c| c.trans_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "cn.nhsa.ec.auth",
            "cn.nhsa.auth.check",
            "cn.nhsa.settle.notify"
        ]
    );
    assert!(detail.calls.iter().all(|c| c.status == CallStatus::Ok));
    for call in &detail.calls {
        let raw = format!(
            "{}{}",
            call.request_masked,
            call.reply_masked.clone().unwrap_or_default()
        );
        assert!(!raw.contains(id_no), "raw copies are masked: {raw}");
    }

    let day = h.desk.close_day("2026-11-25").unwrap();
    assert_eq!(day.net.total_fee, "120.50");
    // Settled the same evening after 关账: the next business day, and said so.
    let late = h.desk.face_auth(never()).await.unwrap();
    let mut after = success(&late.out_biz_no);
    after.medical_settle_no = Some("441700G0000000000077".into());
    let receipt = h.desk.notify(after).await.unwrap();
    assert_eq!(receipt.business_day, "2026-11-26");
    assert!(
        receipt
            .warnings
            .iter()
            .any(|w| w.contains("2026-11-25 已日结") && w.contains("2026-11-26")),
        "{:?}",
        receipt.warnings
    );
    let revealed = h.desk.reveal(visit.visit_id).unwrap();
    let (name, full) = (revealed.user_name, revealed.id_no);
    assert_eq!(full, id_no);
    assert!(!name.contains('*'));
}

#[tokio::test]
async fn two_face_scans_at_once_on_one_counter_send_only_one() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(300));
    let (a, b) = tokio::join!(h.desk.face_auth(never()), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        h.desk.face_auth(never()).await
    });
    let first = a.unwrap();
    // The second is told which scan is under way (the HIS may have started it).
    match b {
        Err(e @ DeskError::ScanInProgress { .. }) => {
            assert_eq!(e.code().as_str(), "scan_in_progress");
            assert!(e.to_string().contains(&first.out_biz_no), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let scans = h.received(TransType::EcAuth).len();
    assert_eq!(scans, 1);
}

#[tokio::test]
async fn the_same_settlement_submitted_twice_is_sent_once() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let again = h.desk.notify(success(&visit.out_biz_no)).await;
    // Refused naming the settlement already recorded under its setl_id.
    let again = again.unwrap_err();
    assert_eq!(again.code().as_str(), "duplicate");
    assert_eq!(
        again.duplicate_of().map(|(_, no)| no),
        Some(visit.out_biz_no.as_str())
    );
    let notifies = h.received(TransType::SettleNotify).len();
    assert_eq!(notifies, 1);
}

/// A settlement under an outBizNo this counter never scanned (a typo, or a
/// visit from before this journal) is recorded and sent, with a warning that
/// names the number; one for a scanned visit carries none.
#[tokio::test]
async fn a_settlement_for_a_visit_never_scanned_here_carries_a_warning() {
    let h = harness("2026-11-25 09:30:00").await;
    let stranger = "H44170200001-W01-20261125093000000-ZZ";
    let receipt = h.desk.notify(success(stranger)).await.unwrap();
    assert_eq!(receipt.delivery.status, DeliveryStatus::Delivered);
    assert_eq!(receipt.warnings.len(), 1, "{:?}", receipt.warnings);
    assert!(
        receipt.warnings[0].contains(stranger) && receipt.warnings[0].contains("核对流水号"),
        "{:?}",
        receipt.warnings
    );

    let visit = h.desk.face_auth(never()).await.unwrap();
    let scanned = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    assert!(scanned.warnings.is_empty(), "{:?}", scanned.warnings);
}

#[tokio::test]
async fn a_notify_failing_several_times_then_succeeding_is_delivered_exactly_once() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.push_script(
        Script::for_trans(
            TransType::SettleNotify,
            Behaviour::Error {
                code: 5001,
                message: "终端忙，请稍后".into(),
            },
        )
        .times(3),
    );
    let receipt = h.desk.notify(success("VISIT-ELSEWHERE-1")).await.unwrap();
    assert_eq!(receipt.delivery.status, DeliveryStatus::Pending);
    assert_eq!(receipt.delivery.attempts, 1);
    assert!(
        receipt
            .delivery
            .last_error
            .as_deref()
            .unwrap()
            .contains("终端忙")
    );
    // Nothing is due until the backoff has passed.
    assert!(h.desk.deliver_due().await.unwrap().is_empty());
    let mut last = None;
    for minute in 1..=5 {
        h.clock.set(&format!("2026-11-25 09:{:02}:00", 30 + minute));
        for report in h.desk.deliver_due().await.unwrap() {
            last = Some(report);
        }
    }
    let last = last.unwrap();
    assert_eq!((last.status.as_str(), last.attempts), ("delivered", 4));
    let sent = h.received(TransType::SettleNotify).len();
    assert_eq!(sent, 4);
    let delivered = h.count("SELECT count(*) FROM outbox WHERE status = 'delivered'");
    assert_eq!(delivered, 1);
    // The failed tries are kept with the terminal's own code and message; the settlement is unchanged.
    let failed: Vec<(String, String)> = h.desk.with_journal(|j| {
        let mut s = j
            .conn()
            .prepare("SELECT error_code, error_message FROM calls WHERE status = 'failed'")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    });
    assert_eq!(failed.len(), 3);
    assert!(
        failed
            .iter()
            .all(|(c, m)| c == "5001" && m == "终端忙，请稍后")
    );
    let page = h.desk.history(&HistoryFilter::default()).unwrap();
    assert_eq!(
        (page.rows[0].state.code(), page.rows[0].total_fee.as_str()),
        ("SUCCESS", "120.50")
    );
}

#[tokio::test]
async fn a_late_reply_leaves_an_unknown_that_a_later_delivery_supersedes() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim
        .sim
        .push_script(Script::for_trans(TransType::SettleNotify, Behaviour::Normal).delayed(1500));
    let receipt = h.desk.notify(success("V-LATE")).await.unwrap();
    assert_eq!(
        receipt.delivery.status,
        DeliveryStatus::Pending,
        "a timeout is not a failure of the settlement"
    );
    let pending = h.desk.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].error_kind.as_deref(), Some("transport_timeout"));
    h.clock.set("2026-11-25 09:35:00");
    let reports = h.desk.deliver_due().await.unwrap();
    assert_eq!(reports[0].status, DeliveryStatus::Delivered);
    assert!(
        h.desk.pending().unwrap().is_empty(),
        "superseded by the delivered retry"
    );
}

#[tokio::test]
async fn cancelling_a_face_scan_records_an_unknown_outcome() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.push_script(Script::any(Behaviour::Hang));
    let err = h
        .desk
        .face_auth(tokio::time::sleep(Duration::from_millis(200)))
        .await
        .unwrap_err();
    let DeskError::Cancelled { call_id } = err else {
        panic!("{err:?}")
    };
    let pending = h.desk.pending().unwrap();
    assert_eq!(pending[0].id, call_id);
    assert_eq!(pending[0].error_kind.as_deref(), Some("cancelled"));
    let resolved = h
        .desk
        .resolve(
            &common::admin(&h.desk),
            call_id,
            Resolution::ConfirmedFailed,
            "患者未完成刷脸已离开",
        )
        .unwrap();
    assert_eq!(resolved.resolved_by.as_deref(), Some("0107"));
    // The counter is free again.
    assert!(h.desk.face_auth(never()).await.is_ok());
}

#[tokio::test]
async fn a_failed_identity_check_can_be_retried_without_a_second_scan() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::HttpStatus {
            status: 502,
            body: String::new(),
        },
    ));
    let err = h.desk.face_auth(never()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "transport_http_status");
    let visit_no = h.desk.with_journal(|j| {
        j.conn()
            .query_row("SELECT out_biz_no FROM visits", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap()
    });
    // The panel offers 重新获取身份 for exactly this visit.
    assert_eq!(h.desk.identity_to_fetch(&err), Some(visit_no.clone()));
    let again = h.desk.fetch_identity(&visit_no).await.unwrap();
    assert_eq!(again.out_biz_no, visit_no);
    let scans = h.received(TransType::EcAuth).len();
    assert_eq!(scans, 1);
    // Identified now: nothing more to fetch.
    assert_eq!(h.desk.identity_to_fetch(&err), None);
}

#[tokio::test]
async fn a_failed_face_scan_offers_no_identity_to_fetch() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::Error {
            code: -2,
            message: "用户取消刷脸".into(),
        },
    ));
    let err = h.desk.face_auth(never()).await.unwrap_err();
    assert_eq!(h.desk.identity_to_fetch(&err), None);
}

#[tokio::test]
async fn a_visit_spanning_midnight_settles_on_the_next_day() {
    let h = harness("2026-11-25 23:59:40").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    assert!(
        visit.out_biz_no.contains("-20261125235"),
        "{}",
        visit.out_biz_no
    );
    h.clock.set("2026-11-26 00:00:15");
    let receipt = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    assert_eq!(receipt.business_day, "2026-11-26");
    let next = h.desk.face_auth(never()).await.unwrap();
    assert!(
        next.out_biz_no.contains("-20261126000"),
        "{}",
        next.out_biz_no
    );
    assert!(h.desk.summary("2026-11-25", None).unwrap().is_empty());
    assert_eq!(h.desk.summary("2026-11-26", None).unwrap()[0].net.count, 1);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let h = harness("2026-11-25 09:30:00").await;
    let mut bad = success("V-1");
    bad.total_fee = "12.345".into();
    let err = h.desk.notify(bad).await.unwrap_err();
    assert_eq!(err.code().as_str(), "validation");
    assert!(err.to_string().contains("totalFee"), "{err}");
    let mut bad = success("V-1");
    bad.medical_settle_state = "FAIL".into();
    // At the panel a failure says why (the patient reads it on the terminal).
    let err = h.desk.notify(bad.clone()).await.unwrap_err();
    assert_eq!(err.field(), Some("failReason"), "{err}");
    bad.fail_reason = Some("医保结算失败".into());
    let err = h.desk.notify(bad).await.unwrap_err();
    assert!(
        err.to_string().contains("medicalSettleNo") && err.to_string().contains("FAIL"),
        "{err}"
    );
    assert_eq!(h.count("SELECT count(*) FROM settlements"), 0);
    assert!(h.sim.sim.received().is_empty());
}
