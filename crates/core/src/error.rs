use facepay_central::CentralError;
use facepay_journal::JournalError;
use nhsa_terminal::{TerminalError, TransportError, ValidationError};
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use facepay_journal::CallId;

/// Every way a cashier action can fail. `code()` is what the panel and
/// scripts branch on; the message is Chinese and says what happened.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The terminal call was made and journaled (as `call_id`) and failed.
    #[error("{error}")]
    Terminal {
        error: TerminalError,
        call_id: CallId,
    },
    /// The terminal could not be reached or configured: nothing was sent.
    #[error(transparent)]
    Connect(TerminalError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The hospital's central server (docs/central.md); the counter works on.
    #[error(transparent)]
    Central(facepay_central::CentralError),
    #[error("已取消等待：终端上的刷脸可能仍在进行，结果已记入待确认")]
    Cancelled { call_id: CallId },
    /// This counter's terminal is already scanning a face (流水号 `out_biz_no`).
    #[error("本窗口的终端正在刷脸（业务流水号 {out_biz_no}），请等待其结束")]
    ScanInProgress { out_biz_no: String },
    /// What the caller named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A request the caller can correct; `field` is the one to highlight.
    #[error("字段 {field}：{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Nobody is signed in at this panel.
    #[error("请先登录")]
    NotSignedIn,
    /// The panel is locked (锁定, or left idle): the operator's PIN opens it.
    #[error("收银台已锁定，请输入 PIN 解锁")]
    SeatLocked,
    /// The signed-in operator's role may not do this.
    #[error("此操作需要{}权限", needs.label())]
    Forbidden { needs: facepay_journal::Role },
    /// 工号 or PIN wrong; `left` more tries before a lockout.
    #[error("工号或 PIN 不正确（再错 {left} 次将锁定 5 分钟）")]
    WrongPin { left: u32 },
    /// Too many wrong PINs: this 工号 waits until `until`.
    #[error("PIN 错误次数过多，工号已锁定至 {until}")]
    PinLocked { until: String },
    /// `facepay central restore` failed part-way (`cause`) and this PC stays
    /// paused (no payment) until a restore finishes.
    #[error("换机恢复没有完成，本机暂不收费：{cause}")]
    RestoreInterrupted { cause: Box<DeskError> },
    /// Something that should not happen did (a bug or the machine), said plainly.
    #[error("内部错误：{0}")]
    Internal(String),
}

/// The closed set of error codes the panel and scripts see.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    Config,
    Cancelled,
    ScanInProgress,
    NotSignedIn,
    SeatLocked,
    Forbidden,
    WrongPin,
    PinLocked,
    NotFound,
    #[serde(rename = "invalid_input")]
    Invalid,
    Internal,
    Busy,
    Duplicate,
    Journal,
    JournalMigration,
    JournalTooNew,
    JournalCorrupt,
    JournalWrongKey,
    JournalKeyInvalid,
    JournalReadOnly,
    DiskFull,
    Io,
    Export,
    /// The terminal answered with a non-zero code.
    Terminal,
    MalformedReply,
    ReplyMismatch,
    TransportTimeout,
    TransportRefused,
    TransportHttpStatus,
    TransportRedirected,
    TransportTooLarge,
    TransportUndecodable,
    TransportLibrary,
    TransportIo,
    CentralNotConfigured,
    CentralUnreachable,
    CentralNotInitialised,
    CentralSchemaTooNew,
    CentralSchemaTooOld,
    CentralNoIdentityKey,
    CentralWrongIdentityKey,
    CentralCounterTaken,
    /// `facepay central restore` began on this PC and has not finished:
    /// no payment until it has.
    RestoreUnfinished,
    CentralServer,
}

impl ErrorCode {
    /// The code as the panel, the bridge and scripts see it: the serde name,
    /// so there is one spelling of each.
    pub fn as_str(self) -> &'static str {
        serde_variant::to_variant_name(&self).unwrap_or("internal")
    }

    fn of_terminal(e: &TerminalError) -> Self {
        match e {
            TerminalError::Validation(_) => ErrorCode::Validation,
            TerminalError::Transport(t) => match t {
                TransportError::Timeout { .. } => ErrorCode::TransportTimeout,
                TransportError::Refused { .. } => ErrorCode::TransportRefused,
                TransportError::HttpStatus { .. } => ErrorCode::TransportHttpStatus,
                TransportError::Redirected { .. } => ErrorCode::TransportRedirected,
                TransportError::TooLarge { .. } => ErrorCode::TransportTooLarge,
                TransportError::Undecodable { .. } => ErrorCode::TransportUndecodable,
                TransportError::Library { .. } => ErrorCode::TransportLibrary,
                TransportError::Io { .. } => ErrorCode::TransportIo,
            },
            TerminalError::Terminal { .. } => ErrorCode::Terminal,
            TerminalError::Malformed { .. } => ErrorCode::MalformedReply,
            TerminalError::Mismatch { .. } => ErrorCode::ReplyMismatch,
            TerminalError::Config(_) => ErrorCode::Config,
        }
    }

    fn of_journal(e: &JournalError) -> Self {
        match e {
            JournalError::Sqlite(_) => ErrorCode::Journal,
            JournalError::ReadOnly(_) => ErrorCode::JournalReadOnly,
            JournalError::DiskFull(_) => ErrorCode::DiskFull,
            JournalError::Migration(_) => ErrorCode::JournalMigration,
            JournalError::TooNew { .. } => ErrorCode::JournalTooNew,
            JournalError::Corrupt { .. } => ErrorCode::JournalCorrupt,
            JournalError::WrongKey(_) => ErrorCode::JournalWrongKey,
            JournalError::KeyInvalid(_) => ErrorCode::JournalKeyInvalid,
            JournalError::Busy(_) => ErrorCode::Busy,
            JournalError::Duplicate(_) | JournalError::DuplicateSettlement { .. } => {
                ErrorCode::Duplicate
            }
            JournalError::NotFound(_) => ErrorCode::NotFound,
            JournalError::RestoreUnfinished { .. } => ErrorCode::RestoreUnfinished,
            JournalError::Invalid { .. } => ErrorCode::Invalid,
            JournalError::Io(_) => ErrorCode::Io,
            JournalError::Export(_) => ErrorCode::Export,
            JournalError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn of_central(e: &CentralError) -> Self {
        match e {
            CentralError::NotConfigured => ErrorCode::CentralNotConfigured,
            CentralError::Invalid { .. } => ErrorCode::Invalid,
            CentralError::Unreachable { .. } | CentralError::LoginRefused { .. } => {
                ErrorCode::CentralUnreachable
            }
            CentralError::NotInitialised => ErrorCode::CentralNotInitialised,
            CentralError::SchemaTooNew { .. } => ErrorCode::CentralSchemaTooNew,
            CentralError::SchemaTooOld { .. } | CentralError::UpgradeWaits { .. } => {
                ErrorCode::CentralSchemaTooOld
            }
            CentralError::NoIdentityKey => ErrorCode::CentralNoIdentityKey,
            CentralError::WrongIdentityKey => ErrorCode::CentralWrongIdentityKey,
            CentralError::CounterTaken { .. } => ErrorCode::CentralCounterTaken,
            CentralError::RestoreUnfinished { .. } => ErrorCode::RestoreUnfinished,
            CentralError::Key(_) => ErrorCode::Io,
            CentralError::Journal(j) => Self::of_journal(j),
            CentralError::Server(_) | CentralError::Rejected(_) => ErrorCode::CentralServer,
            CentralError::UnknownOperator(_) | CentralError::UnknownCounter(_) => {
                ErrorCode::NotFound
            }
            CentralError::ActorRefused(_) => ErrorCode::Forbidden,
            CentralError::DirectoryOffline { .. } => ErrorCode::CentralUnreachable,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DeskError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DeskError::Validation(_) => ErrorCode::Validation,
            DeskError::Config(_) => ErrorCode::Config,
            DeskError::Terminal { error, .. } | DeskError::Connect(error) => {
                ErrorCode::of_terminal(error)
            }
            DeskError::Journal(e) => ErrorCode::of_journal(e),
            DeskError::Central(e) => ErrorCode::of_central(e),
            DeskError::Cancelled { .. } => ErrorCode::Cancelled,
            DeskError::ScanInProgress { .. } => ErrorCode::ScanInProgress,
            DeskError::NotSignedIn => ErrorCode::NotSignedIn,
            DeskError::SeatLocked => ErrorCode::SeatLocked,
            DeskError::Forbidden { .. } => ErrorCode::Forbidden,
            DeskError::WrongPin { .. } => ErrorCode::WrongPin,
            DeskError::PinLocked { .. } => ErrorCode::PinLocked,
            DeskError::NotFound(_) => ErrorCode::NotFound,
            DeskError::Invalid { .. } => ErrorCode::Invalid,
            DeskError::Internal(_) => ErrorCode::Internal,
            DeskError::RestoreInterrupted { .. } => ErrorCode::RestoreUnfinished,
        }
    }

    /// The settlement already recorded under the same 医保单据流水号, and its
    /// visit's outBizNo, when this is that refusal.
    pub fn duplicate_of(&self) -> Option<(facepay_journal::SettlementId, &str)> {
        match self {
            DeskError::Journal(JournalError::DuplicateSettlement {
                settlement_id,
                out_biz_no,
                ..
            }) => Some((*settlement_id, out_biz_no)),
            _ => None,
        }
    }

    /// The input field at fault (wire or settings name), when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            DeskError::Validation(v) => Some(&v.field),
            DeskError::Config(c) => Some(&c.field),
            DeskError::Journal(JournalError::Invalid { field, .. })
            | DeskError::Invalid { field, .. } => Some(field),
            DeskError::WrongPin { .. } | DeskError::SeatLocked => Some("pin"),
            DeskError::Central(e) => e.field(),
            _ => None,
        }
    }

    /// What the cashier should do next, in words for the counter.
    pub fn advice(&self) -> Option<&'static str> {
        Some(match self {
            DeskError::Validation(_) | DeskError::Invalid { .. } => "请更正标出的字段后再提交",
            DeskError::Config(_) => "请在“设置”中更正后重试，或联系信息科",
            DeskError::Cancelled { .. } => "如患者已在终端完成刷脸，请在“待确认”中处理",
            DeskError::ScanInProgress { .. } => {
                "终端上一次刷脸（可能由 HIS 发起）尚未结束：请等待结果，或在终端上取消"
            }
            DeskError::Connect(_) => "请检查终端是否开机、网线是否连接，或在“设置”中点“测试连接”",
            DeskError::Terminal { error, .. } => match error {
                TerminalError::Terminal { code, .. } if code == "-2" => {
                    "患者取消或未完成刷脸，可请患者重新刷脸"
                }
                TerminalError::Terminal { .. } => {
                    "请按终端提示处理；如无法解决，请联系信息科并提供错误代码"
                }
                TerminalError::Mismatch { .. } => {
                    "终端的回复不属于本次操作，身份未采用：请重新刷脸；如反复出现请联系信息科"
                }
                e if e.outcome_unknown() => "结果未知：请查看终端屏幕，并在“待确认”中登记实际结果",
                _ => "请检查终端连接后重试",
            },
            DeskError::Journal(JournalError::Busy(_)) => "请等待当前操作完成",
            DeskError::Journal(JournalError::Duplicate(_)) => "无需重复提交，可在“历史”中查看",
            DeskError::Journal(JournalError::DuplicateSettlement { .. }) => {
                "这笔医保结算已记录并通知过：请在“历史”中查看该笔；如确是另一笔结算，请核对 HIS 传入的医保单据流水号"
            }
            DeskError::Journal(JournalError::Invalid { .. }) => "请更正标出的字段后再提交",
            DeskError::Journal(JournalError::DiskFull(_)) => {
                "磁盘空间不足：请清理磁盘或联系信息科。已记录的结算不受影响，历史、日结和导出仍可使用"
            }
            DeskError::Journal(JournalError::ReadOnly(_)) => {
                "记录库不能写入（只读或磁盘已满）：请联系信息科检查文件权限和磁盘；历史、日结、导出和待确认仍可查看"
            }
            DeskError::RestoreInterrupted { cause }
                if matches!(
                    **cause,
                    DeskError::Central(CentralError::CounterTaken { .. })
                ) =>
            {
                "这个编号已交给另一台电脑，本机不能再用它收费：请在接替的那台电脑上收费；\
                 本机要用时由信息科配新的编号和新的空记录库（docs/central.md 3.2）"
            }
            DeskError::RestoreInterrupted { .. } => {
                "请到其他窗口收费；排除原因（网络、全院库）后再运行同一条 facepay central restore，\
                 完成后本机恢复收费（docs/central.md 3.2）"
            }
            DeskError::Journal(JournalError::RestoreUnfinished { .. }) => {
                "请改用其他窗口收费，并联系信息科完成换机恢复（docs/central.md 3.2）；本机没有记下这笔"
            }
            DeskError::NotFound(_) => "请在“历史”中核对记录",
            DeskError::NotSignedIn | DeskError::SeatLocked => "请用本人的工号和 PIN 登录",
            DeskError::Forbidden {
                needs: facepay_journal::Role::Cashier,
            } => "请收款员登录后操作（财务/信息科的账号不收费）",
            DeskError::Forbidden {
                needs: facepay_journal::Role::Finance,
            } => "请财务/信息科或管理员登录后操作",
            DeskError::Forbidden { .. } => "请管理员登录后操作",
            DeskError::WrongPin { .. } => "请核对工号和 PIN；忘记 PIN 请找管理员重置",
            DeskError::PinLocked { .. } => "请稍后再试，或请管理员重置 PIN",
            DeskError::Journal(JournalError::WrongKey(_) | JournalError::KeyInvalid(_)) => {
                "记录库的密钥与本机保存的不一致：请勿删除或替换密钥文件，联系信息科恢复原密钥文件"
            }
            DeskError::Central(CentralError::Invalid { .. }) => "请更正标出的字段后再提交",
            DeskError::Central(CentralError::ActorRefused(_)) => {
                "本机没有做任何修改：请用全院目录中在用的管理员登录后再改"
            }
            DeskError::Central(CentralError::DirectoryOffline { .. }) => {
                "本机没有做任何修改：请检查网络或联系信息科，连上全院库后再改；收费和登录不受影响"
            }
            DeskError::Central(CentralError::CounterTaken { .. }) => {
                "本机的记录不会再上传到全院库：换下的旧电脑请停用，并由信息科用 facepay history / export \
                 导出本机记录核对；新电脑接管原编号见 docs/central.md 3.2"
            }
            DeskError::Central(CentralError::RestoreUnfinished { .. }) => {
                "恢复完成前本机不收费：见 docs/central.md 3.2"
            }
            DeskError::Central(_) => "收费不受影响：本机记录照常保存，连上全院库后自动补传",
            DeskError::Journal(_) | DeskError::Internal(_) => return None,
        })
    }
}

impl From<CentralError> for DeskError {
    fn from(e: CentralError) -> Self {
        match e {
            CentralError::Journal(j) => DeskError::Journal(j),
            CentralError::UnknownOperator(id) => DeskError::NotFound(format!("没有工号 {id}")),
            other => DeskError::Central(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn a_code_is_spelled_as_it_is_serialised() {
        for code in [
            ErrorCode::Invalid,
            ErrorCode::ScanInProgress,
            ErrorCode::JournalWrongKey,
            ErrorCode::TransportIo,
        ] {
            assert_eq!(serde_json::to_value(code).ok(), Some(code.as_str().into()));
        }
        assert_eq!(ErrorCode::Invalid.as_str(), "invalid_input");
    }
}
