//! What the shell holds between commands.

use std::sync::Arc;
use std::time::Instant;

use nhsa_terminal::TerminalError;
use nhsa_terminal::transport::{self, Transport, TransportConfig};

#[derive(Debug)]
pub struct AppState {
    pub started: Instant,
    pub transport: Arc<dyn Transport>,
    /// Set by the smoke test: exit once the page has rendered and called back.
    pub exit_after_ready: bool,
}

impl AppState {
    pub fn new(config: &TransportConfig) -> Result<Self, TerminalError> {
        Ok(Self {
            started: Instant::now(),
            transport: transport::connect(config)?,
            exit_after_ready: false,
        })
    }

    /// `FACEPAY_TERMINAL_URL` selects an HTTP bridge; without it the panel
    /// runs on the embedded simulator (演示模式).
    pub fn from_env() -> Result<Self, TerminalError> {
        let config = match std::env::var("FACEPAY_TERMINAL_URL") {
            Ok(url) if !url.trim().is_empty() => TransportConfig::Http { url },
            _ => TransportConfig::Simulator,
        };
        let mut state = Self::new(&config)?;
        state.exit_after_ready = std::env::var_os("FACEPAY_EXIT_AFTER_READY").is_some();
        Ok(state)
    }
}
