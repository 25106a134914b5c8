//! Shipping the counter's changes: at least once from the counter, applied
//! exactly once here — every row is an upsert keyed by (counter, local id),
//! and the counter's position moves in the same transaction as its rows.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use postgres::{Client, Transaction};

use facepay_journal::replication::{Batch, DeliveryRow, Position, SettlementRow, VisitRow};
use nhsa_protocol::mask::{Kind, mask, masked_from_last4};

use crate::CentralError;
use crate::identity::IdentityKey;

/// What the shipper needs from the counter's journal. The desk implements it
/// with its own connections, so shipping never holds up the cashier.
pub trait Local {
    /// Enrol the journal (idempotent) and say where it stands.
    fn enroll(&self, counter_id: &str) -> Result<Position, CentralError>;
    /// Entries after `after`, at most `limit`.
    fn batch(&self, after: i64, limit: u32) -> Result<Batch, CentralError>;
    fn acknowledge(&self, seq: i64) -> Result<(), CentralError>;
    /// The server holds less than it acknowledged (restored from a backup):
    /// list everything again and count from `seq`.
    fn rewind(&self, seq: i64) -> Result<(), CentralError>;
    /// The counter's state for its heartbeat.
    fn heartbeat(&self) -> Result<Heartbeat, CentralError>;
}

/// What a counter says about itself every sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    pub app_version: String,
    pub outbox_backlog: i32,
    pub unresolved: i32,
    pub operator_id: Option<String>,
}

/// Rows per transaction: big enough for throughput, small enough that a cut
/// connection loses little work.
pub const BATCH_ROWS: u32 = 1000;

/// One sync step's result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shipped {
    pub rows: usize,
    /// The server's position for this counter afterwards.
    pub acknowledged_seq: i64,
    /// Entries still waiting after this step.
    pub pending: i64,
}

/// Ship one batch (or only the heartbeat when nothing is waiting).
pub fn ship_once(
    client: &mut Client,
    local: &dyn Local,
    counter_id: &str,
    key: &IdentityKey,
) -> Result<Shipped, CentralError> {
    let position = local.enroll(counter_id)?;
    client.execute(
        "INSERT INTO counters (counter_id) VALUES ($1) ON CONFLICT (counter_id) DO NOTHING",
        &[&counter_id],
    )?;
    let server_seq: i64 = client
        .query_one(
            "SELECT acknowledged_seq FROM counters WHERE counter_id = $1",
            &[&counter_id],
        )?
        .get(0);
    if server_seq < position.acknowledged_seq {
        tracing::warn!(
            server_seq,
            local = position.acknowledged_seq,
            "the central server holds less than it acknowledged: sending everything again"
        );
        local.rewind(server_seq)?;
    } else if server_seq > position.acknowledged_seq {
        // Applied there; the acknowledgement here was lost (a kill).
        local.acknowledge(server_seq)?;
    }
    let pending = local.enroll(counter_id)?.pending;
    let batch = local.batch(server_seq, BATCH_ROWS)?;
    ensure_partitions(client, &batch)?;
    let heartbeat = local.heartbeat()?;

    let mut tx = client.transaction()?;
    let locked: i64 = tx
        .query_one(
            "SELECT acknowledged_seq FROM counters WHERE counter_id = $1 FOR UPDATE",
            &[&counter_id],
        )?
        .get(0);
    if locked != server_seq {
        // Another process of this counter (the panel and the CLI) shipped
        // meanwhile: nothing applied, the next step starts from its position.
        return Ok(Shipped {
            rows: 0,
            acknowledged_seq: locked,
            pending,
        });
    }
    apply(&mut tx, counter_id, &batch, key)?;
    tx.execute(
        "UPDATE counters SET acknowledged_seq = $2, last_synced_at = now() WHERE counter_id = $1",
        &[&counter_id, &batch.up_to_seq],
    )?;
    let pending_after = (pending - batch.entries).max(0);
    tx.execute(
        "INSERT INTO heartbeats (counter_id, at, app_version, outbox_backlog, unresolved,
                                 pending_changes, operator_id)
         VALUES ($1, now(), $2, $3, $4, $5, $6)
         ON CONFLICT (counter_id) DO UPDATE SET at = excluded.at,
             app_version = excluded.app_version, outbox_backlog = excluded.outbox_backlog,
             unresolved = excluded.unresolved, pending_changes = excluded.pending_changes,
             operator_id = excluded.operator_id",
        &[
            &counter_id,
            &heartbeat.app_version,
            &heartbeat.outbox_backlog,
            &heartbeat.unresolved,
            &pending_after,
            &heartbeat.operator_id,
        ],
    )?;
    tx.commit()?;
    // A kill here leaves the server ahead; the next step sees it and catches up.
    local.acknowledge(batch.up_to_seq)?;
    Ok(Shipped {
        rows: batch.rows(),
        acknowledged_seq: batch.up_to_seq,
        pending: pending_after,
    })
}

fn stamp(field: &str, text: &str) -> Result<NaiveDateTime, CentralError> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .map_err(|_| CentralError::Server(format!("本机记录的 {field} 不是时间：{text:?}")))
}

fn day(text: &str) -> Result<NaiveDate, CentralError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| CentralError::Server(format!("本机记录的 business_day 不是日期：{text:?}")))
}

/// The first day of `d`'s month, and of the next.
fn month_of(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    use chrono::Datelike;
    let first = d.with_day(1).unwrap_or(d);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (first, next)
}

/// Create the monthly partitions a batch needs, each in its own short
/// transaction (under an advisory lock, so counters creating the same
/// month together do not collide), before the batch's own transaction.
fn ensure_partitions(client: &mut Client, batch: &Batch) -> Result<(), CentralError> {
    let mut wanted: BTreeSet<(&str, NaiveDate)> = BTreeSet::new();
    for v in &batch.visits {
        wanted.insert((
            "visits",
            month_of(stamp("created_at", &v.created_at)?.date()).0,
        ));
    }
    for s in &batch.settlements {
        wanted.insert(("settlements", month_of(day(&s.business_day)?).0));
    }
    for (table, first) in wanted {
        let name = format!("{table}_{}", first.format("%Y%m"));
        let exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])?
            .get(0);
        if exists {
            continue;
        }
        let (from, to) = month_of(first);
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(7020061)", &[])?;
        // Names and bounds are ours (a table name and two dates): no input is inlined.
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table}
             FOR VALUES FROM ('{from}') TO ('{to}')"
        ))?;
        tx.commit()?;
    }
    Ok(())
}

fn masked_name(name: Option<&str>) -> Option<String> {
    // A name the retention period masked is masked again to the same form.
    name.map(|n| mask(Kind::Name, n))
}

fn apply(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    batch: &Batch,
    key: &IdentityKey,
) -> Result<(), CentralError> {
    if !batch.visits.is_empty() {
        let stmt = tx.prepare(
            "INSERT INTO visits (counter_id, local_id, created_at, out_biz_no, operator_id,
                 operator_name, office_id, office_name, business_type, auth_no, user_name_masked,
                 id_no_masked, id_hmac, id_type, insu_org, identified_at, source, credential)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             ON CONFLICT (counter_id, local_id, created_at) DO UPDATE SET
                 auth_no = excluded.auth_no,
                 user_name_masked = coalesce(excluded.user_name_masked, visits.user_name_masked),
                 id_no_masked = coalesce(excluded.id_no_masked, visits.id_no_masked),
                 id_hmac = coalesce(excluded.id_hmac, visits.id_hmac),
                 id_type = coalesce(excluded.id_type, visits.id_type),
                 insu_org = coalesce(excluded.insu_org, visits.insu_org),
                 identified_at = coalesce(excluded.identified_at, visits.identified_at)",
        )?;
        for v in &batch.visits {
            visit(tx, &stmt, counter_id, v, key)?;
        }
    }
    if !batch.settlements.is_empty() {
        let stmt = tx.prepare(
            "INSERT INTO settlements (counter_id, local_id, business_day, visit_local_id,
                 original_local_id, out_biz_no, auth_no, state, operator_id, operator_name,
                 office_id, office_name, biz_type, user_name_masked, id_no_masked, id_hmac,
                 total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen, medical_settle_no,
                 fail_reason, setl_time, self_pay, source, credential, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)
             ON CONFLICT (counter_id, local_id, business_day) DO UPDATE SET
                 user_name_masked = coalesce(excluded.user_name_masked, settlements.user_name_masked),
                 id_hmac = coalesce(excluded.id_hmac, settlements.id_hmac)",
        )?;
        for s in &batch.settlements {
            settlement(tx, &stmt, counter_id, s, key)?;
        }
    }
    if !batch.deliveries.is_empty() {
        let stmt = tx.prepare(
            "INSERT INTO deliveries (counter_id, settlement_local_id, status, attempts, delivered_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (counter_id, settlement_local_id) DO UPDATE SET
                 status = excluded.status, attempts = excluded.attempts,
                 delivered_at = excluded.delivered_at",
        )?;
        for d in &batch.deliveries {
            delivery(tx, &stmt, counter_id, d)?;
        }
    }
    Ok(())
}

fn visit(
    tx: &mut Transaction<'_>,
    stmt: &postgres::Statement,
    counter_id: &str,
    v: &VisitRow,
    key: &IdentityKey,
) -> Result<(), CentralError> {
    let id_no_masked = match (&v.id_no, &v.id_no_last4) {
        (Some(full), _) => Some(mask(Kind::IdNo, full)),
        (None, Some(last4)) => Some(masked_from_last4(last4, 18)),
        (None, None) => None,
    };
    let identified_at = v
        .identified_at
        .as_deref()
        .map(|t| stamp("identified_at", t))
        .transpose()?;
    tx.execute(
        stmt,
        &[
            &counter_id,
            &v.id,
            &stamp("created_at", &v.created_at)?,
            &v.out_biz_no,
            &v.operator_id,
            &v.operator_name,
            &v.office_id,
            &v.office_name,
            &v.business_type,
            &v.auth_no,
            &masked_name(v.user_name.as_deref()),
            &id_no_masked,
            &v.id_no.as_deref().map(|n| key.hash_id_no(n)),
            &v.id_type,
            &v.insu_org,
            &identified_at,
            &v.source,
            &v.credential,
        ],
    )?;
    Ok(())
}

fn settlement(
    tx: &mut Transaction<'_>,
    stmt: &postgres::Statement,
    counter_id: &str,
    s: &SettlementRow,
    key: &IdentityKey,
) -> Result<(), CentralError> {
    tx.execute(
        stmt,
        &[
            &counter_id,
            &s.id,
            &day(&s.business_day)?,
            &s.visit_id,
            &s.original_id,
            &s.out_biz_no,
            &s.auth_no,
            &s.state,
            &s.operator_id,
            &s.operator_name,
            &s.office_id,
            &s.office_name,
            &s.biz_type,
            &masked_name(s.user_name.as_deref()),
            &s.id_no_last4.as_deref().map(|l| masked_from_last4(l, 18)),
            &s.id_no.as_deref().map(|n| key.hash_id_no(n)),
            &s.total_fee_fen,
            &s.own_fen,
            &s.hif_fen,
            &s.acct_fen,
            &s.hifp_fen,
            &s.medical_settle_no,
            &s.fail_reason,
            &stamp("setl_time", &s.setl_time)?,
            &s.self_pay,
            &s.source,
            &s.credential,
            &stamp("created_at", &s.created_at)?,
        ],
    )?;
    Ok(())
}

fn delivery(
    tx: &mut Transaction<'_>,
    stmt: &postgres::Statement,
    counter_id: &str,
    d: &DeliveryRow,
) -> Result<(), CentralError> {
    let attempts = i32::try_from(d.attempts).unwrap_or(i32::MAX);
    let delivered_at = d
        .delivered_at
        .as_deref()
        .map(|t| stamp("delivered_at", t))
        .transpose()?;
    tx.execute(
        stmt,
        &[
            &counter_id,
            &d.settlement_id,
            &d.status,
            &attempts,
            &delivered_at,
        ],
    )?;
    Ok(())
}
