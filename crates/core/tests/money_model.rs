//! A model of the money rules driven against the real desk (simulator over
//! HTTP, encrypted SQLite file): random sequences of scans, settlements,
//! settlements repeating another's setl_id, full and partial refunds (by
//! settlement, or in wire form by the visit), resends. After every step the
//! desk agrees with the model on what was accepted, and the journal holds:
//! each setl_id at most once; refunds of an original never beyond it, item by
//! item; no refund without a SUCCESS behind it; 日结 equals the sum of the rows.

#![allow(clippy::unwrap_used)]

mod common;

use common::harness;
use facepay_core::api::{Checkout, RefundRequest, SettlementId};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Scan,
    /// Settle visit `visit` (an index into the visits so far) for `parts`
    /// (自费, 医保报销, 个人帐户 in 分); `reuse`: with the setl_id of an earlier
    /// settlement instead of a new one; `self_pay`: 自费.
    Settle {
        visit: usize,
        parts: [u64; 3],
        reuse: Option<usize>,
        self_pay: bool,
    },
    /// Refund settlement `settlement`: all that is left, or `parts` of it.
    Refund {
        settlement: usize,
        parts: Option<[u64; 3]>,
        by_visit: bool,
    },
    Resend {
        settlement: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let parts = [0u64..3000, 0u64..3000, 0u64..3000];
    prop_oneof![
        2 => Just(Op::Scan),
        4 => (0usize..8, parts.clone(), proptest::option::weighted(0.25, 0usize..8), proptest::bool::weighted(0.2))
            .prop_map(|(visit, parts, reuse, self_pay)| Op::Settle { visit, parts, reuse, self_pay }),
        3 => (0usize..8, proptest::option::weighted(0.6, parts), any::<bool>())
            .prop_map(|(settlement, parts, by_visit)| Op::Refund { settlement, parts, by_visit }),
        1 => (0usize..8).prop_map(|settlement| Op::Resend { settlement }),
    ]
}

/// What the model knows of a SUCCESS.
#[derive(Debug, Clone)]
struct Paid {
    id: SettlementId,
    out_biz_no: String,
    setl_id: Option<String>,
    self_pay: bool,
    /// 自费, 医保报销, 个人帐户 still refundable.
    left: [u64; 3],
    total_left: u64,
}

fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn check_journal(h: &common::Harness) {
    h.desk.with_journal(|j| {
        let c = j.conn();
        let one = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            one("SELECT count(*) FROM (SELECT medical_settle_no FROM settlements
                 WHERE state = 'SUCCESS' AND medical_settle_no IS NOT NULL
                 GROUP BY medical_settle_no HAVING count(*) > 1)"),
            0,
            "a setl_id recorded twice"
        );
        assert_eq!(
            one("SELECT count(*) FROM settlements r
                 WHERE r.state IN ('REFUND_SUCCESS', 'REFUND_FAIL') AND NOT EXISTS
                   (SELECT 1 FROM settlements o WHERE o.id = r.original_id AND o.state = 'SUCCESS')"),
            0,
            "a refund without a SUCCESS behind it"
        );
        for column in ["total_fee_fen", "own_fen", "hif_fen", "acct_fen"] {
            assert_eq!(
                one(&format!(
                    "SELECT count(*) FROM settlements o WHERE o.state = 'SUCCESS' AND
                     coalesce(o.{column}, 0) < (SELECT coalesce(sum(r.{column}), 0) FROM settlements r
                       WHERE r.original_id = o.id AND r.state = 'REFUND_SUCCESS')"
                )),
                0,
                "refunds beyond their original in {column}"
            );
        }
    });
    // 日结 equals the sum of the rows.
    let rows: i64 = h.desk.with_journal(|j| {
        j.conn()
            .query_row(
                "SELECT coalesce(sum(CASE state WHEN 'SUCCESS' THEN total_fee_fen
                     WHEN 'REFUND_SUCCESS' THEN -total_fee_fen ELSE 0 END), 0)
                 FROM settlements WHERE business_day = '2026-11-25'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    });
    let day = h.desk.summary("2026-11-25", None).unwrap();
    let fen = |s: &str| -> i64 {
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
        let (y, f) = s.split_once('.').unwrap();
        let v = y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap();
        if neg { -v } else { v }
    };
    let summed: i64 = day.iter().map(|d| fen(&d.net.total_fee)).sum();
    assert_eq!(summed, rows, "日结 differs from its rows");
}

async fn run(ops: Vec<Op>) {
    let h = harness("2026-11-25 09:00:00").await;
    let mut visits: Vec<String> = Vec::new();
    let mut paid: Vec<Paid> = Vec::new();
    let mut next_setl = 0u32;
    for (step, op) in ops.into_iter().enumerate() {
        h.clock
            .set(&format!("2026-11-25 09:{:02}:{:02}", step / 60, step % 60));
        let setl_time = format!("2026-11-25 09:{:02}:{:02}", step / 60, step % 60);
        match op {
            Op::Scan => {
                let v = h.desk.face_auth(common::never()).await.unwrap();
                visits.push(v.out_biz_no);
            }
            Op::Settle {
                visit,
                parts,
                reuse,
                self_pay,
            } => {
                let Some(out_biz_no) = visits.get(visit % visits.len().max(1)).cloned() else {
                    continue;
                };
                let total: u64 = parts.iter().sum();
                if total == 0 {
                    continue;
                }
                let reused = reuse
                    .filter(|_| !self_pay && !paid.is_empty())
                    .and_then(|i| paid[i % paid.len()].setl_id.clone());
                let setl_id = reused.clone().unwrap_or_else(|| {
                    next_setl += 1;
                    format!("441700G{next_setl:012}")
                });
                let mut d = Checkout {
                    out_biz_no: out_biz_no.clone(),
                    medical_settle_state: "SUCCESS".into(),
                    total_fee: yuan(total),
                    setl_time: setl_time.clone(),
                    self_pay,
                    ..Checkout::default()
                };
                if !self_pay {
                    d.medical_settle_no = Some(setl_id.clone());
                    d.own_amt = Some(yuan(parts[0]));
                    d.hif_amt = Some(yuan(parts[1]));
                    d.acct_amt = Some(yuan(parts[2]));
                    d.hifp_amt = Some(yuan(parts[1]));
                }
                let got = h.desk.notify(d).await;
                match reused {
                    Some(_) => {
                        let e = got.unwrap_err();
                        assert_eq!(e.code().as_str(), "duplicate", "step {step}: {e}");
                    }
                    None => {
                        let r = got.unwrap_or_else(|e| panic!("step {step}: {e}"));
                        paid.push(Paid {
                            id: r.settlement_id,
                            out_biz_no,
                            setl_id: (!self_pay).then_some(setl_id),
                            self_pay,
                            left: if self_pay { [0; 3] } else { parts },
                            total_left: total,
                        });
                    }
                }
            }
            Op::Refund {
                settlement,
                parts,
                by_visit,
            } => {
                if paid.is_empty() {
                    continue;
                }
                let i = settlement % paid.len();
                let o = paid[i].clone();
                let amounts = match parts {
                    Some(p) if !o.self_pay => p,
                    _ => o.left,
                };
                let total: u64 = if o.self_pay || parts.is_none() {
                    o.total_left
                } else {
                    amounts.iter().sum()
                };
                // What the model says must happen.
                let within = o.self_pay || amounts.iter().zip(o.left).all(|(a, l)| *a <= l);
                let open_on_visit = paid
                    .iter()
                    .filter(|p| p.out_biz_no == o.out_biz_no && p.total_left > 0)
                    .count();
                let expect_ok = total > 0
                    && total <= o.total_left
                    && within
                    && (!by_visit || !o.self_pay || open_on_visit == 1);
                let got = if by_visit {
                    let mut d = Checkout {
                        out_biz_no: o.out_biz_no.clone(),
                        medical_settle_state: "REFUND_SUCCESS".into(),
                        total_fee: yuan(total),
                        setl_time: setl_time.clone(),
                        self_pay: o.self_pay,
                        ..Checkout::default()
                    };
                    if !o.self_pay {
                        d.medical_settle_no = o.setl_id.clone();
                        d.own_amt = Some(yuan(amounts[0]));
                        d.hif_amt = Some(yuan(amounts[1]));
                        d.acct_amt = Some(yuan(amounts[2]));
                        d.hifp_amt = Some(yuan(amounts[1]));
                    }
                    h.desk.notify(d).await
                } else {
                    let mut r = RefundRequest::full(o.id);
                    r.setl_time = Some(setl_time.clone());
                    if parts.is_some() && !o.self_pay {
                        r.total_fee = Some(yuan(total));
                        r.own_amt = Some(yuan(amounts[0]));
                        r.hif_amt = Some(yuan(amounts[1]));
                        r.acct_amt = Some(yuan(amounts[2]));
                        r.hifp_amt = Some(yuan(amounts[1]));
                    }
                    h.desk.refund(r).await
                };
                match got {
                    Ok(receipt) => {
                        assert!(expect_ok, "step {step}: the model refuses {op:?} of {o:?}");
                        assert_eq!(receipt.original_id, Some(o.id), "step {step}");
                        let p = &mut paid[i];
                        p.total_left -= total;
                        if !p.self_pay {
                            for (l, a) in p.left.iter_mut().zip(amounts) {
                                *l -= a;
                            }
                        }
                    }
                    Err(e) => {
                        assert!(
                            !expect_ok || (by_visit && open_on_visit != 1),
                            "step {step}: {op:?} of {o:?} refused: {e}"
                        );
                        assert!(
                            matches!(e.code().as_str(), "invalid_input" | "validation"),
                            "step {step}: {e}"
                        );
                    }
                }
            }
            Op::Resend { settlement } => {
                // Sent again (never recorded again), or already delivered.
                if let Some(p) = paid.get(settlement % paid.len().max(1))
                    && let Err(e) = h.desk.resend(p.id).await
                {
                    assert_eq!(e.code().as_str(), "not_found", "step {step}: {e}");
                }
            }
        }
        check_journal(&h);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn money_rules_hold_after_every_step(ops in proptest::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run(ops));
    }
}
