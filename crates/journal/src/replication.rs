//! What the hospital's central server is owed (docs/central.md): the list of
//! changed rows in commit order (migration 014), read in batches as the rows
//! are now, and forgotten once the server has acknowledged them. The rows
//! carry the counter's full identities: the caller masks and hashes them
//! before anything leaves the process.

use rusqlite::{Connection, OptionalExtension, params};

use crate::kinds::CounterId;
use crate::{JournalError, clock::Stamp};

/// This counter's standing with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The counter id the journal was enrolled under.
    pub counter_id: String,
    /// This journal's own random id, made at enrolment.
    pub journal_id: String,
    /// The token of the last batch the server confirmed.
    pub shipped_token: Option<String>,
    /// The last entry the server confirmed.
    pub acknowledged_seq: i64,
    /// Entries listed and not yet acknowledged.
    pub pending: i64,
}

/// Count from `seq` again with every kept row listed anew: the server holds
/// less than it acknowledged (restored from an older backup).
pub fn rewind(tx: &Connection, seq: i64, token: Option<&str>) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE replication SET acknowledged_seq = ?1, shipped_token = ?2 WHERE id = 1",
        params![seq.max(0), token],
    )?;
    tx.execute("DELETE FROM shipping", [])?;
    list_everything(tx)
}

/// Start listing changes for the server under `counter`, with every row
/// already kept listed once (a journal enrolled after years of use ships its
/// history). Enrolling again under the same id changes nothing; under
/// another id it is refused, so two counters never share their rows' keys.
pub fn enroll(tx: &Connection, counter: &CounterId, now: &Stamp) -> Result<bool, JournalError> {
    if let Some(found) = enrolled_as(tx)? {
        if found != counter.as_str() {
            return Err(JournalError::Invalid {
                field: "counter.id",
                message: format!(
                    "本机记录库已以收银台 {found} 的身份同步到全院库，现配置为 {counter}：\
                     同一份记录不能换身份上传，请改回 {found} 或联系信息科"
                ),
            });
        }
        return Ok(false);
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| JournalError::Internal(format!("随机数：{e}")))?;
    let journal_id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    tx.execute(
        "INSERT INTO replication (id, counter_id, journal_id, enrolled_at) VALUES (1, ?1, ?2, ?3)",
        params![counter, journal_id, now],
    )?;
    list_everything(tx)?;
    Ok(true)
}

/// List every kept row once more: for a server that lost what it had
/// acknowledged (restored from an older backup). Upserts make it harmless.
pub fn list_everything(tx: &Connection) -> Result<(), JournalError> {
    tx.execute_batch(
        "INSERT INTO changes (tbl, row_id) SELECT 'visits', id FROM visits ORDER BY id;
         INSERT INTO changes (tbl, row_id) SELECT 'settlements', id FROM settlements ORDER BY id;
         INSERT INTO changes (tbl, row_id) SELECT 'outbox', settlement_id FROM outbox
             ORDER BY settlement_id;
         INSERT INTO changes (tbl, row_id) SELECT 'calls', id FROM calls ORDER BY id;
         INSERT INTO changes (tbl, row_id) SELECT 'audit', id FROM audit ORDER BY id;
         INSERT INTO changes (tbl, row_id) SELECT 'shifts', id FROM shifts ORDER BY id;",
    )?;
    Ok(())
}

fn enrolled_as(conn: &Connection) -> Result<Option<String>, JournalError> {
    Ok(conn
        .query_row("SELECT counter_id FROM replication WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

/// `None` until the journal is enrolled.
pub fn position(conn: &Connection) -> Result<Option<Position>, JournalError> {
    let Some((counter_id, journal_id, acknowledged_seq, shipped_token)) = conn
        .query_row(
            "SELECT counter_id, journal_id, acknowledged_seq, shipped_token
             FROM replication WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let pending = conn.query_row(
        "SELECT count(*) FROM changes WHERE seq > ?1",
        [acknowledged_seq],
        |r| r.get(0),
    )?;
    Ok(Some(Position {
        counter_id,
        journal_id,
        shipped_token,
        acknowledged_seq,
        pending,
    }))
}

/// The newest entry listed (0 for none): what "everything committed so far" is.
pub fn last_seq(conn: &Connection) -> Result<i64, JournalError> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })?,
    )
}

/// A batch up to `seq` is about to be sent under `token` (committed before
/// it leaves, so that a kill after the server's commit is recognised).
pub fn prepare(tx: &Connection, token: &str, seq: i64) -> Result<(), JournalError> {
    tx.execute(
        "INSERT OR REPLACE INTO shipping (token, up_to_seq) VALUES (?1, ?2)",
        params![token, seq],
    )?;
    Ok(())
}

/// The entry a batch sent under `token` covered, if this journal sent it.
pub fn prepared(conn: &Connection, token: &str) -> Result<Option<i64>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT up_to_seq FROM shipping WHERE token = ?1",
            [token],
            |r| r.get(0),
        )
        .optional()?)
}

/// The server holds everything up to `seq`, its last batch being `token`:
/// remember both, forget those entries — all but the newest, so the next
/// entry is numbered above it whatever becomes of AUTOINCREMENT's memory
/// (`sqlite_sequence`) in a rewrite or a copy of the file.
pub fn acknowledge(tx: &Connection, seq: i64, token: Option<&str>) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE replication SET acknowledged_seq = max(acknowledged_seq, ?1),
                shipped_token = coalesce(?2, shipped_token)
         WHERE id = 1",
        params![seq, token],
    )?;
    tx.execute("DELETE FROM changes WHERE seq < ?1", [seq])?;
    tx.execute("DELETE FROM shipping WHERE up_to_seq <= ?1", [seq])?;
    Ok(())
}

/// A visit as the counter keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub id: i64,
    pub out_biz_no: String,
    pub operator_id: String,
    pub operator_name: String,
    pub office_id: String,
    pub office_name: String,
    pub business_type: String,
    pub auth_no: Option<String>,
    /// Full until the retention period masks it.
    pub user_name: Option<String>,
    /// Full until the retention period removes it.
    pub id_no: Option<String>,
    pub id_no_last4: Option<String>,
    pub id_type: Option<String>,
    pub insu_org: Option<String>,
    pub identified_at: Option<String>,
    pub created_at: String,
    pub source: String,
    pub credential: String,
    /// The server's keyed hash of the 证件号, for a visit restored from it
    /// (which holds no full number); `None` for the counter's own.
    pub id_hmac: Option<String>,
}

/// A settlement as the counter keeps it (never edited, except that the
/// retention period masks its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementRow {
    pub id: i64,
    pub visit_id: Option<i64>,
    pub original_id: Option<i64>,
    pub out_biz_no: String,
    pub auth_no: Option<String>,
    pub state: String,
    pub operator_id: String,
    pub operator_name: String,
    pub office_id: Option<String>,
    pub office_name: Option<String>,
    pub biz_type: String,
    pub user_name: Option<String>,
    /// The visit's full 证件号 while it is kept, for the keyed hash.
    pub id_no: Option<String>,
    pub id_no_last4: Option<String>,
    pub total_fee_fen: i64,
    pub own_fen: Option<i64>,
    pub hif_fen: Option<i64>,
    pub acct_fen: Option<i64>,
    pub hifp_fen: Option<i64>,
    pub medical_settle_no: Option<String>,
    pub fail_reason: Option<String>,
    pub setl_time: String,
    pub business_day: String,
    pub self_pay: bool,
    pub source: String,
    pub credential: String,
    pub created_at: String,
    /// As [`VisitRow::id_hmac`].
    pub id_hmac: Option<String>,
}

/// Where a settlement's notification to the terminal stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub settlement_id: i64,
    pub status: String,
    pub attempts: i64,
    pub delivered_at: Option<String>,
}

/// A terminal call: its outcome and how a person resolved an unknown one.
/// The raw copies of the request and reply stay on the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub id: i64,
    pub visit_id: Option<i64>,
    pub settlement_id: Option<i64>,
    pub trans_type: String,
    pub out_biz_no: String,
    pub status: String,
    pub error_kind: Option<String>,
    pub error_code: Option<String>,
    /// As journaled (masked); free text from the terminal.
    pub error_message: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub resolution: Option<String>,
    /// Free text from the cashier.
    pub resolution_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    /// The visit's name and 证件号 while kept: what free text must not carry.
    pub known_name: Option<String>,
    pub known_id_no: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub operator_id: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// An operator's shift at the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRow {
    pub id: i64,
    pub operator_id: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub ended_how: Option<String>,
}

/// Entries after one position, with their rows as they are now. A row
/// listed several times in the batch is read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The last entry covered (the position to acknowledge once applied).
    pub up_to_seq: i64,
    /// How many entries it covers.
    pub entries: i64,
    pub visits: Vec<VisitRow>,
    pub settlements: Vec<SettlementRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub calls: Vec<CallRow>,
    pub audit: Vec<AuditRow>,
    pub shifts: Vec<ShiftRow>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.rows() == 0
    }

    pub fn rows(&self) -> usize {
        self.visits.len()
            + self.settlements.len()
            + self.deliveries.len()
            + self.calls.len()
            + self.audit.len()
            + self.shifts.len()
    }
}

/// Up to `limit` entries after `after`, read in one snapshot so the rows
/// are those the entries describe or newer — never older.
pub fn batch(conn: &Connection, after: i64, limit: u32) -> Result<Batch, JournalError> {
    let tx = conn.unchecked_transaction()?;
    let (up_to_seq, entries): (Option<i64>, i64) = tx.query_row(
        "SELECT max(seq), count(*) FROM
             (SELECT seq FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
        params![after, limit],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some(up_to_seq) = up_to_seq else {
        return Ok(Batch {
            up_to_seq: after,
            ..Batch::default()
        });
    };
    let ids = |tbl: &str| -> Result<String, JournalError> {
        // Integers from our own table: safe to inline in an IN list.
        let mut stmt = tx.prepare_cached(
            "SELECT DISTINCT row_id FROM changes WHERE seq > ?1 AND seq <= ?2 AND tbl = ?3
             ORDER BY row_id",
        )?;
        let ids: Vec<i64> = stmt
            .query_map(params![after, up_to_seq, tbl], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
    };
    let visit_ids = ids("visits")?;
    let settlement_ids = ids("settlements")?;
    let delivery_ids = ids("outbox")?;
    let mut out = Batch {
        up_to_seq,
        entries,
        ..Batch::default()
    };
    if !visit_ids.is_empty() {
        let mut stmt = tx.prepare(&format!(
            "SELECT id, out_biz_no, operator_id, operator_name, office_id, office_name,
                    business_type, auth_no, user_name, id_no, id_no_last4, id_type, insu_org,
                    identified_at, created_at, source, credential, id_hmac
             FROM visits WHERE id IN ({visit_ids}) ORDER BY id"
        ))?;
        out.visits = stmt
            .query_map([], |r| {
                Ok(VisitRow {
                    id: r.get(0)?,
                    out_biz_no: r.get(1)?,
                    operator_id: r.get(2)?,
                    operator_name: r.get(3)?,
                    office_id: r.get(4)?,
                    office_name: r.get(5)?,
                    business_type: r.get(6)?,
                    auth_no: r.get(7)?,
                    user_name: r.get(8)?,
                    id_no: r.get(9)?,
                    id_no_last4: r.get(10)?,
                    id_type: r.get(11)?,
                    insu_org: r.get(12)?,
                    identified_at: r.get(13)?,
                    created_at: r.get(14)?,
                    source: r.get(15)?,
                    credential: r.get(16)?,
                    id_hmac: r.get(17)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    if !settlement_ids.is_empty() {
        let mut stmt = tx.prepare(&format!(
            "SELECT s.id, s.visit_id, s.original_id, s.out_biz_no, s.auth_no, s.state,
                    s.operator_id, s.operator_name, s.office_id, s.office_name, s.biz_type,
                    s.user_name, v.id_no, s.id_no_last4, s.total_fee_fen, s.own_fen, s.hif_fen,
                    s.acct_fen, s.hifp_fen, s.medical_settle_no, s.fail_reason, s.setl_time,
                    s.business_day, s.self_pay, s.source, s.credential, s.created_at,
                    coalesce(s.id_hmac, v.id_hmac)
             FROM settlements s LEFT JOIN visits v ON v.id = s.visit_id
             WHERE s.id IN ({settlement_ids}) ORDER BY s.id"
        ))?;
        out.settlements = stmt
            .query_map([], |r| {
                Ok(SettlementRow {
                    id: r.get(0)?,
                    visit_id: r.get(1)?,
                    original_id: r.get(2)?,
                    out_biz_no: r.get(3)?,
                    auth_no: r.get(4)?,
                    state: r.get(5)?,
                    operator_id: r.get(6)?,
                    operator_name: r.get(7)?,
                    office_id: r.get(8)?,
                    office_name: r.get(9)?,
                    biz_type: r.get(10)?,
                    user_name: r.get(11)?,
                    id_no: r.get(12)?,
                    id_no_last4: r.get(13)?,
                    total_fee_fen: r.get(14)?,
                    own_fen: r.get(15)?,
                    hif_fen: r.get(16)?,
                    acct_fen: r.get(17)?,
                    hifp_fen: r.get(18)?,
                    medical_settle_no: r.get(19)?,
                    fail_reason: r.get(20)?,
                    setl_time: r.get(21)?,
                    business_day: r.get(22)?,
                    self_pay: r.get::<_, i64>(23)? == 1,
                    source: r.get(24)?,
                    credential: r.get(25)?,
                    created_at: r.get(26)?,
                    id_hmac: r.get(27)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    if !delivery_ids.is_empty() {
        let mut stmt = tx.prepare(&format!(
            "SELECT settlement_id, status, attempts, delivered_at FROM outbox
             WHERE settlement_id IN ({delivery_ids}) ORDER BY settlement_id"
        ))?;
        out.deliveries = stmt
            .query_map([], |r| {
                Ok(DeliveryRow {
                    settlement_id: r.get(0)?,
                    status: r.get(1)?,
                    attempts: r.get(2)?,
                    delivered_at: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    let call_ids = ids("calls")?;
    if !call_ids.is_empty() {
        let mut stmt = tx.prepare(&format!(
            "SELECT c.id, c.visit_id, c.settlement_id, c.trans_type, c.out_biz_no, c.status,
                    c.error_kind, c.error_code, c.error_message, c.started_at, c.finished_at,
                    c.resolution, c.resolution_reason, c.resolved_by, c.resolved_at,
                    v.user_name, v.id_no
             FROM calls c
             LEFT JOIN settlements s ON s.id = c.settlement_id
             LEFT JOIN visits v ON v.id = coalesce(c.visit_id, s.visit_id)
             WHERE c.id IN ({call_ids}) ORDER BY c.id"
        ))?;
        out.calls = stmt
            .query_map([], |r| {
                Ok(CallRow {
                    id: r.get(0)?,
                    visit_id: r.get(1)?,
                    settlement_id: r.get(2)?,
                    trans_type: r.get(3)?,
                    out_biz_no: r.get(4)?,
                    status: r.get(5)?,
                    error_kind: r.get(6)?,
                    error_code: r.get(7)?,
                    error_message: r.get(8)?,
                    started_at: r.get(9)?,
                    finished_at: r.get(10)?,
                    resolution: r.get(11)?,
                    resolution_reason: r.get(12)?,
                    resolved_by: r.get(13)?,
                    resolved_at: r.get(14)?,
                    known_name: r.get(15)?,
                    known_id_no: r.get(16)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    let audit_ids = ids("audit")?;
    if !audit_ids.is_empty() {
        let mut stmt = tx.prepare(&format!(
            "SELECT id, at, operator_id, action, subject, detail
             FROM audit WHERE id IN ({audit_ids}) ORDER BY id"
        ))?;
        out.audit = stmt
            .query_map([], |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    operator_id: r.get(2)?,
                    action: r.get(3)?,
                    subject: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    let shift_ids = ids("shifts")?;
    if !shift_ids.is_empty() {
        let mut stmt = tx.prepare(&format!(
            "SELECT id, operator_id, started_at, ended_at, ended_how
             FROM shifts WHERE id IN ({shift_ids}) ORDER BY id"
        ))?;
        out.shifts = stmt
            .query_map([], |r| {
                Ok(ShiftRow {
                    id: r.get(0)?,
                    operator_id: r.get(1)?,
                    started_at: r.get(2)?,
                    ended_at: r.get(3)?,
                    ended_how: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    tx.finish()?;
    Ok(out)
}
