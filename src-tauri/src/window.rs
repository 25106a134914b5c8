//! The panel docks to the right edge of the screen, full height, beside the
//! HIS — on first run. After that the window-state plugin restores wherever
//! the cashier put it.

use tauri::{
    AppHandle, LogicalSize, Manager, PhysicalPosition, PhysicalSize, Runtime, WebviewWindow,
};

pub const PANEL_WIDTH: f64 = 400.0;

pub fn dock_right_on_first_run<R: Runtime>(app: &AppHandle<R>, window: &WebviewWindow<R>) {
    let saved = app
        .path()
        .app_config_dir()
        .map(|d| d.join(".window-state.json").exists())
        .unwrap_or(false);
    if saved {
        return;
    }
    let Ok(Some(monitor)) = window.current_monitor() else {
        return;
    };
    let area = monitor.work_area();
    // The size is computed, not read back: GTK applies set_size later, so
    // outer_size() right after it still reports the old size.
    let width = LogicalSize::new(PANEL_WIDTH, 0.0)
        .to_physical::<u32>(monitor.scale_factor())
        .width;
    let _ = window.set_size(PhysicalSize::new(width, area.size.height));
    let x = area.position.x + area.size.width as i32 - width as i32;
    let _ = window.set_position(PhysicalPosition::new(x, area.position.y));
}
