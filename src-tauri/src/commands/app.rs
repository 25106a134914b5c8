//! The app itself: what it is connected to, the status bar, windows.

use facepay_core::api::{CentralSyncView, SeatView, TransportKind};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};

use crate::{AppState, IpcError};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AppInfo {
    pub version: String,
    /// 演示模式: the embedded simulator stands in for the terminal.
    pub demo: bool,
    pub transport: String,
    pub transport_kind: TransportKind,
    pub hospital_name: String,
    pub counter_id: String,
    pub operator_id: String,
    pub operator_name: String,
    pub office_id: String,
    pub office_name: String,
    /// Exports go straight here instead of asking where to save.
    pub export_dir: Option<String>,
    /// Why the configured settings were not used, if they were not.
    pub startup_error: Option<String>,
}

pub fn info(state: &AppState) -> AppInfo {
    let desk = state.desk();
    let c = desk.config();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        demo: c.is_demo(),
        transport: desk.transport_description(),
        transport_kind: desk.transport_kind(),
        hospital_name: c.hospital_name.as_str().into(),
        counter_id: c.counter_id.to_string(),
        operator_id: c.operator_id.as_str().into(),
        operator_name: c.operator_name.as_str().into(),
        office_id: c.office_id.as_str().into(),
        office_name: c.office_name.as_str().into(),
        export_dir: state.export_dir.as_ref().map(|d| d.display().to_string()),
        startup_error: state
            .startup_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
    }
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(info(&state))
}

/// The status bar.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Status {
    pub demo: bool,
    pub transport: String,
    pub reachable: bool,
    pub unreachable_reason: Option<String>,
    /// Notifications not yet delivered to the terminal.
    pub undelivered: u64,
    /// 待确认: unknown outcomes awaiting a person.
    pub pending: u64,
    /// A jump of the system clock noticed since start.
    pub clock_warning: Option<String>,
    /// Why the journal could only be opened for reading (full or read-only disk).
    pub journal_read_only: Option<String>,
    /// The signed-in operator's name (the configured one when nobody is).
    pub operator_name: String,
    /// Who is signed in, whether the panel is locked, whether the first
    /// administrator is still to be created.
    pub seat: SeatView,
    /// Settlements the HIS pushed that wait for the cashier's F4.
    pub held: u64,
    /// Where the panel serves the HIS bridge, if it does.
    pub bridge: Option<String>,
    /// Why the configured HIS bridge is not serving.
    pub bridge_error: Option<String>,
    /// 全院同步, when the hospital's central server is configured.
    pub central: Option<CentralSyncView>,
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Result<Status, IpcError> {
    let desk = state.desk();
    let probe = desk.probe().await;
    let backlog = desk.backlog()?;
    let seat = desk.seat_view()?;
    Ok(Status {
        demo: desk.config().is_demo(),
        transport: desk.transport_description(),
        reachable: probe.is_ok(),
        unreachable_reason: probe.err().map(|e| e.to_string()),
        undelivered: backlog.undelivered,
        pending: backlog.pending,
        clock_warning: desk.clock_warning(),
        journal_read_only: desk.degraded().map(str::to_owned),
        operator_name: seat.operator.as_ref().map_or_else(
            || desk.config().operator_name.as_str().into(),
            |o| o.name.clone(),
        ),
        seat,
        held: desk.held_count()?,
        bridge: state.bridge.addr().map(|a| a.to_string()),
        bridge_error: state.bridge.error(),
        central: desk.central_sync_view(),
    })
}

/// The page calls this once it is interactive: the start-up time the app reports.
#[tauri::command]
pub fn ui_ready<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> u64 {
    let ms = state.started.elapsed().as_millis() as u64;
    tracing::info!(ms, "ui ready");
    eprintln!("facepay-desk: ui ready after {ms} ms");
    if state.exit_after_ready {
        app.exit(0);
    }
    ms
}

/// The records window's tabs, as the panel names them in `open_records` and
/// the window's address (`#/records/<tab>`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordsTab {
    /// 历史 (F6)
    History,
    /// 日结 (F7)
    Day,
    /// 待确认 (F8)
    Pending,
    /// 设置 (F9): also the setup screen's way out, before anyone signs in.
    Settings,
    /// 审计 (F10)
    Audit,
    /// 操作员 (F11)
    Operators,
    /// 全院: every counter and the hospital's 日结, with a central server
    /// (财务/信息科, 管理员).
    Hospital,
}

impl RecordsTab {
    fn as_str(self) -> &'static str {
        serde_variant::to_variant_name(&self).unwrap_or("history")
    }
}

/// 历史 / 日结 / 待确认 / 设置 open in a wider second window.
#[tauri::command]
pub async fn open_records<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    tab: RecordsTab,
) -> Result<(), IpcError> {
    // 设置 is the setup screen's way out too; 全院 is 财务/信息科's (and an
    // administrator's); the rest is the counter's own, for those who take payments.
    match tab {
        RecordsTab::Settings => drop(state.settings_access()?),
        RecordsTab::Hospital => drop(state.reviewer()?),
        _ => drop(state.cashier()?),
    }
    let tab = tab.as_str();
    if let Some(w) = app.get_webview_window("records") {
        let _ = w.eval(format!("location.hash = '#/records/{tab}'"));
        let _ = w.unminimize();
        let _ = w.set_focus();
        return Ok(());
    }
    WebviewWindowBuilder::new(
        &app,
        "records",
        WebviewUrl::App(format!("index.html#/records/{tab}").into()),
    )
    .title("医保刷脸收银台 · 记录")
    .inner_size(1100.0, 720.0)
    .min_inner_size(800.0, 500.0)
    .build()
    .map_err(|e| IpcError::internal(format!("无法打开窗口：{e}")))?;
    Ok(())
}

#[tauri::command]
pub async fn set_always_on_top<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    on: bool,
) -> Result<(), IpcError> {
    window
        .set_always_on_top(on)
        .map_err(|e| IpcError::internal(format!("无法设置置顶：{e}")))
}
