//! How a terminal call that failed is journaled: which failures are definite
//! (the terminal refused, or nothing reached it) and which leave the outcome
//! unknown (待确认). The journal stores outcomes; the terminal crate says what
//! its errors mean; this is where the two meet.

use facepay_journal::calls::Outcome;
use nhsa_terminal::{TerminalError, TransportError};

pub(crate) fn of_error(e: &TerminalError) -> Outcome {
    let code = match e {
        TerminalError::Terminal { code, .. } => Some(code.clone()),
        TerminalError::Transport(TransportError::Library { status, .. }) => Some(status.clone()),
        _ => None,
    };
    let message = match e {
        TerminalError::Terminal { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let reply = e.raw_reply().map(str::to_owned);
    if e.outcome_unknown() {
        Outcome::Unknown {
            kind: e.code().into(),
            message,
            reply,
        }
    } else {
        Outcome::Failed {
            kind: e.code().into(),
            code,
            message,
            reply,
        }
    }
}
