//! What an attacker who had not read our tests found, on a real journal and
//! the simulator over HTTP: a terminal quoting the patient in a refusal of a
//! notification, guesses at a masked identity that a notification would
//! confirm, text from outside kept in the audit log, and a settled visit's
//! person changed by a re-fetch.

#![allow(clippy::unwrap_used)]

mod common;

use common::{harness, never, success};
use facepay_core::api::{DeskError, TransType};
use facepay_sim::{Behaviour, Script};

fn one(h: &common::Harness, sql: &str) -> String {
    h.desk.with_journal(|j| {
        j.conn()
            .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
            .unwrap()
            .unwrap_or_default()
    })
}

#[tokio::test]
async fn a_refused_notification_quoting_the_patient_is_kept_and_shown_masked() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    let full = h.desk.reveal(visit.visit_id).unwrap();
    let token = one(&h, "SELECT ec_token FROM visits");
    assert!(token.len() > 20, "the visit keeps its token until settled");
    let message = format!("{}的结算通知失败，ecToken {token}", full.user_name);
    h.sim.sim.push_script(Script::for_trans(
        TransType::SettleNotify,
        Behaviour::Error {
            code: 1001,
            message: message.clone(),
        },
    ));
    let receipt = h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let shown = receipt.delivery.last_error.unwrap();
    let kept = [
        shown,
        one(&h, "SELECT last_error FROM outbox"),
        one(
            &h,
            "SELECT group_concat(error_message, ' | ') FROM calls WHERE trans_type = 'cn.nhsa.settle.notify'",
        ),
    ];
    let given: String = full.user_name.chars().skip(1).collect();
    for text in kept {
        assert!(
            text.contains("1001") || text.contains("结算通知失败"),
            "{text}"
        );
        assert!(!text.contains(&given), "the name in {text}");
        assert!(
            !text.contains(&token[4..token.len() - 4]),
            "the token in {text}"
        );
    }
}

#[tokio::test]
async fn a_guess_at_a_masked_identity_gets_the_same_answer_right_or_wrong() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let full = h.desk.reveal(visit.visit_id).unwrap();
    // The command line is never shown the identity: a name or 证件号 in
    // its notification is refused whatever it is.
    let answer = |field: &str, value: &str| {
        let mut d = success(&visit.out_biz_no);
        d.setl_time = "2026-11-25 09:31:00".into();
        match field {
            "idNo" => d.id_no = Some(value.into()),
            _ => d.user_name = Some(value.into()),
        }
        d
    };
    let mut seen = Vec::new();
    for (field, right, wrong) in [
        ("idNo", full.id_no.clone(), "441702199001011234".to_owned()),
        ("userName", full.user_name.clone(), "张伟".to_owned()),
    ] {
        for value in [right, wrong] {
            let err = h
                .desk
                .notify_from(answer(field, &value), facepay_core::api::Source::Cli)
                .await
                .unwrap_err();
            assert!(matches!(err, DeskError::Invalid { .. }), "{err}");
            seen.push((err.field().map(str::to_owned), err.to_string()));
        }
    }
    assert_eq!(seen[0], seen[1], "idNo: right and wrong answer alike");
    assert_eq!(seen[2], seen[3], "userName: right and wrong answer alike");
    let settled = one(&h, "SELECT CAST(count(*) AS TEXT) FROM settlements");
    assert_eq!(settled, "1", "nothing more recorded");
}

#[tokio::test]
async fn text_from_outside_is_kept_in_the_audit_log_masked_and_visible() {
    let h = harness("2026-11-25 09:30:00").await;
    h.desk
        .audit_bridge(
            facepay_journal::AuditAction::BridgeUnauthorized,
            Some("127.0.0.1"),
            Some("User-Agent: Y 441702199801011231 \u{202E}1202\u{202C} 630000ec7ioqup8p1o0761820a0000f1f8b13d"),
        )
        .unwrap();
    let detail = one(&h, "SELECT detail FROM audit ORDER BY id DESC LIMIT 1");
    assert!(!detail.contains("441702199801011231"), "{detail}");
    assert!(!detail.contains("ec7ioqup8p1o0761820a0000f1f8"), "{detail}");
    assert!(
        !detail.contains('\u{202E}') && !detail.contains('\u{202C}'),
        "{detail:?}"
    );
    assert!(detail.contains("User-Agent"), "{detail}");
}

#[tokio::test]
async fn a_settled_visits_person_keeps_what_the_terminal_first_said_of_them() {
    let h = harness("2026-11-25 09:30:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let before = one(
        &h,
        "SELECT gender || '|' || coalesce(birthday, '') || '|' || insu_org FROM visits",
    );
    // The same person again, as a faulty terminal would describe them.
    let full = h.desk.reveal(visit.visit_id).unwrap();
    let reply = serde_json::json!({"code": 0, "message": "成功", "data": {
        "authNo": visit.auth_no, "userName": full.user_name, "idNo": full.id_no,
        "idType": "01", "gender": "男", "birthday": "2030.01.01", "insuOrg": "110101",
        "ecToken": "630000ec7ioqup8p1o0761820a0000f1f8b13d"}});
    h.sim.sim.push_script(Script::for_trans(
        TransType::AuthCheck,
        Behaviour::Malformed {
            body: Some(reply.to_string()),
        },
    ));
    let again = h.desk.fetch_identity(&visit.out_biz_no).await.unwrap();
    assert_ne!(again.identity.insu_org.as_deref(), Some("110101"));
    let after = one(
        &h,
        "SELECT gender || '|' || coalesce(birthday, '') || '|' || insu_org FROM visits",
    );
    assert_eq!(after, before);
}
