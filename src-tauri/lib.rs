//! The Tauri shell of FacePay Desk: commands parse, call the engine, map
//! errors. Everything that matters lives in the engine crates under `crates/`.

mod commands;
mod ipc_error;
mod state;

use tauri::{Builder, Runtime};

pub use ipc_error::IpcError;
pub use state::AppState;

/// The app without its context, generic over the runtime so commands can be
/// driven by `tauri::test::mock_builder()` without a display.
pub fn app_builder<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::ui_ready
        ])
}

pub fn run() {
    let state = match AppState::from_env() {
        Ok(state) => state,
        Err(e) => {
            eprintln!("FacePay Desk 无法启动：{e}");
            std::process::exit(2);
        }
    };
    let app = app_builder(tauri::Builder::default(), state).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("FacePay Desk 无法启动窗口：{e}");
            std::process::exit(1);
        }
    }
}
