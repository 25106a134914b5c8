//! Exports of a date range for Excel and WPS: CSV (UTF-8 with BOM) or XLSX.
//! Masked unless the caller asks otherwise (and audits that).

use std::io::Write;
use std::path::Path;

use rusqlite::Connection;
use rust_xlsxwriter::{Format, Workbook};

use nhsa_protocol::mask::{Kind, mask};

use crate::JournalError;
use crate::history::{HistoryFilter, ROW_COLUMNS, SettlementRow, row, where_clause};

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl std::str::FromStr for ExportFormat {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, JournalError> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" => Ok(ExportFormat::Xlsx),
            _ => Err(JournalError::Invalid {
                field: "format",
                message: format!("导出格式“{s}”应为 csv 或 xlsx"),
            }),
        }
    }
}

const COLUMNS: usize = 23;
const HEADERS: [&str; COLUMNS] = [
    "结算ID",
    "业务日期",
    "结算时间",
    "结算状态",
    "结算方式",
    "原结算ID",
    "收款员编号",
    "收款员",
    "科室",
    "医生",
    "业务场景",
    "姓名",
    "证件号码",
    "总费用",
    "医保报销",
    "个人帐户",
    "自费",
    "统筹基金",
    "医保单据流水号",
    "业务流水号",
    "实人认证流水号",
    "失败原因",
    "凭证方式",
];
/// Rows handed from the reading thread to the writing one at a time.
const BATCH: usize = 256;
/// Columns holding money (written as numbers in XLSX).
const MONEY: std::ops::RangeInclusive<usize> = 13..=17;

fn cells(r: SettlementRow, full: Option<(Option<String>, Option<String>)>) -> [String; COLUMNS] {
    // The row's own strings move into the cells: an export makes millions of them.
    let (name, id_no) = match full {
        Some((name, id)) => (name, id),
        None => (r.user_name, r.id_no),
    };
    [
        r.id.to_string(),
        r.business_day,
        r.setl_time,
        r.state.label().to_owned(),
        if r.self_pay { "自费" } else { "医保" }.to_owned(),
        r.original_id.map(|o| o.to_string()).unwrap_or_default(),
        r.operator_id,
        r.operator_name,
        r.office_name.unwrap_or_default(),
        r.doctor_name.unwrap_or_default(),
        r.biz_type.label().to_owned(),
        name.unwrap_or_default(),
        id_no.unwrap_or_default(),
        r.total_fee,
        r.hif_amt.unwrap_or_default(),
        r.acct_amt.unwrap_or_default(),
        r.own_amt.unwrap_or_default(),
        r.hifp_amt.unwrap_or_default(),
        r.medical_settle_no.unwrap_or_default(),
        r.out_biz_no,
        r.auth_no.unwrap_or_default(),
        r.fail_reason.unwrap_or_default(),
        r.credential.label().to_owned(),
    ]
}

/// Whether a spreadsheet would take `text`, typed into a cell, for a
/// formula: it starts with `= + - @`, or a tab or carriage return.
fn formula_like(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// A CSV cell a spreadsheet will not run: one that starts like a formula gets
/// a leading `'`. A doctor's name typed as `=HYPERLINK(...)` stays text.
/// (An XLSX cell says so in its format instead: no `'` in its text.)
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Make the calling thread background work: the scheduler then prefers the
/// counter's threads (a face scan's journal write) over an export's. Threads
/// it spawns inherit this. Call it on a thread of its own: a thread cannot
/// take its priority back without privileges. A no-op where not supported.
pub fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux the nice value is per thread: who = 0 is the calling thread.
        // SAFETY: setpriority only reads its integer arguments.
        let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) } != 0;
        if failed {
            tracing::debug!("could not lower the export thread's priority");
        }
    }
}

/// Export the settlements matching `filter` to `out`. Returns the row count.
/// `unmasked` writes full names and ID numbers; `progress` hears every 1 000 rows.
pub fn export(
    conn: &Connection,
    filter: &HistoryFilter,
    format: ExportFormat,
    unmasked: bool,
    out: &Path,
    progress: impl FnMut(u64),
) -> Result<u64, JournalError> {
    check_target(out)?;
    let (tmp, file) = facepay_keystore::create_private_beside(out)?;
    // Its lock, held until it has its name (see `Desk::export`).
    #[cfg(unix)]
    let _held = file.try_clone()?;
    let n = export_into(conn, filter, format, unmasked, file, progress).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    std::fs::rename(&tmp, out)?;
    Ok(n)
}

/// An export is renamed over `out`: only an ordinary file may be replaced.
/// A link, a folder or a device (`/dev/stdout`) named as the target would
/// be replaced by a file, not written through — refused, the target named.
pub fn check_target(out: &Path) -> Result<(), JournalError> {
    match std::fs::symlink_metadata(out) {
        Ok(m) if !m.file_type().is_file() => Err(JournalError::Invalid {
            field: "out",
            message: format!(
                "{} 不是普通文件（是目录、链接或设备），导出不会替换它：请换一个文件名",
                out.display()
            ),
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Export into `file` (created by the caller, this user's only); the
/// caller renames it into place once this returns.
pub fn export_into(
    conn: &Connection,
    filter: &HistoryFilter,
    format: ExportFormat,
    unmasked: bool,
    file: std::fs::File,
    mut progress: impl FnMut(u64),
) -> Result<u64, JournalError> {
    let (clause, params) = where_clause(filter)?;
    // The full name and 证件号 live in the visit only (payloads hold neither).
    let full = if unmasked {
        "(SELECT v.user_name FROM visits v WHERE v.id = s.visit_id),
         (SELECT v.id_no FROM visits v WHERE v.id = s.visit_id)"
    } else {
        "NULL, NULL"
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS}, {full} FROM settlements s LEFT JOIN outbox o ON o.settlement_id = s.id
         WHERE {clause} ORDER BY s.business_day, s.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let sink = Sink::open(format, file)?;
    // Reading rows and writing the file each take about half the time: one
    // thread reads, another writes. Rows cross in batches: one at a time, the
    // two threads spent a sixth of their time waking each other.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<[String; COLUMNS]>>(4);
    let n = std::thread::scope(|scope| -> Result<u64, JournalError> {
        let writer = scope.spawn(move || -> Result<(), JournalError> {
            let mut sink = sink;
            let mut i = 0u64;
            for cells in rx.into_iter().flatten() {
                i += 1;
                sink.row(i, &cells)?;
            }
            sink.finish()
        });
        let mut n = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        let read = (|| -> Result<(), JournalError> {
            while let Some(r) = rows.next()? {
                let listed = row(r)?;
                // Unmasked, what the visit still holds (retention may have
                // purged it); otherwise the masked forms.
                let full = if unmasked {
                    let name: Option<String> = r.get(28)?;
                    let id_no: Option<String> = r.get(29)?;
                    Some((
                        name.or_else(|| listed.user_name.clone()),
                        id_no.or_else(|| listed.id_no.clone()),
                    ))
                } else {
                    None
                };
                n += 1;
                batch.push(cells(listed, full));
                if batch.len() == BATCH
                    && tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_err()
                {
                    break; // the writer failed; its error is reported below
                }
                if n.is_multiple_of(1000) {
                    progress(n);
                }
            }
            // What is left; a writer that failed reports its error below.
            let _ = tx.send(batch);
            Ok(())
        })();
        drop(tx);
        let written = writer
            .join()
            .map_err(|_| JournalError::Export("写文件的线程异常结束".into()))?;
        read?;
        written?;
        Ok(n)
    })?;
    progress(n);
    Ok(n)
}

/// Deflate level of the XLSX container. The sheet's XML is compressed after
/// its last row, serially: at the default (6) that was 1.0 of the 1.8 s a
/// 100 k-row export took (issue 19). 100 k rows at 6 / 3 / 1: 1.64 / 1.28 /
/// 0.98 s, 11.3 / 12.7 / 17.7 MB. The cashier waits; the disk does not mind.
const XLSX_DEFLATE_LEVEL: u8 = 1;

enum Sink {
    Csv(Box<csv::Writer<std::io::BufWriter<std::fs::File>>>),
    /// The workbook, its file, and the "text, not a formula" cell format
    /// (Excel's quote prefix: shown without the `'`, and kept text when edited).
    Xlsx(Box<Workbook>, std::fs::File, Format),
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> JournalError {
    JournalError::Export(e.to_string())
}

impl Sink {
    fn open(format: ExportFormat, file: std::fs::File) -> Result<Self, JournalError> {
        match format {
            ExportFormat::Csv => {
                let mut file = std::io::BufWriter::new(file);
                // Excel and WPS read UTF-8 only with the BOM; without it Chinese is garbled.
                file.write_all("\u{FEFF}".as_bytes())?;
                let mut w = csv::Writer::from_writer(file);
                w.write_record(HEADERS)
                    .map_err(|e| JournalError::Export(e.to_string()))?;
                Ok(Sink::Csv(Box::new(w)))
            }
            ExportFormat::Xlsx => {
                let mut book = Workbook::new();
                book.set_zip_compression_level(XLSX_DEFLATE_LEVEL);
                let bold = Format::new().set_bold();
                // Rows stream to a temporary file instead of piling up in memory.
                let sheet = book
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_err)?;
                sheet.set_name("结算明细").map_err(xlsx_err)?;
                for (c, h) in HEADERS.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, c as u16, *h, &bold)
                        .map_err(xlsx_err)?;
                }
                sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
                // Widths must be set before rows are written in constant-memory mode.
                for (col, width) in [(2, 20.0), (12, 20.0), (19, 34.0), (20, 30.0)] {
                    sheet.set_column_width(col, width).map_err(xlsx_err)?;
                }
                // One column format instead of a format looked up for every money cell.
                let money = Format::new().set_num_format("0.00");
                for col in MONEY {
                    sheet
                        .set_column_format(col as u16, &money)
                        .map_err(xlsx_err)?;
                }
                let quoted = Format::new().set_quote_prefix();
                Ok(Sink::Xlsx(Box::new(book), file, quoted))
            }
        }
    }

    fn row(&mut self, n: u64, cells: &[String; COLUMNS]) -> Result<(), JournalError> {
        match self {
            // Money is our own "120.50"; every other cell is made inert
            // (borrowed when it already is).
            Sink::Csv(w) => {
                let cells: [std::borrow::Cow<'_, str>; COLUMNS] = std::array::from_fn(|c| {
                    if MONEY.contains(&c) {
                        cells[c].as_str().into()
                    } else {
                        inert(&cells[c])
                    }
                });
                w.write_record(cells.iter().map(|c| c.as_bytes()))
                    .map_err(|e| JournalError::Export(e.to_string()))
            }
            Sink::Xlsx(book, _, quoted) => {
                let sheet = book.worksheet_from_index(0).map_err(xlsx_err)?;
                let r = u32::try_from(n)
                    .map_err(|_| JournalError::Export("行数超过 Excel 上限".into()))?;
                for (c, v) in cells.iter().map(String::as_str).enumerate() {
                    if v.is_empty() {
                        continue;
                    }
                    if MONEY.contains(&c) {
                        // A cell is a spreadsheet's number: parse our exact "120.50"
                        // text as the value Excel would store had it been typed.
                        // No arithmetic happens on it here.
                        let value: f64 = v
                            .parse()
                            .map_err(|_| JournalError::Export(format!("金额 {v}")))?;
                        sheet.write_number(r, c as u16, value).map_err(xlsx_err)?;
                    } else if formula_like(v) {
                        sheet
                            .write_string_with_format(r, c as u16, v, quoted)
                            .map_err(xlsx_err)?;
                    } else {
                        sheet.write_string(r, c as u16, v).map_err(xlsx_err)?;
                    }
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), JournalError> {
        match self {
            Sink::Csv(mut w) => {
                w.flush()?;
                let file = (*w)
                    .into_inner()
                    .map_err(|e| JournalError::Export(e.to_string()))?;
                file.into_inner()
                    .map_err(|e| JournalError::Export(e.to_string()))?
                    .sync_all()?;
                Ok(())
            }
            Sink::Xlsx(mut book, file, _) => {
                let mut file = std::io::BufWriter::new(file);
                book.save_to_writer(&mut file).map_err(xlsx_err)?;
                file.into_inner()
                    .map_err(|e| JournalError::Export(e.to_string()))?
                    .sync_all()?;
                Ok(())
            }
        }
    }
}

/// The masked name of the default export, exposed for tests.
pub fn masked_name(name: &str) -> String {
    mask(Kind::Name, name)
}
