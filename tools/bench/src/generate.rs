//! A realistic journal: 90 business days, 20 operators, 10 offices.

use facepay_journal::{Journal, JournalError, SettlementId, outbox, settlements};
use nhsa_terminal::protocol::SettleNotify;
use nhsa_terminal::protocol::notify::SettleNotifyDraft;
use nhsa_terminal::samples;

pub const DAYS: u64 = 90;
const SURNAMES: &[&str] = &["陈", "李", "黄", "张", "梁", "林", "刘", "吴", "谭", "冯"];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
];

/// The business day of row `i` of `total`: rows are appended in time order,
/// as a counter writes them, so one day's settlements sit together in the
/// file. (An earlier generator dealt them round-robin over the 90 days,
/// which no counter does: every row of a day on a page of its own.)
pub fn day_of(i: u64, total: u64) -> String {
    chrono_day(i * DAYS / total.max(1))
}

fn chrono_day(offset: u64) -> String {
    // 2026-08-28 + offset days, computed without a date library.
    let mut day = 28 + offset;
    let mut month = 8;
    let lengths = [(8, 31), (9, 30), (10, 31), (11, 30), (12, 31)];
    for (m, len) in lengths {
        if month == m && day > len {
            day -= len;
            month += 1;
        }
    }
    format!("2026-{month:02}-{day:02}")
}

pub fn day(r: &mut fastrand::Rng) -> String {
    chrono_day(r.u64(0..DAYS))
}

pub fn operator(r: &mut fastrand::Rng) -> String {
    format!("{:04}", 100 + r.u32(0..20))
}

pub fn office(r: &mut fastrand::Rng) -> String {
    format!("{:04}", 300 + r.u32(0..10))
}

pub fn name(r: &mut fastrand::Rng) -> String {
    format!(
        "{}{}",
        SURNAMES[r.usize(..SURNAMES.len())],
        GIVEN[r.usize(..GIVEN.len())]
    )
}

pub fn out_biz_no(i: u64) -> String {
    format!("H44170200001-W{:02}-BENCH-{i:08}", i % 20)
}

pub fn auth_no(i: u64) -> String {
    format!("ano{:025}", i * 7919)
}

pub fn settle_no(i: u64) -> String {
    format!("441700G{i:013}")
}

fn draft(i: u64, rows: u64, r: &mut fastrand::Rng) -> SettleNotifyDraft {
    let state = match r.u32(0..100) {
        0..85 => "SUCCESS",
        85..93 => "FAIL",
        93..98 => "REFUND_SUCCESS",
        _ => "REFUND_FAIL",
    };
    let mut d = samples::settle_success_draft(&out_biz_no(i), Some(&auth_no(i)));
    let total = r.u64(100..100_000);
    let hif = total * r.u64(0..80) / 100;
    let acct = (total - hif) * r.u64(0..50) / 100;
    let own = total - hif - acct;
    let yuan = |fen: u64| format!("{}.{:02}", fen / 100, fen % 100);
    d.medical_settle_state = state.into();
    d.operator_id = operator(r);
    d.office_id = Some(office(r));
    d.biz_type = ["register", "settle", "drugStore"][r.usize(..3)].into();
    d.user_name = Some(name(r));
    d.id_no = Some(format!(
        "44170219{:02}0101{:04}",
        r.u32(40..99),
        r.u32(0..10000)
    ));
    d.setl_time = format!(
        "{} {:02}:{:02}:{:02}",
        day_of(i, rows),
        8 + r.u32(0..10),
        r.u32(0..60),
        r.u32(0..60)
    );
    d.total_fee = yuan(total);
    // One in ten is 自费: no amount block.
    d.self_pay = r.u32(0..10) == 0;
    if matches!(state, "SUCCESS" | "REFUND_SUCCESS") && !d.self_pay {
        d.medical_settle_no = Some(settle_no(i));
        d.hif_amt = Some(yuan(hif));
        d.hifp_amt = Some(yuan(hif));
        d.acct_amt = Some(yuan(acct));
        d.own_amt = Some(yuan(own));
    } else {
        no_amounts(&mut d);
        if !matches!(state, "SUCCESS" | "REFUND_SUCCESS") {
            d.fail_reason = Some("医保结算失败".into());
        }
    }
    d
}

pub fn settlements(journal: &mut Journal, from: u64, to: u64) {
    let mut r = fastrand::Rng::with_seed(from);
    let mut i = from;
    // The last insured SUCCESS not yet refunded: a refund needs one behind it.
    let mut open: Option<(SettlementId, SettleNotifyDraft)> = None;
    while i < to {
        let end = (i + 20_000).min(to);
        let now = journal.now();
        journal
            .write(|tx| {
                for k in i..end {
                    let mut d = draft(k, to, &mut r);
                    let refund = d.medical_settle_state.starts_with("REFUND");
                    let original = if refund { open.take() } else { None };
                    let refund_of = match (refund, original) {
                        (true, Some((id, was))) => {
                            d = refund_of_draft(&was, &d.medical_settle_state, k);
                            Some(id)
                        }
                        // Nothing to refund: a settlement instead.
                        (true, None) => {
                            d.medical_settle_state = "FAIL".into();
                            no_amounts(&mut d);
                            d.fail_reason = Some("医保结算失败".into());
                            None
                        }
                        (false, _) => None,
                    };
                    let n = SettleNotify::try_from(d.clone())
                        .map_err(|e| JournalError::Internal(e.to_string()))?;
                    let recorded = settlements::record(tx, &n, None, refund_of, &now)?;
                    // Shown on the terminal, as nearly all of a counter's are: a
                    // panel opened on this journal (scripts/measure-keys.sh) has
                    // no million notifications to deliver first.
                    outbox::mark_delivered(tx, recorded.settlement_id, &now)?;
                    if d.medical_settle_state == "SUCCESS" && !d.self_pay {
                        open = Some((recorded.settlement_id, d));
                    }
                }
                Ok::<_, JournalError>(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        i = end;
    }
}

/// A failure (or 自费) carries no 医保 amount block.
fn no_amounts(d: &mut SettleNotifyDraft) {
    d.medical_settle_no = None;
    d.hif_amt = None;
    d.hifp_amt = None;
    d.acct_amt = None;
    d.own_amt = None;
}

/// A refund of all of `was`, an hour after it, under a 2208 setl_id of its own.
fn refund_of_draft(was: &SettleNotifyDraft, state: &str, k: u64) -> SettleNotifyDraft {
    let mut d = was.clone();
    d.medical_settle_state = state.into();
    let hour: u32 = d.setl_time[11..13].parse().unwrap_or(8);
    d.setl_time = format!(
        "{}{:02}{}",
        &d.setl_time[..11],
        hour + 1,
        &d.setl_time[13..]
    );
    if state == "REFUND_SUCCESS" {
        d.medical_settle_no = Some(settle_no(k));
    } else {
        no_amounts(&mut d);
        d.fail_reason = Some("退费失败".into());
    }
    d
}

/// A business-day range holding about `rows` settlements.
pub fn range_of(c: &facepay_journal::Connection, rows: u64) -> (String, String) {
    let mut stmt = c
        .prepare("SELECT business_day, count(*) FROM settlements GROUP BY business_day ORDER BY business_day")
        .unwrap_or_else(|e| panic!("{e}"));
    let days: Vec<(String, u64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut total = 0;
    for (d, n) in &days {
        total += n;
        if total >= rows {
            return (days[0].0.clone(), d.clone());
        }
    }
    (days[0].0.clone(), days[days.len() - 1].0.clone())
}

/// Make a filter's `to` equal its `from`: one business day.
pub fn one_day(
    mut f: facepay_journal::history::HistoryFilter,
) -> facepay_journal::history::HistoryFilter {
    f.to = f.from.clone();
    f
}
