//! A replaced counter PC (`facepay central restore`): the server hands the
//! counter's id to the new PC's journal, then reads back what the old one
//! shipped, masked as it is here, for the new journal to keep.

use postgres::Client;

use facepay_journal::replication::{
    Batch, CallRow, DeliveryRow, SettlementRow, ShiftRow, VisitRow,
};

use crate::CentralError;

/// The token the server and the new journal both hold after a take-over:
/// the next batch is accepted from that journal only.
pub fn token_of(journal_id: &str) -> String {
    format!("restore-{journal_id}")
}

/// Refuse a counter the server never heard of (a mistyped id).
pub fn ensure_known(client: &mut Client, counter_id: &str) -> Result<(), CentralError> {
    client
        .query_opt(
            "SELECT 1 FROM counters WHERE counter_id = $1",
            &[&counter_id],
        )?
        .map(drop)
        .ok_or_else(|| CentralError::UnknownCounter(counter_id.to_owned()))
}

/// Give `counter_id` to the journal `journal_id`: from then on the old
/// journal's batches are refused (`central_counter_taken`), and the new one
/// starts from nothing acknowledged. Taking it again for the same journal
/// (a restore interrupted after this step) changes nothing.
///
/// The take-over beats for the counter (`heartbeat`, the restoring PC's):
/// a second PC restoring the same counter meanwhile, or before this one's
/// first sync, finds it in use rather than silently taking it back.
pub fn take_over(
    client: &mut Client,
    counter_id: &str,
    journal_id: &str,
    heartbeat: &crate::Heartbeat,
) -> Result<(), CentralError> {
    let token = token_of(journal_id);
    let mut tx = client.transaction()?;
    let row = tx
        .query_opt(
            "SELECT journal_id, last_token FROM counters WHERE counter_id = $1 FOR UPDATE",
            &[&counter_id],
        )?
        .ok_or_else(|| CentralError::UnknownCounter(counter_id.to_owned()))?;
    let (owner, last_token): (String, Option<String>) = (row.get(0), row.get(1));
    if owner == journal_id {
        if last_token.as_deref() == Some(token.as_str()) {
            return Ok(());
        }
        return Err(CentralError::Invalid {
            field: "counter",
            message: format!(
                "本机记录库就是全院库中收银台 {counter_id} 的记录库，已在上传：不需要恢复"
            ),
        });
    }
    // A counter still beating is still in use: taking it over (a mistyped
    // id, an old PC not yet switched off) would refuse everything it takes
    // from then on.
    let alive = tx.query_opt(
        "SELECT extract(epoch FROM now() - at)::bigint FROM heartbeats
         WHERE counter_id = $1 AND at > now() - make_interval(secs => $2)",
        &[&counter_id, &(crate::report::STALE_AFTER_SECONDS as f64)],
    )?;
    if let Some(row) = alive {
        let seconds: i64 = row.get(0);
        return Err(CentralError::Invalid {
            field: "counter",
            message: format!(
                "收银台 {counter_id} 在 {seconds} 秒前还向全院库报告过（仍在使用）：不能接管。\
                 请确认编号没有输错，并把原电脑关机或断网，{} 秒后再恢复",
                crate::report::STALE_AFTER_SECONDS
            ),
        });
    }
    tx.execute(
        "UPDATE counters SET journal_id = $2, acknowledged_seq = 0, last_token = $3
         WHERE counter_id = $1",
        &[&counter_id, &journal_id, &token],
    )?;
    crate::ship::beat(&mut tx, counter_id, heartbeat, 0)?;
    tx.commit()?;
    Ok(())
}

/// The journal the server takes `counter_id`'s rows from, if it knows the counter.
pub fn owner(client: &mut Client, counter_id: &str) -> Result<Option<String>, CentralError> {
    Ok(client
        .query_opt(
            "SELECT journal_id FROM counters WHERE counter_id = $1",
            &[&counter_id],
        )?
        .map(|r| r.get(0)))
}

/// Everything of `counter_id` the server holds that the counter reads back:
/// visits, settlements, deliveries, calls and shifts, by local id.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub rows: Batch,
    /// The highest audit id shipped (the audit log itself stays here).
    pub audit_floor: i64,
    /// The newest stamp (`yyyyMMddHHmmssSSS`) among the outBizNo the
    /// counter issued, as the server saw them.
    pub newest_stamp: Option<String>,
}

/// Read in one snapshot, so the rows agree with each other.
pub fn history(client: &mut Client, counter_id: &str) -> Result<History, CentralError> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let id = &[&counter_id as &(dyn postgres::types::ToSql + Sync)];
    let visits = tx
        .query(
            "SELECT local_id, out_biz_no, operator_id, operator_name, office_id, office_name,
                    business_type, auth_no, user_name_masked, right(id_no_masked, 4), id_type,
                    insu_org, to_char(identified_at, 'YYYY-MM-DD HH24:MI:SS.MS'),
                    to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.MS'), source, credential, id_hmac
             FROM visits WHERE counter_id = $1 ORDER BY local_id",
            id,
        )?
        .iter()
        .map(|r| VisitRow {
            id: r.get(0),
            out_biz_no: r.get(1),
            operator_id: r.get(2),
            operator_name: r.get(3),
            office_id: r.get(4),
            office_name: r.get(5),
            business_type: r.get(6),
            auth_no: r.get(7),
            user_name: r.get(8),
            id_no: None,
            id_no_last4: r.get(9),
            id_type: r.get(10),
            insu_org: r.get(11),
            identified_at: r.get(12),
            created_at: r.get(13),
            source: r.get(14),
            credential: r.get(15),
            id_hmac: r.get(16),
        })
        .collect();
    let settlements = tx
        .query(
            "SELECT local_id, visit_local_id, original_local_id, out_biz_no, auth_no, state,
                    operator_id, operator_name, office_id, office_name, biz_type,
                    user_name_masked, right(id_no_masked, 4), total_fee_fen, own_fen, hif_fen,
                    acct_fen, hifp_fen, medical_settle_no, fail_reason,
                    to_char(setl_time, 'YYYY-MM-DD HH24:MI:SS'),
                    to_char(business_day, 'YYYY-MM-DD'), self_pay, source, credential,
                    to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.MS'), id_hmac
             FROM settlements WHERE counter_id = $1 ORDER BY local_id",
            id,
        )?
        .iter()
        .map(|r| SettlementRow {
            id: r.get(0),
            visit_id: r.get(1),
            original_id: r.get(2),
            out_biz_no: r.get(3),
            auth_no: r.get(4),
            state: r.get(5),
            operator_id: r.get(6),
            operator_name: r.get(7),
            office_id: r.get(8),
            office_name: r.get(9),
            biz_type: r.get(10),
            user_name: r.get(11),
            id_no: None,
            id_no_last4: r.get(12),
            total_fee_fen: r.get(13),
            own_fen: r.get(14),
            hif_fen: r.get(15),
            acct_fen: r.get(16),
            hifp_fen: r.get(17),
            medical_settle_no: r.get(18),
            fail_reason: r.get(19),
            setl_time: r.get(20),
            business_day: r.get(21),
            self_pay: r.get(22),
            source: r.get(23),
            credential: r.get(24),
            created_at: r.get(25),
            id_hmac: r.get(26),
        })
        .collect();
    let deliveries = tx
        .query(
            "SELECT settlement_local_id, status, attempts,
                    to_char(delivered_at, 'YYYY-MM-DD HH24:MI:SS.MS')
             FROM deliveries WHERE counter_id = $1 ORDER BY settlement_local_id",
            id,
        )?
        .iter()
        .map(|r| DeliveryRow {
            settlement_id: r.get(0),
            status: r.get(1),
            attempts: i64::from(r.get::<_, i32>(2)),
            delivered_at: r.get(3),
        })
        .collect();
    let calls = tx
        .query(
            "SELECT local_id, visit_local_id, settlement_local_id, trans_type, out_biz_no, status,
                    error_kind, error_code, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS.MS'),
                    to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS.MS'), resolution,
                    resolution_reason, resolved_by,
                    to_char(resolved_at, 'YYYY-MM-DD HH24:MI:SS.MS')
             FROM calls WHERE counter_id = $1 ORDER BY local_id",
            id,
        )?
        .iter()
        .map(|r| CallRow {
            id: r.get(0),
            visit_id: r.get(1),
            settlement_id: r.get(2),
            trans_type: r.get(3),
            out_biz_no: r.get(4),
            status: r.get(5),
            error_kind: r.get(6),
            error_code: r.get(7),
            error_message: None,
            started_at: r.get(8),
            finished_at: r.get(9),
            resolution: r.get(10),
            resolution_reason: r.get(11),
            resolved_by: r.get(12),
            resolved_at: r.get(13),
            known_name: None,
            known_id_no: None,
        })
        .collect();
    let shifts = tx
        .query(
            "SELECT local_id, operator_id, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS.MS'),
                    to_char(ended_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ended_how
             FROM shifts WHERE counter_id = $1 ORDER BY local_id",
            id,
        )?
        .iter()
        .map(|r| ShiftRow {
            id: r.get(0),
            operator_id: r.get(1),
            started_at: r.get(2),
            ended_at: r.get(3),
            ended_how: r.get(4),
        })
        .collect();
    let audit_floor: i64 = tx
        .query_one(
            "SELECT coalesce(max(local_id), 0) FROM audit WHERE counter_id = $1",
            id,
        )?
        .get(0);
    // Our numbers end in a 17-digit stamp and two characters (a HIS's own
    // numbers, of another shape, are left out); fixed width, so the newest
    // sorts last whatever the prefix.
    let newest_stamp: Option<String> = tx
        .query_one(
            "SELECT max(substring(out_biz_no FROM '-([0-9]{17})-[0-9A-Z]{2}$')) FROM (
                 SELECT out_biz_no FROM calls WHERE counter_id = $1
                 UNION ALL SELECT out_biz_no FROM visits WHERE counter_id = $1) n",
            id,
        )?
        .get(0);
    tx.commit()?;
    Ok(History {
        rows: Batch {
            visits,
            settlements,
            deliveries,
            calls,
            shifts,
            ..Batch::default()
        },
        audit_floor,
        newest_stamp,
    })
}
