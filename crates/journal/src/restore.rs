//! A replaced counter PC (`facepay central restore`, docs/central.md): the
//! counter's history as the central server holds it (masked), written into
//! this fresh journal under the server's own ids, so that whatever this
//! journal ships afterwards neither repeats nor overwrites a row the old PC
//! shipped.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use nhsa_protocol::{Amount, SettleNotifyDraft};

use crate::cached::Cached;
use crate::clock::Stamp;
use crate::replication::{Batch, SettlementRow};
use crate::{AuditAction, CounterId, JournalError};

/// What the server holds of one counter.
#[derive(Debug, Clone)]
pub struct Restoration<'a> {
    pub counter: &'a CounterId,
    /// The org id this counter's outBizNo carry (`[terminal] org_id`).
    pub org_id: &'a str,
    /// For the notifications rebuilt from the server's columns.
    pub hospital_name: &'a str,
    /// The server's token for this journal after the take-over: the two
    /// positions agree on it, so shipping resumes from nothing acknowledged.
    pub token: &'a str,
    /// Visits, settlements, deliveries, calls and shifts (audit stays on the server).
    pub rows: Batch,
    /// The highest audit id the old PC shipped.
    pub audit_floor: i64,
    /// The newest outBizNo stamp (`yyyyMMddHHmmssSSS`) the server saw
    /// from this counter.
    pub newest_stamp: Option<String>,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub visits: usize,
    pub settlements: usize,
    pub calls: usize,
    pub shifts: usize,
    /// Operators who worked shifts there and are unknown here: kept, disabled.
    pub past_operators: usize,
    /// Deliveries the old PC had not completed: now 未送达, for a person to re-send.
    pub undelivered: usize,
    /// No outBizNo issued here carries a stamp at or below this one.
    pub out_biz_no_floor: Option<String>,
}

/// Rebuild the counter's history in this journal (enrolled under
/// `r.counter`, holding no visit, settlement or call of its own).
pub fn restore(
    tx: &Connection,
    r: &Restoration<'_>,
    admin_id: &str,
    now: &Stamp,
) -> Result<Restored, JournalError> {
    let journal_id = ready(tx, r.counter)?;
    let rows = &r.rows;
    let shift_floor = rows.shifts.iter().map(|s| s.id).max().unwrap_or(0);
    lift(tx, "audit", r.audit_floor)?;
    lift(tx, "shifts", shift_floor)?;

    let listed_before = crate::replication::last_seq(tx)?;
    let session = format!("restore-{journal_id}");
    tx.exec(
        "INSERT OR IGNORE INTO sessions (id, program, pid, started_at)
         VALUES (?1, 'central restore', 0, ?2)",
        params![session, now],
    )?;
    let past_operators = past_operators(tx, rows, admin_id, now)?;
    for v in &rows.visits {
        tx.exec(
            "INSERT INTO visits (id, out_biz_no, counter_id, operator_id, operator_name,
                 office_id, office_name, business_type, auth_no, user_name, id_no_last4, id_type,
                 insu_org, identified_at, created_at, source, credential, id_hmac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18)",
            params![
                v.id,
                v.out_biz_no,
                r.counter,
                v.operator_id,
                v.operator_name,
                v.office_id,
                v.office_name,
                v.business_type,
                v.auth_no,
                v.user_name,
                v.id_no_last4,
                v.id_type,
                v.insu_org,
                v.identified_at,
                v.created_at,
                v.source,
                v.credential,
                v.id_hmac,
            ],
        )?;
    }
    for s in &rows.settlements {
        tx.exec(
            "INSERT INTO settlements (id, visit_id, original_id, out_biz_no, auth_no, state,
                 operator_id, operator_name, office_id, office_name, biz_type, user_name,
                 id_no_last4, total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen,
                 medical_settle_no, fail_reason, setl_time, business_day, payload, created_at,
                 self_pay, source, credential, id_hmac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
            params![
                s.id,
                s.visit_id,
                s.original_id,
                s.out_biz_no,
                s.auth_no,
                s.state,
                s.operator_id,
                s.operator_name,
                s.office_id,
                s.office_name,
                s.biz_type,
                s.user_name,
                s.id_no_last4,
                s.total_fee_fen,
                s.own_fen,
                s.hif_fen,
                s.acct_fen,
                s.hifp_fen,
                s.medical_settle_no,
                s.fail_reason,
                s.setl_time,
                s.business_day,
                payload(s, r.hospital_name)?,
                s.created_at,
                s.self_pay,
                s.source,
                s.credential,
                s.id_hmac,
            ],
        )?;
    }
    let mut undelivered = 0;
    for d in &rows.deliveries {
        // The old PC's retries (or the cashier's F4) die with it: what did
        // not reach the screen is for a person to re-send, never sent by
        // itself long after the patient left.
        let delivered = d.status == "delivered" || d.status == "gave_up";
        let (status, last_error) = if delivered {
            (d.status.as_str(), None)
        } else {
            undelivered += 1;
            (
                "gave_up",
                Some("换机恢复：原电脑未确认送达，请核对终端后在“历史”中重发"),
            )
        };
        tx.exec(
            "INSERT INTO outbox (settlement_id, status, attempts, next_attempt_at, last_error,
                                 delivered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                d.settlement_id,
                status,
                d.attempts,
                now,
                last_error,
                d.delivered_at
            ],
        )?;
    }
    for c in &rows.calls {
        // A call in flight when the old PC died has an unknown outcome: 待确认.
        let status = if c.status == "in_flight" {
            "unknown"
        } else {
            c.status.as_str()
        };
        tx.exec(
            "INSERT INTO calls (id, session_id, visit_id, settlement_id, counter_id, trans_type,
                 out_biz_no, request_masked, status, error_kind, error_code, started_at,
                 finished_at, resolution, resolution_reason, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                c.id,
                session,
                c.visit_id,
                c.settlement_id,
                r.counter,
                c.trans_type,
                c.out_biz_no,
                status,
                c.error_kind,
                c.error_code,
                c.started_at,
                c.finished_at,
                c.resolution,
                c.resolution_reason,
                c.resolved_by,
                c.resolved_at,
            ],
        )?;
    }
    for s in &rows.shifts {
        tx.exec(
            "INSERT INTO shifts (id, operator_id, session_id, started_at, ended_at, ended_how)
             VALUES (?1, ?2, ?3, ?4, coalesce(?5, ?6), coalesce(?7, 'closed'))",
            params![
                s.id,
                s.operator_id,
                session,
                s.started_at,
                s.ended_at,
                now,
                s.ended_how
            ],
        )?;
    }
    // The server has these rows; only shifts the restore closed are news to it.
    tx.exec(
        "DELETE FROM changes WHERE seq > ?1 AND tbl <> 'shifts'",
        [listed_before],
    )?;
    let closed_here: Vec<i64> = rows
        .shifts
        .iter()
        .filter(|s| s.ended_at.is_none())
        .map(|s| s.id)
        .collect();
    tx.exec(
        "DELETE FROM changes WHERE seq > ?1 AND tbl = 'shifts'",
        [listed_before],
    )?;
    for id in &closed_here {
        tx.exec(
            "INSERT INTO changes (tbl, row_id) VALUES ('shifts', ?1)",
            [id],
        )?;
    }

    let floor = r
        .newest_stamp
        .as_deref()
        .and_then(crate::sequence::stamp_millis);
    if let Some(ms) = floor {
        crate::sequence::raise_floor(tx, r.org_id, r.counter, ms)?;
    }
    tx.exec(
        "UPDATE replication SET acknowledged_seq = 0, shipped_token = ?1, restored_at = ?2,
                                restore_begun_at = NULL
         WHERE id = 1",
        params![r.token, now],
    )?;
    tx.exec("DELETE FROM shipping", [])?;
    let restored = Restored {
        visits: rows.visits.len(),
        settlements: rows.settlements.len(),
        calls: rows.calls.len(),
        shifts: rows.shifts.len(),
        past_operators,
        undelivered,
        out_biz_no_floor: floor.and(r.newest_stamp.clone()),
    };
    crate::audit::append(
        tx,
        now,
        admin_id,
        AuditAction::CentralRestore,
        Some(r.counter.as_str()),
        Some(&format!(
            "{} visits, {} settlements, {} calls, {} shifts restored from the central server",
            restored.visits, restored.settlements, restored.calls, restored.shifts
        )),
    )?;
    Ok(restored)
}

/// Mark a restore of `counter` as under way, in its own commit before the
/// server hands the counter over: until [`restore`] or [`abandon`] clears
/// it, [`refuse_if_unfinished`] keeps payments off this journal. Returns
/// the journal's id.
pub fn begin(tx: &Connection, counter: &CounterId, now: &Stamp) -> Result<String, JournalError> {
    let journal_id = ready(tx, counter)?;
    tx.exec(
        "UPDATE replication SET restore_begun_at = coalesce(restore_begun_at, ?1) WHERE id = 1",
        [now],
    )?;
    Ok(journal_id)
}

/// The counter went to another PC while this restore was being written:
/// this journal stays paused, and may never restore the counter again.
pub fn lost(tx: &Connection, now: &Stamp) -> Result<(), JournalError> {
    tx.exec(
        "UPDATE replication SET restore_lost_at = coalesce(restore_lost_at, ?1) WHERE id = 1",
        [now],
    )?;
    Ok(())
}

/// When this journal lost its counter to another PC during a restore.
pub fn lost_at(conn: &Connection) -> Result<Option<String>, JournalError> {
    Ok(conn
        .row(
            "SELECT restore_lost_at FROM replication WHERE id = 1",
            [],
            |row| row.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// The server refused to hand the counter over: nothing was taken, so
/// payments may go on (as whatever this journal is).
pub fn abandon(tx: &Connection) -> Result<(), JournalError> {
    tx.exec(
        "UPDATE replication SET restore_begun_at = NULL WHERE id = 1",
        [],
    )?;
    Ok(())
}

/// Refuse a new visit, settlement or terminal call while a restore is under
/// way here (see migration 018).
pub fn refuse_if_unfinished(conn: &Connection) -> Result<(), JournalError> {
    match unfinished(conn)? {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The restore under way here, as the refusal it causes.
pub fn unfinished(conn: &Connection) -> Result<Option<JournalError>, JournalError> {
    Ok(conn
        .row(
            "SELECT counter_id, restore_begun_at FROM replication
             WHERE id = 1 AND restore_begun_at IS NOT NULL",
            [],
            |row| {
                Ok(JournalError::RestoreUnfinished {
                    counter_id: row.get(0)?,
                    since: row.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Whether this journal may take `counter`'s history: enrolled under it,
/// never restored, and holding no visit, settlement or call of its own.
/// Asked before the server hands the counter over, and again as it is
/// written. Returns the journal's id.
pub fn ready(conn: &Connection, counter: &CounterId) -> Result<String, JournalError> {
    let invalid = |message: String| JournalError::Invalid {
        field: "counter",
        message,
    };
    let (enrolled_as, journal_id, restored_at): (String, String, Option<String>) = conn
        .row(
            "SELECT counter_id, journal_id, restored_at FROM replication WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| JournalError::Internal("恢复前本机记录库应已登记".into()))?;
    if enrolled_as != counter.as_str() {
        return Err(invalid(format!(
            "本机记录库已以收银台 {enrolled_as} 的身份同步，不能恢复为 {}",
            counter
        )));
    }
    if let Some(at) = restored_at {
        return Err(JournalError::Duplicate(format!(
            "本机记录库已于 {at} 恢复过收银台 {} 的记录，不会重复恢复",
            counter
        )));
    }
    let own: i64 = conn.row(
        "SELECT (SELECT count(*) FROM visits) + (SELECT count(*) FROM settlements)
              + (SELECT count(*) FROM calls)",
        [],
        |row| row.get(0),
    )?;
    if own > 0 {
        return Err(invalid(format!(
            "本机记录库已有 {own} 条就诊、结算或终端调用记录：换机恢复只写入新电脑的全新记录库，\
             不与已有记录合并。请把 [journal] path（或 FACEPAY_DB）指向一个新的空文件后再恢复"
        )));
    }
    Ok(journal_id)
}

/// Move this journal's own rows of `table` above `floor` (ids the old PC
/// used there), with their entries in the change list; the table's update
/// triggers (append-only guards) are set aside for the move and put back
/// as they were, in the same transaction.
fn lift(tx: &Connection, table: &'static str, floor: i64) -> Result<(), JournalError> {
    let (lowest, highest): (Option<i64>, Option<i64>) = tx.row(
        &format!("SELECT min(id), max(id) FROM {table}"),
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let (Some(lowest), Some(highest)) = (lowest, highest) else {
        return Ok(());
    };
    if lowest > floor {
        return Ok(());
    }
    // Above both the floor and every id now, so no two rows meet mid-move.
    let offset = floor.max(highest);
    let mut stmt = tx.prepare(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'trigger' AND tbl_name = ?1 AND instr(upper(sql), 'UPDATE ON') > 0",
    )?;
    let triggers: Vec<(String, String)> = stmt
        .query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
    }
    tx.exec(&format!("UPDATE {table} SET id = id + ?1"), [offset])?;
    for (_, sql) in &triggers {
        tx.execute_batch(sql)?;
    }
    tx.exec(
        "UPDATE changes SET row_id = row_id + ?1 WHERE tbl = ?2",
        params![offset, table],
    )?;
    Ok(())
}

/// Operators who worked shifts at the counter and are unknown here, kept
/// (disabled, with no usable PIN) so their shifts keep their names.
fn past_operators(
    tx: &Connection,
    rows: &Batch,
    admin_id: &str,
    now: &Stamp,
) -> Result<usize, JournalError> {
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for v in &rows.visits {
        names.insert(&v.operator_id, &v.operator_name);
    }
    for s in &rows.settlements {
        names.insert(&s.operator_id, &s.operator_name);
    }
    let mut added = 0;
    for shift in &rows.shifts {
        let id = shift.operator_id.as_str();
        let name = names.get(id).copied().unwrap_or(id);
        added += tx.exec(
            "INSERT INTO operators (id, name, role, pin_hash, active, created_at, created_by,
                                    updated_at)
             VALUES (?1, ?2, 'cashier', '!restored', 0, ?3, ?4, ?3)
             ON CONFLICT (id) DO NOTHING",
            params![id, name, now, admin_id],
        )?;
    }
    Ok(added)
}

/// The notification as the old PC kept it, from the server's columns: what
/// a refund's checks and a re-send read. Items without a column of their
/// own (大额, 公务员补助 …) are not on the server.
fn payload(s: &SettlementRow, hospital_name: &str) -> Result<String, JournalError> {
    let yuan = |fen: Option<i64>| fen.map(|f| Amount::from_fen(f.unsigned_abs()).to_string());
    let draft = SettleNotifyDraft {
        out_biz_no: s.out_biz_no.clone(),
        medical_settle_state: s.state.clone(),
        self_pay: s.self_pay,
        auth_no: s.auth_no.clone(),
        operator_id: s.operator_id.clone(),
        operator_name: s.operator_name.clone(),
        total_fee: Amount::from_fen(s.total_fee_fen.unsigned_abs()).to_string(),
        biz_type: s.biz_type.clone(),
        setl_time: s.setl_time.clone(),
        hospital_name: hospital_name.to_owned(),
        office_id: s.office_id.clone(),
        office_name: s.office_name.clone(),
        fail_reason: s.fail_reason.clone(),
        medical_settle_no: s.medical_settle_no.clone(),
        own_amt: yuan(s.own_fen),
        hif_amt: yuan(s.hif_fen),
        acct_amt: yuan(s.acct_fen),
        hifp_amt: yuan(s.hifp_fen),
        ..SettleNotifyDraft::default()
    };
    serde_json::to_string(&draft).map_err(|e| JournalError::Internal(e.to_string()))
}
