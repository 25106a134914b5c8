//! 全院: the hospital's central server as the records window shows it to
//! 财务/信息科 and administrators — every counter's standing and the
//! hospital's 日结.

use facepay_core::api::{CentralStatus, HospitalDay};
use tauri::State;

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
