//! Terminal calls: intent before sending, outcome before showing.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use nhsa_protocol::TransType;
use nhsa_protocol::mask::mask_raw;

use crate::CounterId;
use crate::cached::Cached;
use crate::clock::Stamp;
use crate::error::violated_index;
use crate::kinds::code;
use crate::{CallId, CallStatus, JournalError, Resolution, SettlementId, VisitId};

#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    pub session_id: &'a str,
    pub visit_id: Option<i64>,
    pub settlement_id: Option<i64>,
    pub counter_id: &'a CounterId,
    pub trans_type: TransType,
    pub out_biz_no: &'a str,
    /// The exact request text; only its masked copy is stored.
    pub request: &'a str,
}

/// Record that a request is about to leave. A second face scan at the same
/// counter, or a second delivery of the same settlement, is refused here.
pub fn insert_intent(
    tx: &Connection,
    c: &NewCall<'_>,
    now: &Stamp,
) -> Result<CallId, JournalError> {
    crate::restore::refuse_if_unfinished(tx)?;
    let inserted = tx.exec(
        "INSERT INTO calls (session_id, visit_id, settlement_id, counter_id, trans_type, out_biz_no,
                            request_masked, status, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'in_flight', ?8)",
        params![
            c.session_id,
            c.visit_id,
            c.settlement_id,
            c.counter_id,
            c.trans_type.as_str(),
            c.out_biz_no,
            mask_raw(c.request),
            now
        ],
    );
    match inserted {
        Ok(_) => Ok(CallId(tx.last_insert_rowid())),
        Err(e) => Err(match violated_index(&e) {
            Some(m) if m.contains("calls.counter_id") => {
                JournalError::Busy("本窗口正在等待刷脸结果，请勿重复操作".into())
            }
            Some(m) if m.contains("calls.settlement_id") => {
                JournalError::Busy("该结算结果正在发送，请勿重复操作".into())
            }
            Some(m) if m.contains("calls.out_biz_no") => {
                JournalError::Duplicate(format!("业务流水号 {} 已使用过", c.out_biz_no))
            }
            _ => e.into(),
        }),
    }
}

/// How a call ended, as the journal stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok {
        reply: String,
    },
    /// The terminal (or the library) refused: definite.
    Failed {
        kind: String,
        code: Option<String>,
        message: String,
        reply: Option<String>,
    },
    /// Timeout, I/O or an unreadable reply: the terminal may have acted.
    Unknown {
        kind: String,
        message: String,
        reply: Option<String>,
    },
}

impl Outcome {
    /// The terminal answered `code` 0; `raw` is its reply as received.
    pub fn ok(raw: &str) -> Self {
        Outcome::Ok {
            reply: raw.to_owned(),
        }
    }

    pub fn status(&self) -> CallStatus {
        match self {
            Outcome::Ok { .. } => CallStatus::Ok,
            Outcome::Failed { .. } => CallStatus::Failed,
            Outcome::Unknown { .. } => CallStatus::Unknown,
        }
    }
}

pub fn finish(
    tx: &Connection,
    call_id: CallId,
    outcome: &Outcome,
    now: &Stamp,
) -> Result<(), JournalError> {
    let (kind, code, message, reply) = match outcome {
        Outcome::Ok { reply } => (None, None, None, Some(reply)),
        Outcome::Failed {
            kind,
            code,
            message,
            reply,
        } => (Some(kind), code.as_ref(), Some(message), reply.as_ref()),
        Outcome::Unknown {
            kind,
            message,
            reply,
        } => (Some(kind), None, Some(message), reply.as_ref()),
    };
    let changed = tx.exec(
        "UPDATE calls SET status = ?2, error_kind = ?3, error_code = ?4, error_message = ?5,
                          reply_masked = ?6, finished_at = ?7
         WHERE id = ?1 AND status = 'in_flight'",
        params![
            call_id,
            outcome.status(),
            kind,
            code,
            message.map(|m| nhsa_protocol::mask::scrub_text(m)),
            reply.map(|r| mask_raw(r)),
            now
        ],
    )?;
    if changed == 0 {
        return Err(JournalError::NotFound(format!("调用 {call_id} 不在进行中")));
    }
    Ok(())
}

/// A call as shown in a visit's detail and in 待确认: raw copies are masked.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub id: CallId,
    pub visit_id: Option<VisitId>,
    pub settlement_id: Option<SettlementId>,
    pub counter_id: String,
    pub trans_type: TransType,
    pub out_biz_no: String,
    pub status: CallStatus,
    pub error_kind: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_masked: String,
    pub reply_masked: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub resolution: Option<Resolution>,
    pub resolution_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

const COLUMNS: &str = "id, visit_id, settlement_id, counter_id, trans_type, out_biz_no, status,
    error_kind, error_code, error_message, request_masked, reply_masked, started_at, finished_at,
    resolution, resolution_reason, resolved_by, resolved_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Call> {
    Ok(Call {
        id: r.get(0)?,
        visit_id: r.get(1)?,
        settlement_id: r.get(2)?,
        counter_id: r.get(3)?,
        trans_type: code(r, 4, TransType::parse)?,
        out_biz_no: r.get(5)?,
        status: r.get(6)?,
        error_kind: r.get(7)?,
        error_code: r.get(8)?,
        error_message: r.get(9)?,
        request_masked: r.get(10)?,
        reply_masked: r.get(11)?,
        started_at: r.get(12)?,
        finished_at: r.get(13)?,
        resolution: r.get(14)?,
        resolution_reason: r.get(15)?,
        resolved_by: r.get(16)?,
        resolved_at: r.get(17)?,
    })
}

fn query(
    conn: &Connection,
    filter: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<Call>, JournalError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM calls WHERE {filter} ORDER BY id"
    ))?;
    let rows = stmt.query_map(p, from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn by_id(conn: &Connection, id: CallId) -> Result<Option<Call>, JournalError> {
    Ok(conn
        .row(
            &format!("SELECT {COLUMNS} FROM calls WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Every call of a visit, including the deliveries of its settlements.
pub fn for_visit(conn: &Connection, visit_id: VisitId) -> Result<Vec<Call>, JournalError> {
    query(
        conn,
        "visit_id = ?1 OR settlement_id IN (SELECT id FROM settlements WHERE visit_id = ?1)",
        [visit_id],
    )
}

const PENDING: &str = "status = 'unknown' AND resolution IS NULL";

/// 待确认: unknown outcomes nobody has resolved yet.
pub fn pending(conn: &Connection) -> Result<Vec<Call>, JournalError> {
    query(conn, PENDING, [])
}

/// How many calls are 待确认 (the status bar), from the index alone.
pub fn count_pending(conn: &Connection) -> Result<u64, JournalError> {
    Ok(conn.row(
        &format!("SELECT count(*) FROM calls WHERE {PENDING}"),
        [],
        |r| r.get(0),
    )?)
}

/// Resolve a 待确认 call. The reason is required and the act is audited in the
/// same transaction. The call's own status stays `unknown`: what the terminal
/// said is never rewritten, only annotated.
pub fn resolve(
    tx: &Connection,
    call_id: CallId,
    resolution: Resolution,
    reason: &str,
    operator_id: &str,
    now: &Stamp,
) -> Result<Call, JournalError> {
    if reason.trim().is_empty() {
        return Err(JournalError::Invalid {
            field: "reason",
            message: "请填写确认原因".into(),
        });
    }
    let changed = tx.exec(
        "UPDATE calls SET resolution = ?2, resolution_reason = ?3, resolved_by = ?4, resolved_at = ?5
         WHERE id = ?1 AND status = 'unknown' AND resolution IS NULL",
        params![call_id, resolution.as_str(), reason.trim(), operator_id, now],
    )?;
    if changed == 0 {
        return Err(JournalError::NotFound(format!(
            "没有待确认的调用 {call_id}"
        )));
    }
    crate::audit::append(
        tx,
        now,
        operator_id,
        crate::AuditAction::ResolveUnknown,
        Some(&format!("call:{call_id}")),
        Some(&format!("{}：{}", resolution.label(), reason.trim())),
    )?;
    by_id(tx, call_id)?.ok_or_else(|| JournalError::NotFound(format!("调用 {call_id}")))
}

/// Earlier unknown deliveries of a settlement that has since been delivered.
pub(crate) fn supersede_unknown_deliveries(
    tx: &Connection,
    settlement_id: SettlementId,
    now: &Stamp,
) -> Result<usize, JournalError> {
    Ok(tx.exec(
        "UPDATE calls SET resolution = 'superseded', resolution_reason = '后续重发已送达',
                          resolved_by = 'system', resolved_at = ?2
         WHERE settlement_id = ?1 AND status = 'unknown' AND resolution IS NULL",
        params![settlement_id, now],
    )?)
}

/// The outBizNo of the scan (face or 医保码) this counter is waiting for, if any.
pub fn scan_in_flight(
    conn: &Connection,
    counter_id: &CounterId,
) -> Result<Option<String>, JournalError> {
    Ok(conn
        .row(
            "SELECT out_biz_no FROM calls
             WHERE counter_id = ?1 AND status = 'in_flight'
               AND trans_type IN ('cn.nhsa.ec.auth', 'cn.nhsa.qrcode.get')",
            [counter_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The outBizNo of the visit a call was made for.
pub fn visit_out_biz_no(
    conn: &Connection,
    call_id: CallId,
) -> Result<Option<String>, JournalError> {
    Ok(conn
        .row(
            "SELECT v.out_biz_no FROM calls c JOIN visits v ON v.id = c.visit_id WHERE c.id = ?1",
            [call_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The personal values known of the patient a call was about (the visit's
/// name, 证件号 and ecToken, or its settlement's visit's), for scrubbing
/// what the terminal said about them.
pub fn known_person(
    conn: &Connection,
    call_id: CallId,
) -> Result<Vec<(nhsa_protocol::mask::Kind, String)>, JournalError> {
    use nhsa_protocol::mask::Kind;
    let row: Option<(Option<String>, Option<String>, Option<String>)> = conn
        .row(
            "SELECT v.user_name, v.id_no, v.ec_token FROM calls c
             JOIN visits v ON v.id = coalesce(c.visit_id,
                 (SELECT s.visit_id FROM settlements s WHERE s.id = c.settlement_id))
             WHERE c.id = ?1",
            [call_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((name, id_no, token)) = row else {
        return Ok(Vec::new());
    };
    Ok([
        (Kind::Name, name),
        (Kind::IdNo, id_no),
        (Kind::Token, token),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.contains('*')).map(|v| (k, v)))
    .collect())
}
