//! Nothing but a Tauri window showing a static page, started as the panel
//! starts (src-tauri/src/main.rs): what any Tauri app of this version costs.

fn main() {
    // The panel's flag: no GPU compositing (its software GL buffers cost ~60 MB).
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // SAFETY: no other thread exists yet to read the environment.
        unsafe { std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1") };
    }
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| panic!("the bare window failed: {e}"));
}
