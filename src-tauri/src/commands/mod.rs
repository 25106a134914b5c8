//! IPC commands, grouped by screen. Thin: read state, call the service, map errors.

pub mod access;
pub mod app;
pub mod bridge;
pub mod cashier;
pub mod central;
pub mod guard;
pub mod records;
pub mod settings;

/// Run what blocks (argon2, the hospital's server, a file) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, facepay_core::DeskError> + Send + 'static,
) -> Result<T, crate::ipc_error::IpcError> {
    Ok(tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| crate::ipc_error::IpcError::internal(e.to_string()))??)
}
