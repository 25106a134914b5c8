//! Shipping the counter's changes: at least once from the counter, applied
//! exactly once here — every row is an upsert keyed by (counter, local id),
//! and the counter's position moves in the same transaction as its rows.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use postgres::{Client, Transaction};

use facepay_journal::replication::{
    AuditRow, Batch, CallRow, DeliveryRow, Position, SettlementRow, ShiftRow, VisitRow,
};
use nhsa_protocol::mask::{Kind, mask, masked_from_last4, scrub_known, scrub_text};

use crate::CentralError;
use crate::identity::IdentityKey;

/// What the shipper needs from the counter's journal. The desk implements it
/// with its own connections, so shipping never holds up the cashier.
pub trait Local {
    /// Enrol the journal (idempotent) and say where it stands.
    fn enroll(&self, counter_id: &str) -> Result<Position, CentralError>;
    /// Entries after `after`, at most `limit`.
    fn batch(&self, after: i64, limit: u32) -> Result<Batch, CentralError>;
    /// The server holds up to `seq`, its last batch being `token`.
    fn acknowledge(&self, seq: i64, token: Option<&str>) -> Result<(), CentralError>;
    /// A batch up to `seq` goes out under `token` (kept before it leaves).
    fn prepare(&self, token: &str, seq: i64) -> Result<(), CentralError>;
    /// The entry a batch this journal sent under `token` covered.
    fn prepared(&self, token: &str) -> Result<Option<i64>, CentralError>;
    /// The server holds less than it acknowledged (restored from a backup):
    /// list everything again and count from `seq`.
    fn rewind(&self, seq: i64, token: Option<&str>) -> Result<(), CentralError>;
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
    /// Whether the terminal answered the last probe (`None`: not probed yet).
    pub terminal_reachable: Option<bool>,
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
        "INSERT INTO counters (counter_id, journal_id) VALUES ($1, $2)
         ON CONFLICT (counter_id) DO NOTHING",
        &[&counter_id, &position.journal_id],
    )?;
    let owner: String = client
        .query_one(
            "SELECT journal_id FROM counters WHERE counter_id = $1",
            &[&counter_id],
        )?
        .get(0);
    if owner != position.journal_id {
        return Err(CentralError::CounterTaken {
            counter_id: counter_id.to_owned(),
        });
    }
    let row = client.query_one(
        "SELECT acknowledged_seq, last_token FROM counters WHERE counter_id = $1",
        &[&counter_id],
    )?;
    let (server_seq, server_token): (i64, Option<String>) = (row.get(0), row.get(1));
    if server_seq < position.acknowledged_seq {
        tracing::warn!(
            server_seq,
            local = position.acknowledged_seq,
            "the central server holds less than it acknowledged: sending everything again"
        );
        local.rewind(server_seq, server_token.as_deref())?;
    } else if server_token != position.shipped_token {
        // The server's last batch is not the last one this journal saw
        // confirmed: either ours, confirmed there and not here (a kill
        // after the server's commit), or a copy of this journal's (a
        // cloned PC) that shipped meanwhile — whose rows would now hide
        // ours. Only the first may be taken.
        match server_token
            .as_deref()
            .map(|t| local.prepared(t))
            .transpose()?
            .flatten()
        {
            Some(seq) if seq == server_seq => {
                local.acknowledge(server_seq, server_token.as_deref())?;
            }
            // The server was handed to this journal by a restore that did
            // not finish writing here.
            _ if server_token.as_deref()
                == Some(crate::restore::token_of(&position.journal_id).as_str()) =>
            {
                return Err(CentralError::RestoreUnfinished {
                    counter_id: counter_id.to_owned(),
                });
            }
            _ => {
                return Err(CentralError::CounterTaken {
                    counter_id: counter_id.to_owned(),
                });
            }
        }
    }
    let pending = local.enroll(counter_id)?.pending;
    let batch = local.batch(server_seq, BATCH_ROWS)?;
    ensure_partitions(client, &batch)?;
    let heartbeat = local.heartbeat()?;

    // A fresh token for a batch with rows, kept here before it leaves.
    let token = if batch.is_empty() {
        None
    } else {
        let token = crate::identity::random_token()?;
        local.prepare(&token, batch.up_to_seq)?;
        Some(token)
    };
    let mut tx = client.transaction()?;
    let row = tx.query_one(
        "SELECT acknowledged_seq, last_token FROM counters WHERE counter_id = $1 FOR UPDATE",
        &[&counter_id],
    )?;
    let (locked, locked_token): (i64, Option<String>) = (row.get(0), row.get(1));
    if locked != server_seq || locked_token != server_token {
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
        "UPDATE counters SET acknowledged_seq = $2, last_token = coalesce($3, last_token),
                             last_synced_at = now()
         WHERE counter_id = $1",
        &[&counter_id, &batch.up_to_seq, &token],
    )?;
    let pending_after = (pending - batch.entries).max(0);
    beat(&mut tx, counter_id, &heartbeat, pending_after)?;
    tx.commit()?;
    // A kill here leaves the server ahead under our token; the next step
    // finds the token among ours and catches up.
    local.acknowledge(batch.up_to_seq, token.as_deref())?;
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
    for c in &batch.calls {
        wanted.insert((
            "calls",
            month_of(stamp("started_at", &c.started_at)?.date()).0,
        ));
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

/// Each table's rows in one statement (arrays unnested): a batch is three
/// round trips, not one per row.
fn apply(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    batch: &Batch,
    key: &IdentityKey,
) -> Result<(), CentralError> {
    if !batch.visits.is_empty() {
        visits(tx, counter_id, &batch.visits, key)?;
    }
    if !batch.settlements.is_empty() {
        settlements(tx, counter_id, &batch.settlements, key)?;
    }
    if !batch.deliveries.is_empty() {
        deliveries(tx, counter_id, &batch.deliveries)?;
    }
    if !batch.calls.is_empty() {
        calls(tx, counter_id, &batch.calls)?;
    }
    if !batch.audit.is_empty() {
        audit(tx, counter_id, &batch.audit)?;
    }
    if !batch.shifts.is_empty() {
        shifts(tx, counter_id, &batch.shifts)?;
    }
    Ok(())
}

/// Free text (a terminal's message, a cashier's reason) as it may leave the
/// counter: ID numbers and names beside them masked, and the visit's own
/// name and number wherever they stand.
fn scrubbed(text: Option<&str>, name: Option<&str>, id_no: Option<&str>) -> Option<String> {
    let text = text?;
    let mut known = Vec::new();
    if let Some(n) = name {
        known.push((Kind::Name, n));
    }
    if let Some(i) = id_no {
        known.push((Kind::IdNo, i));
    }
    Some(mask_number_runs(&scrub_text(&scrub_known(text, &known))))
}

/// Any run of six or more digits (single spaces inside allowed, a trailing
/// X too) starred: an ID or phone number typed the way people type them
/// ("4417 8120 0803 1098 15"), which the field-aware masks do not recognise.
/// Dates and times (hyphens, colons) and amounts stay readable.
pub(crate) fn mask_number_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, single spaces between digits, a final X.
        let mut j = i;
        let mut digits = 0;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                j += 1;
            } else if chars[j] == ' ' && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                j += 1;
            } else if matches!(chars[j], 'X' | 'x') && digits >= 6 {
                j += 1;
                break;
            } else {
                break;
            }
        }
        for &c in &chars[i..j] {
            out.push(if digits >= 6 && c != ' ' { '*' } else { c });
        }
        i = j;
    }
    out
}

fn optional_stamp(field: &str, text: Option<&str>) -> Result<Option<NaiveDateTime>, CentralError> {
    text.map(|t| stamp(field, t)).transpose()
}

fn calls(tx: &mut Transaction<'_>, counter_id: &str, rows: &[CallRow]) -> Result<(), CentralError> {
    let mut started = Vec::with_capacity(rows.len());
    let mut finished = Vec::with_capacity(rows.len());
    let mut resolved = Vec::with_capacity(rows.len());
    for c in rows {
        started.push(stamp("started_at", &c.started_at)?);
        finished.push(optional_stamp("finished_at", c.finished_at.as_deref())?);
        resolved.push(optional_stamp("resolved_at", c.resolved_at.as_deref())?);
    }
    let col = |f: fn(&CallRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let free = |f: fn(&CallRow) -> Option<&str>| {
        rows.iter()
            .map(|c| scrubbed(f(c), c.known_name.as_deref(), c.known_id_no.as_deref()))
            .collect::<Vec<_>>()
    };
    tx.execute(
        "INSERT INTO calls (counter_id, local_id, started_at, visit_local_id,
             settlement_local_id, trans_type, out_biz_no, status, error_kind, error_code,
             error_message, finished_at, resolution, resolution_reason, resolved_by, resolved_at)
         SELECT $1, * FROM unnest($2::bigint[], $3::timestamp[], $4::bigint[], $5::bigint[],
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
             $12::timestamp[], $13::text[], $14::text[], $15::text[], $16::timestamp[])
         ON CONFLICT (counter_id, local_id, started_at) DO UPDATE SET
             settlement_local_id = excluded.settlement_local_id, status = excluded.status,
             error_kind = excluded.error_kind, error_code = excluded.error_code,
             error_message = excluded.error_message, finished_at = excluded.finished_at,
             resolution = excluded.resolution, resolution_reason = excluded.resolution_reason,
             resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at",
        &[
            &counter_id,
            &rows.iter().map(|c| c.id).collect::<Vec<i64>>(),
            &started,
            &rows.iter().map(|c| c.visit_id).collect::<Vec<_>>(),
            &rows.iter().map(|c| c.settlement_id).collect::<Vec<_>>(),
            &rows
                .iter()
                .map(|c| c.trans_type.clone())
                .collect::<Vec<_>>(),
            &rows
                .iter()
                .map(|c| c.out_biz_no.clone())
                .collect::<Vec<_>>(),
            &rows.iter().map(|c| c.status.clone()).collect::<Vec<_>>(),
            &col(|c| c.error_kind.clone()),
            &col(|c| c.error_code.clone()),
            // A terminal's own words may name the patient in forms no mask
            // recognises (a name beside other words, a spaced number): they
            // stay on the counter; the code says what failed.
            &rows.iter().map(|_| None::<String>).collect::<Vec<_>>(),
            &finished,
            &col(|c| c.resolution.clone()),
            &free(|c| c.resolution_reason.as_deref()),
            &col(|c| c.resolved_by.clone()),
            &resolved,
        ],
    )?;
    Ok(())
}

fn audit(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    rows: &[AuditRow],
) -> Result<(), CentralError> {
    let at = rows
        .iter()
        .map(|a| stamp("at", &a.at))
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute(
        "INSERT INTO audit (counter_id, local_id, at, operator_id, action, subject, detail)
         SELECT $1, * FROM unnest($2::bigint[], $3::timestamp[], $4::text[], $5::text[],
             $6::text[], $7::text[])
         ON CONFLICT (counter_id, local_id) DO NOTHING",
        &[
            &counter_id,
            &rows.iter().map(|a| a.id).collect::<Vec<i64>>(),
            &at,
            &rows
                .iter()
                .map(|a| a.operator_id.clone())
                .collect::<Vec<_>>(),
            &rows.iter().map(|a| a.action.clone()).collect::<Vec<_>>(),
            &rows
                .iter()
                // The subject is ours (an outBizNo, a settlement id): its digits stay.
                .map(|a| a.subject.as_deref().map(scrub_text))
                .collect::<Vec<_>>(),
            &rows
                .iter()
                .map(|a| scrubbed(a.detail.as_deref(), None, None))
                .collect::<Vec<_>>(),
        ],
    )?;
    Ok(())
}

fn shifts(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    rows: &[ShiftRow],
) -> Result<(), CentralError> {
    let mut started = Vec::with_capacity(rows.len());
    let mut ended = Vec::with_capacity(rows.len());
    for s in rows {
        started.push(stamp("started_at", &s.started_at)?);
        ended.push(optional_stamp("ended_at", s.ended_at.as_deref())?);
    }
    tx.execute(
        "INSERT INTO shifts (counter_id, local_id, operator_id, started_at, ended_at, ended_how)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::timestamp[], $5::timestamp[],
             $6::text[])
         ON CONFLICT (counter_id, local_id) DO UPDATE SET
             ended_at = excluded.ended_at, ended_how = excluded.ended_how",
        &[
            &counter_id,
            &rows.iter().map(|s| s.id).collect::<Vec<i64>>(),
            &rows
                .iter()
                .map(|s| s.operator_id.clone())
                .collect::<Vec<_>>(),
            &started,
            &ended,
            &rows.iter().map(|s| s.ended_how.clone()).collect::<Vec<_>>(),
        ],
    )?;
    Ok(())
}

fn visits(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    rows: &[VisitRow],
    key: &IdentityKey,
) -> Result<(), CentralError> {
    let mut created = Vec::with_capacity(rows.len());
    let mut identified = Vec::with_capacity(rows.len());
    for v in rows {
        created.push(stamp("created_at", &v.created_at)?);
        identified.push(
            v.identified_at
                .as_deref()
                .map(|t| stamp("identified_at", t))
                .transpose()?,
        );
    }
    let col = |f: fn(&VisitRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&VisitRow) -> &str| {
        rows.iter()
            .map(|v| f(v).to_owned())
            .collect::<Vec<String>>()
    };
    let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
    let id_no_masked = col(|v| match (&v.id_no, &v.id_no_last4) {
        (Some(full), _) => Some(mask(Kind::IdNo, full)),
        (None, Some(last4)) => Some(masked_from_last4(last4, 18)),
        (None, None) => None,
    });
    let hashes: Vec<Option<String>> = rows
        .iter()
        // A restored row has no full number: the hash the server gave it.
        .map(|v| {
            v.id_no
                .as_deref()
                .map(|n| key.hash_id_no(n))
                .or_else(|| v.id_hmac.clone())
        })
        .collect();
    tx.execute(
        "INSERT INTO visits (counter_id, local_id, created_at, out_biz_no, operator_id,
             operator_name, office_id, office_name, business_type, auth_no, user_name_masked,
             id_no_masked, id_hmac, id_type, insu_org, identified_at, source, credential)
         SELECT $1, * FROM unnest($2::bigint[], $3::timestamp[], $4::text[], $5::text[],
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
             $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamp[], $17::text[],
             $18::text[])
         ON CONFLICT (counter_id, local_id, created_at) DO UPDATE SET
             auth_no = excluded.auth_no,
             user_name_masked = coalesce(excluded.user_name_masked, visits.user_name_masked),
             id_no_masked = coalesce(excluded.id_no_masked, visits.id_no_masked),
             id_hmac = coalesce(excluded.id_hmac, visits.id_hmac),
             id_type = coalesce(excluded.id_type, visits.id_type),
             insu_org = coalesce(excluded.insu_org, visits.insu_org),
             identified_at = coalesce(excluded.identified_at, visits.identified_at)",
        &[
            &counter_id,
            &ids,
            &created,
            &text(|v| &v.out_biz_no),
            &text(|v| &v.operator_id),
            &text(|v| &v.operator_name),
            &text(|v| &v.office_id),
            &text(|v| &v.office_name),
            &text(|v| &v.business_type),
            &col(|v| v.auth_no.clone()),
            &col(|v| masked_name(v.user_name.as_deref())),
            &id_no_masked,
            &hashes,
            &col(|v| v.id_type.clone()),
            &col(|v| v.insu_org.clone()),
            &identified,
            &text(|v| &v.source),
            &text(|v| &v.credential),
        ],
    )?;
    Ok(())
}

fn settlements(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    rows: &[SettlementRow],
    key: &IdentityKey,
) -> Result<(), CentralError> {
    let mut days = Vec::with_capacity(rows.len());
    let mut setl_times = Vec::with_capacity(rows.len());
    let mut created = Vec::with_capacity(rows.len());
    for s in rows {
        days.push(day(&s.business_day)?);
        setl_times.push(stamp("setl_time", &s.setl_time)?);
        created.push(stamp("created_at", &s.created_at)?);
    }
    let col = |f: fn(&SettlementRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&SettlementRow) -> &str| {
        rows.iter()
            .map(|s| f(s).to_owned())
            .collect::<Vec<String>>()
    };
    let int = |f: fn(&SettlementRow) -> Option<i64>| rows.iter().map(f).collect::<Vec<_>>();
    let hashes: Vec<Option<String>> = rows
        .iter()
        // A restored row has no full number: the hash the server gave it.
        .map(|s| {
            s.id_no
                .as_deref()
                .map(|n| key.hash_id_no(n))
                .or_else(|| s.id_hmac.clone())
        })
        .collect();
    tx.execute(
        "INSERT INTO settlements (counter_id, local_id, business_day, visit_local_id,
             original_local_id, out_biz_no, auth_no, state, operator_id, operator_name,
             office_id, office_name, biz_type, user_name_masked, id_no_masked, id_hmac,
             total_fee_fen, own_fen, hif_fen, acct_fen, hifp_fen, medical_settle_no,
             fail_reason, setl_time, self_pay, source, credential, created_at)
         SELECT $1, * FROM unnest($2::bigint[], $3::date[], $4::bigint[], $5::bigint[],
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
             $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[],
             $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[], $22::text[],
             $23::text[], $24::timestamp[], $25::boolean[], $26::text[], $27::text[],
             $28::timestamp[])
         ON CONFLICT (counter_id, local_id, business_day) DO UPDATE SET
             user_name_masked = coalesce(excluded.user_name_masked, settlements.user_name_masked),
             id_hmac = coalesce(excluded.id_hmac, settlements.id_hmac)",
        &[
            &counter_id,
            &rows.iter().map(|s| s.id).collect::<Vec<i64>>(),
            &days,
            &int(|s| s.visit_id),
            &int(|s| s.original_id),
            &text(|s| &s.out_biz_no),
            &col(|s| s.auth_no.clone()),
            &text(|s| &s.state),
            &text(|s| &s.operator_id),
            &text(|s| &s.operator_name),
            &col(|s| s.office_id.clone()),
            &col(|s| s.office_name.clone()),
            &text(|s| &s.biz_type),
            &col(|s| masked_name(s.user_name.as_deref())),
            &col(|s| s.id_no_last4.as_deref().map(|l| masked_from_last4(l, 18))),
            &hashes,
            &rows.iter().map(|s| s.total_fee_fen).collect::<Vec<i64>>(),
            &int(|s| s.own_fen),
            &int(|s| s.hif_fen),
            &int(|s| s.acct_fen),
            &int(|s| s.hifp_fen),
            &col(|s| s.medical_settle_no.clone()),
            &col(|s| s.fail_reason.clone()),
            &setl_times,
            &rows.iter().map(|s| s.self_pay).collect::<Vec<bool>>(),
            &text(|s| &s.source),
            &text(|s| &s.credential),
            &created,
        ],
    )?;
    Ok(())
}

fn deliveries(
    tx: &mut Transaction<'_>,
    counter_id: &str,
    rows: &[DeliveryRow],
) -> Result<(), CentralError> {
    let delivered_at = rows
        .iter()
        .map(|d| {
            d.delivered_at
                .as_deref()
                .map(|t| stamp("delivered_at", t))
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute(
        "INSERT INTO deliveries (counter_id, settlement_local_id, status, attempts, delivered_at)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::timestamp[])
         ON CONFLICT (counter_id, settlement_local_id) DO UPDATE SET
             status = excluded.status, attempts = excluded.attempts,
             delivered_at = excluded.delivered_at",
        &[
            &counter_id,
            &rows.iter().map(|d| d.settlement_id).collect::<Vec<i64>>(),
            &rows
                .iter()
                .map(|d| d.status.clone())
                .collect::<Vec<String>>(),
            &rows
                .iter()
                .map(|d| i32::try_from(d.attempts).unwrap_or(i32::MAX))
                .collect::<Vec<i32>>(),
            &delivered_at,
        ],
    )?;
    Ok(())
}

/// Write `counter_id`'s heartbeat: what its PC says about itself, now.
pub(crate) fn beat(
    tx: &mut postgres::Transaction<'_>,
    counter_id: &str,
    heartbeat: &Heartbeat,
    pending_changes: i64,
) -> Result<(), CentralError> {
    tx.execute(
        "INSERT INTO heartbeats (counter_id, at, app_version, outbox_backlog, unresolved,
                                 pending_changes, operator_id, terminal_reachable,
                                 supported_schema)
         VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (counter_id) DO UPDATE SET at = excluded.at,
             app_version = excluded.app_version, outbox_backlog = excluded.outbox_backlog,
             unresolved = excluded.unresolved, pending_changes = excluded.pending_changes,
             operator_id = excluded.operator_id,
             terminal_reachable = excluded.terminal_reachable,
             supported_schema = excluded.supported_schema",
        &[
            &counter_id,
            &heartbeat.app_version,
            &heartbeat.outbox_backlog,
            &heartbeat.unresolved,
            &pending_changes,
            &heartbeat.operator_id,
            &heartbeat.terminal_reachable,
            &i32::try_from(crate::schema::supported()).unwrap_or(i32::MAX),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::scrubbed;

    #[test]
    fn free_text_leaves_the_counter_without_the_visits_name_or_number() {
        let reason = "患者欧阳娜娜说终端已显示成功，证件号 44170219980101123X";
        let sent = scrubbed(Some(reason), Some("欧阳娜娜"), Some("44170219980101123X")).unwrap();
        assert!(!sent.contains("欧阳娜娜"), "{sent}");
        assert!(!sent.contains("44170219980101123X"), "{sent}");
        assert!(sent.contains("终端已显示成功"), "{sent}");
        // An ID number of someone else is masked too.
        let other = scrubbed(Some("另一位 441702199001011234"), None, None).unwrap();
        assert!(!other.contains("441702199001011234"), "{other}");
        // As people type them, spaced; dates, times and amounts stay.
        let spaced =
            super::mask_number_runs("证件 4417 8120 0803 1098 1X，2026-12-06 10:30 退 120.50");
        assert_eq!(
            spaced,
            "证件 **** **** **** **** **，2026-12-06 10:30 退 120.50"
        );
        assert_eq!(scrubbed(None, Some("欧阳娜娜"), None), None);
    }
}
