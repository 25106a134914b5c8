//! What the hospital sees: one 日结 across counters, and every counter's
//! standing (heartbeat, position).

use chrono::NaiveDate;
use postgres::Client;
use serde::Serialize;

use nhsa_protocol::Amount;

use facepay_journal::export::inert;

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
    let report = report(client, date, date, GroupBy::Counter)?;
    Ok(HospitalDay {
        date: report.from,
        total_fee: report.total_fee,
        insured: report.insured,
        self_pay: report.self_pay,
        counters: report
            .rows
            .into_iter()
            .map(|r| CounterDay {
                counter_id: r.key,
                total_fee: r.total_fee,
                insured: r.insured,
                self_pay: r.self_pay,
            })
            .collect(),
    })
}

/// How the hospital's 日结 is broken down.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Counter,
    Operator,
    Office,
    Day,
}

impl GroupBy {
    pub const ALL: &[Self] = &[Self::Counter, Self::Operator, Self::Office, Self::Day];

    pub fn label(self) -> &'static str {
        match self {
            Self::Counter => "收银台",
            Self::Operator => "收款员",
            Self::Office => "科室",
            Self::Day => "日期",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Operator => "operator",
            Self::Office => "office",
            Self::Day => "day",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|g| g.as_str() == text)
    }

    /// The group's key and the name shown beside it, as SQL over `settlements`
    /// (ours, never input).
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Self::Counter => ("counter_id", "NULL::text"),
            Self::Operator => ("operator_id", "max(operator_name)"),
            Self::Office => ("coalesce(office_id, '')", "max(office_name)"),
            Self::Day => ("to_char(business_day, 'YYYY-MM-DD')", "NULL::text"),
        }
    }
}

/// The longest span one report covers.
pub const MAX_REPORT_DAYS: i64 = 366;

/// One line of the hospital's report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRow {
    /// The counter, 工号, office id ("" for none) or day.
    pub key: String,
    /// The operator's or office's name, where there is one.
    pub name: Option<String>,
    pub total_fee: String,
    pub insured: Net,
    pub self_pay: Net,
}

/// The hospital's 日结 over days, by one breakdown, 医保 and 自费 apart.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HospitalReport {
    pub from: String,
    pub to: String,
    pub by: GroupBy,
    pub total_fee: String,
    pub insured: Net,
    pub self_pay: Net,
    pub rows: Vec<ReportRow>,
}

pub fn report(
    client: &mut Client,
    from: NaiveDate,
    to: NaiveDate,
    by: GroupBy,
) -> Result<HospitalReport, CentralError> {
    if to < from || (to - from).num_days() >= MAX_REPORT_DAYS {
        return Err(CentralError::Invalid {
            field: "to",
            message: format!("结束日期应不早于开始日期，且一次最多 {MAX_REPORT_DAYS} 天"),
        });
    }
    let (key, name) = by.columns();
    let rows = client.query(
        &format!(
            "SELECT {key}, {name}, self_pay,
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
                   FROM settlements WHERE business_day BETWEEN $1 AND $2) AS s
             GROUP BY 1, self_pay ORDER BY 1, self_pay"
        ),
        &[&from, &to],
    )?;
    let mut lines: Vec<ReportRow> = Vec::new();
    for row in rows {
        let key: String = row.get(0);
        let name: Option<String> = row.get(1);
        let self_pay: bool = row.get(2);
        let mut net = Net {
            count: row.get(3),
            refund_count: row.get(4),
            fen: [row.get(5), row.get(6), row.get(7), row.get(8)],
            ..Net::default()
        };
        net.format();
        if lines.last().is_none_or(|l| l.key != key) {
            lines.push(ReportRow {
                key: key.clone(),
                ..ReportRow::default()
            });
        }
        let Some(line) = lines.last_mut() else {
            continue;
        };
        line.name = line.name.take().or(name);
        if self_pay {
            line.self_pay.add(&net);
        } else {
            line.insured.add(&net);
        }
    }
    let mut insured = Net::default();
    let mut self_pay = Net::default();
    insured.format();
    self_pay.format();
    for l in &mut lines {
        l.insured.format();
        l.self_pay.format();
        l.total_fee = yuan(l.insured.total_fen() + l.self_pay.total_fen());
        insured.add(&l.insured);
        self_pay.add(&l.self_pay);
    }
    Ok(HospitalReport {
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        by,
        total_fee: yuan(insured.total_fen() + self_pay.total_fen()),
        insured,
        self_pay,
        rows: lines,
    })
}

/// The report as a spreadsheet reads it (UTF-8 with its mark, for Excel):
/// one line per group and the hospital's total, every amount net of refunds.
/// Names are the counters' text: one that starts like a formula stays text.
pub fn report_csv(report: &HospitalReport) -> Result<Vec<u8>, CentralError> {
    let failed = |e: csv::Error| CentralError::Server(format!("无法生成 CSV：{e}"));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record([
        report.by.label(),
        "名称",
        "医保笔数",
        "医保退费笔数",
        "医保金额",
        "统筹基金",
        "个人账户",
        "个人自付",
        "自费笔数",
        "自费退费笔数",
        "自费金额",
        "合计",
    ])
    .map_err(failed)?;
    let totals = format!("{} 至 {}", report.from, report.to);
    let lines = report
        .rows
        .iter()
        .map(|r| {
            let name = r.name.as_deref().unwrap_or("");
            (r.key.as_str(), name, &r.insured, &r.self_pay, &r.total_fee)
        })
        .chain([(
            "全院",
            totals.as_str(),
            &report.insured,
            &report.self_pay,
            &report.total_fee,
        )]);
    for (key, name, i, s, total) in lines {
        out.write_record([
            &*inert(key),
            &*inert(name),
            &i.count.to_string(),
            &i.refund_count.to_string(),
            &i.total_fee,
            &i.hif_amt,
            &i.acct_amt,
            &i.own_amt,
            &s.count.to_string(),
            &s.refund_count.to_string(),
            &s.total_fee,
            total,
        ])
        .map_err(failed)?;
    }
    out.into_inner()
        .map_err(|e| CentralError::Server(format!("无法生成 CSV：{e}")))
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralSettlement {
    pub counter_id: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
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
