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

pub use commands::guard::Access;
pub use ipc_error::IpcError;
pub use state::AppState;

/// Expands the command table (`commands/table.rs`) into the handler list
/// and [`COMMANDS`]; build.rs reads the same table for the app manifest.
macro_rules! commands {
    ($($module:ident :: $name:ident => $access:ident,)*) => {
        /// Every command the panel may invoke, and who may call it.
        pub const COMMANDS: &[(&str, Access)] = &[$((stringify!($name), Access::$access)),*];

        fn dispatch<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(commands::$module::$name),*]
        }
    };
}
include!("commands/table.rs");

/// The app's commands on any builder, generic over the runtime so they can
/// be driven by `tauri::test::mock_builder()` without a display. The caller
/// manages an [`AppState`]. Every call passes the guard its table entry
/// names before the command runs.
pub fn app_builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    let dispatch = dispatch::<R>();
    builder.invoke_handler(move |invoke| {
        let refused = {
            let command = invoke.message.command();
            let access = COMMANDS
                .iter()
                .find(|(name, _)| *name == command)
                .map(|(_, access)| *access);
            let webview = invoke.message.webview();
            match (access, webview.try_state::<AppState>()) {
                (Some(access), Some(state)) => commands::guard::admit(&state, access).err(),
                // Unknown to the table: tauri answers that it has no such command.
                _ => None,
            }
        };
        match refused {
            Some(e) => {
                invoke.resolver.reject(e);
                true
            }
            None => dispatch(invoke),
        }
    })
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
