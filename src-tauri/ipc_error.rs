//! Errors cross IPC as `{code, message}` (plus the field to highlight and
//! what to do next). The UI branches on `code` only where it must.

use facepay_core::{ConfigError, DeskError};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IpcError {
    pub code: String,
    /// Chinese, for the cashier.
    pub message: String,
    /// The form field to highlight (wire or settings name), when one is at fault.
    pub field: Option<String>,
    /// What the cashier should do next.
    pub advice: Option<String>,
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        let field = match &e {
            DeskError::Validation(v) => Some(v.field.clone()),
            DeskError::Config(c) => Some(c.field.clone()),
            DeskError::Journal(facepay_core::journal::JournalError::Invalid { field, .. }) => {
                Some((*field).to_owned())
            }
            _ => None,
        };
        Self {
            code: e.code().to_owned(),
            message: e.to_string(),
            field,
            advice: e.advice().map(str::to_owned),
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
        Self {
            code: "internal".into(),
            message: message.into(),
            field: None,
            advice: None,
        }
    }
}
