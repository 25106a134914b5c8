//! The Tauri shell of FacePay Desk: commands parse, call the workflow
//! service (`facepay-core`), map errors to `{code, message}`. Everything that
//! matters lives in the engine crates under `crates/`.

mod bridge;
mod commands;
mod ipc_error;
mod logging;
mod state;
mod window;

use tauri::{Builder, Manager, Runtime};

pub use ipc_error::IpcError;
pub use state::AppState;

/// The app's commands on any builder, generic over the runtime so they can
/// be driven by `tauri::test::mock_builder()` without a display. The caller
/// manages an [`AppState`].
pub fn app_builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app::app_info,
        commands::app::status,
        commands::app::ui_ready,
        commands::app::open_records,
        commands::app::set_always_on_top,
        commands::cashier::face_auth,
        commands::cashier::qrcode,
        commands::cashier::cancel_face_auth,
        commands::cashier::fetch_identity,
        commands::cashier::reveal_identity,
        commands::cashier::notify,
        commands::records::history,
        commands::records::refund_draft,
        commands::records::refund,
        commands::records::visit_detail,
        commands::records::resend,
        commands::records::summary,
        commands::records::close_day,
        commands::records::export,
        commands::records::pending,
        commands::records::resolve,
        commands::settings::get_settings,
        commands::settings::save_settings,
        commands::settings::test_connection,
        commands::bridge::bridge_info,
        commands::bridge::copy_bridge_token,
        commands::bridge::rotate_bridge_token,
        commands::bridge::his_activity,
        commands::bridge::release_settlement,
        commands::access::seat,
        commands::access::sign_in,
        commands::access::create_first_admin,
        commands::access::lock,
        commands::access::unlock,
        commands::access::shift_summary,
        commands::access::hand_over,
        commands::access::change_pin,
        commands::access::list_operators,
        commands::access::add_operator,
        commands::access::update_operator,
        commands::access::audit_log,
        commands::access::purge,
    ])
}

/// Run the app; `started` is when the process started (for the start-up time it reports).
pub fn run(started: std::time::Instant) {
    let builder = tauri::Builder::default()
        // A second start focuses the panel instead of opening another on the same journal.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let guard = logging::init(app.path().app_log_dir().ok());
            app.manage(logging::Guard(guard));
            let mut state = AppState::start(app.path().app_config_dir().ok())?;
            state.started = started;
            state.spawn_worker();
            // Binding a loopback port is quick; the panel shows why if it fails.
            tauri::async_runtime::block_on(state.bridge.follow(state.desk_cell()));
            app.manage(state);
            if let Some(main) = app.get_webview_window("main") {
                window::dock_right_on_first_run(app.handle(), &main);
            }
            Ok(())
        });
    if let Err(e) = app_builder(builder).run(tauri::generate_context!()) {
        eprintln!("FacePay Desk 无法启动：{e}");
        std::process::exit(1);
    }
}
