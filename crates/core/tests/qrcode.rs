//! 医保码: a child's visit from the terminal's scanner to the settlement on
//! its screen, on a real journal over the simulator's HTTP.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{harness, never, success};
use facepay_core::api::{Credential, DeskError, HistoryFilter};
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::TransType;

fn as_child(key: &str) -> Script {
    Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::AsPerson { person: key.into() },
    )
}

#[tokio::test]
async fn a_childs_qrcode_needs_no_identity_check_and_its_settlement_carries_its_number() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.set_today(Some((2026, 11, 25)));
    h.sim.sim.push_script(as_child("child-1y5m"));
    let visit = h.desk.qrcode(never()).await.unwrap();
    assert_eq!(visit.credential, Credential::QrCode);
    // Masked, whole years; the months come with 显示 (audited).
    assert_eq!(visit.identity.age_label.as_deref(), Some("1岁"));
    let full = h.desk.reveal(visit.visit_id).unwrap();
    assert_eq!(full.age_label.as_deref(), Some("1岁5个月"));
    assert!(visit.identity.id_no.contains('*'));
    assert_eq!(
        h.trans_types(),
        ["cn.nhsa.qrcode.get"],
        "no auth.check after a 医保码"
    );

    let receipt = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let notify = h.notifies().pop().unwrap();
    assert_eq!(notify["outBizNo"].as_str(), Some(visit.out_biz_no.as_str()));
    let stored = h.desk.visit(&visit.out_biz_no).unwrap();
    assert_eq!(stored.visit.credential, Credential::QrCode);
    let page = h
        .desk
        .history(&HistoryFilter {
            credential: Some(Credential::QrCode),
            ..HistoryFilter::default()
        })
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].id, receipt.settlement_id);
    // A face visit is told apart.
    let face = h.desk.face_auth(never()).await.unwrap();
    assert_eq!(face.credential, Credential::Face);
    let faces = h
        .desk
        .history(&HistoryFilter {
            credential: Some(Credential::Face),
            ..HistoryFilter::default()
        })
        .unwrap();
    assert!(
        faces.rows.is_empty(),
        "the face visit has no settlement yet"
    );
    // 日结 counts both.
    h.desk.notify(success(&face.out_biz_no)).await.unwrap();
    let day = h.desk.summary("2026-11-25", None).unwrap();
    assert_eq!(day[0].net.count, 2, "{day:?}");
}

#[tokio::test]
async fn a_qrcode_that_times_out_or_is_cancelled_is_pending_never_failed() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim
        .sim
        .push_script(Script::for_trans(TransType::QrCodeGet, Behaviour::Hang));
    let err = h.desk.qrcode(never()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "transport_timeout");
    let DeskError::Terminal { call_id, .. } = err else {
        panic!("{err:?}")
    };
    assert!(h.desk.pending().unwrap().iter().any(|c| c.id == call_id));

    h.sim.sim.clear_scripts();
    h.sim
        .sim
        .push_script(Script::for_trans(TransType::QrCodeGet, Behaviour::Normal).delayed(1500));
    let cancel = tokio::time::sleep(std::time::Duration::from_millis(200));
    let err = h.desk.qrcode(cancel).await.unwrap_err();
    let DeskError::Cancelled { call_id } = err else {
        panic!("{err:?}")
    };
    let pending = h.desk.pending().unwrap();
    let call = pending.iter().find(|c| c.id == call_id).unwrap();
    assert_eq!(call.error_kind.as_deref(), Some("cancelled"));
}

#[tokio::test]
async fn one_scan_at_a_time_whether_face_or_qrcode() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(800));
    let (face, code) = tokio::join!(h.desk.face_auth(never()), async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        h.desk.qrcode(never()).await
    });
    let face = face.unwrap();
    match code {
        Err(DeskError::ScanInProgress { out_biz_no }) => assert_eq!(out_biz_no, face.out_biz_no),
        other => panic!("{other:?}"),
    }
}
