//! 历史 (with 退费), 日结, 待确认, exports.

use facepay_core::api::{
    Call, CallId, DaySummary, DeliveryReport, DeskError, ExportRequest, HistoryFilter, HistoryPage,
    NotifyReceipt, RefundDraft, RefundRequest, Resolution, SettlementId, VisitDetail,
};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::{AppState, IpcError};

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    filter: HistoryFilter,
) -> Result<HistoryPage, IpcError> {
    Ok(state.desk().history_at_panel(&filter)?)
}

#[tauri::command]
pub async fn visit_detail(
    state: State<'_, AppState>,
    out_biz_no: String,
) -> Result<VisitDetail, IpcError> {
    Ok(state.desk().visit(&out_biz_no)?)
}

/// 退费: the prefilled full refund of a SUCCESS.
#[tauri::command]
pub async fn refund_draft(
    state: State<'_, AppState>,
    settlement_id: SettlementId,
) -> Result<RefundDraft, IpcError> {
    Ok(state.desk().refund_draft(settlement_id)?)
}

/// 退费: record and notify a refund of a SUCCESS, linked to it.
#[tauri::command]
pub async fn refund(
    state: State<'_, AppState>,
    request: RefundRequest,
) -> Result<NotifyReceipt, IpcError> {
    let desk = state.desk();
    let receipt = desk.refund(request).await?;
    desk.wake_worker();
    Ok(receipt)
}

/// 重发 an undelivered notification now.
#[tauri::command]
pub async fn resend(
    state: State<'_, AppState>,
    settlement_id: SettlementId,
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

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportResult {
    pub rows: u32,
    pub file: String,
}

/// Export, reporting progress as `export-progress` events (`{rows}`). The
/// file goes to FACEPAY_EXPORT_DIR, or where the cashier chooses in a save
/// dialog opened from here — never to a path the webview names. `None`: the
/// dialog was cancelled.
#[tauri::command]
pub async fn export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportRequest,
) -> Result<Option<ExportResult>, IpcError> {
    // Checked before any dialog opens: a cashier never picks a place for an unmasked file.
    let admin = if request.unmasked {
        Some(state.admin()?)
    } else {
        None
    };
    let ext = serde_json::to_value(request.format)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    // An unmasked file says so in its name, and never takes a masked one's place.
    let kind = if request.unmasked { "_未脱敏" } else { "" };
    let name = format!("结算明细{kind}_{}_{}", request.from, request.to);
    let Some(path) = destination(&app, &state, &name, &ext).await? else {
        return Ok(None);
    };
    let desk = state.desk();
    let file = path.display().to_string();
    let rows = tauri::async_runtime::spawn_blocking(move || {
        desk.export(
            &request,
            &path,
            |rows| {
                let _ = app.emit("export-progress", rows);
            },
            admin.as_ref(),
        )
    })
    .await
    .map_err(|e| IpcError::internal(e.to_string()))??;
    Ok(Some(ExportResult {
        rows: rows as u32,
        file,
    }))
}

#[tauri::command]
pub async fn pending(state: State<'_, AppState>) -> Result<Vec<Call>, IpcError> {
    Ok(state.desk().pending()?)
}

/// Resolve a 待确认 call (the terminal did act, or did not), with a reason.
#[tauri::command]
pub async fn resolve(
    state: State<'_, AppState>,
    call_id: CallId,
    resolution: Resolution,
    reason: String,
) -> Result<Call, IpcError> {
    let admin = state.admin()?;
    Ok(state.desk().resolve(&admin, call_id, resolution, &reason)?)
}

/// Where an export goes: a name of its own in the configured folder, or
/// the place the operator picks (`None`: they cancelled).
pub(crate) async fn destination<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    name: &str,
    ext: &str,
) -> Result<Option<std::path::PathBuf>, IpcError> {
    if let Some(dir) = &state.export_dir {
        return Ok(Some(unused_path(dir, name, ext)));
    }
    let dialog = app.dialog().clone();
    let file_name = format!("{name}.{ext}");
    let ext = ext.to_owned();
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        dialog
            .file()
            .set_file_name(&file_name)
            .add_filter(ext.to_uppercase(), &[ext.as_str()])
            .blocking_save_file()
    })
    .await
    .map_err(|e| IpcError::internal(e.to_string()))?;
    match chosen.map(|p| p.into_path()) {
        None => Ok(None),
        Some(Ok(path)) => Ok(Some(path)),
        Some(Err(e)) => Err(DeskError::Invalid {
            field: "path",
            message: format!("无法使用所选的保存位置：{e}"),
        }
        .into()),
    }
}

/// `dir/name.ext`, or `dir/name (2).ext` … when that is taken: an export
/// into the configured folder never replaces an earlier one.
fn unused_path(dir: &std::path::Path, name: &str, ext: &str) -> std::path::PathBuf {
    let first = dir.join(format!("{name}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{name} ({n}).{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}
