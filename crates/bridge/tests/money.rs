//! The money path through the HIS, exactly right: realistic 2207 outputs,
//! each checked field by field on the terminal's wire (and the 2208 that
//! reverses it), none warning; one setl_id, one settlement; no refund without
//! a settlement behind it; refunds booked to the operator who made them.

#![allow(clippy::unwrap_used)]

mod common;

use common::{His, setlinfo_2207};
use nhsa_terminal::protocol::SettleNotifyDraft;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

/// Every amount field a notify can carry, its total and the protocol's
/// amount block (named where the protocol names them, so none is left out):
/// what the fixture does not expect must not be on the wire.
fn wire_amounts() -> Vec<&'static str> {
    let mut draft = SettleNotifyDraft::default();
    let block = draft.amounts_mut().map(|(field, _)| field);
    std::iter::once("totalFee").chain(block).collect()
}

fn fixtures() -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/2207");
    let mut all: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap(),
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(all.len() >= 10);
    all
}

/// The 2208 that reverses a 2207: every amount negated, a setl_id of its own.
fn reversal(setlinfo: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in setlinfo.as_object().unwrap() {
        let reversed = match (k.as_str(), v) {
            ("setl_id", _) => json!(format!(
                "R{}",
                v.as_str().map_or(v.to_string(), str::to_owned)
            )),
            ("setl_time", _) => v.clone(),
            (_, Value::Number(n)) if n.as_f64().is_some_and(|f| f != 0.0) => {
                serde_json::from_str(&format!("-{n}")).unwrap()
            }
            (_, Value::String(s)) if s.parse::<f64>().is_ok_and(|f| f != 0.0) => {
                json!(format!("-{s}"))
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), reversed);
    }
    Value::Object(out)
}

fn check_wire(name: &str, sent: &Value, expect: &Value) {
    for field in wire_amounts() {
        assert_eq!(
            sent.get(field),
            expect.get(field),
            "{name}: {field} on the wire (sent {sent})"
        );
    }
}

#[tokio::test]
async fn every_fund_of_realistic_2207_outputs_reaches_the_patients_screen_without_a_warning() {
    let his = His::start().await;
    for (name, fixture) in fixtures() {
        let out_biz_no = his.scan().await.out_biz_no();
        // Settled just now, after the scan, as at the counter.
        let mut fixture = fixture;
        fixture["setlinfo"]["setl_time"] = json!(common::now());
        let body = json!({"outBizNo": out_biz_no, "medicalSettleState": "SUCCESS",
            "setlinfo": fixture["setlinfo"]});
        let settled = his.post("/v1/settlements", &body.to_string(), None).await;
        assert_eq!(
            settled.status,
            StatusCode::CREATED,
            "{name}: {}",
            settled.body
        );
        assert_eq!(
            settled.body["warnings"],
            json!([]),
            "{name}: {}",
            settled.body
        );
        let sent = his.notifies().pop().unwrap();
        check_wire(&name, &sent, &fixture["expect"]);

        // Its 2208, amounts negative as the platform reports them: the same
        // money back, item by item; the balance as the 2208 gives it.
        let id = settled.body["settlementId"].as_i64().unwrap();
        let refund = json!({"setlinfo": reversal(&fixture["setlinfo"])});
        let refunded = his
            .post(
                &format!("/v1/settlements/{id}/refund"),
                &refund.to_string(),
                None,
            )
            .await;
        assert_eq!(
            refunded.status,
            StatusCode::CREATED,
            "{name}: {}",
            refunded.body
        );
        assert_eq!(
            refunded.body["warnings"],
            json!([]),
            "{name}: {}",
            refunded.body
        );
        let mut expect = fixture["expect"].clone();
        expect["medicalSettleNo"] = reversal(&fixture["setlinfo"])["setl_id"]
            .as_str()
            .map(|s| json!(s))
            .unwrap();
        let sent = his.notifies().pop().unwrap();
        assert_eq!(sent["medicalSettleState"], "REFUND_SUCCESS");
        check_wire(&name, &sent, &expect);
    }
}

#[tokio::test]
async fn one_setl_id_is_one_settlement_whatever_the_visit_or_settlement_time() {
    let his = His::start().await;
    let first = his.scan().await.out_biz_no();
    let body = setlinfo_2207(&first, "2026-11-28 09:30:00");
    let paid = his.post("/v1/settlements", &body, None).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    let sent = his.notifies().len();
    // The same setl_id, another setl_time, or none.
    for other in [
        body.replace("2026-11-28 09:30:00", "2026-11-28 09:45:00"),
        body.replace(r#""setl_time":"2026-11-28 09:30:00","#, ""),
    ] {
        let again = his.post("/v1/settlements", &other, None).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(again.body["code"], "duplicate");
        assert_eq!(again.body["settlementId"], paid.body["settlementId"]);
        assert_eq!(again.body["outBizNo"], first.as_str());
    }
    // On another patient's visit.
    let second = his.scan().await.out_biz_no();
    let moved = body.replace(&first, &second);
    let again = his.post("/v1/settlements", &moved, None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.body["settlementId"], paid.body["settlementId"]);
    // In the wire form too.
    let wire = json!({"outBizNo": second, "medicalSettleState": "SUCCESS", "totalFee": "120.50",
        "medicalSettleNo": nhsa_terminal::samples::setl_id_for(&first), "ownAmt": "20.50",
        "hifAmt": "80.00", "acctAmt": "20.00", "hifpAmt": "80.00"});
    let again = his.post("/v1/settlements", &wire.to_string(), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(
        his.notifies().len(),
        sent,
        "nothing more reached the terminal"
    );
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 1);
    let day = his.get("/v1/summary?date=2026-11-28").await;
    assert_eq!(day.body[0]["net"]["totalFee"], "120.50");
}

#[tokio::test]
async fn no_refund_goes_out_without_a_settlement_behind_it() {
    let his = His::start().await;
    let visit = his.scan().await.out_biz_no();
    // A REFUND_SUCCESS in wire form on a visit never settled: 422, nothing sent.
    let orphan = json!({"outBizNo": visit, "medicalSettleState": "REFUND_SUCCESS",
        "totalFee": "99999999.99", "medicalSettleNo": "441700G9", "ownAmt": "99999999.99",
        "hifAmt": "0.00", "acctAmt": "0.00", "hifpAmt": "0.00"});
    let refused = his.post("/v1/settlements", &orphan.to_string(), None).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["field"], "outBizNo");
    let fail = json!({"outBizNo": visit, "medicalSettleState": "REFUND_FAIL", "totalFee": "1.00"});
    let refused = his.post("/v1/settlements", &fail.to_string(), None).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(his.notifies().is_empty());
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 0);

    // Settled: a wire-form refund naming its setl_id is linked to it, capped
    // item by item by what is left.
    let paid = his.settle(&visit, "2026-11-28 09:30:00").await;
    // A part of it names its own 2208 setl_id.
    let setl_id = format!("{}R1", nhsa_terminal::samples::setl_id_for(&visit));
    let too_much_own = json!({"outBizNo": visit, "medicalSettleState": "REFUND_SUCCESS",
        "totalFee": "50.00", "medicalSettleNo": setl_id, "ownAmt": "50.00", "hifAmt": "0.00",
        "acctAmt": "0.00", "hifpAmt": "0.00", "setlTime": "2026-11-28 10:00:00"});
    let refused = his
        .post("/v1/settlements", &too_much_own.to_string(), None)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["field"], "ownAmt");
    let fine = json!({"outBizNo": visit, "medicalSettleState": "REFUND_SUCCESS",
        "totalFee": "20.50", "medicalSettleNo": setl_id, "ownAmt": "20.50", "hifAmt": "0.00",
        "acctAmt": "0.00", "hifpAmt": "0.00", "setlTime": "2026-11-28 10:00:00"});
    let refund = his.post("/v1/settlements", &fine.to_string(), None).await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    assert_eq!(refund.body["originalId"], paid.body["settlementId"]);
    let day = his.get("/v1/summary?date=2026-11-28").await;
    assert_eq!(day.body[0]["net"]["totalFee"], "100.00");
}

#[tokio::test]
async fn a_refund_is_booked_to_the_operator_it_names() {
    let his = His::start().await;
    let visit = his.scan().await.out_biz_no();
    let paid = his.settle(&visit, "2026-11-28 09:30:00").await;
    let id = paid.body["settlementId"].as_i64().unwrap();
    let path = format!("/v1/settlements/{id}/refund");
    let part = json!({"operatorId": "0230", "operatorName": "何丽", "setlinfo": {
        "setl_id": "441700G0000000000R01", "medfee_sumamt": -20.5, "psn_cash_pay": -20.5, "fund_pay_sumamt": 0, "acct_pay": 0,
        "hifp_pay": 0, "setl_time": "2026-11-28 10:00:00"}});
    let r = his.post(&path, &part.to_string(), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(his.notifies().pop().unwrap()["operatorId"], "0230");
    let rest =
        json!({"operatorId": "0230", "operatorName": "何丽", "setlTime": "2026-11-28 10:05:00"});
    let r = his.post(&path, &rest.to_string(), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let days = his.get("/v1/summary?date=2026-11-28").await.body;
    let of = |op: &str| {
        days.as_array()
            .unwrap()
            .iter()
            .find(|d| d["operatorId"] == op)
            .unwrap()["net"]["totalFee"]
            .clone()
    };
    assert_eq!(of("0107"), "120.50", "{days}");
    assert_eq!(of("0230"), "-120.50", "{days}");
}
