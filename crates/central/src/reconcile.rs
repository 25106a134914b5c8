//! 对账 with the HIS: the HIS's list of a day's settlements against what
//! every counter recorded and showed on its terminal. Each difference is kept
//! until 财务 explains it (a note, audited) or a later run of the same day
//! no longer finds it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use postgres::Client;
use serde::Serialize;

use nhsa_protocol::Amount;
use nhsa_protocol::charset::Charset;

use crate::CentralError;

/// A HIS export larger than this is refused, not read.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Rows in one day's list.
pub const MAX_ROWS: usize = 200_000;

const STATES: [&str; 4] = ["SUCCESS", "FAIL", "REFUND_SUCCESS", "REFUND_FAIL"];

/// One settlement as the HIS recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HisRow {
    /// The line of the file it came from (1 is the header).
    pub line: usize,
    /// 医保单据流水号 (2207 setl_id); absent for 自费.
    pub setl_id: Option<String>,
    pub out_biz_no: Option<String>,
    pub total_fen: i64,
    pub state: String,
}

impl HisRow {
    /// What it is matched by: the setl_id (any case, as the counters match
    /// it), else the visit's outBizNo.
    fn key(&self) -> String {
        match &self.setl_id {
            Some(id) => id.to_ascii_uppercase(),
            None => self.out_biz_no.clone().unwrap_or_default(),
        }
    }
}

/// How a refusal names the place: a file's line, a request's item.
type Place<'a> = dyn Fn(usize, &str, String) -> CentralError + 'a;

fn bad(line: usize, column: &str, message: String) -> CentralError {
    CentralError::Invalid {
        field: "file",
        message: format!("第 {line} 行 {column}：{message}"),
    }
}

/// An identifier as the HIS writes it: visible ASCII, at most 64.
fn identifier(
    at: usize,
    column: &str,
    text: &str,
    place: &Place<'_>,
) -> Result<Option<String>, CentralError> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 64 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(place(
            at,
            column,
            "应为不超过 64 个半角字母、数字或符号".into(),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// One HIS settlement, checked; `place` names where it came from.
fn row_of(
    at: usize,
    setl_id: &str,
    out_biz_no: &str,
    total_fee: &str,
    state: &str,
    place: &Place<'_>,
) -> Result<HisRow, CentralError> {
    if [setl_id, out_biz_no, total_fee, state]
        .iter()
        .any(|t| t.chars().any(char::is_control))
    {
        return Err(place(at, "", "含有控制字符".into()));
    }
    let setl_id = identifier(at, "setl_id", setl_id, place)?;
    let out_biz_no = identifier(at, "outBizNo", out_biz_no, place)?;
    if setl_id.is_none() && out_biz_no.is_none() {
        return Err(place(
            at,
            "setl_id",
            "setl_id 和 outBizNo 至少要有一个".into(),
        ));
    }
    let total: Amount = total_fee
        .parse()
        .map_err(|e: nhsa_protocol::amount::AmountError| {
            place(at, "totalFee", format!("金额“{total_fee}”{}", e.reason()))
        })?;
    if !STATES.contains(&state) {
        return Err(place(at, "state", format!("应为 {}", STATES.join("、"))));
    }
    Ok(HisRow {
        line: at,
        setl_id,
        out_biz_no,
        total_fen: i64::try_from(total.fen()).unwrap_or(i64::MAX),
        state: state.to_owned(),
    })
}

/// One settlement of the HIS's list as the bridge takes it (JSON).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HisSettlementLine {
    /// 医保单据流水号 (2207 setl_id); absent for 自费.
    #[serde(default)]
    pub setl_id: Option<String>,
    #[serde(default)]
    pub out_biz_no: Option<String>,
    /// "120.50"
    pub total_fee: String,
    /// SUCCESS / FAIL / REFUND_SUCCESS / REFUND_FAIL
    pub state: String,
}

/// `POST /v1/reconciliation`'s body: the HIS's settlements of `date`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReconciliationRequest {
    /// The business day, YYYY-MM-DD.
    pub date: String,
    pub settlements: Vec<HisSettlementLine>,
}

/// The bridge's list, checked as the file is; items named by their index.
pub fn his_rows(lines: &[HisSettlementLine]) -> Result<Vec<HisRow>, CentralError> {
    let place = |i: usize, column: &str, message: String| CentralError::Invalid {
        field: "settlements",
        message: format!("第 {i} 条（从 0 起）{column}：{message}"),
    };
    if lines.len() > MAX_ROWS {
        return Err(CentralError::Invalid {
            field: "settlements",
            message: format!("超过 {MAX_ROWS} 条，请按天对账"),
        });
    }
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            row_of(
                i,
                l.setl_id.as_deref().unwrap_or(""),
                l.out_biz_no.as_deref().unwrap_or(""),
                &l.total_fee,
                &l.state,
                &place,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Read the HIS's CSV: a header naming `setl_id`, `outBizNo`, `totalFee`
/// and `state` (other columns are ignored), one settlement per line, in
/// `charset` (UTF-8 by default; GBK as Windows exports often are). What
/// cannot be decoded, a control character, a bad amount or state are
/// refused with the line and column named. The same setl_id may stand on
/// several lines: partial refunds of one settlement share it.
pub fn parse_his_csv(bytes: &[u8], charset: Charset) -> Result<Vec<HisRow>, CentralError> {
    let file_error = |message: String| CentralError::Invalid {
        field: "file",
        message,
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_error(format!(
            "文件超过 {} MB，请按天导出",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = charset.decode(bytes).ok_or_else(|| {
        file_error(format!(
            "不是有效的 {} 文本{}",
            charset.label(),
            if charset == Charset::Utf8 {
                "（若 HIS 导出的是 GBK，请加 --charset gbk）"
            } else {
                "（请确认 HIS 导出时用的编码）"
            }
        ))
    })?;
    if let Some((i, _)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.chars().any(|c| c.is_control() && c != '\t' && c != '\r'))
    {
        return Err(bad(i + 1, "", "含有控制字符".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| file_error(format!("无法读取表头：{e}")))?
        .clone();
    let column = |name: &str| -> Result<usize, CentralError> {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                file_error(format!(
                    "表头缺少 {name} 列（需要 setl_id、outBizNo、totalFee、state）"
                ))
            })
    };
    let (c_setl, c_biz, c_fee, c_state) = (
        column("setl_id")?,
        column("outBizNo")?,
        column("totalFee")?,
        column("state")?,
    );
    let mut rows: Vec<HisRow> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| bad(line, "", format!("无法解析：{e}")))?;
        if rows.len() >= MAX_ROWS {
            return Err(file_error(format!("超过 {MAX_ROWS} 行，请按天导出")));
        }
        let get = |c: usize| record.get(c).unwrap_or("").trim();
        rows.push(row_of(
            line,
            get(c_setl),
            get(c_biz),
            get(c_fee),
            get(c_state),
            &bad,
        )?);
    }
    Ok(rows)
}

/// One settlement as a counter recorded it.
#[derive(Debug, Clone)]
struct Ours {
    counter_id: String,
    out_biz_no: String,
    key: String,
    state: String,
    total_fen: i64,
    delivered: bool,
}

/// What kind of difference.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Settled in the HIS, never recorded by any counter.
    HisOnly,
    /// Recorded, but the result never reached the patient's screen.
    NotDelivered,
    /// Shown on a terminal, unknown to the HIS.
    TerminalOnly,
    AmountDiffers,
    /// The same settlement in another state (the HIS says FAIL, we SUCCESS …).
    StateDiffers,
    /// A face or 医保码 scan authorised that day and never settled.
    UnsettledScan,
}

impl DifferenceKind {
    pub const ALL: &[Self] = &[
        Self::HisOnly,
        Self::NotDelivered,
        Self::TerminalOnly,
        Self::AmountDiffers,
        Self::StateDiffers,
        Self::UnsettledScan,
    ];

    /// As 财务 reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::HisOnly => "HIS 已结算、收银台没有",
            Self::NotDelivered => "未送达终端屏幕",
            Self::TerminalOnly => "终端显示过、HIS 没有",
            Self::AmountDiffers => "金额不符",
            Self::StateDiffers => "状态不符",
            Self::UnsettledScan => "刷脸后未结算",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HisOnly => "his_only",
            Self::NotDelivered => "not_delivered",
            Self::TerminalOnly => "terminal_only",
            Self::AmountDiffers => "amount_differs",
            Self::StateDiffers => "state_differs",
            Self::UnsettledScan => "unsettled_scan",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == text)
    }
}

/// One difference, as kept on the server.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub kind: DifferenceKind,
    /// The setl_id, or the outBizNo where there is none.
    pub key: String,
    pub state: String,
    pub counter_id: Option<String>,
    pub out_biz_no: Option<String>,
    pub his_total_fee: Option<String>,
    pub our_total_fee: Option<String>,
    pub note: Option<String>,
    pub explained_by: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub matched: u64,
    pub his_only: u64,
    pub not_delivered: u64,
    pub terminal_only: u64,
    pub amount_differs: u64,
    pub state_differs: u64,
    pub unsettled_scan: u64,
}

impl Tally {
    fn count(&mut self, kind: Option<DifferenceKind>) {
        let slot = match kind {
            None => &mut self.matched,
            Some(DifferenceKind::HisOnly) => &mut self.his_only,
            Some(DifferenceKind::NotDelivered) => &mut self.not_delivered,
            Some(DifferenceKind::TerminalOnly) => &mut self.terminal_only,
            Some(DifferenceKind::AmountDiffers) => &mut self.amount_differs,
            Some(DifferenceKind::StateDiffers) => &mut self.state_differs,
            Some(DifferenceKind::UnsettledScan) => &mut self.unsettled_scan,
        };
        *slot += 1;
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterTally {
    /// `None`: HIS settlements no counter knows of.
    pub counter_id: Option<String>,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The day's reconciliation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    pub date: String,
    pub his_rows: usize,
    pub hospital: Tally,
    pub counters: Vec<CounterTally>,
    /// Every difference found now; explained ones keep their note.
    pub differences: Vec<Difference>,
}

fn yuan(fen: i64) -> String {
    Amount::from_fen(fen.unsigned_abs()).to_string()
}

struct Found {
    kind: DifferenceKind,
    key: String,
    state: String,
    counter_id: Option<String>,
    out_biz_no: Option<String>,
    his_fen: Option<i64>,
    our_fen: Option<i64>,
}

/// The counter an outBizNo of ours names (`{org}-{counter}-{yyyyMMddHHmmssSSS}-{XX}`).
fn counter_named_by(out_biz_no: &str) -> Option<String> {
    let mut parts = out_biz_no.rsplitn(3, '-');
    let (_suffix, stamp, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let (_org, counter) = rest.rsplit_once('-')?;
    (stamp.len() == 17 && stamp.bytes().all(|b| b.is_ascii_digit())).then(|| counter.to_owned())
}

/// Compare `his` with the day as the counters recorded it, keep the
/// differences (and retire those of an earlier run no longer found).
pub fn reconcile(
    client: &mut Client,
    date: NaiveDate,
    his: &[HisRow],
) -> Result<Reconciliation, CentralError> {
    let ours: Vec<Ours> = client
        .query(
            "SELECT s.counter_id, s.out_biz_no, s.medical_settle_no, s.state, s.total_fee_fen,
                    coalesce(d.status = 'delivered', false)
             FROM settlements s LEFT JOIN deliveries d
               ON d.counter_id = s.counter_id AND d.settlement_local_id = s.local_id
             WHERE s.business_day = $1",
            &[&date],
        )?
        .iter()
        .map(|r| {
            let out_biz_no: String = r.get(1);
            let setl: Option<String> = r.get(2);
            Ours {
                counter_id: r.get(0),
                key: setl.map_or_else(|| out_biz_no.clone(), |s| s.to_ascii_uppercase()),
                out_biz_no,
                state: r.get(3),
                total_fen: r.get(4),
                delivered: r.get(5),
            }
        })
        .collect();
    // Ours by (key, state), several where partial refunds share a setl_id.
    let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut states_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, o) in ours.iter().enumerate() {
        by_key
            .entry((o.key.as_str(), o.state.as_str()))
            .or_default()
            .push(i);
        states_of.entry(o.key.as_str()).or_default().push(i);
    }
    // The counter a HIS-only settlement belongs to, from its visit.
    let visit_counters: HashMap<String, String> = client
        .query(
            "SELECT out_biz_no, counter_id FROM visits
             WHERE created_at >= $1::date - 1 AND created_at < $1::date + 2",
            &[&date],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // A visit the server never received (an old PC's last minutes before
    // it died) still names its counter in its outBizNo (`org-counter-stamp-XX`).
    let known: HashSet<String> = client
        .query("SELECT counter_id FROM counters", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let counter_of = |out_biz_no: &str| {
        visit_counters
            .get(out_biz_no)
            .cloned()
            .or_else(|| counter_named_by(out_biz_no).filter(|c| known.contains(c)))
    };

    let mut found: Vec<Found> = Vec::new();
    let mut taken = vec![false; ours.len()];
    let mut tallies: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    // Exact pairs first (same key, state and amount), so that of two partial
    // refunds under one setl_id each finds its own; then what is left.
    let mut his_pair: Vec<Option<usize>> = vec![None; his.len()];
    for (h, row) in his.iter().enumerate() {
        let key = row.key();
        if let Some(candidates) = by_key.get(&(key.as_str(), row.state.as_str()))
            && let Some(&i) = candidates
                .iter()
                .find(|&&i| !taken[i] && ours[i].total_fen == row.total_fen)
        {
            taken[i] = true;
            his_pair[h] = Some(i);
        }
    }
    for (h, row) in his.iter().enumerate() {
        let key = row.key();
        let (kind, counter, our) = match his_pair[h] {
            Some(i) => {
                let o = &ours[i];
                let kind = (!o.delivered).then_some(DifferenceKind::NotDelivered);
                (kind, Some(o.counter_id.clone()), Some(o))
            }
            None => {
                let free = |list: Option<&Vec<usize>>| {
                    list.and_then(|v| v.iter().copied().find(|&i| !taken[i]))
                };
                if let Some(i) = free(by_key.get(&(key.as_str(), row.state.as_str()))) {
                    taken[i] = true;
                    let o = &ours[i];
                    (
                        Some(DifferenceKind::AmountDiffers),
                        Some(o.counter_id.clone()),
                        Some(o),
                    )
                } else if let Some(i) = free(states_of.get(key.as_str())) {
                    taken[i] = true;
                    let o = &ours[i];
                    (
                        Some(DifferenceKind::StateDiffers),
                        Some(o.counter_id.clone()),
                        Some(o),
                    )
                } else {
                    (
                        Some(DifferenceKind::HisOnly),
                        row.out_biz_no.as_deref().and_then(counter_of),
                        None,
                    )
                }
            }
        };
        tallies.entry(counter.clone()).or_default().count(kind);
        if let Some(kind) = kind {
            found.push(Found {
                kind,
                key: key.clone(),
                state: row.state.clone(),
                counter_id: counter,
                out_biz_no: row
                    .out_biz_no
                    .clone()
                    .or_else(|| our.map(|o| o.out_biz_no.clone())),
                his_fen: Some(row.total_fen),
                our_fen: our.map(|o| o.total_fen),
            });
        }
    }
    for (o, matched) in ours.iter().zip(&taken) {
        if !matched {
            let counter = Some(o.counter_id.clone());
            tallies
                .entry(counter.clone())
                .or_default()
                .count(Some(DifferenceKind::TerminalOnly));
            found.push(Found {
                kind: DifferenceKind::TerminalOnly,
                key: o.key.clone(),
                state: o.state.clone(),
                counter_id: counter,
                out_biz_no: Some(o.out_biz_no.clone()),
                his_fen: None,
                our_fen: Some(o.total_fen),
            });
        }
    }
    for r in client.query(
        "SELECT v.counter_id, v.out_biz_no FROM visits v
         WHERE v.created_at >= $1::date AND v.created_at < $1::date + 1
           AND v.auth_no IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM settlements s
                           WHERE s.counter_id = v.counter_id AND s.visit_local_id = v.local_id)
         ORDER BY v.counter_id, v.local_id",
        &[&date],
    )? {
        let counter: String = r.get(0);
        let out_biz_no: String = r.get(1);
        tallies
            .entry(Some(counter.clone()))
            .or_default()
            .count(Some(DifferenceKind::UnsettledScan));
        found.push(Found {
            kind: DifferenceKind::UnsettledScan,
            key: out_biz_no.clone(),
            state: String::new(),
            counter_id: Some(counter),
            out_biz_no: Some(out_biz_no),
            his_fen: None,
            our_fen: None,
        });
    }

    let mut tx = client.transaction()?;
    let mut differences = Vec::with_capacity(found.len());
    // The n-th difference of one kind under one key and state (partial
    // refunds under one setl_id): each is kept and explained on its own.
    let mut occurrences: HashMap<(DifferenceKind, &str, &str), i32> = HashMap::new();
    for f in &found {
        let occurrence = occurrences
            .entry((f.kind, f.key.as_str(), f.state.as_str()))
            .or_insert(0);
        *occurrence += 1;
        // An explanation was for the amounts it saw: other amounts re-open it.
        let row = tx.query_one(
            "INSERT INTO reconciliation_differences (business_day, kind, match_key, state,
                 occurrence, counter_id, out_biz_no, his_total_fen, our_total_fen)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (business_day, kind, match_key, state, occurrence) DO UPDATE SET
                 counter_id = excluded.counter_id, out_biz_no = excluded.out_biz_no,
                 his_total_fen = excluded.his_total_fen, our_total_fen = excluded.our_total_fen,
                 last_seen_at = now(), gone_at = NULL,
                 explained_at = CASE
                     WHEN reconciliation_differences.his_total_fen
                              IS NOT DISTINCT FROM excluded.his_total_fen
                      AND reconciliation_differences.our_total_fen
                              IS NOT DISTINCT FROM excluded.our_total_fen
                     THEN reconciliation_differences.explained_at END,
                 explained_by = CASE
                     WHEN reconciliation_differences.his_total_fen
                              IS NOT DISTINCT FROM excluded.his_total_fen
                      AND reconciliation_differences.our_total_fen
                              IS NOT DISTINCT FROM excluded.our_total_fen
                     THEN reconciliation_differences.explained_by END
             RETURNING id, note, explained_by",
            &[
                &date,
                &f.kind.as_str(),
                &f.key,
                &f.state,
                &*occurrence,
                &f.counter_id,
                &f.out_biz_no,
                &f.his_fen,
                &f.our_fen,
            ],
        )?;
        differences.push(Difference {
            id: row.get(0),
            kind: f.kind,
            key: f.key.clone(),
            state: f.state.clone(),
            counter_id: f.counter_id.clone(),
            out_biz_no: f.out_biz_no.clone(),
            his_total_fee: f.his_fen.map(yuan),
            our_total_fee: f.our_fen.map(yuan),
            note: row.get(1),
            explained_by: row.get(2),
        });
    }
    // What an earlier run of this day found and this one did not.
    tx.execute(
        "UPDATE reconciliation_differences SET gone_at = now()
         WHERE business_day = $1 AND last_seen_at < now() AND gone_at IS NULL",
        &[&date],
    )?;
    tx.commit()?;

    let mut hospital = Tally::default();
    for t in tallies.values() {
        hospital.matched += t.matched;
        hospital.his_only += t.his_only;
        hospital.not_delivered += t.not_delivered;
        hospital.terminal_only += t.terminal_only;
        hospital.amount_differs += t.amount_differs;
        hospital.state_differs += t.state_differs;
        hospital.unsettled_scan += t.unsettled_scan;
    }
    Ok(Reconciliation {
        date: date.format("%Y-%m-%d").to_string(),
        his_rows: his.len(),
        hospital,
        counters: tallies
            .into_iter()
            .map(|(counter_id, tally)| CounterTally { counter_id, tally })
            .collect(),
        differences,
    })
}

/// The differences of a day still waiting for an explanation.
pub fn open_differences(
    client: &mut Client,
    date: NaiveDate,
) -> Result<Vec<Difference>, CentralError> {
    Ok(client
        .query(
            "SELECT id, kind, match_key, state, counter_id, out_biz_no, his_total_fen,
                    our_total_fen, note, explained_by
             FROM reconciliation_differences
             WHERE business_day = $1 AND explained_at IS NULL AND gone_at IS NULL
             ORDER BY id",
            &[&date],
        )?
        .iter()
        .filter_map(|r| {
            Some(Difference {
                id: r.get(0),
                kind: DifferenceKind::parse(r.get(1))?,
                key: r.get(2),
                state: r.get(3),
                counter_id: r.get(4),
                out_biz_no: r.get(5),
                his_total_fee: r.get::<_, Option<i64>>(6).map(yuan),
                our_total_fee: r.get::<_, Option<i64>>(7).map(yuan),
                note: r.get(8),
                explained_by: r.get(9),
            })
        })
        .collect())
}

/// 财务's explanation of difference `id`, audited with who gave it where.
pub fn explain(
    client: &mut Client,
    id: i64,
    note: &str,
    counter_id: &str,
    operator_id: &str,
) -> Result<(), CentralError> {
    // A note may name a patient: ID numbers in it are masked before it is kept.
    let scrubbed = crate::ship::mask_number_runs(&nhsa_protocol::mask::scrub_text(note.trim()));
    let note = scrubbed.as_str();
    if note.is_empty() || note.chars().count() > 500 || note.chars().any(char::is_control) {
        return Err(CentralError::Invalid {
            field: "note",
            message: "说明应为 1 到 500 个字，不含控制字符".into(),
        });
    }
    let mut tx = client.transaction()?;
    let updated = tx.execute(
        "UPDATE reconciliation_differences
         SET note = $2, explained_by = $3, explained_at = now() WHERE id = $1",
        &[&id, &note, &operator_id],
    )?;
    if updated == 0 {
        return Err(CentralError::Invalid {
            field: "difference",
            message: format!("没有编号为 {id} 的对账差异"),
        });
    }
    tx.execute(
        "INSERT INTO central_audit (counter_id, operator_id, action, subject, detail)
         VALUES ($1, $2, 'reconciliation_explained', $3, $4)",
        &[&counter_id, &operator_id, &id.to_string(), &note],
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_out_biz_no_of_ours_names_its_counter_and_nothing_else_does() {
        for (out_biz_no, counter) in [
            ("H44170200001-W03-20261206093000123-AB", Some("W03")),
            ("ORG-1-W03-20261206093000123-AB", Some("W03")),
            ("H44170200001W03000000000001", None),
            ("H44170200001-W03-2026120609300012-AB", None),
            ("H44170200001-W03-2026120609300012X-AB", None),
            ("W03-20261206093000123-AB", None),
            ("", None),
        ] {
            assert_eq!(
                counter_named_by(out_biz_no).as_deref(),
                counter,
                "{out_biz_no}"
            );
        }
    }

    #[test]
    fn the_his_list_is_read_strictly_and_names_the_line() {
        let ok = "setl_id,outBizNo,totalFee,state,科室\n\
                  S1,H1,120.50,SUCCESS,挂号\n\
                  ,H2,30.00,SUCCESS,药房\n";
        let rows = parse_his_csv(ok.as_bytes(), Charset::Utf8).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].total_fen, 12050);
        assert_eq!(rows[1].setl_id, None);
        assert_eq!(rows[1].key(), "H2");
        // Partial refunds of one settlement share its setl_id: several lines.
        let refunds = "setl_id,outBizNo,totalFee,state\nS1,H1,50.00,REFUND_SUCCESS\n\
                       s1,H1,20.00,REFUND_SUCCESS\n";
        assert_eq!(
            parse_his_csv(refunds.as_bytes(), Charset::Utf8)
                .unwrap()
                .len(),
            2
        );

        for (csv, says) in [
            ("setl_id,outBizNo,totalFee\nS1,H1,1.00\n", "state"),
            (
                "setl_id,outBizNo,totalFee,state\nS1,H1,1.005,SUCCESS\n",
                "第 2 行 totalFee",
            ),
            (
                "setl_id,outBizNo,totalFee,state\nS1,H1,-1.00,SUCCESS\n",
                "第 2 行 totalFee",
            ),
            (
                "setl_id,outBizNo,totalFee,state\nS1,H1,1.00,PAID\n",
                "第 2 行 state",
            ),
            ("setl_id,outBizNo,totalFee,state\n,,1.00,SUCCESS\n", "至少"),
            (
                "setl_id,outBizNo,totalFee,state\nＳ1,H1,1.00,SUCCESS\n",
                "半角",
            ),
            (
                "setl_id,outBizNo,totalFee,state\nS1,H\u{7}1,1.00,SUCCESS\n",
                "控制字符",
            ),
        ] {
            let e = parse_his_csv(csv.as_bytes(), Charset::Utf8)
                .unwrap_err()
                .to_string();
            assert!(e.contains("file") && e.contains(says), "{csv:?}: {e}");
        }
    }

    #[test]
    fn a_gbk_export_is_read_when_declared_and_refused_when_not() {
        let text = "setl_id,outBizNo,totalFee,state,备注\nS1,H1,1.00,SUCCESS,挂号费\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let rows = parse_his_csv(&gbk, Charset::Gbk).unwrap();
        assert_eq!(rows.len(), 1);
        let e = parse_his_csv(&gbk, Charset::Utf8).unwrap_err().to_string();
        assert!(e.contains("--charset gbk"), "{e}");
    }
}
