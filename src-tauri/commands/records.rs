//! 历史, 日结, 待确认.

use std::path::PathBuf;

use facepay_core::DeliveryReport;
use facepay_core::journal::calls::{Call, Resolution};
use facepay_core::journal::export::ExportFormat;
use facepay_core::journal::history::{HistoryFilter, HistoryPage, VisitDetail};
use facepay_core::journal::summary::DaySummary;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::{AppState, IpcError};

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    filter: HistoryFilter,
) -> Result<HistoryPage, IpcError> {
    Ok(state.desk().history(&filter)?)
}

#[tauri::command]
pub async fn visit_detail(
    state: State<'_, AppState>,
    out_biz_no: String,
) -> Result<VisitDetail, IpcError> {
    Ok(state.desk().visit(&out_biz_no)?)
}

/// 重发 an undelivered notification now.
#[tauri::command]
pub async fn resend(
    state: State<'_, AppState>,
    settlement_id: i64,
) -> Result<DeliveryReport, IpcError> {
    Ok(state.desk().resend(settlement_id).await?)
}

#[tauri::command]
pub async fn summary(
    state: State<'_, AppState>,
    date: String,
    operator_id: Option<String>,
) -> Result<Vec<DaySummary>, IpcError> {
    Ok(state.desk().summary(&date, operator_id.as_deref())?)
}

#[tauri::command]
pub async fn close_day(state: State<'_, AppState>, date: String) -> Result<DaySummary, IpcError> {
    Ok(state.desk().close_day(&date)?)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportRequest {
    pub from: String,
    pub to: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// Chosen in the save dialog; absent when the app exports into FACEPAY_EXPORT_DIR.
    pub path: Option<String>,
    pub unmasked: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportResult {
    pub rows: u32,
    pub file: String,
}

/// Export, reporting progress as `export-progress` events (`{rows}`).
#[tauri::command]
pub async fn export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportRequest,
) -> Result<ExportResult, IpcError> {
    let format: ExportFormat = request
        .format
        .parse()
        .map_err(facepay_core::DeskError::from)?;
    let path = match (&request.path, &state.export_dir) {
        (Some(p), _) => PathBuf::from(p),
        (None, Some(dir)) => dir.join(format!(
            "结算明细_{}_{}.{}",
            request.from, request.to, request.format
        )),
        (None, None) => {
            return Err(IpcError {
                code: "validation".into(),
                message: "请选择保存位置".into(),
                field: Some("path".into()),
                advice: None,
            });
        }
    };
    let desk = state.desk();
    let filter = HistoryFilter {
        from: Some(request.from.clone()),
        to: Some(request.to.clone()),
        ..HistoryFilter::default()
    };
    let file = path.display().to_string();
    let rows = tauri::async_runtime::spawn_blocking(move || {
        desk.export(&filter, format, request.unmasked, &path, |rows| {
            let _ = app.emit("export-progress", rows);
        })
    })
    .await
    .map_err(|e| IpcError::internal(e.to_string()))??;
    Ok(ExportResult {
        rows: rows as u32,
        file,
    })
}

#[tauri::command]
pub async fn pending(state: State<'_, AppState>) -> Result<Vec<Call>, IpcError> {
    Ok(state.desk().pending()?)
}

/// Resolve a 待确认 call: `ok` (the terminal did act) or `failed`, with a reason.
#[tauri::command]
pub async fn resolve(
    state: State<'_, AppState>,
    call_id: i64,
    outcome: String,
    reason: String,
) -> Result<Call, IpcError> {
    let resolution = match outcome.as_str() {
        "ok" => Resolution::ConfirmedOk,
        "failed" => Resolution::ConfirmedFailed,
        _ => {
            return Err(IpcError {
                code: "validation".into(),
                message: "请选择终端是否已处理".into(),
                field: Some("outcome".into()),
                advice: None,
            });
        }
    };
    Ok(state.desk().resolve(call_id, resolution, &reason)?)
}
