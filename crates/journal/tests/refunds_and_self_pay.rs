//! Refunds linked to what they refund, and 自费 settlements summed apart:
//! the rules of the checkout, on a real SQLite file.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{csv_export, draft, journal_at, settle};
use facepay_journal::history::{HistoryFilter, search};
use facepay_journal::settlements::{self, Recorded};
use facepay_journal::{Journal, JournalError, SettlementId, summary};
use nhsa_protocol::notify::SettleNotifyDraft;
use nhsa_protocol::{Amount, SettleNotify};

/// A refund of `total` named by its original, taken from what is left of
/// 自费, then 个人帐户, then 医保报销 (统筹 alike), as a HIS's 2208 splits it.
fn refund_of(
    j: &mut Journal,
    original: SettlementId,
    state: &str,
    total: &str,
    setl_time: &str,
) -> Result<Recorded, JournalError> {
    let mut d = draft("V-1", state, setl_time);
    d.total_fee = total.into();
    if d.own_amt.is_some() {
        let items = settlements::items(j.conn(), original).unwrap_or_default();
        // An original without items (a FAIL, 自费) is the journal's to refuse.
        let left = |field: &str| {
            items
                .iter()
                .find(|i| i.field == field)
                .map_or(Amount::MAX, |i| i.left())
        };
        let mut rest = total.parse::<Amount>().unwrap();
        let mut take = |field: &str| {
            let part = rest.min(left(field));
            rest = rest.saturating_sub(part);
            Some(part.to_string())
        };
        d.own_amt = take("ownAmt");
        d.acct_amt = take("acctAmt");
        d.hif_amt = take("hifAmt");
        d.hifp_amt = d.hif_amt.clone();
        // More than is left goes on 自费, for the journal to refuse.
        if rest > Amount::ZERO {
            let own = d.own_amt.as_deref().unwrap().parse::<Amount>().unwrap();
            d.own_amt = Some(own.checked_add(rest).unwrap().to_string());
        }
    }
    write(j, d, Some(original))
}

/// A refund (REFUND_SUCCESS) of `total` named by its original.
fn refund(
    j: &mut Journal,
    original: SettlementId,
    total: &str,
    setl_time: &str,
) -> Result<Recorded, JournalError> {
    refund_of(j, original, "REFUND_SUCCESS", total, setl_time)
}

fn write(
    j: &mut Journal,
    d: SettleNotifyDraft,
    original: Option<SettlementId>,
) -> Result<Recorded, JournalError> {
    let n = SettleNotify::try_from(d).unwrap();
    let now = j.now();
    j.write(|tx| settlements::record(tx, &n, None, original, &now))
}

fn self_pay(out_biz_no: &str, state: &str, setl_time: &str) -> SettleNotifyDraft {
    let mut d = draft(out_biz_no, state, setl_time);
    d.self_pay = true;
    for slot in [
        &mut d.medical_settle_no,
        &mut d.own_amt,
        &mut d.hif_amt,
        &mut d.acct_amt,
        &mut d.hifp_amt,
        &mut d.balance,
    ] {
        *slot = None;
    }
    d
}

fn count(j: &Journal) -> i64 {
    common::count(j.conn(), "SELECT count(*) FROM settlements")
}

fn invalid_field(r: Result<Recorded, JournalError>) -> &'static str {
    match r {
        Err(JournalError::Invalid { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn partial_refunds_add_up_to_the_original_and_never_beyond() {
    let mut f = journal_at("2026-11-25 12:00:00");
    let paid = settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:30:00");
    let j = &mut f.journal;

    let first = refund(j, paid.settlement_id, "20.00", "2026-11-25 10:00:00").unwrap();
    assert_eq!(first.original_id, Some(paid.settlement_id));
    // A refund that failed in the HIS takes nothing of what is refundable.
    refund_of(
        j,
        paid.settlement_id,
        "REFUND_FAIL",
        "100.50",
        "2026-11-25 10:05:00",
    )
    .unwrap();
    let o = settlements::original(j.conn(), paid.settlement_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (o.refunded.to_string(), o.refundable().to_string()),
        ("20.00".into(), "100.50".into())
    );

    // One fen too many is refused, names the field and records nothing.
    let before = count(j);
    let over = refund(j, paid.settlement_id, "100.51", "2026-11-25 10:10:00");
    match &over {
        Err(JournalError::Invalid {
            field: "totalFee",
            message,
        }) => {
            assert!(
                message.contains("100.51") && message.contains("100.50"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(j), before);

    refund(j, paid.settlement_id, "100.50", "2026-11-25 10:15:00").unwrap();
    let rest = refund(j, paid.settlement_id, "0.01", "2026-11-25 10:20:00");
    assert_eq!(invalid_field(rest), "totalFee");

    // History shows the original with what is refunded and what is left.
    let page = search(j.conn(), &HistoryFilter::default()).unwrap();
    let original = page
        .rows
        .iter()
        .find(|r| r.id == paid.settlement_id)
        .unwrap();
    assert_eq!(original.refunded_fee.as_deref(), Some("120.50"));
    assert_eq!(original.refundable_fee.as_deref(), Some("0.00"));
    let refunds: Vec<_> = page
        .rows
        .iter()
        .filter(|r| r.original_id == Some(paid.settlement_id))
        .collect();
    assert_eq!(refunds.len(), 3);
    assert!(refunds.iter().all(|r| r.refundable_fee.is_none()));

    // Refunds net out of 日结.
    let day = &summary::day(j.conn(), "2026-11-25", None).unwrap()[0];
    assert_eq!(day.net.total_fee, "0.00");
}

#[test]
fn only_a_success_is_refunded_and_under_its_own_out_biz_no() {
    let mut f = journal_at("2026-11-25 12:00:00");
    let failed = settle(&mut f.journal, "V-1", "FAIL", "2026-11-25 09:30:00");
    let paid = settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:40:00");
    let j = &mut f.journal;
    let of_a_fail = refund(j, failed.settlement_id, "1.00", "2026-11-25 10:00:00");
    assert_eq!(invalid_field(of_a_fail), "settlementId");

    let refunded = refund(j, paid.settlement_id, "1.00", "2026-11-25 10:00:00").unwrap();
    let of_a_refund = refund(j, refunded.settlement_id, "1.00", "2026-11-25 10:05:00");
    assert_eq!(invalid_field(of_a_refund), "settlementId");

    let mut elsewhere = draft("V-2", "REFUND_SUCCESS", "2026-11-25 10:10:00");
    elsewhere.total_fee = "1.00".into();
    let under_another_number = write(j, elsewhere, Some(paid.settlement_id));
    assert_eq!(invalid_field(under_another_number), "outBizNo");

    let not_a_refund = write(
        j,
        draft("V-1", "SUCCESS", "2026-11-25 10:20:00"),
        Some(paid.settlement_id),
    );
    assert_eq!(invalid_field(not_a_refund), "medicalSettleState");

    let missing = refund(j, SettlementId(999), "1.00", "2026-11-25 10:30:00");
    assert!(
        matches!(missing, Err(JournalError::NotFound(_))),
        "{missing:?}"
    );
}

#[test]
fn a_refund_notified_by_out_biz_no_alone_follows_the_same_rules() {
    let mut f = journal_at("2026-11-25 12:00:00");
    let paid = settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:30:00");
    let j = &mut f.journal;
    let linked = write(
        j,
        draft("V-1", "REFUND_SUCCESS", "2026-11-25 10:00:00"),
        None,
    )
    .unwrap();
    assert_eq!(linked.original_id, Some(paid.settlement_id));
    let again = write(
        j,
        draft("V-1", "REFUND_SUCCESS", "2026-11-25 10:05:00"),
        None,
    );
    assert_eq!(invalid_field(again), "totalFee", "already fully refunded");
}

#[test]
fn a_self_pay_original_takes_only_a_self_pay_refund() {
    let mut f = journal_at("2026-11-25 12:00:00");
    let j = &mut f.journal;
    let paid = write(j, self_pay("V-1", "SUCCESS", "2026-11-25 09:30:00"), None).unwrap();
    let insured = refund(j, paid.settlement_id, "10.00", "2026-11-25 10:00:00");
    assert_eq!(invalid_field(insured), "selfPay");
    let mut refund = self_pay("V-1", "REFUND_SUCCESS", "2026-11-25 10:00:00");
    refund.total_fee = "10.00".into();
    let r = write(j, refund, Some(paid.settlement_id)).unwrap();
    let row = search(j.conn(), &HistoryFilter::default())
        .unwrap()
        .rows
        .into_iter()
        .find(|row| row.id == r.settlement_id)
        .unwrap();
    assert!(row.self_pay);
    // Paid back in full in cash: its 自费 is its 总费用; no 医保 number.
    assert_eq!(
        (row.own_amt.as_deref(), row.medical_settle_no),
        (Some("10.00"), None)
    );
    // And the stored draft rebuilds the same 自费 notification for a re-send.
    assert!(
        settlements::payload(j.conn(), r.settlement_id)
            .unwrap()
            .result
            .is_self_pay()
    );

    let insured_paid = settle(j, "V-2", "SUCCESS", "2026-11-25 11:00:00");
    let mut wrong = self_pay("V-2", "REFUND_SUCCESS", "2026-11-25 11:30:00");
    wrong.total_fee = "1.00".into();
    assert_eq!(
        invalid_field(write(j, wrong, Some(insured_paid.settlement_id))),
        "selfPay"
    );
}

#[test]
fn day_totals_and_exports_keep_insured_and_self_pay_apart() {
    let mut f = journal_at("2026-11-25 18:00:00");
    let j = &mut f.journal;
    settle(j, "V-1", "SUCCESS", "2026-11-25 09:00:00"); // 医保 120.50
    let mut cash = self_pay("V-2", "SUCCESS", "2026-11-25 10:00:00");
    cash.total_fee = "35.00".into();
    let cash = write(j, cash, None).unwrap();
    let mut back = self_pay("V-2", "REFUND_SUCCESS", "2026-11-25 11:00:00");
    back.total_fee = "5.00".into();
    write(j, back, Some(cash.settlement_id)).unwrap();

    let day = &summary::day(j.conn(), "2026-11-25", None).unwrap()[0];
    assert_eq!(day.net_insured.total_fee, "120.50");
    assert_eq!(day.net_insured.hif_amt, "80.00");
    assert_eq!(day.net_self_pay.total_fee, "30.00");
    assert_eq!(day.net_self_pay.hif_amt, "0.00", "自费 has no 医保 part");
    assert_eq!(day.net.total_fee, "150.50");
    // Two 收款 and one 退费, counted apart.
    assert_eq!((day.net.count, day.net.refund_count), (2, 1));
    assert_eq!(
        (day.net_self_pay.count, day.net_self_pay.refund_count),
        (1, 1)
    );
    // 自费's 自费 is what the patient paid: the lines add up.
    assert_eq!(day.net_self_pay.own_amt, "30.00");
    assert_eq!(day.net.own_amt, "50.50");
    let kinds: Vec<_> = day
        .by_state
        .iter()
        .map(|s| (s.state.code(), s.self_pay, s.totals.count))
        .collect();
    assert_eq!(
        kinds,
        [
            ("REFUND_SUCCESS", true, 1),
            ("SUCCESS", false, 1),
            ("SUCCESS", true, 1)
        ]
    );

    let out = f.dir.path().join("明细.csv");
    let filter = HistoryFilter {
        from: Some("2026-11-25".into()),
        to: Some("2026-11-25".into()),
        ..Default::default()
    };
    let text = csv_export(&f.journal, &filter, false, &out);
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    let kind = headers.iter().position(|h| h == "结算方式").unwrap();
    let original = headers.iter().position(|h| h == "原结算ID").unwrap();
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let kinds: Vec<&str> = records.iter().map(|r| &r[kind]).collect();
    assert_eq!(kinds, ["医保", "自费", "自费"]);
    assert_eq!(&records[2][original], cash.settlement_id.to_string());
}

#[test]
fn the_largest_amounts_still_sum_in_day_totals() {
    let mut f = journal_at("2026-11-25 18:00:00");
    for (i, no) in ["V-1", "V-2", "V-3"].iter().enumerate() {
        let mut d = self_pay(no, "SUCCESS", &format!("2026-11-25 1{i}:00:00"));
        d.total_fee = "99999999.99".into();
        write(&mut f.journal, d, None).unwrap();
    }
    let day = &summary::day(f.journal.conn(), "2026-11-25", None).unwrap()[0];
    assert_eq!(day.net.total_fee, "299999999.97");
    assert_eq!(day.net_self_pay.count, 3);
}
