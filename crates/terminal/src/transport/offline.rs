//! No terminal at all: for programs and commands that only read the journal
//! (the CLI's history, 日结, exports …). Connecting the configured transport
//! for them would load the vendor library — or start a `nation-ec-host` —
//! beside the panel's, and a broken terminal configuration would keep IT
//! from the records; neither is needed to read them.

use std::time::Duration;

use super::Transport;
use crate::error::TransportError;
use crate::protocol::TransType;

#[derive(Debug, Default, Clone, Copy)]
pub struct OfflineTransport;

impl OfflineTransport {
    fn refused() -> TransportError {
        TransportError::Refused {
            target: "（本命令不连接终端）".into(),
        }
    }
}

#[async_trait::async_trait]
impl Transport for OfflineTransport {
    /// Refused: nothing is sent, so a call is a definite failure, never 待确认.
    async fn exchange(
        &self,
        _trans_type: TransType,
        _envelope: &str,
        _timeout: Duration,
    ) -> Result<String, TransportError> {
        Err(Self::refused())
    }

    fn describe(&self) -> String {
        "未连接终端".into()
    }

    async fn probe(&self, _timeout: Duration) -> Result<(), TransportError> {
        Err(Self::refused())
    }
}
