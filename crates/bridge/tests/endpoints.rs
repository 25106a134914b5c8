//! Every endpoint against the real server on loopback: what the HIS vendor
//! follows in docs/his-bridge.md.

#![allow(clippy::unwrap_used)]

mod common;

use common::{His, setlinfo_2207};
use facepay_core::api::HisNotify;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn scan_identity_settle_refund_and_look_back() {
    let his = His::start().await;
    // 1. The HIS starts the scan and gets the identity for 1101, unmasked.
    let scan = his
        .post(
            "/v1/face-auth",
            "{\"officeId\":\"0402\",\"officeName\":\"儿科\"}",
            None,
        )
        .await;
    assert_eq!(scan.status, StatusCode::CREATED, "{}", scan.body);
    let out_biz_no = scan.out_biz_no();
    let id = &scan.body["identity"];
    let id_no = id["idNo"].as_str().unwrap();
    assert_eq!(id_no.len(), 18, "{id}");
    assert!(!id_no.contains('*'), "the HIS gets the full 证件号: {id}");
    assert!(!id["userName"].as_str().unwrap().contains('*'));
    assert!(id["ecToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(scan.body["authNo"].as_str().is_some());
    // The office the HIS named went to the terminal.
    let sent = his.sim.sim.received();
    assert_eq!(sent[0].data().unwrap()["officeName"], "儿科");
    // The disclosure is audited with the client.
    assert_eq!(
        his.count("SELECT count(*) FROM audit WHERE action = 'his_disclosure'"),
        1
    );

    // 2. The same visit collected later: same identity, audited again.
    let visit = his.get(&format!("/v1/visits/{out_biz_no}")).await;
    assert_eq!(visit.status, StatusCode::OK);
    assert_eq!(visit.body["state"], "identified");
    assert_eq!(visit.body["source"], "his");
    assert_eq!(visit.body["identity"]["idNo"], id_no);

    // 3. The 2207 result, in the HIS's words.
    let settled = his
        .post(
            "/v1/settlements",
            &setlinfo_2207(&out_biz_no, &common::now()),
            Some("k-settle-1"),
        )
        .await;
    assert_eq!(settled.status, StatusCode::CREATED, "{}", settled.body);
    assert_eq!(settled.body["delivery"]["status"], "delivered");
    assert_eq!(settled.body["warnings"].as_array().unwrap().len(), 0);
    let sent = his.notifies();
    assert_eq!(sent.len(), 1);
    let n = &sent[0];
    assert_eq!(n["outBizNo"], out_biz_no.as_str());
    assert_eq!(n["totalFee"], "120.50");
    assert_eq!(n["ownAmt"], "20.50");
    assert_eq!(n["hifAmt"], "80.00");
    assert_eq!(n["acctAmt"], "20.00");
    assert_eq!(n["balance"], "1234.56");
    assert_eq!(
        n["medicalSettleNo"],
        nhsa_terminal::samples::setl_id_for(&out_biz_no)
    );
    assert_eq!(n["authNo"], scan.body["authNo"]);
    assert!(n.get("hifmiAmt").is_none());
    let settlement_id = settled.body["settlementId"].as_i64().unwrap();

    // 4. A 2208 refund of part of it, amounts negative as 2208 reports them.
    let refund = his
        .post(
            &format!("/v1/settlements/{settlement_id}/refund"),
            &format!(
                r#"{{"setlinfo":{{"setl_id":"441700G0000099999999","setl_time":"{}",
                "medfee_sumamt":-20.5,"psn_cash_pay":-20.5,"fund_pay_sumamt":0,"acct_pay":0,"hifp_pay":0}}}}"#,
                common::now()
            ),
            None,
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    assert_eq!(refund.body["state"], "REFUND_SUCCESS");
    assert_eq!(refund.body["originalId"], settlement_id);
    assert_eq!(his.notifies()[1]["totalFee"], "20.50");
    // More than is left is refused, nothing sent.
    let over = his
        .post(
            &format!("/v1/settlements/{settlement_id}/refund"),
            r#"{"totalFee":"200.00"}"#,
            None,
        )
        .await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.body
    );
    assert_eq!(his.notifies().len(), 2);
    // What is left, in wire names with its own split (an empty body would
    // take the original's split, wrong after a partial refund: refused).
    let rest = his
        .post(
            &format!("/v1/settlements/{settlement_id}/refund"),
            r#"{"ownAmt":"0.00","hifAmt":"80.00","acctAmt":"20.00","hifpAmt":"80.00"}"#,
            None,
        )
        .await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    assert_eq!(his.notifies()[2]["totalFee"], "100.00");

    // 5. History (masked), 日结, health, the OpenAPI document.
    let page = his.get("/v1/settlements?limit=10").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["source"] == "his"));
    assert!(
        !page.body.to_string().contains(id_no),
        "history stays masked"
    );
    let day = common::now()[..10].to_owned();
    let summary = his.get(&format!("/v1/summary?date={day}")).await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    assert_eq!(summary.body[0]["net"]["totalFee"], "0.00");
    let health = his.get("/v1/health").await;
    assert_eq!(health.body["status"], "ok", "{}", health.body);
    assert_eq!(health.body["terminalReachable"], true);
    assert_eq!(health.body["undelivered"], 0);
    let doc = his.get("/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["paths"]["/v1/face-auth"]["post"].is_object());
}

#[tokio::test]
async fn a_childs_qrcode_through_the_bridge_gives_the_his_what_1101_needs() {
    let his = His::start().await;
    his.sim.sim.push_script(facepay_sim::Script::for_trans(
        facepay_sim::TransType::QrCodeGet,
        facepay_sim::Behaviour::AsPerson {
            person: "child-5m".into(),
        },
    ));
    let scan = his.post("/v1/qrcode", "", Some("k-qr-1")).await;
    assert_eq!(scan.status, StatusCode::CREATED, "{}", scan.body);
    assert_eq!(scan.body["credential"], "qrcode");
    let id = &scan.body["identity"];
    assert_eq!(id["userName"], "陈思妤", "unmasked for the HIS: {id}");
    assert!(
        id["ecToken"].as_str().is_some_and(|t| !t.is_empty()),
        "{id}"
    );
    let sent: Vec<_> = his
        .sim
        .sim
        .received()
        .into_iter()
        .filter_map(|r| r.trans_type)
        .collect();
    assert_eq!(sent, ["cn.nhsa.qrcode.get"]);
    assert_eq!(
        his.count("SELECT count(*) FROM audit WHERE action = 'his_disclosure'"),
        1
    );
    // The same key on the other scan endpoint is another request.
    let other = his.post("/v1/face-auth", "", Some("k-qr-1")).await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.body);
    assert_eq!(other.body["code"], "idempotency_conflict");
    // Its settlement goes out under the 医保码's number.
    let out_biz_no = scan.body["outBizNo"].as_str().unwrap();
    let settled = his.settle(out_biz_no, &common::now()).await;
    assert_eq!(settled.status, StatusCode::CREATED, "{}", settled.body);
    assert_eq!(his.notifies()[0]["outBizNo"], out_biz_no);
    let visit = his.get(&format!("/v1/visits/{out_biz_no}")).await;
    assert_eq!(visit.body["state"], "identified", "{}", visit.body);
}

#[tokio::test]
async fn the_token_is_required_checked_and_rotatable() {
    let his = His::with(HisNotify::AtOnce, None).await;
    let health = || his.anonymous(Method::GET, "/v1/health");
    let missing = his.send(health()).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["code"], "unauthorized");
    let wrong = his.send(health().bearer_auth("x".repeat(64))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // A refused POST runs nothing and echoes nothing.
    let refused = his
        .send(
            his.anonymous(Method::POST, "/v1/face-auth")
                .body("{\"operatorName\":\"X\"}"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(!refused.body.to_string().contains("operatorName"));
    assert!(his.sim.sim.received().is_empty());
    assert!(his.count("SELECT count(*) FROM audit WHERE action = 'bridge_unauthorized'") >= 1);
    // The token from the file works; after rotation only the new one does.
    assert_eq!(his.get("/v1/health").await.status, StatusCode::OK);
    let old = his.token.clone();
    let source = his.bridge.as_ref().unwrap().token();
    let new = source.rotate().unwrap();
    let with_old = his.send(health().bearer_auth(&old)).await;
    assert_eq!(with_old.status, StatusCode::UNAUTHORIZED);
    let with_new = his.send(health().bearer_auth(new.reveal())).await;
    assert_eq!(with_new.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_bodies_are_refused_with_the_field_named_and_send_nothing() {
    let his = His::start().await;
    let cases: &[(&str, StatusCode, &str, Option<&str>)] = &[
        (
            "{\"outBizNo\":",
            StatusCode::BAD_REQUEST,
            "malformed_json",
            None,
        ),
        (
            "[1,2]",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Some("."),
        ),
        (
            r#"{"outBizNo":"X1","medicalSettleState":"SUCCESS","setlinfo":{"medfee_sumamt":"1.155"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Some("setlinfo.medfee_sumamt"),
        ),
        (
            // psn_cash_pay null: the terminal needs ownAmt, named as the HIS sent it.
            r#"{"outBizNo":"X1","medicalSettleState":"SUCCESS","setlinfo":{"medfee_sumamt":10,
                "psn_cash_pay":null,"fund_pay_sumamt":10,"acct_pay":0,"hifp_pay":10,"setl_id":"S1"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Some("setlinfo.psn_cash_pay"),
        ),
        (
            r#"{"outBizNo":"X1","medicalSettleState":"PAID","setlinfo":{}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Some("medicalSettleState"),
        ),
        (
            r#"{"outBizNo":"X1","medicalSettleState":"SUCCESS","totalFee":"1.00","operatorName":"a\u0007b"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Some("operatorName"),
        ),
        (
            // A typo in wire names: refused, not dropped from the patient's screen.
            r#"{"outBizNo":"X1","medicalSettleState":"SUCCESS","totalFee":"1.00","acctamt":"1.00"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Some("acctamt"),
        ),
    ];
    for (body, status, code, field) in cases {
        let a = his
            .post("/v1/settlements", body, Some("same-key-for-all"))
            .await;
        assert_eq!(a.status, *status, "{body}: {}", a.body);
        assert_eq!(a.body["code"], *code, "{body}: {}", a.body);
        assert_eq!(a.body["field"].as_str(), *field, "{body}: {}", a.body);
        assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Refused bodies free their key and record nothing.
    assert!(his.notifies().is_empty());
    assert_eq!(his.count("SELECT count(*) FROM settlements"), 0);
    assert_eq!(his.count("SELECT count(*) FROM idempotency_keys"), 0);

    // Over 1 MiB: 413 before the body is read.
    let big = format!(
        "{{\"x\":\"{}\"}}",
        "a".repeat(facepay_bridge::MAX_BODY_BYTES)
    );
    let a = his.post("/v1/settlements", &big, None).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.body["code"], "body_too_large");
    // Not JSON, an unknown charset, bytes that are not the declared charset.
    for (content_type, bytes, status) in [
        (
            "text/plain",
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "application/json; charset=latin1",
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "application/json; charset=GBK",
            vec![b'{', 0x81, b'}'],
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json",
            vec![b'{', 0xff, b'}'],
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let a = his
            .send(
                his.request(Method::POST, "/v1/face-auth")
                    .header("content-type", content_type)
                    .body(bytes),
            )
            .await;
        assert_eq!(a.status, status, "{content_type}: {}", a.body);
    }
    assert!(
        his.sim.sim.received().is_empty(),
        "nothing reached the terminal"
    );
    // Unknown routes and methods answer in the same error shape.
    assert_eq!(his.get("/v1/nothing").await.body["code"], "not_found");
    let a = his.send(his.request(Method::DELETE, "/v1/health")).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_gbk_body_from_a_windows_his_is_read_as_gbk() {
    let his = His::start().await;
    let (bytes, _, bad) =
        encoding_rs::GBK.encode("{\"operatorName\":\"张医生\",\"officeName\":\"儿科门诊\"}");
    assert!(!bad);
    let a = his
        .send(
            his.request(Method::POST, "/v1/face-auth")
                .header("content-type", "application/json; charset=GBK")
                .body(bytes.into_owned()),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let sent = his.sim.sim.received()[0].data().unwrap();
    assert_eq!(sent["operatorName"], "张医生");
    assert_eq!(sent["officeName"], "儿科门诊");
}

#[tokio::test]
async fn amounts_a_double_based_his_sends_land_on_the_right_fen() {
    let his = His::start().await;
    let body = format!(
        r#"{{"outBizNo":"H44170200001-W01-X","medicalSettleState":"SUCCESS","setlinfo":{{
        "medfee_sumamt":0.30000000000000004,"psn_cash_pay":0.1,"fund_pay_sumamt":0.2,
        "acct_pay":0,"hifp_pay":0.2,"setl_id":"S-0001","setl_time":"{}"}}}}"#,
        common::now()
    );
    let a = his.post("/v1/settlements", &body, None).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let n = &his.notifies()[0];
    assert_eq!(n["totalFee"], "0.30");
    assert_eq!(n["ownAmt"], "0.10");
    assert_eq!(n["hifAmt"], "0.20");
    assert_eq!(
        his.count("SELECT total_fee_fen FROM settlements"),
        30,
        "stored as 分"
    );
}

#[tokio::test]
async fn a_counter_set_to_confirm_holds_his_settlements_for_f4() {
    let his = His::with(HisNotify::Cashier, Some(common::TOKEN)).await;
    let a = his.settle("H44170200001-W01-Y", &common::now()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["delivery"]["status"], "held");
    assert!(his.notifies().is_empty(), "not sent before F4");
    assert_eq!(his.get("/v1/health").await.body["held"], 1);
    // The outbox worker leaves it alone; F4 sends it.
    assert!(his.desk.deliver_due().await.unwrap().is_empty());
    let id = facepay_core::api::SettlementId(a.body["settlementId"].as_i64().unwrap());
    let report = his.desk.release(id).await.unwrap();
    assert_eq!(report.status, facepay_core::api::DeliveryStatus::Delivered);
    assert_eq!(his.notifies().len(), 1);
    // F4 twice does not send twice.
    assert!(his.desk.release(id).await.is_err());
    assert_eq!(his.notifies().len(), 1);
}

#[tokio::test]
async fn only_loopback_addresses_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::sync::Arc::new(
        facepay_bridge::TokenSource::open(&dir.path().join("t"), Some(common::TOKEN)).unwrap(),
    );
    let sim = facepay_sim::SimServer::loopback().await.unwrap();
    let desk = std::sync::Arc::new(
        facepay_core::api::Desk::open(
            common::config(dir.path(), &sim.url(), HisNotify::AtOnce),
            "test",
        )
        .unwrap(),
    );
    let err = facepay_bridge::start(
        std::sync::Arc::new(move || std::sync::Arc::clone(&desk)),
        "0.0.0.0:0".parse().unwrap(),
        source,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("bridge.listen"), "{err}");
    // The configuration refuses it too, naming the setting.
    let e = facepay_core::api::bridge_listen("192.168.1.20:17321", "bridge.listen").unwrap_err();
    assert_eq!(e.field, "bridge.listen");
    assert!(facepay_core::api::bridge_listen("[::1]:17321", "bridge.listen").is_ok());
}
