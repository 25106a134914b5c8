//! 日结: per operator and business day, counts and sums per state, refunds
//! netted. A closed day keeps the totals it was closed with.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::JournalError;
use crate::history::yuan;

/// Money columns summed in 日结 (the 3201 对总账 ones and the patient's cash).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub count: u64,
    pub total_fee: String,
    pub hif_amt: String,
    pub acct_amt: String,
    pub own_amt: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateTotals {
    pub state: String,
    #[serde(flatten)]
    pub totals: Totals,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaySummary {
    pub operator_id: String,
    pub operator_name: String,
    pub business_day: String,
    pub by_state: Vec<StateTotals>,
    /// SUCCESS minus REFUND_SUCCESS: what the day really took in (may be negative).
    pub net: Totals,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

#[derive(Default, Clone, Copy)]
struct Fen {
    count: i64,
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
    fn totals(self) -> Totals {
        Totals {
            count: self.count.unsigned_abs(),
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
    let mut stmt = conn.prepare_cached(
        "SELECT operator_id, state, count(*), coalesce(sum(total_fee_fen), 0),
                coalesce(sum(hif_fen), 0), coalesce(sum(acct_fen), 0), coalesce(sum(own_fen), 0)
         FROM settlements
         WHERE business_day = ?1 AND (?2 IS NULL OR operator_id = ?2)
         GROUP BY operator_id, state ORDER BY operator_id, state",
    )?;
    let rows = stmt.query_map(params![day, operator_id], |r| {
        // sum() of integers stays an integer in SQLite (and errors on overflow).
        let int = |i: usize| -> rusqlite::Result<i64> { r.get::<_, i64>(i) };
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            Fen {
                count: r.get(2)?,
                total: int(3)?,
                hif: int(4)?,
                acct: int(5)?,
                own: int(6)?,
            },
        ))
    })?;
    let mut out: Vec<(DaySummary, Fen)> = Vec::new();
    for row in rows {
        let (op, state, fen) = row?;
        if out.last().is_none_or(|(s, _)| s.operator_id != op) {
            let name: String = conn.query_row(
                "SELECT operator_name FROM settlements WHERE operator_id = ?1 AND business_day = ?2 LIMIT 1",
                params![op, day],
                |r| r.get(0),
            )?;
            let closed: Option<(String, String)> = conn
                .query_row(
                    "SELECT closed_at, closed_by FROM day_closures WHERE operator_id = ?1 AND business_day = ?2",
                    params![op, day],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            out.push((
                DaySummary {
                    operator_id: op.clone(),
                    operator_name: name,
                    business_day: day.to_owned(),
                    by_state: Vec::new(),
                    net: Totals::default(),
                    closed_at: closed.as_ref().map(|c| c.0.clone()),
                    closed_by: closed.map(|c| c.1),
                },
                Fen::default(),
            ));
        }
        if let Some((summary, net)) = out.last_mut() {
            let sign = match state.as_str() {
                "SUCCESS" => 1,
                "REFUND_SUCCESS" => -1,
                _ => 0,
            };
            net.count += sign * fen.count;
            net.total += sign * fen.total;
            net.hif += sign * fen.hif;
            net.acct += sign * fen.acct;
            net.own += sign * fen.own;
            summary.by_state.push(StateTotals {
                state,
                totals: fen.totals(),
            });
        }
    }
    Ok(out
        .into_iter()
        .map(|(mut s, net)| {
            s.net = net.totals();
            s
        })
        .collect())
}

/// Close an operator's day: its totals are frozen in the closure, and any
/// settlement that arrives later for that day lands in the next one.
pub fn close_day(
    tx: &Connection,
    operator_id: &str,
    business_day: &str,
    closed_by: &str,
    now: &str,
) -> Result<DaySummary, JournalError> {
    if chrono::NaiveDate::parse_from_str(business_day, "%Y-%m-%d").is_err() {
        return Err(JournalError::Invalid {
            field: "date",
            message: format!("日期“{business_day}”应为 YYYY-MM-DD"),
        });
    }
    if business_day > &now[..10] {
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
            closed_at: None,
            closed_by: None,
        });
    let totals =
        serde_json::to_string(&summary).map_err(|e| JournalError::Export(e.to_string()))?;
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
        "close_day",
        Some(&format!("{operator_id}:{business_day}")),
        None,
    )?;
    summary.closed_at = Some(now.to_owned());
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
    text.map(|t| serde_json::from_str(&t).map_err(|e| JournalError::Export(e.to_string())))
        .transpose()
}
