//! Errors cross IPC as `{code, message}` (plus the field to highlight and
//! what to do next). The UI branches on `code` only where it must.

use facepay_core::api::{ConfigError, DeskError, ErrorCode};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IpcError {
    pub code: ErrorCode,
    /// Chinese, for the cashier.
    pub message: String,
    /// The form field to highlight (wire or settings name), when one is at fault.
    pub field: Option<String>,
    /// What the cashier should do next.
    pub advice: Option<String>,
    /// Another way on that the panel offers as a button: `qrcode` (改用医保码)
    /// when a face scan failed because the face could not be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub fallback: Option<Fallback>,
    /// The visit the fallback applies to (`fetch_identity`).
    #[serde(rename = "outBizNo", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub out_biz_no: Option<String>,
}

/// Another way on, offered as a button beside an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// 改用医保码 (F3).
    Qrcode,
    /// 重新获取身份: the scan succeeded, the identity check did not.
    FetchIdentity,
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        Self {
            code: e.code(),
            field: e.field().map(str::to_owned),
            advice: e.advice().map(str::to_owned),
            message: e.to_string(),
            fallback: None,
            out_biz_no: None,
        }
    }
}

impl From<ConfigError> for IpcError {
    fn from(e: ConfigError) -> Self {
        DeskError::Config(e).into()
    }
}

impl IpcError {
    pub fn internal(message: impl Into<String>) -> Self {
        DeskError::Internal(message.into()).into()
    }
}
