//! The notify outbox: every recorded settlement is owed to the terminal until
//! a delivery succeeds. Failed deliveries never change the settlement itself.

use std::time::Duration;

use chrono::NaiveDateTime;
use rusqlite::{Connection, params};
use serde::Serialize;

use nhsa_protocol::MedicalSettleState;

use crate::cached::Cached;
use crate::clock::Stamp;
use crate::clock::{parse, stamp};
use crate::kinds::code;
use crate::{DeliveryStatus, JournalError, SettlementId};

pub(crate) fn owe(
    tx: &Connection,
    settlement_id: SettlementId,
    now: &Stamp,
) -> Result<(), JournalError> {
    tx.exec(
        "INSERT INTO outbox (settlement_id, status, attempts, next_attempt_at) VALUES (?1, 'pending', 0, ?2)",
        params![settlement_id, now],
    )?;
    Ok(())
}

/// Keep a recorded settlement from being sent until [`release`]: the HIS
/// pushed it and the cashier confirms it with F4.
pub fn hold(tx: &Connection, settlement_id: SettlementId) -> Result<(), JournalError> {
    tx.exec(
        "UPDATE outbox SET status = 'held' WHERE settlement_id = ?1 AND status = 'pending'",
        [settlement_id],
    )?;
    Ok(())
}

/// F4 on a held settlement: it is owed now. False if it was not held.
pub fn release(
    tx: &Connection,
    settlement_id: SettlementId,
    now: &Stamp,
) -> Result<bool, JournalError> {
    let changed = tx.exec(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?2
         WHERE settlement_id = ?1 AND status = 'held'",
        params![settlement_id, now],
    )?;
    Ok(changed == 1)
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub settlement_id: SettlementId,
    pub out_biz_no: String,
    pub state: MedicalSettleState,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
}

const SELECT: &str = "SELECT o.settlement_id, s.out_biz_no, s.state, o.status, o.attempts,
        o.next_attempt_at, o.last_error, o.delivered_at
    FROM outbox o JOIN settlements s ON s.id = o.settlement_id";

fn list(
    conn: &Connection,
    filter: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>, JournalError> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE {filter}"))?;
    let rows = stmt.query_map(p, |r| {
        Ok(OutboxEntry {
            settlement_id: r.get(0)?,
            out_biz_no: r.get(1)?,
            state: code(r, 2, |c| MedicalSettleState::parse(c).ok())?,
            status: r.get(3)?,
            attempts: r.get(4)?,
            next_attempt_at: r.get(5)?,
            last_error: r.get(6)?,
            delivered_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending deliveries whose time has come, oldest first. No retry is ever
/// scheduled more than `horizon` ([`Backoff::longest`]) ahead, so one that is
/// was scheduled by a clock running ahead, since corrected: it is due now
/// rather than stalled until the wrong clock's time comes round.
pub fn due(
    conn: &Connection,
    now: NaiveDateTime,
    horizon: Duration,
    limit: u32,
) -> Result<Vec<OutboxEntry>, JournalError> {
    let beyond = now + horizon + Duration::from_secs(1);
    list(
        conn,
        "o.status = 'pending' AND (o.next_attempt_at <= ?1 OR o.next_attempt_at > ?2)
         ORDER BY o.next_attempt_at, o.settlement_id LIMIT ?3",
        params![stamp(now), stamp(beyond), limit],
    )
}

/// The earliest settlement of the same visit whose notification is still
/// owed (pending or held), if one was recorded before `settlement_id`: the
/// terminal must show a visit's results in the order they happened, or a
/// retried SUCCESS would land after its refund and leave "paid" on screen.
pub fn waits_behind(
    conn: &Connection,
    settlement_id: SettlementId,
) -> Result<Option<(SettlementId, DeliveryStatus)>, JournalError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .row(
            "SELECT o.settlement_id, o.status FROM outbox o
             JOIN settlements s ON s.id = o.settlement_id
             WHERE s.out_biz_no = (SELECT out_biz_no FROM settlements WHERE id = ?1)
               AND o.settlement_id < ?1 AND o.status IN ('pending', 'held')
             ORDER BY o.settlement_id LIMIT 1",
            [settlement_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Everything not yet delivered (pending or given up).
pub fn undelivered(conn: &Connection) -> Result<Vec<OutboxEntry>, JournalError> {
    list(conn, "o.status <> 'delivered' ORDER BY o.settlement_id", [])
}

/// How many notifications are owed and not yet delivered (the status bar);
/// settlements held for the cashier's F4 are counted apart.
pub fn count_undelivered(conn: &Connection) -> Result<u64, JournalError> {
    Ok(conn.row(
        "SELECT count(*) FROM outbox WHERE status IN ('pending', 'gave_up')",
        [],
        |r| r.get(0),
    )?)
}

/// How many HIS settlements wait for the cashier's F4.
pub fn count_held(conn: &Connection) -> Result<u64, JournalError> {
    Ok(conn.row(
        "SELECT count(*) FROM outbox WHERE status = 'held'",
        [],
        |r| r.get(0),
    )?)
}

pub fn entry(
    conn: &Connection,
    settlement_id: SettlementId,
) -> Result<Option<OutboxEntry>, JournalError> {
    Ok(list(conn, "o.settlement_id = ?1", [settlement_id])?
        .into_iter()
        .next())
}

pub fn mark_delivered(
    tx: &Connection,
    settlement_id: SettlementId,
    now: &Stamp,
) -> Result<(), JournalError> {
    tx.exec(
        "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?2, last_error = NULL
         WHERE settlement_id = ?1",
        params![settlement_id, now],
    )?;
    crate::calls::supersede_unknown_deliveries(tx, settlement_id, now)?;
    Ok(())
}

/// Retry policy: exponential backoff with jitter, then give up and wait for a
/// person (历史 → 重发).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(2),
            max: Duration::from_secs(300),
            max_attempts: 12,
        }
    }
}

impl Backoff {
    /// The furthest ahead any retry is ever scheduled: the longest delay
    /// with its jitter.
    pub fn longest(&self) -> Duration {
        self.max + self.max / 5
    }

    /// Delay before attempt `attempts + 1`, with ±20 % jitter so that counters
    /// recovering together do not retry in step.
    pub fn delay(&self, attempts: u32) -> Duration {
        let base = self
            .first
            .saturating_mul(1u32 << attempts.min(20))
            .min(self.max);
        let ms = base.as_millis() as u64;
        let spread = ms / 5;
        Duration::from_millis(ms - spread + fastrand::u64(0..=spread * 2))
    }
}

/// A delivery failed: count it, and schedule the next try or give up.
pub fn mark_failed(
    tx: &Connection,
    settlement_id: SettlementId,
    error: &str,
    now: NaiveDateTime,
    backoff: &Backoff,
) -> Result<OutboxEntry, JournalError> {
    let attempts: u32 = tx.row(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE settlement_id = ?1 RETURNING attempts",
        params![settlement_id, error],
        |r| r.get(0),
    )?;
    if attempts >= backoff.max_attempts {
        tx.exec(
            "UPDATE outbox SET status = 'gave_up' WHERE settlement_id = ?1",
            [settlement_id],
        )?;
    } else {
        let next = now + backoff.delay(attempts);
        tx.exec(
            "UPDATE outbox SET next_attempt_at = ?2 WHERE settlement_id = ?1",
            params![settlement_id, stamp(next)],
        )?;
    }
    entry(tx, settlement_id)?.ok_or_else(|| JournalError::NotFound(format!("结算 {settlement_id}")))
}

/// A person asked to send again now (历史 → 重发): due at once, attempts kept.
pub fn requeue(
    tx: &Connection,
    settlement_id: SettlementId,
    now: &Stamp,
) -> Result<(), JournalError> {
    let changed = tx.exec(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?2
         WHERE settlement_id = ?1 AND status <> 'delivered'",
        params![settlement_id, now],
    )?;
    if changed == 0 {
        return Err(JournalError::NotFound(format!(
            "结算 {settlement_id} 没有待发送的通知（可能已送达）"
        )));
    }
    Ok(())
}

/// When the next pending delivery is due, if any.
pub fn next_due_at(conn: &Connection) -> Result<Option<NaiveDateTime>, JournalError> {
    let next: Option<String> = conn.row(
        "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'",
        [],
        |r| r.get(0),
    )?;
    Ok(next.as_deref().and_then(parse))
}

/// When the first SUCCESS of a visit reached the terminal, if one has.
pub fn first_success_delivered(
    conn: &Connection,
    visit_id: crate::VisitId,
) -> Result<Option<NaiveDateTime>, JournalError> {
    let at: Option<String> = conn.row(
        "SELECT min(o.delivered_at) FROM settlements s JOIN outbox o ON o.settlement_id = s.id
         WHERE s.visit_id = ?1 AND s.state = 'SUCCESS' AND o.status = 'delivered'",
        [visit_id],
        |r| r.get(0),
    )?;
    Ok(at.as_deref().and_then(crate::clock::parse))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `due` treats a retry scheduled beyond `longest` as set by a wrong
    /// clock: no honest schedule may land there, jitter included.
    #[test]
    fn no_delay_exceeds_the_longest() {
        let b = Backoff {
            first: Duration::from_secs(600),
            max: Duration::from_secs(300),
            max_attempts: 12,
        };
        for attempts in 0..20 {
            for _ in 0..500 {
                assert!(b.delay(attempts) <= b.longest(), "attempt {attempts}");
            }
        }
    }
}
