//! What the hospital sees: one 日结 across counters, and every counter's
//! standing (heartbeat, position).

use chrono::NaiveDate;
use postgres::Client;
use serde::Serialize;

use nhsa_protocol::Amount;

use crate::CentralError;

/// Money as the wire writes it, negative when refunds exceed takings.
fn yuan(fen: i64) -> String {
    let text = Amount::from_fen(fen.unsigned_abs()).to_string();
    if fen < 0 { format!("-{text}") } else { text }
}

/// SUCCESS minus REFUND_SUCCESS, as a counter's own 日结 nets them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Net {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refund_count: i64,
    pub total_fee: String,
    pub hif_amt: String,
    pub acct_amt: String,
    pub own_amt: String,
    #[serde(skip)]
    fen: [i64; 4],
}

impl Net {
    fn add(&mut self, other: &Net) {
        self.count += other.count;
        self.refund_count += other.refund_count;
        for (a, b) in self.fen.iter_mut().zip(other.fen) {
            *a += b;
        }
        self.format();
    }

    fn format(&mut self) {
        self.total_fee = yuan(self.fen[0]);
        self.hif_amt = yuan(self.fen[1]);
        self.acct_amt = yuan(self.fen[2]);
        self.own_amt = yuan(self.fen[3]);
    }

    /// The net total in 分.
    pub fn total_fen(&self) -> i64 {
        self.fen[0]
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterDay {
    pub counter_id: String,
    pub total_fee: String,
    /// 医保 settlements.
    pub insured: Net,
    /// 自费 settlements.
    pub self_pay: Net,
}

/// The hospital's 日结 of one day.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HospitalDay {
    pub date: String,
    pub total_fee: String,
    pub insured: Net,
    pub self_pay: Net,
    pub counters: Vec<CounterDay>,
}

pub fn summary(client: &mut Client, date: NaiveDate) -> Result<HospitalDay, CentralError> {
    let rows = client.query(
        "SELECT counter_id, self_pay,
                count(*) FILTER (WHERE state = 'SUCCESS'),
                count(*) FILTER (WHERE state = 'REFUND_SUCCESS'),
                sum(CASE state WHEN 'SUCCESS' THEN total_fee_fen
                               WHEN 'REFUND_SUCCESS' THEN -total_fee_fen ELSE 0 END)::bigint,
                sum(CASE state WHEN 'SUCCESS' THEN coalesce(hif_fen, 0)
                               WHEN 'REFUND_SUCCESS' THEN -coalesce(hif_fen, 0) ELSE 0 END)::bigint,
                sum(CASE state WHEN 'SUCCESS' THEN coalesce(acct_fen, 0)
                               WHEN 'REFUND_SUCCESS' THEN -coalesce(acct_fen, 0) ELSE 0 END)::bigint,
                -- A 自费 settlement's 自费 is its 总费用 (as the counter's 日结 counts it).
                sum(CASE state WHEN 'SUCCESS' THEN own
                               WHEN 'REFUND_SUCCESS' THEN -own ELSE 0 END)::bigint
         FROM (SELECT *, CASE WHEN self_pay THEN total_fee_fen ELSE coalesce(own_fen, 0) END AS own
               FROM settlements WHERE business_day = $1) AS s
         GROUP BY counter_id, self_pay ORDER BY counter_id, self_pay",
        &[&date],
    )?;
    let mut counters: Vec<CounterDay> = Vec::new();
    for row in rows {
        let counter_id: String = row.get(0);
        let self_pay: bool = row.get(1);
        let mut net = Net {
            count: row.get(2),
            refund_count: row.get(3),
            fen: [row.get(4), row.get(5), row.get(6), row.get(7)],
            ..Net::default()
        };
        net.format();
        if counters.last().is_none_or(|c| c.counter_id != counter_id) {
            counters.push(CounterDay {
                counter_id: counter_id.clone(),
                ..CounterDay::default()
            });
        }
        let Some(day) = counters.last_mut() else {
            continue;
        };
        if self_pay {
            day.self_pay.add(&net);
        } else {
            day.insured.add(&net);
        }
    }
    let mut insured = Net::default();
    let mut self_pay = Net::default();
    insured.format();
    self_pay.format();
    for c in &mut counters {
        c.insured.format();
        c.self_pay.format();
        c.total_fee = yuan(c.insured.total_fen() + c.self_pay.total_fen());
        insured.add(&c.insured);
        self_pay.add(&c.self_pay);
    }
    Ok(HospitalDay {
        date: date.format("%Y-%m-%d").to_string(),
        total_fee: yuan(insured.total_fen() + self_pay.total_fen()),
        insured,
        self_pay,
        counters,
    })
}

/// A heartbeat older than this marks its counter stale.
pub const STALE_AFTER_SECONDS: i64 = 90;

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterStatus {
    pub counter_id: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub acknowledged_seq: i64,
    pub last_synced_at: Option<String>,
    pub heartbeat_at: Option<String>,
    /// No heartbeat within [`STALE_AFTER_SECONDS`].
    pub stale: bool,
    pub app_version: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub outbox_backlog: Option<i32>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub unresolved: Option<i32>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub pending_changes: Option<i64>,
    pub operator_id: Option<String>,
    /// Whether its terminal answered the counter's last probe.
    pub terminal_reachable: Option<bool>,
    /// The newest central schema its build can write.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub supported_schema: Option<i32>,
}

pub fn counters(client: &mut Client) -> Result<Vec<CounterStatus>, CentralError> {
    let rows = client.query(
        "SELECT c.counter_id, c.acknowledged_seq,
                to_char(c.last_synced_at AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD HH24:MI:SS'),
                to_char(h.at AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD HH24:MI:SS'),
                coalesce(h.at < now() - make_interval(secs => $1), true),
                h.app_version, h.outbox_backlog, h.unresolved, h.pending_changes, h.operator_id,
                h.terminal_reachable, h.supported_schema
         FROM counters c LEFT JOIN heartbeats h USING (counter_id)
         ORDER BY c.counter_id",
        &[&(STALE_AFTER_SECONDS as f64)],
    )?;
    Ok(rows
        .iter()
        .map(|r| CounterStatus {
            counter_id: r.get(0),
            acknowledged_seq: r.get(1),
            last_synced_at: r.get(2),
            heartbeat_at: r.get(3),
            stale: r.get(4),
            app_version: r.get(5),
            outbox_backlog: r.get(6),
            unresolved: r.get(7),
            pending_changes: r.get(8),
            operator_id: r.get(9),
            terminal_reachable: r.get(10),
            supported_schema: r.get(11),
        })
        .collect())
}

/// One settlement as the hospital's search shows it: masked, with its counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralSettlement {
    pub counter_id: String,
    pub local_id: i64,
    pub business_day: String,
    pub setl_time: String,
    pub out_biz_no: String,
    pub state: String,
    pub self_pay: bool,
    pub total_fee: String,
    pub medical_settle_no: Option<String>,
    pub operator_id: String,
    pub office_name: Option<String>,
    pub user_name: Option<String>,
    pub id_no: Option<String>,
}

/// The largest page a search returns.
pub const MAX_SEARCH: i64 = 500;

/// A person's settlements at every counter, newest first, found by the keyed
/// hash of their 证件号 (the server never sees the number).
pub fn settlements_of_person(
    client: &mut Client,
    id_hmac: &str,
    limit: i64,
) -> Result<Vec<CentralSettlement>, CentralError> {
    let rows = client.query(
        "SELECT counter_id, local_id, to_char(business_day, 'YYYY-MM-DD'),
                to_char(setl_time, 'YYYY-MM-DD HH24:MI:SS'), out_biz_no, state, self_pay,
                total_fee_fen, medical_settle_no, operator_id, office_name, user_name_masked,
                id_no_masked
         FROM settlements WHERE id_hmac = $1
         ORDER BY business_day DESC, setl_time DESC, counter_id, local_id DESC LIMIT $2",
        &[&id_hmac, &limit.clamp(1, MAX_SEARCH)],
    )?;
    Ok(rows
        .iter()
        .map(|r| CentralSettlement {
            counter_id: r.get(0),
            local_id: r.get(1),
            business_day: r.get(2),
            setl_time: r.get(3),
            out_biz_no: r.get(4),
            state: r.get(5),
            self_pay: r.get(6),
            total_fee: yuan(r.get(7)),
            medical_settle_no: r.get(8),
            operator_id: r.get(9),
            office_name: r.get(10),
            user_name: r.get(11),
            id_no: r.get(12),
        })
        .collect())
}

/// One line of the server's audit log (who did what, from which counter).
pub fn audit(
    client: &mut Client,
    counter_id: &str,
    operator_id: &str,
    action: &str,
    subject: Option<&str>,
    detail: &str,
) -> Result<(), CentralError> {
    client.execute(
        "INSERT INTO central_audit (counter_id, operator_id, action, subject, detail)
         VALUES ($1, $2, $3, $4, $5)",
        &[&counter_id, &operator_id, &action, &subject, &detail],
    )?;
    Ok(())
}
