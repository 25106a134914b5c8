fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["app_info", "ui_ready"])),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e}"));
}
