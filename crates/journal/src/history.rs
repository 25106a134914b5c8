//! History: search settlements with keyset pagination, and a visit's detail.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use nhsa_protocol::mask::{Kind, mask};
use nhsa_protocol::{Amount, BizType, MedicalSettleState};

use crate::calls::Call;
use crate::kinds::code;
use crate::visits::Visit;
use crate::{Credential, DeliveryStatus, JournalError, SettlementId, Source, VisitId};

/// What staff can search by. Every filter is optional; dates are business
/// days (`YYYY-MM-DD`, inclusive).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub operator_id: Option<String>,
    pub office_id: Option<String>,
    pub state: Option<MedicalSettleState>,
    pub biz_type: Option<BizType>,
    /// The beginning of the name (a surname, 欧阳 included) or all of it.
    pub user_name: Option<String>,
    /// The last 4 characters of the 证件号.
    pub id_last4: Option<String>,
    pub out_biz_no: Option<String>,
    pub auth_no: Option<String>,
    pub medical_settle_no: Option<String>,
    /// 凭证方式: 刷脸 or 医保码.
    pub credential: Option<Credential>,
    /// Keyset cursor: the `next_cursor` of the previous page (opaque).
    pub before: Option<String>,
    pub limit: Option<u32>,
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

/// One settlement as listed: personal fields masked, money as `"120.50"`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementRow {
    pub id: SettlementId,
    pub visit_id: Option<VisitId>,
    /// The SUCCESS this refund refers to.
    pub original_id: Option<SettlementId>,
    pub out_biz_no: String,
    pub auth_no: Option<String>,
    pub state: MedicalSettleState,
    /// 自费: no 医保 amount block.
    pub self_pay: bool,
    pub operator_id: String,
    pub operator_name: String,
    pub office_id: Option<String>,
    pub office_name: Option<String>,
    pub doctor_name: Option<String>,
    pub biz_type: BizType,
    pub user_name: Option<String>,
    pub id_no: Option<String>,
    pub total_fee: String,
    pub own_amt: Option<String>,
    pub hif_amt: Option<String>,
    pub acct_amt: Option<String>,
    pub hifp_amt: Option<String>,
    pub medical_settle_no: Option<String>,
    pub fail_reason: Option<String>,
    pub setl_time: String,
    pub business_day: String,
    pub delivery: DeliveryStatus,
    /// Of a SUCCESS: the REFUND_SUCCESS totals recorded against it.
    pub refunded_fee: Option<String>,
    /// Of a SUCCESS: what may still be refunded.
    pub refundable_fee: Option<String>,
    /// Who recorded it: the cashier, a script or the HIS.
    pub source: Source,
    /// 凭证方式 of its visit: 刷脸 or 医保码.
    pub credential: Credential,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub rows: Vec<SettlementRow>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub(crate) const ROW_COLUMNS: &str = "s.id, s.visit_id, s.original_id, s.out_biz_no, s.auth_no, s.state,
    s.operator_id, s.operator_name, s.office_id, s.office_name, s.doctor_name, s.biz_type, s.user_name,
    s.id_no_last4, s.total_fee_fen, s.own_fen, s.hif_fen, s.acct_fen, s.hifp_fen, s.medical_settle_no,
    s.fail_reason, s.setl_time, s.business_day, coalesce(o.status, 'delivered'), s.self_pay,
    CASE WHEN s.state = 'SUCCESS' THEN (SELECT coalesce(sum(r.total_fee_fen), 0) FROM settlements r
        WHERE r.original_id = s.id AND r.state = 'REFUND_SUCCESS') END, s.source, s.credential";

pub(crate) fn yuan(fen: i64) -> String {
    Amount::from_fen(fen.unsigned_abs()).to_string()
}

/// As every masked view shows an 18-digit 证件号 (see [`Kind::IdNo`]).
pub(crate) fn masked_last4(last4: &str) -> String {
    nhsa_protocol::mask::masked_from_last4(last4, 18)
}

pub(crate) fn row(r: &Row<'_>) -> rusqlite::Result<SettlementRow> {
    let fen = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(yuan))
    };
    let name: Option<String> = r.get(12)?;
    let last4: Option<String> = r.get(13)?;
    let total: i64 = r.get(14)?;
    let refunded: Option<i64> = r.get(25)?;
    let state = code(r, 5, |c| MedicalSettleState::parse(c).ok())?;
    let self_pay: bool = r.get(24)?;
    // A 自费 settlement was paid by the patient in full: its 自费 is its
    // 总费用, so every row reads 总费用 = 医保报销 + 个人帐户 + 自费.
    let paid_in_cash = self_pay && state.carries_amounts();
    let zero = || Some(yuan(0));
    Ok(SettlementRow {
        id: r.get(0)?,
        visit_id: r.get(1)?,
        original_id: r.get(2)?,
        out_biz_no: r.get(3)?,
        auth_no: r.get(4)?,
        state,
        self_pay,
        operator_id: r.get(6)?,
        operator_name: r.get(7)?,
        office_id: r.get(8)?,
        office_name: r.get(9)?,
        doctor_name: r.get(10)?,
        biz_type: code(r, 11, |c| BizType::parse(c).ok())?,
        user_name: name.map(|n| mask(Kind::Name, &n)),
        id_no: last4.as_deref().map(masked_last4),
        total_fee: yuan(total),
        own_amt: if paid_in_cash {
            Some(yuan(total))
        } else {
            fen(15)?
        },
        hif_amt: if paid_in_cash { zero() } else { fen(16)? },
        acct_amt: if paid_in_cash { zero() } else { fen(17)? },
        hifp_amt: fen(18)?,
        medical_settle_no: r.get(19)?,
        fail_reason: r.get(20)?,
        setl_time: r.get(21)?,
        business_day: r.get(22)?,
        delivery: r.get(23)?,
        refunded_fee: refunded.map(yuan),
        refundable_fee: refunded.map(|done| yuan((total - done).max(0))),
        source: r.get(26)?,
        credential: r.get(27)?,
    })
}

fn check_day(field: &'static str, v: &Option<String>) -> Result<(), JournalError> {
    match v {
        Some(d) => crate::clock::business_day(field, d).map(drop),
        None => Ok(()),
    }
}

/// Append `{column_and_op} ?n` with its parameter.
fn eq_op(clauses: &mut Vec<String>, params: &mut Vec<Sql>, column_and_op: &str, value: &str) {
    params.push(Sql::Text(value.to_owned()));
    clauses.push(format!("{column_and_op} ?{}", params.len()));
}

/// Build the WHERE clause of a filter (without cursor and limit).
pub(crate) fn where_clause(f: &HistoryFilter) -> Result<(String, Vec<Sql>), JournalError> {
    check_day("from", &f.from)?;
    check_day("to", &f.to)?;
    if let (Some(from), Some(to)) = (&f.from, &f.to)
        && !from.trim().is_empty()
        && from.trim() > to.trim()
    {
        // An empty page would read as "no settlements those days".
        return Err(JournalError::Invalid {
            field: "to",
            message: format!("结束日期 {to} 早于开始日期 {from}"),
        });
    }
    if let Some(l4) = &f.id_last4
        && l4.chars().count() != 4
    {
        return Err(JournalError::Invalid {
            field: "idLast4",
            message: "应为证件号的后 4 位".into(),
        });
    }
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut params: Vec<Sql> = Vec::new();
    let eq =
        |clauses: &mut Vec<String>, params: &mut Vec<Sql>, column: &str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                eq_op(clauses, params, &format!("{column} ="), v.trim());
            }
        };
    let mut eq = |column: &str, v: &Option<String>| eq(&mut clauses, &mut params, column, v);
    eq("s.operator_id", &f.operator_id);
    eq("s.office_id", &f.office_id);
    eq("s.state", &f.state.map(|s| s.code().to_owned()));
    eq("s.biz_type", &f.biz_type.map(|b| b.code().to_owned()));
    eq("s.out_biz_no", &f.out_biz_no);
    eq("s.auth_no", &f.auth_no);
    eq("s.credential", &f.credential.map(|c| c.as_str().to_owned()));
    match (&f.from, &f.to) {
        // One day is an equality, so the (business_day, id) index also gives the order.
        (Some(from), Some(to)) if from == to => eq("s.business_day", &f.from),
        (from, to) => {
            if let Some(from) = from {
                eq_op(&mut clauses, &mut params, "s.business_day >=", from);
            }
            if let Some(to) = to {
                eq_op(&mut clauses, &mut params, "s.business_day <=", to);
            }
        }
    }
    if let Some(no) = f
        .medical_settle_no
        .as_ref()
        .filter(|v| !v.trim().is_empty())
    {
        // A setl_id whatever its letters' case, as the journal holds it one (migration 010), by its index (013).
        params.push(Sql::Text(no.trim().to_owned()));
        clauses.push(format!(
            "upper(s.medical_settle_no) = upper(?{})",
            params.len()
        ));
    }
    if let Some(l4) = &f.id_last4 {
        // On what the screen shows of it, never the check digit: 11
        // searches would tell what the mask hides.
        let shown = nhsa_protocol::mask::shown_of_last4(&l4.to_uppercase());
        eq_op(&mut clauses, &mut params, "s.id_no_last4 >=", &shown);
        eq_op(
            &mut clauses,
            &mut params,
            "s.id_no_last4 <",
            &format!("{shown}\u{10FFFF}"),
        );
    }
    if let Some(name) = f
        .user_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        // Every name that starts with it: a surname of one character (王)
        // or two (欧阳, 司马), or the whole name.
        eq_op(&mut clauses, &mut params, "s.user_name >=", name);
        eq_op(
            &mut clauses,
            &mut params,
            "s.user_name <",
            &format!("{name}\u{10FFFF}"),
        );
    }
    Ok((clauses.join(" AND "), params))
}

/// Newest first. With a date filter, rows are ordered by business day then
/// id, so the day index serves both the range and the order; otherwise by id.
pub fn search(conn: &Connection, f: &HistoryFilter) -> Result<HistoryPage, JournalError> {
    let limit = f.limit.unwrap_or(DEFAULT_PAGE);
    // Said, not quietly changed: a script asking for 0 or 1 000 rows learns it.
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(JournalError::Invalid {
            field: "limit",
            message: format!("每页条数应为 1 到 {MAX_PAGE}，而不是 {limit}"),
        });
    }
    let by_day = f.from.is_some() || f.to.is_some();
    let (mut clause, mut params) = where_clause(f)?;
    if let Some(cursor) = &f.before {
        let bad = || JournalError::Invalid {
            field: "before",
            message: format!("翻页位置“{cursor}”无效"),
        };
        if by_day {
            let (day, id) = cursor.split_once('/').ok_or_else(bad)?;
            params.push(Sql::Text(day.to_owned()));
            params.push(Sql::Integer(id.parse().map_err(|_| bad())?));
            clause.push_str(&format!(
                " AND (s.business_day, s.id) < (?{}, ?{})",
                params.len() - 1,
                params.len()
            ));
        } else {
            params.push(Sql::Integer(cursor.parse().map_err(|_| bad())?));
            clause.push_str(&format!(" AND s.id < ?{}", params.len()));
        }
    }
    params.push(Sql::Integer(i64::from(limit) + 1));
    let order = if by_day {
        "s.business_day DESC, s.id DESC"
    } else {
        "s.id DESC"
    };
    // The page's ids first, then its rows: a range filter (a name's beginning,
    // the last 4) matches thousands of rows that SQLite would otherwise read
    // whole, each a page decrypted, only to sort them and keep 51 (issue 19:
    // 166 ms for a common name on a 1 M journal). The ids come from the index alone.
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM settlements s LEFT JOIN outbox o ON o.settlement_id = s.id
         WHERE s.id IN (SELECT s.id FROM settlements s WHERE {clause} ORDER BY {order} LIMIT ?{})
         ORDER BY {order}",
        params.len()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows: Vec<SettlementRow> = stmt
        .query_map(rusqlite::params_from_iter(params), row)?
        .collect::<Result<_, _>>()?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            if by_day {
                format!("{}/{}", r.business_day, r.id)
            } else {
                r.id.to_string()
            }
        })
    } else {
        None
    };
    Ok(HistoryPage { rows, next_cursor })
}

/// One settlement as listed.
pub fn settlement(
    conn: &Connection,
    id: SettlementId,
) -> Result<Option<SettlementRow>, JournalError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM settlements s LEFT JOIN outbox o ON o.settlement_id = s.id
         WHERE s.id = ?1"
    ))?;
    Ok(stmt.query_row([id], row).optional()?)
}

/// One visit with everything that happened in it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitDetail {
    pub visit: Visit,
    /// Its settlements, each refund after what it refunds.
    pub settlements: Vec<SettlementRow>,
    pub calls: Vec<Call>,
}

pub fn visit_detail(conn: &Connection, out_biz_no: &str) -> Result<VisitDetail, JournalError> {
    let visit = crate::visits::by_out_biz_no(conn, out_biz_no)?
        .ok_or_else(|| JournalError::NotFound(format!("没有流水号为 {out_biz_no} 的就诊记录")))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM settlements s LEFT JOIN outbox o ON o.settlement_id = s.id
         WHERE s.visit_id = ?1 ORDER BY s.id"
    ))?;
    let settlements = stmt.query_map([visit.id], row)?.collect::<Result<_, _>>()?;
    let calls = crate::calls::for_visit(conn, visit.id)?;
    Ok(VisitDetail {
        visit,
        settlements,
        calls,
    })
}
