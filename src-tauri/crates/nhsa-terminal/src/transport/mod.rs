//! How a hospital reaches its terminal. One trait, three ways, chosen by
//! configuration: a vendor HTTP bridge, the vendor library
//! (`NationECCode.dll` / `.so`), or the built-in simulator.

mod http;
mod library;
mod simulator;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use http::HttpTransport;
pub use library::{LibraryTransport, OUTPUT_BUFFER_BYTES};
pub use simulator::SimulatorTransport;

use crate::error::{TerminalError, TransportError};
use crate::protocol::TransType;
use crate::simulator::Simulator;

/// Moves one request envelope to the terminal and its reply back, as text.
/// Implementations classify failures; they never interpret the reply.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + std::fmt::Debug {
    async fn exchange(
        &self,
        trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError>;

    /// One line for the status bar and logs, e.g. `HTTP http://127.0.0.1:4301/api/open`.
    fn describe(&self) -> String;

    /// Check that the terminal can be reached, without starting a
    /// transaction (an ec.auth would start a face scan on the counter).
    async fn probe(&self, _timeout: Duration) -> Result<(), TransportError> {
        Ok(())
    }

    /// True for the simulator: the panel shows 演示模式 unmistakably.
    fn is_simulated(&self) -> bool {
        false
    }
}

/// The transport section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransportConfig {
    /// The in-process simulator: demos, training, and machines without a terminal.
    #[default]
    Simulator,
    /// A vendor bridge that takes the envelope as a JSON POST.
    Http { url: String },
    /// The vendor library and the 电子凭证中台 URL it is given on every call.
    Library { path: PathBuf, center_url: String },
}

/// Build the configured transport. Configuration errors surface here, at
/// start-up or in 测试连接, not in the middle of a patient's visit.
pub fn connect(config: &TransportConfig) -> Result<Arc<dyn Transport>, TerminalError> {
    Ok(match config {
        TransportConfig::Simulator => Arc::new(SimulatorTransport::new(Arc::new(Simulator::new()))),
        TransportConfig::Http { url } => Arc::new(HttpTransport::new(url)?),
        TransportConfig::Library { path, center_url } => {
            Arc::new(LibraryTransport::open(path, center_url)?)
        }
    })
}
