//! 登录, 锁定, 交班, and the administrator's 操作员 and 审计 screens.

use facepay_core::api::{
    AuditEntry, AuditFilter, NewOperatorRequest, OperatorInfo, OperatorUpdate, OperatorView, Pin,
    Purged, SeatView, ShiftSummary, StaffId,
};
use tauri::State;

use crate::{AppState, IpcError};

/// Who sits at the panel: what the lock and sign-in screens follow.
#[tauri::command]
pub async fn seat(state: State<'_, AppState>) -> Result<SeatView, IpcError> {
    Ok(state.desk().seat_view()?)
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    staff_id: StaffId,
    pin: Pin,
) -> Result<OperatorView, IpcError> {
    let desk = state.desk();
    // argon2 is meant to be slow: off the async workers.
    let operator = tauri::async_runtime::spawn_blocking(move || desk.sign_in(&staff_id, &pin))
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
    Ok(operator.view())
}

/// The first start: create the administrator and sign them in.
#[tauri::command]
pub async fn create_first_admin(
    state: State<'_, AppState>,
    request: NewOperatorRequest,
) -> Result<OperatorView, IpcError> {
    let desk = state.desk();
    let operator = tauri::async_runtime::spawn_blocking(move || desk.sign_in_first_admin(request))
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
    Ok(operator.view())
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Result<(), IpcError> {
    Ok(state.desk().lock()?)
}

#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, pin: Pin) -> Result<OperatorView, IpcError> {
    let desk = state.desk();
    let operator = tauri::async_runtime::spawn_blocking(move || desk.unlock(&pin))
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
    Ok(operator.view())
}

/// What the shift under way recorded, for the 交班 confirmation.
#[tauri::command]
pub async fn shift_summary(state: State<'_, AppState>) -> Result<ShiftSummary, IpcError> {
    Ok(state.desk().shift_so_far()?)
}

/// 交班: end the shift and sign out; the shift's own summary.
#[tauri::command]
pub async fn hand_over(state: State<'_, AppState>) -> Result<ShiftSummary, IpcError> {
    Ok(state.desk().hand_over()?)
}

#[tauri::command]
pub async fn change_pin(
    state: State<'_, AppState>,
    old_pin: Pin,
    new_pin: Pin,
) -> Result<(), IpcError> {
    let desk = state.desk();
    tauri::async_runtime::spawn_blocking(move || desk.change_own_pin(&old_pin, &new_pin))
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
    Ok(())
}

#[tauri::command]
pub async fn list_operators(state: State<'_, AppState>) -> Result<Vec<OperatorInfo>, IpcError> {
    let admin = state.admin()?;
    Ok(state.desk().operators(&admin)?)
}

#[tauri::command]
pub async fn add_operator(
    state: State<'_, AppState>,
    request: NewOperatorRequest,
) -> Result<OperatorInfo, IpcError> {
    let admin = state.admin()?;
    let desk = state.desk();
    // argon2, and with a central server the hospital's directory: off the async workers.
    super::blocking(move || desk.add_operator(&admin, request)).await
}

#[tauri::command]
pub async fn update_operator(
    state: State<'_, AppState>,
    staff_id: StaffId,
    update: OperatorUpdate,
) -> Result<OperatorInfo, IpcError> {
    let admin = state.admin()?;
    let desk = state.desk();
    super::blocking(move || desk.update_operator(&admin, &staff_id, update)).await
}

#[tauri::command]
pub async fn audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<Vec<AuditEntry>, IpcError> {
    let admin = state.admin()?;
    Ok(state.desk().audit_log(&admin, &filter)?)
}

/// 清除: names and 证件号 older than the retention (or `older_than_days`), now.
#[tauri::command]
pub async fn purge(
    state: State<'_, AppState>,
    older_than_days: Option<u32>,
) -> Result<Purged, IpcError> {
    let admin = state.admin()?;
    Ok(state.desk().purge(&admin, older_than_days)?)
}
