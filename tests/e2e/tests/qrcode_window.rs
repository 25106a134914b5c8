//! A child at the counter: the face scan fails (the terminal cannot use the
//! face), 改用医保码 reads the parent's phone, the child's identity shows its
//! age in months, the settlement reaches the terminal under the 医保码's
//! number, and 历史 marks the visit 医保码. Run by scripts/e2e.sh.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use facepay_e2e::{
    Panel, Seat, click, fill, first_admin, press, screens, shot, switch_to, wait_for, wait_text,
};
use facepay_sim::{Behaviour, Script, SimServer, TransType};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: scripts/e2e.sh runs it"]
async fn a_child_is_served_by_qrcode_after_the_face_scan_fails() {
    let sim = SimServer::loopback().await.unwrap();
    // The simulator's children are aged against the panel's own day.
    let today = std::process::Command::new("date")
        .arg("+%Y %m %d")
        .output()
        .unwrap();
    let day: Vec<u32> = String::from_utf8(today.stdout)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    sim.sim.set_today(Some((day[0], day[1], day[2])));
    let seat = Seat {
        id: "W03",
        operator_id: "0109",
        operator_name: "梁晓雯",
        office_id: "0402",
        office_name: "儿科",
    };
    let panel = Panel::open(&sim.url(), seat, "", &[]).await;
    let c = &panel.c;
    let shots = screens();
    first_admin(c, "0109", "梁晓雯", "135790").await;
    wait_for(c, "#scan-qrcode").await;

    // The terminal cannot use the face: the error card offers 改用医保码.
    sim.sim.push_script(Script::for_trans(
        TransType::EcAuth,
        Behaviour::face_unusable(),
    ));
    press(c, "F2").await;
    let error = wait_text(c, "#error", "2002").await;
    assert!(error.contains("医保码"), "{error}");
    wait_for(c, "#use-qrcode").await;
    shot(c, &shots, "30-face-unusable-offers-qrcode").await;

    // The parent shows the child's 医保码: a 1岁5个月 child.
    sim.sim.push_script(
        Script::for_trans(
            TransType::QrCodeGet,
            Behaviour::AsPerson {
                person: "child-1y5m".into(),
            },
        )
        .delayed(1500),
    );
    click(c, "#use-qrcode").await;
    wait_text(c, "#waiting", "医保码").await;
    wait_text(c, "#credential-badge", "医保码").await;
    // Masked: whole years only (months would narrow the birth date to
    // weeks); 显示 brings the months with the full number.
    let age = wait_text(c, "#identity-age", "1岁").await;
    assert!(!age.contains("个月"), "{age}");
    let id = wait_for(c, "#identity-id").await.text().await.unwrap();
    assert!(
        id.contains('*') && id.ends_with('*'),
        "masked, check digit too: {id}"
    );
    click(c, "#reveal").await;
    wait_text(c, "#identity-age", "1岁5个月").await;
    click(c, "#reveal").await;
    wait_text(c, "#identity-id", "*").await;
    fill(c, "totalFee", "58.00").await;
    fill(c, "hifAmt", "40.00").await;
    fill(c, "hifpAmt", "40.00").await;
    fill(c, "acctAmt", "0.00").await;
    fill(c, "ownAmt", "18.00").await;
    fill(c, "medicalSettleNo", "441700G0000099990001").await;
    shot(c, &shots, "31-qrcode-child").await;
    press(c, "F4").await;
    wait_text(c, "#receipt", "已送达").await;

    // The terminal got the settlement under the 医保码's own number, and no auth.check was needed.
    let sent = sim.sim.received();
    let scanned = sent
        .iter()
        .find(|r| r.trans_type.as_deref() == Some("cn.nhsa.qrcode.get"))
        .unwrap()
        .data()
        .unwrap();
    let notify = sent
        .iter()
        .find(|r| r.trans_type.as_deref() == Some("cn.nhsa.settle.notify"))
        .unwrap()
        .data()
        .unwrap();
    assert_eq!(notify["outBizNo"], scanned["outBizNo"]);
    assert!(
        !sent
            .iter()
            .any(|r| r.trans_type.as_deref() == Some("cn.nhsa.auth.check")),
        "a 医保码 carries the identity itself"
    );

    // 历史 marks the visit 医保码 and filters on it.
    press(c, "F6").await;
    switch_to(c, true).await;
    wait_for(c, "#history-table").await;
    click(c, "[name='credential'] option[value='qrcode']").await;
    click(c, "#search").await;
    let table = wait_text(c, "#history-table", "58.00").await;
    assert!(table.contains("医保码"), "{table}");
    shot(c, &shots, "32-history-qrcode").await;
    let Panel { c, .. } = panel;
    c.close().await.unwrap();
}
