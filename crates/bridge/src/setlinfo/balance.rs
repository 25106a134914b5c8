//! Which way a 2207 adds up, read from its own numbers. The national text
//! has `medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay` (+
//! `hosp_part_amt`), the funds without the account; some provinces'
//! `fund_pay_sumamt` already holds `acct_pay` (one HIS vendor's code notes
//! 广东). A setting IT can get wrong, silently, is not how to tell them
//! apart: a settlement that balances one way says which way it is. Either
//! way the patient's 医保报销 (hifAmt) is the funds without the account.

use std::collections::BTreeMap;

use super::fields::FIELDS;
use super::yuan::text;

/// The amounts of a setlinfo in 分, by their 2207 names.
pub type Fen = BTreeMap<&'static str, u64>;

/// What `fund_pay_sumamt` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The funds only (the national text).
    National,
    /// The funds and `acct_pay`.
    AccountIncluded,
}

/// How a setlinfo adds up, and what does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub reading: Reading,
    /// `acct_mulaid_pay` (a relative's account) reported beside `acct_pay`
    /// rather than inside it, as the numbers show.
    pub mulaid_apart: bool,
    /// In the HIS's words; empty when the settlement balances.
    pub warnings: Vec<String>,
}

struct Parts {
    medfee: u64,
    fund: u64,
    acct: u64,
    mulaid: u64,
    cash: u64,
    hosp: u64,
}

impl Parts {
    /// Whether the total is paid exactly by the parts, read this way.
    fn adds_up(&self, reading: Reading, mulaid_apart: bool) -> bool {
        let beside_fund = match reading {
            Reading::National => self.acct,
            Reading::AccountIncluded if self.fund < self.acct => return false,
            Reading::AccountIncluded => 0,
        };
        let paid = self.fund + beside_fund + self.cash + if mulaid_apart { self.mulaid } else { 0 };
        // hosp_part_amt is in the sum nationally; some HIS leave it out.
        paid == self.medfee || paid + self.hosp == self.medfee
    }
}

/// Read the split of `f`. Amounts missing from the setlinfo count as 0;
/// without `medfee_sumamt` and `fund_pay_sumamt` there is nothing to check
/// (the notify's own validation names what is missing).
pub fn split(f: &Fen) -> Split {
    let get = |name: &str| f.get(name).copied();
    let (Some(medfee), Some(fund)) = (get("medfee_sumamt"), get("fund_pay_sumamt")) else {
        return Split {
            reading: Reading::National,
            mulaid_apart: false,
            warnings: Vec::new(),
        };
    };
    let p = Parts {
        medfee,
        fund,
        acct: get("acct_pay").unwrap_or(0),
        mulaid: get("acct_mulaid_pay").unwrap_or(0),
        cash: get("psn_cash_pay").unwrap_or(0),
        hosp: get("hosp_part_amt").unwrap_or(0),
    };
    let funds: Vec<(&str, u64)> = FIELDS
        .iter()
        .filter(|field| field.fund)
        .filter_map(|field| get(field.his).map(|v| (field.his, v)))
        .collect();
    let fund_sum: u64 = funds.iter().map(|(_, v)| v).sum();
    let funds_add_up = |reading: Reading| {
        funds.is_empty()
            || match reading {
                Reading::National => p.fund == fund_sum,
                Reading::AccountIncluded => {
                    p.fund == fund_sum + p.acct || p.fund == fund_sum + p.acct + p.mulaid
                }
            }
    };
    let mut readings = vec![(Reading::National, false)];
    if p.acct > 0 {
        readings.push((Reading::AccountIncluded, false));
    }
    if p.mulaid > 0 {
        readings.push((Reading::National, true));
        if p.acct > 0 {
            readings.push((Reading::AccountIncluded, true));
        }
    }
    // Where several readings balance the total, the funds decide, then
    // the order above (the national text first).
    let by_total = readings
        .iter()
        .copied()
        .filter(|(r, apart)| p.adds_up(*r, *apart))
        .min_by_key(|(r, _)| !funds_add_up(*r));
    let mut warnings = Vec::new();
    let (reading, mulaid_apart) = match by_total {
        Some(found) => found,
        None => {
            let reading = if !funds.is_empty()
                && !funds_add_up(Reading::National)
                && p.acct > 0
                && funds_add_up(Reading::AccountIncluded)
            {
                Reading::AccountIncluded
            } else {
                Reading::National
            };
            let hosp = if p.hosp > 0 {
                format!(" + hosp_part_amt {}", text(p.hosp))
            } else {
                String::new()
            };
            warnings.push(format!(
                "2207 金额不平：medfee_sumamt {} ≠ fund_pay_sumamt {} + acct_pay {} + psn_cash_pay {}{hosp}，\
                 按 fund_pay_sumamt 已含 acct_pay 计算也不符；已按{}通知终端，请核对 HIS 的结算结果",
                text(p.medfee),
                text(p.fund),
                text(p.acct),
                text(p.cash),
                match reading {
                    Reading::National => "基金支付总额不含个人账户",
                    Reading::AccountIncluded => "基金支付总额已含个人账户",
                }
            ));
            (reading, false)
        }
    };
    if !funds_add_up(reading) {
        let parts: Vec<String> = funds
            .iter()
            .map(|(name, v)| format!("{name} {}", text(*v)))
            .collect();
        let acct = match reading {
            Reading::National => String::new(),
            Reading::AccountIncluded => format!(" + acct_pay {}", text(p.acct)),
        };
        warnings.push(format!(
            "2207 金额不平：fund_pay_sumamt {} ≠ {}{acct}，请核对各基金支出",
            text(p.fund),
            parts.join(" + ")
        ));
    }
    if let Some(part) = get("psn_part_amt") {
        let beside = p.acct + p.cash;
        if part != beside && !(mulaid_apart && part == beside + p.mulaid) {
            warnings.push(format!(
                "2207 金额不平：psn_part_amt {} ≠ acct_pay {} + psn_cash_pay {}，请核对个人负担",
                text(part),
                text(p.acct),
                text(p.cash)
            ));
        }
    }
    Split {
        reading,
        mulaid_apart,
        warnings,
    }
}

/// The notify amounts (wire names) a setlinfo makes, read as `split` says.
pub fn notify_amounts(f: &Fen, split: &Split) -> BTreeMap<&'static str, u64> {
    use super::fields::Feeds;
    let mut out = BTreeMap::new();
    for field in FIELDS {
        let Some(v) = f.get(field.his).copied() else {
            continue;
        };
        match field.feeds {
            Feeds::Wire(w) => {
                out.insert(w, v);
            }
            Feeds::Sum(w) => *out.entry(w).or_insert(0) += v,
            Feeds::Derived(_) | Feeds::Inside => {}
        }
    }
    let acct = f.get("acct_pay").copied();
    if let Some(fund) = f.get("fund_pay_sumamt").copied() {
        let hif = match split.reading {
            Reading::National => fund,
            Reading::AccountIncluded => fund.saturating_sub(acct.unwrap_or(0)),
        };
        out.insert("hifAmt", hif);
    }
    if split.mulaid_apart
        && let Some(mulaid) = f.get("acct_mulaid_pay").copied()
    {
        *out.entry("acctAmt").or_insert(0) += mulaid;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(pairs: &[(&'static str, u64)]) -> Fen {
        pairs.iter().copied().collect()
    }

    #[test]
    fn the_national_sum_balances_and_sends_the_funds_as_hif() {
        // 职工 with a personal account: 120.00 = 80.00 funds + 30.00 account + 10.00 cash.
        let f = fen(&[
            ("medfee_sumamt", 12000),
            ("fund_pay_sumamt", 8000),
            ("hifp_pay", 8000),
            ("acct_pay", 3000),
            ("psn_cash_pay", 1000),
            ("psn_part_amt", 4000),
        ]);
        let s = split(&f);
        assert_eq!(s.reading, Reading::National);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        let out = notify_amounts(&f, &s);
        assert_eq!(out["hifAmt"], 8000);
        assert_eq!(out["acctAmt"], 3000);
    }

    #[test]
    fn a_fund_sum_holding_the_account_is_recognised_and_the_account_taken_out() {
        // 广东: fund_pay_sumamt 110.00 = 80.00 funds + 30.00 account.
        let f = fen(&[
            ("medfee_sumamt", 12000),
            ("fund_pay_sumamt", 11000),
            ("hifp_pay", 8000),
            ("acct_pay", 3000),
            ("psn_cash_pay", 1000),
        ]);
        let s = split(&f);
        assert_eq!(s.reading, Reading::AccountIncluded);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(notify_amounts(&f, &s)["hifAmt"], 8000);
    }

    #[test]
    fn neither_reading_warns_naming_the_fields() {
        let f = fen(&[
            ("medfee_sumamt", 12000),
            ("fund_pay_sumamt", 8000),
            ("acct_pay", 3000),
            ("psn_cash_pay", 2000),
        ]);
        let s = split(&f);
        assert_eq!(s.warnings.len(), 1);
        for name in [
            "medfee_sumamt",
            "fund_pay_sumamt",
            "acct_pay",
            "psn_cash_pay",
        ] {
            assert!(s.warnings[0].contains(name), "{}", s.warnings[0]);
        }
    }

    #[test]
    fn funds_that_do_not_make_the_fund_sum_warn() {
        let f = fen(&[
            ("medfee_sumamt", 10000),
            ("fund_pay_sumamt", 9000),
            ("hifp_pay", 6000),
            ("hifob_pay", 2000),
            ("psn_cash_pay", 1000),
        ]);
        let s = split(&f);
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(s.warnings[0].contains("hifob_pay 20.00"));
    }

    #[test]
    fn a_relatives_account_inside_acct_pay_or_beside_it() {
        // Inside (the national reading): acct_pay 30.00 holds 30.00 of 共济.
        let inside = fen(&[
            ("medfee_sumamt", 10000),
            ("fund_pay_sumamt", 6000),
            ("acct_pay", 3000),
            ("acct_mulaid_pay", 3000),
            ("psn_cash_pay", 1000),
            ("psn_part_amt", 4000),
        ]);
        let s = split(&inside);
        assert!(!s.mulaid_apart);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(notify_amounts(&inside, &s)["acctAmt"], 3000);
        // Beside: acct_pay 0, the relative's 30.00 reported alone.
        let beside = fen(&[
            ("medfee_sumamt", 10000),
            ("fund_pay_sumamt", 6000),
            ("acct_pay", 0),
            ("acct_mulaid_pay", 3000),
            ("psn_cash_pay", 1000),
            ("psn_part_amt", 4000),
        ]);
        let s = split(&beside);
        assert!(s.mulaid_apart);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(notify_amounts(&beside, &s)["acctAmt"], 3000);
    }

    #[test]
    fn big_illness_and_large_amount_funds_are_one_line() {
        let f = fen(&[
            ("medfee_sumamt", 50000),
            ("fund_pay_sumamt", 40000),
            ("hifp_pay", 20000),
            ("hifmi_pay", 5000),
            ("hifob_pay", 15000),
            ("psn_cash_pay", 10000),
        ]);
        let s = split(&f);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(notify_amounts(&f, &s)["hifmiAmt"], 20000);
    }
}
