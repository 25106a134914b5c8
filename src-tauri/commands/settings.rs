//! 设置: read, validate, save (and switch the terminal), test the connection.

use facepay_core::Desk;
use facepay_core::terminal::transport;
use serde::Serialize;
use tauri::State;

use super::app::{AppInfo, info};
use crate::{AppState, IpcError, SettingsForm};

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
    let db = state.desk().config().db_path.clone();
    let (file, config) = form.validate(&db)?;
    if let Some(path) = &state.settings_file {
        let text = toml::to_string_pretty(&file).map_err(|e| IpcError::internal(e.to_string()))?;
        write_atomically(path, &text)
            .map_err(|e| IpcError::internal(format!("无法保存设置到 {}：{e}", path.display())))?;
    }
    let desk = Desk::open(config, "facepay-desk")?;
    state.replace_desk(desk);
    tracing::info!("settings saved");
    Ok(info(&state))
}

fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("toml.partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
}

/// 测试连接 with the settings as typed (not yet saved). Sends no transaction.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    form: SettingsForm,
) -> Result<ConnectionTest, IpcError> {
    let db = state.desk().config().db_path.clone();
    let (_, config) = form.validate(&db)?;
    let transport =
        transport::connect(&config.transport).map_err(facepay_core::DeskError::Connect)?;
    Ok(
        match transport.probe(std::time::Duration::from_secs(3)).await {
            Ok(()) => ConnectionTest {
                ok: true,
                message: format!("连接正常：{}", transport.describe()),
            },
            Err(e) => ConnectionTest {
                ok: false,
                message: format!("{e}"),
            },
        },
    )
}
