//! 设置 → HIS 接口, and the panel following the HIS at work.

use facepay_bridge::RecentRequest;
use facepay_core::api::{DeliveryReport, HisActivity, HisNotify, SettlementId};
use serde::Serialize;
use tauri::State;

use crate::{AppState, IpcError};

/// What 设置 → HIS 接口 shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BridgeInfo {
    /// The address configured (`[bridge] listen`); none: the panel does not serve the bridge.
    pub listen: Option<String>,
    /// Where it is serving now.
    pub serving: Option<String>,
    /// Why it is not serving although configured.
    pub error: Option<String>,
    pub token_masked: Option<String>,
    pub token_file: Option<String>,
    /// FACEPAY_BRIDGE_TOKEN fixes the token: 重新生成 is not possible.
    pub token_from_environment: bool,
    pub his_notify: HisNotify,
    /// The last requests this panel's bridge answered, newest first.
    pub recent: Vec<RecentRequest>,
}

fn info(state: &AppState) -> BridgeInfo {
    let desk = state.desk();
    let token = state.bridge.token();
    BridgeInfo {
        listen: desk.config().bridge.listen.map(|a| a.to_string()),
        serving: state.bridge.addr().map(|a| a.to_string()),
        error: state.bridge.error(),
        token_masked: token.as_ref().map(|t| t.current().masked()),
        token_file: token.as_ref().map(|t| t.path().display().to_string()),
        token_from_environment: token.as_ref().is_some_and(|t| t.is_overridden()),
        his_notify: desk.config().bridge.his_notify,
        recent: state.bridge.recent(),
    }
}

#[tauri::command]
pub async fn bridge_info(state: State<'_, AppState>) -> Result<BridgeInfo, IpcError> {
    // Polled while 设置 → HIS 接口 is open (AdminPolled: no activity).
    Ok(info(&state))
}

/// 复制: the whole token, for IT to paste into the HIS (audited).
#[tauri::command]
pub async fn copy_bridge_token(state: State<'_, AppState>) -> Result<String, IpcError> {
    let admin = state.admin()?;
    let token = state
        .bridge
        .token()
        .ok_or_else(|| IpcError::internal("令牌不可用，请查看 HIS 接口的错误信息"))?;
    state.desk().audit_admin(
        &admin,
        facepay_core::api::AuditAction::BridgeTokenCopied,
        Some("设置 → HIS 接口 → 复制"),
    )?;
    Ok(token.current().reveal().to_owned())
}

/// 重新生成: a new token; the HIS must be given it (audited).
#[tauri::command]
pub async fn rotate_bridge_token(state: State<'_, AppState>) -> Result<BridgeInfo, IpcError> {
    let admin = state.admin()?;
    let token = state
        .bridge
        .token()
        .ok_or_else(|| IpcError::internal("令牌不可用，请查看 HIS 接口的错误信息"))?;
    let new = token.rotate().map_err(IpcError::internal)?;
    state.desk().audit_admin(
        &admin,
        facepay_core::api::AuditAction::BridgeTokenRotated,
        Some(&format!("设置 → HIS 接口 → 重新生成; now {}", new.masked())),
    )?;
    Ok(info(&state))
}

/// The HIS's newest visit, for the panel to show (masked).
#[tauri::command]
pub async fn his_activity(state: State<'_, AppState>) -> Result<Option<HisActivity>, IpcError> {
    Ok(state.desk().his_activity()?)
}

/// F4 on a settlement the HIS pushed and the counter holds for the cashier.
#[tauri::command]
pub async fn release_settlement(
    state: State<'_, AppState>,
    settlement_id: SettlementId,
) -> Result<DeliveryReport, IpcError> {
    Ok(state.desk().release(settlement_id).await?)
}
