//! 收款: face scan, identity, notify.

use facepay_core::api::{
    FaceAuthOutcome, NotifyReceipt, RevealedIdentity, ScanFallback, SettleNotifyDraft, VisitId,
};
use tauri::State;

use crate::{AppState, IpcError};

#[tauri::command]
pub async fn face_auth(state: State<'_, AppState>) -> Result<FaceAuthOutcome, IpcError> {
    let cancel = state.arm_cancel();
    let desk = state.desk();
    let result = desk.face_auth(cancel).await;
    state.disarm_cancel();
    result.map_err(|e| {
        let fallback = desk.scan_fallback(&e);
        let mut ipc = IpcError::from(e);
        if let Some(fallback) = fallback {
            ipc.advice = Some(fallback.advice().into());
            match fallback {
                ScanFallback::FetchIdentity { out_biz_no } => {
                    ipc.fallback = Some(crate::ipc_error::Fallback::FetchIdentity);
                    ipc.out_biz_no = Some(out_biz_no);
                }
                ScanFallback::Qrcode => ipc.fallback = Some(crate::ipc_error::Fallback::Qrcode),
            }
        }
        ipc
    })
}

/// 扫码 (F3): the terminal reads the patient's 医保码; the identity comes with it.
#[tauri::command]
pub async fn qrcode(state: State<'_, AppState>) -> Result<FaceAuthOutcome, IpcError> {
    let cancel = state.arm_cancel();
    let result = state.desk().qrcode(cancel).await;
    state.disarm_cancel();
    Ok(result?)
}

/// 取消: stop waiting for the face scan (the outcome goes to 待确认).
#[tauri::command]
pub async fn cancel_face_auth(state: State<'_, AppState>) -> Result<bool, IpcError> {
    Ok(state.cancel_face_auth())
}

#[tauri::command]
pub async fn fetch_identity(
    state: State<'_, AppState>,
    out_biz_no: String,
) -> Result<FaceAuthOutcome, IpcError> {
    Ok(state.desk().fetch_identity(&out_biz_no).await?)
}

/// 显示: the full name and 证件号, audited.
#[tauri::command]
pub async fn reveal_identity(
    state: State<'_, AppState>,
    visit_id: VisitId,
) -> Result<RevealedIdentity, IpcError> {
    Ok(state.desk().reveal(visit_id)?)
}

#[tauri::command]
pub async fn notify(
    state: State<'_, AppState>,
    draft: SettleNotifyDraft,
) -> Result<NotifyReceipt, IpcError> {
    let desk = state.desk();
    let receipt = desk.notify(draft).await?;
    desk.wake_worker();
    Ok(receipt)
}
