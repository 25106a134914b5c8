fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_info",
            "status",
            "ui_ready",
            "open_records",
            "set_always_on_top",
            "face_auth",
            "cancel_face_auth",
            "fetch_identity",
            "reveal_identity",
            "notify",
            "history",
            "visit_detail",
            "resend",
            "summary",
            "close_day",
            "export",
            "pending",
            "resolve",
            "get_settings",
            "save_settings",
            "test_connection",
        ]),
    ))
    .unwrap_or_else(|e| panic!("tauri-build failed: {e}"));
}
