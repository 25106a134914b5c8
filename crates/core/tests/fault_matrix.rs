//! The fault matrix: every way the terminal can misbehave during a scan — of a
//! face or of a 医保码 — what the cashier is told, and what the journal keeps.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{harness, never};
use facepay_core::DeskError;
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::TransType;

struct Case {
    name: &'static str,
    /// What the terminal does, and after how many ms.
    script: Option<(Behaviour, u64)>,
    /// Point the desk at a closed port instead of the simulator.
    refused: bool,
    code: &'static str,
    /// How the scan's call is journaled.
    status: &'static str,
    raw_code: Option<&'static str>,
    says: &'static str,
}

fn ec(b: Behaviour) -> Option<(Behaviour, u64)> {
    Some((b, 0))
}

/// No answer in time, whether none comes or it comes late: the same unknown.
fn timeout(name: &'static str, script: Option<(Behaviour, u64)>) -> Case {
    Case {
        name,
        script,
        refused: false,
        code: "transport_timeout",
        status: "unknown",
        raw_code: None,
        says: "没有回复",
    }
}

fn cases() -> Vec<Case> {
    vec![
        timeout("hangs past the timeout", ec(Behaviour::Hang)),
        timeout("answers after our timeout", Some((Behaviour::Normal, 2500))),
        Case {
            name: "code≠0",
            script: ec(Behaviour::Error {
                code: -2,
                message: "用户取消".into(),
            }),
            refused: false,
            code: "terminal",
            status: "failed",
            raw_code: Some("-2"),
            says: "用户取消",
        },
        Case {
            name: "malformed JSON",
            script: ec(Behaviour::Malformed { body: None }),
            refused: false,
            code: "malformed_reply",
            status: "unknown",
            raw_code: None,
            says: "无法解析",
        },
        Case {
            name: "HTTP 500",
            script: ec(Behaviour::HttpStatus {
                status: 500,
                body: "oops".into(),
            }),
            refused: false,
            code: "transport_http_status",
            status: "unknown",
            raw_code: None,
            says: "HTTP 500",
        },
        Case {
            name: "connection refused",
            script: None,
            refused: true,
            code: "transport_refused",
            status: "failed",
            raw_code: None,
            says: "连接被拒绝",
        },
    ]
}

#[tokio::test]
async fn each_fault_is_told_apart_and_journaled_honestly() {
    for (trans, case) in [TransType::EcAuth, TransType::QrCodeGet]
        .into_iter()
        .flat_map(|t| cases().into_iter().map(move |c| (t, c)))
    {
        let h = if case.refused {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            refused_harness(port).await
        } else {
            harness("2026-11-25 09:30:00").await
        };
        if let Some((b, delay)) = case.script.clone() {
            h.sim
                .sim
                .push_script(Script::for_trans(trans, b).delayed(delay));
        }
        let err = match trans {
            TransType::QrCodeGet => h.desk.qrcode(never()).await.unwrap_err(),
            _ => h.desk.face_auth(never()).await.unwrap_err(),
        };
        let name = format!("{} ({trans:?})", case.name);
        assert_eq!(err.code().as_str(), case.code, "{}: {err}", name);
        assert!(err.to_string().contains(case.says), "{}: {err}", name);
        assert!(
            err.advice().is_some(),
            "{}: the cashier is told what to do",
            name
        );
        let DeskError::Terminal { call_id, .. } = err else {
            panic!("{}: {err:?}", name)
        };
        let call = h.desk.with_journal(|j| {
            facepay_journal::calls::by_id(j.conn(), call_id)
                .unwrap()
                .unwrap()
        });
        assert_eq!(call.status.as_str(), case.status, "{}", name);
        assert_eq!(call.error_code.as_deref(), case.raw_code, "{}", name);
        assert_eq!(call.error_kind.as_deref(), Some(case.code), "{}", name);
        let in_pending = h.desk.pending().unwrap().iter().any(|c| c.id == call_id);
        assert_eq!(
            in_pending,
            case.status == "unknown",
            "{}: 待确认 lists exactly the unknowns",
            name
        );
    }
}

#[tokio::test]
async fn double_encoded_and_object_data_are_not_faults() {
    for b in [Behaviour::DoubleEncoded, Behaviour::DataAsObject] {
        let h = harness("2026-11-25 09:30:00").await;
        h.sim.sim.push_script(Script::any(b.clone()));
        h.sim.sim.push_script(Script::any(b.clone()));
        assert!(h.desk.face_auth(never()).await.is_ok(), "{b:?}");
        h.sim
            .sim
            .push_script(Script::for_trans(TransType::QrCodeGet, b.clone()));
        assert!(h.desk.qrcode(never()).await.is_ok(), "医保码 {b:?}");
    }
}

#[tokio::test]
async fn a_face_that_cannot_be_used_offers_the_qrcode_a_cancel_does_not() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::face_unusable(),
    ));
    let err = h.desk.face_auth(never()).await.unwrap_err();
    assert!(h.desk.face_unusable(&err), "{err:?}");
    h.sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::Error {
            code: -2,
            message: "用户取消".into(),
        },
    ));
    let err = h.desk.face_auth(never()).await.unwrap_err();
    assert!(
        !h.desk.face_unusable(&err),
        "a patient who cancelled is asked again"
    );
    h.sim.sim.push_script(Script::for_trans(
        TransType::QrCodeGet,
        Behaviour::qr_code_not_scanned(),
    ));
    let err = h.desk.qrcode(never()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "terminal");
    assert!(!h.desk.face_unusable(&err));
}

async fn refused_harness(port: u16) -> common::Harness {
    use std::sync::Arc;
    let h = harness("2026-11-25 09:30:00").await;
    let url = format!("http://127.0.0.1:{port}/api/open");
    let cfg = common::config(&h.dir.path().join("refused.db"), &url);
    let transport = Arc::new(nhsa_terminal::transport::HttpTransport::new(&url).unwrap());
    let desk =
        Arc::new(facepay_core::Desk::with_parts(cfg, transport, h.clock.clone(), "test").unwrap());
    common::Harness { desk, ..h }
}
