//! The checkout as the counter really works, through the desk's API on a real
//! SQLite file and the simulator over HTTP: 自费, refunds from 历史, the HIS's
//! settlement time, office ids, and replies about another request.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{Harness, harness, never, success};
use facepay_core::DeskError;
use facepay_core::api::{
    Checkout, DeliveryStatus, HistoryFilter, MedicalSettleState, NotifyReceipt, RefundRequest,
};
use facepay_journal::CallStatus;
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::TerminalError;
use nhsa_terminal::protocol::TransType;
use serde_json::json;

fn self_pay(out_biz_no: &str, total: &str) -> Checkout {
    Checkout {
        out_biz_no: out_biz_no.into(),
        medical_settle_state: "SUCCESS".into(),
        self_pay: true,
        total_fee: total.into(),
        ..Checkout::default()
    }
}

fn invalid_field(e: DeskError) -> String {
    e.field()
        .unwrap_or_else(|| panic!("no field named: {e}"))
        .to_owned()
}

async fn paid(h: &Harness) -> (String, String, NotifyReceipt) {
    let visit = h.desk.face_auth(never()).await.unwrap();
    let receipt = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    (visit.out_biz_no, visit.auth_no.unwrap(), receipt)
}

#[tokio::test]
async fn a_self_pay_settlement_reaches_the_terminal_without_an_amount_block() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let receipt = h
        .desk
        .notify(self_pay(&visit.out_biz_no, "35.00"))
        .await
        .unwrap();
    assert!(receipt.self_pay);
    assert_eq!(receipt.delivery.status, DeliveryStatus::Delivered);
    let sent = h.notifies().pop().unwrap();
    assert_eq!(sent["medicalSettleState"], "SUCCESS");
    assert_eq!(sent["totalFee"], "35.00");
    for field in [
        "selfPay",
        "medicalSettleNo",
        "ownAmt",
        "hifAmt",
        "acctAmt",
        "hifpAmt",
    ] {
        assert!(sent.get(field).is_none(), "{field} on the wire: {sent}");
    }
    let row = &h.desk.history(&HistoryFilter::default()).unwrap().rows[0];
    assert!(row.self_pay);
    // The patient paid it all: 总费用 = 医保报销 + 个人帐户 + 自费 on the row too.
    assert_eq!(
        (
            row.own_amt.as_deref(),
            row.hif_amt.as_deref(),
            row.acct_amt.as_deref()
        ),
        (Some("35.00"), Some("0.00"), Some("0.00"))
    );

    // Amounts with 自费, or a 医保 SUCCESS without them: refused, nothing sent.
    let before = h.sim.sim.received().len();
    let mut with_amounts = self_pay(&visit.out_biz_no, "1.00");
    with_amounts.hif_amt = Some("1.00".into());
    let err = h.desk.notify(with_amounts).await.unwrap_err();
    assert_eq!(invalid_field(err), "hifAmt");
    let mut insured = self_pay(&visit.out_biz_no, "1.00");
    insured.self_pay = false;
    let err = h.desk.notify(insured).await.unwrap_err();
    assert_eq!(invalid_field(err), "medicalSettleNo");
    assert_eq!(h.sim.sim.received().len(), before);
}

#[tokio::test]
async fn a_refund_from_history_goes_under_the_original_visit_and_is_linked() {
    let h = harness("2026-11-25 09:30:00").await;
    let (out_biz_no, auth_no, original) = paid(&h).await;
    // Another patient in between: the refund must still carry the first visit.
    paid(&h).await;
    h.clock.set("2026-11-25 10:00:00");

    let draft = h.desk.refund_draft(original.settlement_id).unwrap();
    assert_eq!(draft.refundable, "120.50");
    assert_eq!(draft.request.total_fee.as_deref(), Some("120.50"));
    assert_eq!(draft.request.own_amt.as_deref(), Some("20.50"));
    assert_eq!(
        draft.request.medical_settle_no,
        Some(nhsa_terminal::samples::setl_id_for(&out_biz_no))
    );
    // The original's balance was before the refund: not offered again.
    assert_eq!(draft.request.balance, None);
    assert_eq!(
        draft.request.setl_time.as_deref(),
        Some("2026-11-25 10:00:00")
    );
    assert_eq!(draft.original.out_biz_no, out_biz_no);

    // A partial refund, as the HIS's 2208 returned it.
    let mut partial = draft.request.clone();
    partial.total_fee = Some("20.50".into());
    partial.own_amt = Some("20.50".into());
    partial.hif_amt = Some("0.00".into());
    partial.acct_amt = Some("0.00".into());
    partial.hifp_amt = Some("0.00".into());
    partial.balance = Some(String::new());
    let receipt = h.desk.refund(partial).await.unwrap();
    assert_eq!(receipt.state, MedicalSettleState::RefundSuccess);
    assert_eq!(receipt.original_id, Some(original.settlement_id));
    assert_eq!(receipt.delivery.status, DeliveryStatus::Delivered);
    let sent = h.notifies().pop().unwrap();
    assert_eq!(sent["outBizNo"], out_biz_no.as_str());
    assert_eq!(sent["authNo"], auth_no.as_str());
    assert_eq!(sent["medicalSettleState"], "REFUND_SUCCESS");
    assert_eq!(sent["totalFee"], "20.50");
    assert!(sent.get("balance").is_none(), "\"\" leaves a field out");
    assert_eq!(sent["setlTime"], "2026-11-25 10:00:00");

    // More than is left: refused with the field named, nothing sent.
    let before = h.sim.sim.received().len();
    let mut over = RefundRequest::full(original.settlement_id);
    over.total_fee = Some("100.01".into());
    let err = h.desk.refund(over).await.unwrap_err();
    assert_eq!(invalid_field(err), "totalFee");
    assert_eq!(h.sim.sim.received().len(), before);

    // Part of the rest without its split is refused (only the HIS knows it);
    // a 自费 beyond what is left of 自费 too, naming the item.
    let mut part = RefundRequest::full(original.settlement_id);
    part.total_fee = Some("50.00".into());
    let err = h.desk.refund(part).await.unwrap_err();
    assert_eq!(invalid_field(err), "ownAmt");
    let mut too_much_own = RefundRequest::full(original.settlement_id);
    too_much_own.total_fee = Some("10.00".into());
    too_much_own.own_amt = Some("10.00".into());
    too_much_own.hif_amt = Some("0.00".into());
    too_much_own.acct_amt = Some("0.00".into());
    too_much_own.hifp_amt = Some("0.00".into());
    let err = h.desk.refund(too_much_own).await.unwrap_err();
    assert_eq!(invalid_field(err), "ownAmt");
    assert_eq!(h.sim.sim.received().len(), before);
    // All that is left, with nothing said: each amount is what is left of it.
    let rest = h
        .desk
        .refund(RefundRequest::full(original.settlement_id))
        .await
        .unwrap();
    let sent = h.notifies().pop().unwrap();
    assert_eq!(sent["totalFee"], "100.00");
    assert_eq!(
        (
            &sent["ownAmt"],
            &sent["hifAmt"],
            &sent["acctAmt"],
            &sent["hifpAmt"]
        ),
        (
            &json!("0.00"),
            &json!("80.00"),
            &json!("20.00"),
            &json!("80.00")
        )
    );
    let page = h
        .desk
        .history(&HistoryFilter {
            out_biz_no: Some(out_biz_no.clone()),
            ..Default::default()
        })
        .unwrap();
    let first = page
        .rows
        .iter()
        .find(|r| r.id == original.settlement_id)
        .unwrap();
    assert_eq!(first.refundable_fee.as_deref(), Some("0.00"));
    assert_eq!(first.refunded_fee.as_deref(), Some("120.50"));
    assert_eq!(
        h.desk
            .refund_draft(original.settlement_id)
            .unwrap()
            .refundable,
        "0.00"
    );

    // A refund of a refund is refused.
    let err = h
        .desk
        .refund(RefundRequest::full(rest.settlement_id))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(err), "settlementId");
    assert_eq!(
        h.desk.summary("2026-11-25", None).unwrap()[0].net.total_fee,
        "120.50"
    );
}

#[tokio::test]
async fn a_failed_settlement_cannot_be_refunded_and_a_refund_fail_carries_no_amounts() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let failed = h
        .desk
        .notify(Checkout {
            out_biz_no: visit.out_biz_no.clone(),
            medical_settle_state: "FAIL".into(),
            total_fee: "120.50".into(),
            fail_reason: Some("医保结算失败".into()),
            ..Checkout::default()
        })
        .await
        .unwrap();
    let err = h
        .desk
        .refund(RefundRequest::full(failed.settlement_id))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(err), "settlementId");
    assert!(h.desk.refund_draft(failed.settlement_id).is_err());

    let (_, _, original) = paid(&h).await;
    let mut refund_fail = RefundRequest::full(original.settlement_id);
    refund_fail.medical_settle_state = MedicalSettleState::RefundFail;
    refund_fail.fail_reason = Some("HIS 撤销结算失败".into());
    let receipt = h.desk.refund(refund_fail).await.unwrap();
    assert_eq!(receipt.state, MedicalSettleState::RefundFail);
    let sent = h.notifies().pop().unwrap();
    assert!(sent.get("ownAmt").is_none() && sent.get("medicalSettleNo").is_none());
    assert_eq!(sent["failReason"], "HIS 撤销结算失败");
    // A failed refund took nothing: all of it is still refundable.
    assert_eq!(
        h.desk
            .refund_draft(original.settlement_id)
            .unwrap()
            .refundable,
        "120.50"
    );
    // Amounts with REFUND_FAIL are refused, not dropped silently.
    let mut bad = RefundRequest::full(original.settlement_id);
    bad.medical_settle_state = MedicalSettleState::RefundFail;
    bad.own_amt = Some("1.00".into());
    assert_eq!(
        invalid_field(h.desk.refund(bad).await.unwrap_err()),
        "ownAmt"
    );
}

#[tokio::test]
async fn a_self_pay_original_gives_a_self_pay_refund() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let original = h
        .desk
        .notify(self_pay(&visit.out_biz_no, "35.00"))
        .await
        .unwrap();
    let draft = h.desk.refund_draft(original.settlement_id).unwrap();
    assert!(draft.original.self_pay);
    assert_eq!(draft.request.own_amt, None);
    let mut with_amounts = draft.request.clone();
    with_amounts.hif_amt = Some("5.00".into());
    assert_eq!(
        invalid_field(h.desk.refund(with_amounts).await.unwrap_err()),
        "hifAmt"
    );
    let receipt = h.desk.refund(draft.request).await.unwrap();
    assert!(receipt.self_pay);
    assert_eq!(receipt.state, MedicalSettleState::RefundSuccess);
    let sent = h.notifies().pop().unwrap();
    assert_eq!(sent["totalFee"], "35.00");
    assert!(sent.get("ownAmt").is_none());
    let day = &h.desk.summary("2026-11-25", None).unwrap()[0];
    assert_eq!(day.net_self_pay.total_fee, "0.00");
}

#[tokio::test]
async fn the_settlement_time_is_the_his_one_and_decides_the_business_day() {
    let h = harness("2026-11-25 00:05:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    // Settled in the HIS just before midnight, notified just after.
    let mut late = success(&visit.out_biz_no);
    late.setl_time = "2026-11-24 23:58:30".into();
    let receipt = h.desk.notify(late).await.unwrap();
    assert_eq!(receipt.business_day, "2026-11-24");
    assert_eq!(
        h.notifies().pop().unwrap()["setlTime"],
        "2026-11-24 23:58:30"
    );

    // A little ahead (two clocks) is fine; more than 10 minutes is a typo.
    // (A second settlement of the visit: a setl_id of its own.)
    let mut ahead = success(&visit.out_biz_no);
    ahead.medical_settle_no = Some("441700G0000000000002".into());
    ahead.total_fee = "1.00".into();
    ahead.own_amt = Some("1.00".into());
    ahead.hif_amt = Some("0.00".into());
    ahead.acct_amt = Some("0.00".into());
    ahead.hifp_amt = Some("0.00".into());
    ahead.setl_time = "2026-11-25 00:14:59".into();
    h.desk.notify(ahead).await.unwrap();
    let before = h.sim.sim.received().len();
    let rows = h
        .desk
        .history(&HistoryFilter::default())
        .unwrap()
        .rows
        .len();
    let mut future = success(&visit.out_biz_no);
    future.setl_time = "2026-11-25 00:15:01".into();
    let err = h.desk.notify(future).await.unwrap_err();
    assert_eq!(invalid_field(err), "setlTime");
    assert_eq!(h.sim.sim.received().len(), before, "nothing sent");
    assert_eq!(
        h.desk
            .history(&HistoryFilter::default())
            .unwrap()
            .rows
            .len(),
        rows
    );
}

#[tokio::test]
async fn a_settlement_time_before_the_scan_is_refused_at_the_panel_and_said_to_a_script() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let before = h.sim.sim.received().len();
    // The cashier typed last year: nothing goes out, the field is named.
    let mut typo = success(&visit.out_biz_no);
    typo.setl_time = "2025-11-25 09:30:00".into();
    let err = h.desk.notify(typo.clone()).await.unwrap_err();
    assert_eq!(invalid_field(err), "setlTime");
    assert_eq!(h.sim.sim.received().len(), before, "nothing sent");
    assert!(
        h.desk
            .history(&HistoryFilter::default())
            .unwrap()
            .rows
            .is_empty()
    );
    // A script's (or the HIS's) clock may drift: recorded as sent, and said.
    let receipt = h
        .desk
        .notify_from(typo, facepay_core::api::Source::Cli)
        .await
        .unwrap();
    assert_eq!(receipt.business_day, "2025-11-25");
    assert!(
        receipt.warnings.iter().any(|w| w.contains("早于这次刷脸")),
        "{:?}",
        receipt.warnings
    );
}

#[tokio::test]
async fn the_office_given_is_stored_and_found_by_its_id() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let mut d = success(&visit.out_biz_no);
    d.office_id = Some("0412".into());
    d.office_name = Some("药剂科".into());
    h.desk.notify(d).await.unwrap();
    let found = h
        .desk
        .history(&HistoryFilter {
            office_id: Some("0412".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].office_name.as_deref(), Some("药剂科"));
    assert_eq!(h.notifies().pop().unwrap()["officeId"], "0412");
}

#[tokio::test]
async fn a_reply_about_another_request_is_a_failure_and_stores_no_identity() {
    let h = harness("2026-11-25 09:30:00").await;
    h.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::WrongEcho,
    ));
    let err = h.desk.face_auth(never()).await.unwrap_err();
    let DeskError::Terminal { error, call_id } = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(
            error,
            TerminalError::Mismatch {
                field: "authNo",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        err.to_string().contains("终端返回的授权与请求不符"),
        "{err}"
    );
    assert_eq!(err.code().as_str(), "reply_mismatch");
    let (status, name): (String, Option<String>) = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT c.status, v.user_name FROM calls c JOIN visits v ON v.id = c.visit_id
                 WHERE c.id = ?1",
                [call_id.get()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    });
    assert_eq!(
        status,
        CallStatus::Failed.as_str(),
        "a definite failure, not 待确认"
    );
    assert_eq!(name, None, "no identity stored");
    assert!(h.desk.pending().unwrap().is_empty());

    h.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::WrongEcho));
    let err = h.desk.face_auth(never()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "reply_mismatch");
    let checks = h.received(TransType::AuthCheck).len();
    assert_eq!(
        checks, 1,
        "no identity asked for under a foreign authorization"
    );
}
