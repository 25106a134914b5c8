//! 设置: read, validate, save (and switch the terminal), test the connection.

use facepay_core::api::{ConnectionTest, Desk, SettingsForm};
use tauri::State;

use super::app::{AppInfo, info};
use crate::{AppState, IpcError};

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsForm, IpcError> {
    Ok(SettingsForm::of(state.desk().config()))
}

/// Validate (errors name the form field), save to the settings file, and
/// switch to the new settings.
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    form: SettingsForm,
) -> Result<AppInfo, IpcError> {
    let admin = state.settings_access()?;
    let config = form.save(state.desk().config(), state.settings_file.as_deref())?;
    let bridge_changed = config.bridge != state.desk().config().bridge;
    state.replace_desk(Desk::open(config, "facepay-desk")?);
    *state
        .startup_error
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = None;
    if bridge_changed {
        state.bridge.follow(state.desk_cell()).await;
    }
    let desk = state.desk();
    match &admin {
        Some(admin) => {
            desk.audit_admin(admin, facepay_core::api::AuditAction::SaveSettings, None)?
        }
        None => desk.audit_setup(facepay_core::api::AuditAction::SaveSettings)?,
    }
    tracing::info!("settings saved");
    Ok(info(&state))
}

/// 测试连接 with the settings as typed (not yet saved). Sends no transaction.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    form: SettingsForm,
) -> Result<ConnectionTest, IpcError> {
    Ok(form.test_connection(&state.desk()).await?)
}
