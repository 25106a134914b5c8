//! The one error type of the crate. The panel branches on its kinds: a
//! validation error is the cashier's to fix, a terminal error carries the
//! terminal's own code and message, and a transport timeout or malformed reply
//! leaves the outcome *unknown* — the terminal may well have acted.

use std::time::Duration;

use nhsa_protocol::validation::ValidationError;
pub use nhsa_protocol::{RawText, ReplyError};

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// Nothing was sent: the request broke a rule of the spec.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The request could not be delivered, or no reply came back.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The terminal answered with a non-zero `code`.
    #[error("终端返回错误（代码 {code}）：{message}")]
    Terminal {
        code: String,
        message: String,
        raw: RawText,
    },
    /// Something came back that is not a reply we can read.
    #[error("终端回复无法解析：{reason}")]
    Malformed { reason: String, raw: RawText },
    /// The terminal answered about another request than the one asked: its
    /// echo of `field` differs. Nothing of the reply is used.
    #[error("终端返回的授权与请求不符：{field} 请求为 {sent}，回复为 {got}")]
    Mismatch {
        field: &'static str,
        sent: String,
        got: String,
        raw: RawText,
    },
    /// The transport itself is misconfigured (library missing, bad URL).
    #[error("终端连接配置无效：{0}")]
    Config(String),
}

impl From<ReplyError> for TerminalError {
    fn from(e: ReplyError) -> Self {
        match e {
            ReplyError::Terminal { code, message, raw } => {
                TerminalError::Terminal { code, message, raw }
            }
            ReplyError::Malformed { reason, raw } => TerminalError::Malformed { reason, raw },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("终端在 {}内没有回复", human(*.after))]
    Timeout { after: Duration },
    #[error("无法连接终端 {target}：连接被拒绝")]
    Refused { target: String },
    #[error("终端接口返回 HTTP {status}")]
    HttpStatus { status: u16, body: RawText },
    /// Redirects are never followed: the envelope holds a patient's identity.
    #[error(
        "终端接口要求跳转（HTTP {status}，Location：{location}），已拒绝：请在“设置”中填写终端的实际地址"
    )]
    Redirected { status: u16, location: String },
    /// The reply grew past the limit; reading stopped there.
    #[error("终端回复过大（已收到 {received} 字节，上限 {limit} 字节），已停止接收")]
    TooLarge { received: u64, limit: u64 },
    /// The reply's bytes are not valid in its charset (declared or configured).
    #[error("终端回复无法按 {charset} 解码（{bytes} 字节），结果未知：请核对终端的字符集设置")]
    Undecodable { charset: String, bytes: usize },
    /// The vendor library returned a status other than `"0000"`.
    #[error("终端动态库调用失败（状态 {status}）：{message}")]
    Library { status: String, message: String },
    #[error("与终端通信失败：{detail}")]
    Io { detail: String },
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} 秒", d.as_secs())
    } else {
        format!("{} 毫秒", d.as_millis())
    }
}

impl TerminalError {
    /// The terminal's message with the known personal values of the visit
    /// (name, 证件号, ecToken) masked wherever they appear.
    pub fn scrubbed(self, known: &[(nhsa_protocol::mask::Kind, &str)]) -> Self {
        match self {
            TerminalError::Terminal { code, message, raw } => TerminalError::Terminal {
                code,
                message: nhsa_protocol::mask::scrub_known(&message, known),
                raw,
            },
            other => other,
        }
    }

    /// A stable, machine-readable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            TerminalError::Validation(_) => "validation",
            TerminalError::Transport(t) => match t {
                TransportError::Timeout { .. } => "transport_timeout",
                TransportError::Refused { .. } => "transport_refused",
                TransportError::HttpStatus { .. } => "transport_http_status",
                TransportError::Redirected { .. } => "transport_redirected",
                TransportError::TooLarge { .. } => "transport_too_large",
                TransportError::Undecodable { .. } => "transport_undecodable",
                TransportError::Library { .. } => "transport_library",
                TransportError::Io { .. } => "transport_io",
            },
            TerminalError::Terminal { .. } => "terminal",
            TerminalError::Malformed { .. } => "malformed_reply",
            TerminalError::Mismatch { .. } => "reply_mismatch",
            TerminalError::Config(_) => "config",
        }
    }

    /// True when the terminal may have acted although we do not know how:
    /// such a call is recorded as *unknown* (待确认), never as a failure.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            TerminalError::Validation(_) | TerminalError::Config(_) => false,
            TerminalError::Terminal { .. } => false,
            // A definite answer, about something else: this request failed.
            TerminalError::Mismatch { .. } => false,
            TerminalError::Malformed { .. } => true,
            TerminalError::Transport(t) => match t {
                // Nothing reached the terminal.
                TransportError::Refused { .. } => false,
                // The bridge answered, and not with a reply: it did not act on ours.
                TransportError::Redirected { .. } => false,
                // Something came back that we could not read: it may have acted.
                TransportError::TooLarge { .. } | TransportError::Undecodable { .. } => true,
                // The library reports its own failure before or after sending: we cannot tell.
                TransportError::Library { .. } => true,
                TransportError::Timeout { .. }
                | TransportError::HttpStatus { .. }
                | TransportError::Io { .. } => true,
            },
        }
    }

    /// The raw text that came back, when something did.
    pub fn raw_reply(&self) -> Option<&str> {
        match self {
            TerminalError::Terminal { raw, .. }
            | TerminalError::Malformed { raw, .. }
            | TerminalError::Mismatch { raw, .. } => Some(&raw.0),
            TerminalError::Transport(TransportError::HttpStatus { body, .. }) => Some(&body.0),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_garbage_are_unknown_outcomes_refusal_and_codes_are_not() {
        let timeout = TerminalError::from(TransportError::Timeout {
            after: Duration::from_secs(120),
        });
        assert!(timeout.outcome_unknown());
        assert_eq!(timeout.to_string(), "终端在 120 秒内没有回复");
        let refused = TerminalError::from(TransportError::Refused {
            target: "http://127.0.0.1:1".into(),
        });
        assert!(!refused.outcome_unknown());
        let code = TerminalError::Terminal {
            code: "-1".into(),
            message: "授权已过期".into(),
            raw: RawText(String::new()),
        };
        assert!(!code.outcome_unknown());
        assert_eq!(code.code(), "terminal");
        assert!(code.to_string().contains("授权已过期"));
    }

    #[test]
    fn an_unreadable_reply_is_an_unknown_outcome_a_refusal_is_not() {
        let malformed = TerminalError::from(ReplyError::Malformed {
            reason: "x".into(),
            raw: RawText("<html>502 Bad Gateway</html>".into()),
        });
        assert!(malformed.outcome_unknown());
        assert_eq!(malformed.code(), "malformed_reply");
        assert_eq!(malformed.raw_reply(), Some("<html>502 Bad Gateway</html>"));
        let refused = TerminalError::from(ReplyError::Terminal {
            code: "2003".into(),
            message: "未授权".into(),
            raw: RawText(String::new()),
        });
        assert!(!refused.outcome_unknown());
        assert_eq!(refused.code(), "terminal");
    }

    #[test]
    fn debug_of_raw_text_does_not_leak_id_numbers() {
        let e = TerminalError::Malformed {
            reason: "x".into(),
            raw: RawText(r#"{"idNo":"44170219980101123X""#.into()),
        };
        let debug = format!("{e:?}");
        assert!(!debug.contains("44170219980101123X"), "{debug}");
        assert_eq!(e.raw_reply(), Some(r#"{"idNo":"44170219980101123X""#));
    }
}
