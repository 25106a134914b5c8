//! A visit's identity, once fetched, is the person its settlements and
//! refunds were made for: a re-fetch answered with another person is refused
//! (and audited, nothing stored), a refund goes out under the original's
//! person, and a notify naming another person is refused by field.

#![allow(clippy::unwrap_used)]

mod common;

use common::{harness, never, success};
use facepay_core::api::{RefundRequest, TransType};
use facepay_sim::{Behaviour, Script};

#[tokio::test]
async fn a_settled_visit_keeps_its_patient_when_the_terminal_answers_with_another() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let paid = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let first = h.notifies().pop().unwrap();
    let (name, id_no) = (first["userName"].clone(), first["idNo"].clone());
    assert!(id_no.as_str().is_some_and(|i| i.len() == 18));

    // Identity fetched again; the terminal answers about a child.
    h.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::AsPerson {
            person: "child-6y3m".into(),
        },
    ));
    let err = h.desk.fetch_identity(&visit.out_biz_no).await.unwrap_err();
    assert_eq!(err.code().as_str(), "reply_mismatch", "{err}");
    assert!(!err.to_string().contains("谭浩宇"), "masked: {err}");
    let audited = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT count(*) FROM audit WHERE action = 'identity_mismatch' AND subject = ?1",
                [&visit.out_biz_no],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    });
    assert_eq!(audited, 1);
    // Nothing stored: the visit still shows its patient, and the refund is
    // sent to the terminal under that patient.
    let detail = h.desk.visit(&visit.out_biz_no).unwrap();
    assert_eq!(detail.visit.id_no, visit.identity.id_no.into());
    h.desk
        .refund(RefundRequest::full(paid.settlement_id))
        .await
        .unwrap();
    let refund = h.notifies().pop().unwrap();
    assert_eq!(refund["medicalSettleState"], "REFUND_SUCCESS");
    assert_eq!((&refund["userName"], &refund["idNo"]), (&name, &id_no));
    // The same person again is fine.
    h.desk.fetch_identity(&visit.out_biz_no).await.unwrap();
}

#[tokio::test]
async fn a_notify_naming_another_person_is_refused_by_field_and_an_unnamed_one_gets_the_visits() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let before = h.sim.sim.received().len();
    for (field, value) in [("idNo", "123"), ("userName", "张伟")] {
        let mut d = success(&visit.out_biz_no);
        match field {
            "idNo" => d.id_no = Some(value.into()),
            _ => d.user_name = Some(value.into()),
        }
        let err = h.desk.notify(d).await.unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
    }
    assert_eq!(h.sim.sim.received().len(), before, "nothing sent");
    h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let sent = h.notifies().pop().unwrap();
    assert_eq!(sent["idNo"].as_str().unwrap().len(), 18);
}
