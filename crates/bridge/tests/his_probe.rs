//! What a HIS vendor's engineer, working from docs/his-bridge.md alone, found
//! counting money wrong or twice, and what the bridge does now: each case as
//! the HIS sends it, and what reached the terminal.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{His, now, setlinfo_2207};
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::TransType;
use serde_json::{Value, json};

/// A face scan and its 2207 SUCCESS of 120.50 (20.50 + 80 + 20), settled now.
async fn paid(his: &His) -> (String, i64) {
    let visit = his.scan().await.out_biz_no();
    let paid = his.settle(&visit, &now()).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    (visit, paid.body["settlementId"].as_i64().unwrap())
}

fn refunds_sent(his: &His) -> Vec<Value> {
    his.notifies()
        .into_iter()
        .filter(|n| n["medicalSettleState"] == "REFUND_SUCCESS")
        .collect()
}

#[tokio::test]
async fn a_2208_without_a_total_refunds_its_items_not_all_that_is_left() {
    let his = His::start().await;
    let (_, id) = paid(&his).await;
    let path = format!("/v1/settlements/{id}/refund");
    // The 2208 names 20.50 of 自费 and nothing else, and no medfee_sumamt.
    let part = json!({"setlinfo": {"setl_id": "441700G0000000000R11", "psn_cash_pay": -20.5,
        "fund_pay_sumamt": 0, "acct_pay": 0, "hifp_pay": 0}});
    let r = his.post(&path, &part.to_string(), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sent = refunds_sent(&his).pop().unwrap();
    assert_eq!(
        (&sent["totalFee"], &sent["ownAmt"], &sent["hifAmt"]),
        (&json!("20.50"), &json!("20.50"), &json!("0.00"))
    );
    // The same in settle.notify's words: 10.00 of 统筹.
    let r = his
        .post(
            &path,
            r#"{"hifAmt":"10.00","hifpAmt":"10.00","medicalSettleNo":"441700G0000000000R12"}"#,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(refunds_sent(&his).pop().unwrap()["totalFee"], "10.00");
    let left = his.get("/v1/settlements?limit=50").await.body;
    let original = left["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(original["refundableFee"], "90.00");
}

#[tokio::test]
async fn the_same_2208_sent_again_is_refused_whatever_its_time_or_key() {
    let his = His::start().await;
    let (_, id) = paid(&his).await;
    let path = format!("/v1/settlements/{id}/refund");
    let refund = |at: &str| {
        json!({"setlinfo": {"setl_id": "441700G0000000000R21", "setl_time": at,
            "medfee_sumamt": -10, "psn_cash_pay": -10, "fund_pay_sumamt": 0, "acct_pay": 0,
            "hifp_pay": 0}})
        .to_string()
    };
    let first = his.post(&path, &refund(&now()), Some("k-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let sent = refunds_sent(&his).len();
    for (key, at) in [("k-2", now()), ("k-3", "2026-11-28 10:00:00".into())] {
        let again = his.post(&path, &refund(&at), Some(key)).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(again.body["code"], "duplicate");
        assert_eq!(again.body["settlementId"], first.body["settlementId"]);
    }
    // A part of what is left without a setl_id of its own cannot be told
    // from a retry: refused, naming the field.
    let anonymous = json!({"setlinfo": {"medfee_sumamt": -10, "psn_cash_pay": -10,
        "fund_pay_sumamt": 0, "acct_pay": 0, "hifp_pay": 0}});
    let r = his.post(&path, &anonymous.to_string(), Some("k-4")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["field"], "setlinfo.setl_id");
    assert_eq!(
        refunds_sent(&his).len(),
        sent,
        "nothing more reached the terminal"
    );
}

#[tokio::test]
async fn a_setl_id_padded_or_in_other_letters_is_the_same_settlement() {
    let his = His::start().await;
    let (visit, id) = paid(&his).await;
    let setl_id = nhsa_terminal::samples::setl_id_for(&visit);
    let again = |no: &str| {
        setlinfo_2207(&visit, &now()).replace(&format!("\"{setl_id}\""), &format!("\"{no}\""))
    };
    for no in [
        format!(" {setl_id}"),
        format!("{setl_id}  "),
        setl_id.to_lowercase(),
    ] {
        let r = his.post("/v1/settlements", &again(&no), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{no:?}: {}", r.body);
        assert_eq!(r.body["settlementId"], id);
    }
    assert_eq!(
        his.count("SELECT count(*) FROM settlements WHERE state = 'SUCCESS'"),
        1
    );
    // Blanks inside are not padding: refused by field.
    let inside = setl_id.replacen('G', "G ", 1);
    let r = his.post("/v1/settlements", &again(&inside), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["field"], "setlinfo.setl_id");
}

#[tokio::test]
async fn refund_items_must_make_their_total_and_a_failure_is_capped_too() {
    let his = His::start().await;
    let (_, id) = paid(&his).await;
    let path = format!("/v1/settlements/{id}/refund");
    for (body, field) in [
        // Items over their own total.
        (
            json!({"totalFee": "5.00", "ownAmt": "10.50", "hifAmt": "0.00", "acctAmt": "0.00",
                "hifpAmt": "0.00", "medicalSettleNo": "R31"}),
            "totalFee",
        ),
        // 统筹 over the 医保报销 it is part of.
        (
            json!({"totalFee": "1.00", "ownAmt": "0.00", "hifAmt": "1.00", "acctAmt": "0.00",
                "hifpAmt": "2.00", "medicalSettleNo": "R32"}),
            "hifpAmt",
        ),
        // A refund that failed, for more than was paid.
        (
            json!({"medicalSettleState": "REFUND_FAIL", "totalFee": "999.00"}),
            "totalFee",
        ),
        // Before the settlement it refunds.
        (json!({"setlTime": "2020-01-01 08:00:00"}), "setlTime"),
    ] {
        let r = his.post(&path, &body.to_string(), None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert_eq!(r.body["field"], field, "{body}: {}", r.body);
    }
    assert!(refunds_sent(&his).is_empty());
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 1);
}

#[tokio::test]
async fn a_visits_results_reach_the_terminal_in_the_order_they_happened() {
    let his = His::start().await;
    let visit = his.scan().await.out_biz_no();
    // The terminal refuses the SUCCESS once: it is owed, to be retried.
    his.sim.sim.push_script(Script::for_trans(
        TransType::SettleNotify,
        Behaviour::HttpStatus {
            status: 503,
            body: String::new(),
        },
    ));
    let paid = his.settle(&visit, &now()).await;
    assert_eq!(paid.body["delivery"]["status"], "pending", "{}", paid.body);
    let id = paid.body["settlementId"].as_i64().unwrap();
    let refund = his
        .post(&format!("/v1/settlements/{id}/refund"), "", None)
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    let states: Vec<String> = his
        .notifies()
        .iter()
        .map(|n| n["medicalSettleState"].as_str().unwrap().to_owned())
        .collect();
    // The refused SUCCESS, then the SUCCESS again, then its refund: never
    // a SUCCESS after the refund, which would leave "paid" on the screen.
    assert_eq!(
        states,
        ["SUCCESS", "SUCCESS", "REFUND_SUCCESS"],
        "{states:?}"
    );
    assert_eq!(refund.body["delivery"]["status"], "delivered");
}

#[tokio::test]
async fn what_a_settlement_says_about_its_visit_is_checked_or_said() {
    let his = His::start().await;
    let scan = his.scan().await;
    let visit = scan.out_biz_no();
    let auth_no = scan.body["authNo"].as_str().unwrap().to_owned();
    // Another authNo than the scan's: refused by field.
    let other = json!({"outBizNo": visit, "medicalSettleState": "SUCCESS", "selfPay": true,
        "totalFee": "5.00", "authNo": format!("{auth_no}0")});
    let r = his.post("/v1/settlements", &other.to_string(), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["field"], "authNo");
    // 自费 with a 医保 fund payment in its 2207: recorded as 自费, and said.
    let self_pay = json!({"outBizNo": visit, "medicalSettleState": "SUCCESS", "selfPay": true,
        "setlinfo": {"medfee_sumamt": 50, "fund_pay_sumamt": 40, "psn_cash_pay": 10,
            "setl_time": now()}});
    let r = his
        .post("/v1/settlements", &self_pay.to_string(), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let warnings = r.body["warnings"].to_string();
    assert!(warnings.contains("fund_pay_sumamt"), "{warnings}");

    // A visit whose scan failed: recorded, with a warning.
    his.sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::Error {
            code: -2,
            message: "用户取消".into(),
        },
    ));
    let failed_visit = his.scan().await.out_biz_no();
    let r = his.settle(&failed_visit, &now()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        r.body["warnings"].to_string().contains("没有取得身份"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_settlement_during_its_own_scan_is_refused() {
    let his = His::start().await;
    his.sim
        .sim
        .push_script(Script::for_trans(TransType::EcAuth, Behaviour::Normal).delayed(1500));
    let started = his.send(his.async_scan()).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let visit = started.out_biz_no();
    let r = his.settle(&visit, &now()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["code"], "scan_in_progress");
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 0);
}

/// The second HIS probe: a blank filter, a filter given twice, a day written
/// without its zeros and a parameter an endpoint does not take are refused by
/// name — never read as "no filter" or as a day with nothing in it.
#[tokio::test]
async fn blank_repeated_or_loosely_written_query_values_are_refused_by_name() {
    let his = His::start().await;
    paid(&his).await;
    for (path, status, field) in [
        ("/v1/settlements?outBizNo=", 422, "outBizNo"),
        (
            "/v1/settlements?medicalSettleNo=%20",
            422,
            "medicalSettleNo",
        ),
        ("/v1/settlements?outBizNo", 422, "outBizNo"),
        ("/v1/settlements?limit=5&limit=6", 422, "limit"),
        ("/v1/settlements?from=2026-12-5", 422, "from"),
        ("/v1/summary?date=2026-12-5", 422, "date"),
        ("/v1/summary?date=2026-12-05&date=2026-12-06", 422, "date"),
        ("/v1/health?x=1", 422, "x"),
        ("/v1/openapi.json?x=1", 422, "x"),
    ] {
        let r = his.get(path).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.body);
        assert_eq!(r.body["field"], field, "{path}: {}", r.body);
        assert!(
            !r.body["message"].as_str().unwrap().is_ascii(),
            "{path}: said in Chinese: {}",
            r.body
        );
    }
    let r = his.get("/v1/settlements?credential=card").await;
    assert!(
        r.body["message"].as_str().unwrap().contains("“card”"),
        "the value, not serde's words: {}",
        r.body
    );
}

/// More than is left is said as such, not as items that do not add up.
#[tokio::test]
async fn a_refund_over_what_is_left_is_told_what_is_left() {
    let his = His::start().await;
    let (_, id) = paid(&his).await;
    let r = his
        .post(
            &format!("/v1/settlements/{id}/refund"),
            r#"{"medicalSettleNo":"441700G0000000000R91","totalFee":"130.00","hifAmt":"130.00"}"#,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["field"], "totalFee");
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("超过可退金额 120.50"), "{message}");
}

/// Partial refunds that named 医保报销 without its 统筹 part leave more 统筹
/// than 医保报销 to refund; the rest refunded in full never sends the
/// terminal more 统筹 than 医保报销.
#[tokio::test]
async fn the_rest_refunded_in_full_sends_no_more_hifp_than_hif() {
    let his = His::start().await;
    let (_, id) = paid(&his).await;
    let path = format!("/v1/settlements/{id}/refund");
    for (no, hif) in [("R81", "30.00"), ("R82", "30.00")] {
        let body = json!({"medicalSettleNo": format!("441700G00000000000{no}"), "hifAmt": hif});
        let r = his.post(&path, &body.to_string(), None).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let rest = his.post(&path, "", None).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    let last = refunds_sent(&his).pop().unwrap();
    // 医保报销 left: 80 − 30 − 30; 统筹 left would be all 80 of it.
    assert_eq!(last["hifAmt"], "20.00", "{last}");
    assert_eq!(last["hifpAmt"], "20.00", "{last}");
}
