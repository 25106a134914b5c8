//! What reading a reply can end in besides a reply: the terminal's own
//! refusal (a non-zero `code`) or text that is not a reply we can read.
//! `nhsa-terminal` folds these into its `TerminalError` beside the transport's.

use std::fmt;

use crate::mask::scrub_id_numbers;

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
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
}

/// Raw text from the terminal, kept whole for the journal. Its `Debug` scrubs
/// ID numbers, so an error that reaches a log line does not carry one.
#[derive(Clone, PartialEq, Eq)]
pub struct RawText(pub String);

impl fmt::Debug for RawText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 300;
        let scrubbed = scrub_id_numbers(&self.0);
        let shown: String = scrubbed.chars().take(MAX).collect();
        if scrubbed.chars().count() > MAX {
            write!(f, "{shown:?}…")
        } else {
            write!(f, "{shown:?}")
        }
    }
}

impl From<String> for RawText {
    fn from(s: String) -> Self {
        RawText(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_raw_text_does_not_leak_id_numbers() {
        let e = ReplyError::Malformed {
            reason: "x".into(),
            raw: RawText(r#"{"idNo":"44170219980101123X""#.into()),
        };
        let debug = format!("{e:?}");
        assert!(!debug.contains("44170219980101123X"), "{debug}");
    }
}
