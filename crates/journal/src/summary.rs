//! 日结: per operator and business day, counts and sums per state, refunds
//! netted. A closed day keeps the totals it was closed with.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use nhsa_protocol::MedicalSettleState;

use crate::JournalError;
use crate::clock::Stamp;
use crate::history::yuan;
use crate::kinds::code;

/// Money columns summed in 日结 (the 3201 对总账 ones and the patient's
/// cash). A 自费 settlement's 自费 is its 总费用, so 总费用 = 医保报销 + 个人帐户
/// + 自费 holds for every line.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Per state: its settlements. In a net: the 收款 (SUCCESS) counted in it.
    pub count: u64,
    /// In a net: the 退费 (REFUND_SUCCESS) taken off it; 0 per state.
    #[serde(default)]
    pub refund_count: u64,
    pub total_fee: String,
    pub hif_amt: String,
    pub acct_amt: String,
    pub own_amt: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateTotals {
    pub state: MedicalSettleState,
    /// 自费 rows are summed apart from 医保 ones.
    #[serde(default)]
    pub self_pay: bool,
    #[serde(flatten)]
    pub totals: Totals,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaySummary {
    pub operator_id: String,
    pub operator_name: String,
    pub business_day: String,
    pub by_state: Vec<StateTotals>,
    /// SUCCESS minus REFUND_SUCCESS: what the day really took in (may be negative).
    pub net: Totals,
    /// The 医保 part of `net` (absent from days closed before 自费 existed).
    #[serde(default)]
    pub net_insured: Totals,
    /// The 自费 part of `net`.
    #[serde(default)]
    pub net_self_pay: Totals,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

#[derive(Default, Clone, Copy)]
struct Fen {
    count: i64,
    /// REFUND_SUCCESS rows in a net.
    refunds: i64,
    total: i64,
    hif: i64,
    acct: i64,
    own: i64,
}

fn signed(fen: i64) -> String {
    if fen < 0 {
        format!("-{}", yuan(fen))
    } else {
        yuan(fen)
    }
}

impl Fen {
    /// Take `other`, the rows of one state, into a net.
    fn add(&mut self, state: MedicalSettleState, other: Fen) {
        let sign = state_sign(state);
        match state {
            MedicalSettleState::Success => self.count += other.count,
            MedicalSettleState::RefundSuccess => self.refunds += other.count,
            MedicalSettleState::Fail | MedicalSettleState::RefundFail => {}
        }
        self.total += sign * other.total;
        self.hif += sign * other.hif;
        self.acct += sign * other.acct;
        self.own += sign * other.own;
    }

    fn merge(&mut self, other: Fen) {
        self.count += other.count;
        self.refunds += other.refunds;
        self.total += other.total;
        self.hif += other.hif;
        self.acct += other.acct;
        self.own += other.own;
    }

    fn totals(self) -> Totals {
        Totals {
            count: self.count.unsigned_abs(),
            refund_count: self.refunds.unsigned_abs(),
            total_fee: signed(self.total),
            hif_amt: signed(self.hif),
            acct_amt: signed(self.acct),
            own_amt: signed(self.own),
        }
    }
}

/// The 日结 of each operator who settled anything on `day` (or just `operator_id`).
pub fn day(
    conn: &Connection,
    day: &str,
    operator_id: Option<&str>,
) -> Result<Vec<DaySummary>, JournalError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT operator_id, state, self_pay, count(*), coalesce(sum(total_fee_fen), 0),
                coalesce(sum(hif_fen), 0), coalesce(sum(acct_fen), 0), coalesce(sum({OWN}), 0)
         FROM settlements
         WHERE business_day = ?1 AND (?2 IS NULL OR operator_id = ?2)
         GROUP BY operator_id, state, self_pay ORDER BY operator_id, state, self_pay"
    ))?;
    let rows = stmt.query_map(params![day, operator_id], |r| {
        // sum() of integers stays an integer in SQLite (and errors on overflow).
        let int = |i: usize| -> rusqlite::Result<i64> { r.get::<_, i64>(i) };
        Ok((
            r.get::<_, String>(0)?,
            code(r, 1, |c| MedicalSettleState::parse(c).ok())?,
            r.get::<_, bool>(2)?,
            Fen {
                count: r.get(3)?,
                refunds: 0,
                total: int(4)?,
                hif: int(5)?,
                acct: int(6)?,
                own: int(7)?,
            },
        ))
    })?;
    // Asked once per operator: prepared once, not once per operator (issue 19:
    // with 20 operators, preparing them was a third of 日结's time).
    let mut name_of = conn.prepare_cached(
        "SELECT operator_name FROM settlements WHERE operator_id = ?1 AND business_day = ?2 LIMIT 1",
    )?;
    let mut closure_of = conn.prepare_cached(
        "SELECT closed_at, closed_by FROM day_closures WHERE operator_id = ?1 AND business_day = ?2",
    )?;
    // Per operator: the net of 医保 and of 自费.
    let mut out: Vec<(DaySummary, [Fen; 2])> = Vec::new();
    for row in rows {
        let (op, state, self_pay, fen) = row?;
        if out.last().is_none_or(|(s, _)| s.operator_id != op) {
            let name: String = name_of.query_row(params![op, day], |r| r.get(0))?;
            let closed: Option<(String, String)> = closure_of
                .query_row(params![op, day], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            out.push((
                DaySummary {
                    operator_id: op.clone(),
                    operator_name: name,
                    business_day: day.to_owned(),
                    by_state: Vec::new(),
                    net: Totals::default(),
                    net_insured: Totals::default(),
                    net_self_pay: Totals::default(),
                    closed_at: closed.as_ref().map(|c| c.0.clone()),
                    closed_by: closed.map(|c| c.1),
                },
                [Fen::default(); 2],
            ));
        }
        if let Some((summary, net)) = out.last_mut() {
            net[usize::from(self_pay)].add(state, fen);
            summary.by_state.push(StateTotals {
                state,
                self_pay,
                totals: fen.totals(),
            });
        }
    }
    Ok(out
        .into_iter()
        .map(|(mut s, nets)| {
            (s.net, s.net_insured, s.net_self_pay) = netted(nets);
            s
        })
        .collect())
}

/// How a state counts in the takings.
fn state_sign(state: MedicalSettleState) -> i64 {
    match state {
        MedicalSettleState::Success => 1,
        MedicalSettleState::RefundSuccess => -1,
        MedicalSettleState::Fail | MedicalSettleState::RefundFail => 0,
    }
}

/// (all, 医保, 自费) from the 医保 and 自费 nets.
fn netted([insured, self_pay]: [Fen; 2]) -> (Totals, Totals, Totals) {
    let mut all = insured;
    all.merge(self_pay);
    (all.totals(), insured.totals(), self_pay.totals())
}

/// What the patient paid in cash, summed in 日结's 自费: a 自费
/// settlement's whole 总费用 (it carries no amount block).
const OWN: &str = "CASE WHEN self_pay = 1 THEN total_fee_fen ELSE own_fen END";

/// 交班: what one operator recorded during a shift.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftSummary {
    pub operator_id: String,
    pub operator_name: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub by_state: Vec<StateTotals>,
    pub net: Totals,
    pub net_insured: Totals,
    pub net_self_pay: Totals,
}

/// The summary of `operator_id`'s settlements recorded in [`from`, `to`)
/// (to now when `to` is None).
pub fn shift(
    conn: &Connection,
    operator_id: &str,
    operator_name: &str,
    from: &str,
    to: Option<&str>,
) -> Result<ShiftSummary, JournalError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT state, self_pay, count(*), coalesce(sum(total_fee_fen), 0),
                coalesce(sum(hif_fen), 0), coalesce(sum(acct_fen), 0), coalesce(sum({OWN}), 0)
         FROM settlements
         WHERE operator_id = ?1 AND created_at >= ?2 AND (?3 IS NULL OR created_at < ?3)
         GROUP BY state, self_pay ORDER BY state, self_pay"
    ))?;
    let rows = stmt.query_map(params![operator_id, from, to], |r| {
        Ok((
            code(r, 0, |c| MedicalSettleState::parse(c).ok())?,
            r.get::<_, bool>(1)?,
            Fen {
                count: r.get(2)?,
                refunds: 0,
                total: r.get(3)?,
                hif: r.get(4)?,
                acct: r.get(5)?,
                own: r.get(6)?,
            },
        ))
    })?;
    let mut by_state = Vec::new();
    let mut nets = [Fen::default(); 2];
    for row in rows {
        let (state, self_pay, fen) = row?;
        nets[usize::from(self_pay)].add(state, fen);
        by_state.push(StateTotals {
            state,
            self_pay,
            totals: fen.totals(),
        });
    }
    let (net, net_insured, net_self_pay) = netted(nets);
    Ok(ShiftSummary {
        operator_id: operator_id.to_owned(),
        operator_name: operator_name.to_owned(),
        started_at: from.to_owned(),
        ended_at: to.map(str::to_owned),
        by_state,
        net,
        net_insured,
        net_self_pay,
    })
}

/// Close an operator's day: its totals are frozen in the closure, and any
/// settlement that arrives later for that day lands in the next one.
pub fn close_day(
    tx: &Connection,
    operator_id: &str,
    business_day: &str,
    closed_by: &str,
    now: &Stamp,
) -> Result<DaySummary, JournalError> {
    crate::clock::business_day("date", business_day)?;
    if business_day > now.day() {
        return Err(JournalError::Invalid {
            field: "date",
            message: "不能日结未来的日期".into(),
        });
    }
    let mut summary = day(tx, business_day, Some(operator_id))?
        .pop()
        .unwrap_or(DaySummary {
            operator_id: operator_id.to_owned(),
            operator_name: String::new(),
            business_day: business_day.to_owned(),
            by_state: Vec::new(),
            net: Fen::default().totals(),
            net_insured: Fen::default().totals(),
            net_self_pay: Fen::default().totals(),
            closed_at: None,
            closed_by: None,
        });
    let totals =
        serde_json::to_string(&summary).map_err(|e| JournalError::Internal(e.to_string()))?;
    let inserted = tx.execute(
        "INSERT INTO day_closures (operator_id, business_day, closed_at, closed_by, totals)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![operator_id, business_day, now, closed_by, totals],
    );
    if let Err(e) = inserted {
        return Err(match crate::error::violated_index(&e) {
            Some(_) => JournalError::Duplicate(format!("{operator_id} 的 {business_day} 已经日结")),
            None => e.into(),
        });
    }
    crate::audit::append(
        tx,
        now,
        closed_by,
        crate::AuditAction::CloseDay,
        Some(&format!("{operator_id}:{business_day}")),
        None,
    )?;
    summary.closed_at = Some(now.to_string());
    summary.closed_by = Some(closed_by.to_owned());
    Ok(summary)
}

/// The totals a day was closed with.
pub fn closed_totals(
    conn: &Connection,
    operator_id: &str,
    business_day: &str,
) -> Result<Option<DaySummary>, JournalError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT totals FROM day_closures WHERE operator_id = ?1 AND business_day = ?2",
            params![operator_id, business_day],
            |r| r.get(0),
        )
        .optional()?;
    let Some(text) = text else {
        return Ok(None);
    };
    let mut summary: DaySummary =
        serde_json::from_str(&text).map_err(|e| JournalError::Corrupt {
            path: "day_closures.totals".into(),
            detail: format!("{operator_id} {business_day}：{e}"),
        })?;
    summary.recount();
    Ok(Some(summary))
}

impl DaySummary {
    /// The nets' 收款 and 退费 counts from the per-state rows: a day closed
    /// by an earlier version kept one count (收款 less 退费) in its nets.
    fn recount(&mut self) {
        let count = |self_pay: Option<bool>, state: MedicalSettleState| -> u64 {
            self.by_state
                .iter()
                .filter(|s| s.state == state && self_pay.is_none_or(|p| p == s.self_pay))
                .map(|s| s.totals.count)
                .sum()
        };
        let recounted = [None, Some(false), Some(true)].map(|p| {
            (
                count(p, MedicalSettleState::Success),
                count(p, MedicalSettleState::RefundSuccess),
            )
        });
        for (net, (collected, refunded)) in
            [&mut self.net, &mut self.net_insured, &mut self.net_self_pay]
                .into_iter()
                .zip(recounted)
        {
            net.count = collected;
            net.refund_count = refunded;
        }
    }
}
