use facepay_journal::JournalError;
use nhsa_terminal::{TerminalError, ValidationError};

use crate::config::ConfigError;

/// Every way a cashier action can fail. `code()` is what the panel branches
/// on; the message is Chinese and says what happened.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The terminal call was made and journaled (as `call_id`) and failed.
    #[error("{error}")]
    Terminal { error: TerminalError, call_id: i64 },
    /// The terminal could not be reached or configured: nothing was sent.
    #[error(transparent)]
    Connect(TerminalError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("已取消等待：终端上的刷脸可能仍在进行，结果已记入待确认")]
    Cancelled { call_id: i64 },
}

impl DeskError {
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::Validation(_) => "validation",
            DeskError::Config(_) => "config",
            DeskError::Terminal { error, .. } | DeskError::Connect(error) => error.code(),
            DeskError::Journal(e) => e.code(),
            DeskError::Cancelled { .. } => "cancelled",
        }
    }

    /// What the cashier should do next, in words for the counter.
    pub fn advice(&self) -> Option<&'static str> {
        Some(match self {
            DeskError::Validation(_) => "请更正标出的字段后再提交",
            DeskError::Config(_) => "请在“设置”中更正后重试，或联系信息科",
            DeskError::Cancelled { .. } => "如患者已在终端完成刷脸，请在“待确认”中处理",
            DeskError::Connect(_) => "请检查终端是否开机、网线是否连接，或在“设置”中点“测试连接”",
            DeskError::Terminal { error, .. } => match error {
                TerminalError::Terminal { code, .. } if code == "-2" => {
                    "患者取消或未完成刷脸，可请患者重新刷脸"
                }
                TerminalError::Terminal { .. } => {
                    "请按终端提示处理；如无法解决，请联系信息科并提供错误代码"
                }
                e if e.outcome_unknown() => "结果未知：请查看终端屏幕，并在“待确认”中登记实际结果",
                _ => "请检查终端连接后重试",
            },
            DeskError::Journal(JournalError::Busy(_)) => "请等待当前操作完成",
            DeskError::Journal(JournalError::Duplicate(_)) => "无需重复提交，可在“历史”中查看",
            DeskError::Journal(_) => return None,
        })
    }
}
