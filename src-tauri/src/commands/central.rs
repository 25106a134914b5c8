//! 全院: the hospital's central server as the records window shows it to
//! 财务/信息科 and administrators — every counter's standing, the
//! hospital's 日结 and its report, 对账 differences, a person's settlements.

use facepay_core::api::{
    CentralSettlement, CentralStatus, Difference, GroupBy, HospitalDay, HospitalReport, MAX_SEARCH,
};
use tauri::{AppHandle, Runtime, State};

use super::records::{ExportResult, destination};
use crate::{AppState, IpcError};

#[tauri::command]
pub async fn central_status(state: State<'_, AppState>) -> Result<CentralStatus, IpcError> {
    state.reviewer()?;
    let desk = state.desk();
    super::blocking(move || desk.central_status()).await
}

/// The hospital's 日结 of `date` (YYYY-MM-DD), by counter, 医保 and 自费 apart.
#[tauri::command]
pub async fn central_summary(
    state: State<'_, AppState>,
    date: String,
) -> Result<HospitalDay, IpcError> {
    state.reviewer()?;
    let desk = state.desk();
    super::blocking(move || desk.central_summary(&date)).await
}

/// 对账 differences of `date` still waiting for an explanation.
#[tauri::command]
pub async fn central_differences(
    state: State<'_, AppState>,
    date: String,
) -> Result<Vec<Difference>, IpcError> {
    let reviewer = state.reviewer()?;
    let desk = state.desk();
    super::blocking(move || desk.open_differences(&reviewer, &date)).await
}

/// 说明: 财务's note on one difference (audited on the server).
#[tauri::command]
pub async fn central_explain(
    state: State<'_, AppState>,
    difference_id: i64,
    note: String,
) -> Result<(), IpcError> {
    let reviewer = state.reviewer()?;
    let desk = state.desk();
    super::blocking(move || desk.explain_difference(&reviewer, difference_id, &note)).await
}

/// One person's settlements at every counter, masked, by their full
/// 证件号: hashed here with the hospital's key, never sent or kept as typed.
#[tauri::command]
pub async fn central_person(
    state: State<'_, AppState>,
    id_no: String,
) -> Result<Vec<CentralSettlement>, IpcError> {
    let reviewer = state.reviewer()?;
    let desk = state.desk();
    super::blocking(move || desk.central_person(&reviewer, &id_no, MAX_SEARCH)).await
}

/// The hospital's 日结 from `from` to `to`, by counter, 收款员, office or day.
#[tauri::command]
pub async fn central_report(
    state: State<'_, AppState>,
    from: String,
    to: String,
    by: GroupBy,
) -> Result<HospitalReport, IpcError> {
    state.reviewer()?;
    let desk = state.desk();
    super::blocking(move || desk.central_report(&from, &to, by)).await
}

/// The same report as CSV into the exports folder (or where the operator
/// picks; `None`: they cancelled). Asked of the server first: no save
/// dialog opens for a report that cannot be made.
#[tauri::command]
pub async fn central_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    from: String,
    to: String,
    by: GroupBy,
) -> Result<Option<ExportResult>, IpcError> {
    let reviewer = state.reviewer()?;
    let desk = state.desk();
    let report = super::blocking(move || desk.central_report(&from, &to, by)).await?;
    let name = format!("全院日结_按{}_{}_{}", by.label(), report.from, report.to);
    let Some(path) = destination(&app, &state, &name, "csv").await? else {
        return Ok(None);
    };
    let desk = state.desk();
    let file = path.display().to_string();
    let rows = u32::try_from(report.rows.len()).unwrap_or(u32::MAX);
    super::blocking(move || desk.write_report_csv(reviewer.id(), &report, &path)).await?;
    Ok(Some(ExportResult { rows, file }))
}
