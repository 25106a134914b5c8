//! Errors cross IPC as `{code, message}`: the UI branches on `code` and shows
//! `message` (Chinese) to the cashier.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpcError {
    pub code: &'static str,
    pub message: String,
}

impl From<nhsa_terminal::TerminalError> for IpcError {
    fn from(e: nhsa_terminal::TerminalError) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}
