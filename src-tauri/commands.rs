//! IPC commands. Thin: read state, call the engine, map errors.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::AppState;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: &'static str,
    pub transport: String,
    pub simulated: bool,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        transport: state.transport.describe(),
        simulated: state.transport.is_simulated(),
    }
}

/// The page calls this once it has rendered: the moment the panel is usable.
#[tauri::command]
pub fn ui_ready<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> u64 {
    let ms = state.started.elapsed().as_millis() as u64;
    eprintln!("facepay-desk: ui ready after {ms} ms");
    if state.exit_after_ready {
        app.exit(0);
    }
    ms
}
