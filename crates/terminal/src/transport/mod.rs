//! How a hospital reaches its terminal. One trait, four ways, chosen by
//! configuration: a vendor HTTP bridge, the vendor library
//! (`NationECCode.dll` / `.so`) in-process or through a `nation-ec-host`
//! child process (a 32-bit DLL for a 64-bit panel), or the built-in simulator.

mod host;
mod host_code;
mod http;
mod library;
mod offline;
mod simulator;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use host::{HostTransport, READY_TIMEOUT, TOKEN_ENV, default_host_path};
pub use host_code::HostCode;
pub use http::{HttpTransport, MAX_REPLY_BYTES};
pub use library::{LibraryTransport, OUTPUT_BUFFER_BYTES};
pub use offline::OfflineTransport;
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

/// A bridge's bearer token: printable ASCII, at most 256 characters, never
/// shown in full (Debug and logs print its length only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BearerToken(String);

impl BearerToken {
    pub fn new(value: impl Into<String>) -> Result<Self, TerminalError> {
        let value = value.into();
        if value.is_empty() || value.len() > 256 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TerminalError::Config(
                "终端令牌（terminal.token）应为 1–256 个可见 ASCII 字符".into(),
            ));
        }
        Ok(Self(value))
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BearerToken {
    type Error = String;
    fn try_from(v: String) -> Result<Self, String> {
        Self::new(v).map_err(|e| e.to_string())
    }
}

impl From<BearerToken> for String {
    fn from(v: BearerToken) -> String {
        v.0
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BearerToken({} chars)", self.0.len())
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
    Http {
        url: String,
        /// How replies that declare no charset are read.
        #[serde(default, skip_serializing_if = "Charset::is_default")]
        charset: Charset,
        /// Hosts besides this machine that may be reached over plain http.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        allow_hosts: Vec<String>,
        /// Sent as `Authorization: Bearer …` to a bridge that asks for one
        /// (`nation-ec-host --token`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<BearerToken>,
    },
    /// The vendor library and the 电子凭证中台 URL it is given on every call.
    Library { path: PathBuf, center_url: String },
    /// The vendor library through a `nation-ec-host` the panel starts as a
    /// child process and stops with the transport: a 32-bit DLL for a 64-bit
    /// panel, configured like `library`.
    Host {
        /// The vendor library (`NationECCode.dll`).
        path: PathBuf,
        center_url: String,
        /// The host program; default [`default_host_path`] (the installer's
        /// `nation-ec-host\x86\nation-ec-host.exe` beside the panel).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<PathBuf>,
        /// A fixed loopback port; default: one the host picks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
    },
}

/// Build the configured transport. Configuration errors surface here, at
/// start-up or in 测试连接, not in the middle of a patient's visit.
pub fn connect(config: &TransportConfig) -> Result<Arc<dyn Transport>, TerminalError> {
    Ok(match config {
        TransportConfig::Simulator => Arc::new(SimulatorTransport::new(Arc::new(Simulator::new()))),
        TransportConfig::Http {
            url,
            charset,
            allow_hosts,
            token,
        } => Arc::new(
            HttpTransport::with_options(url, *charset, allow_hosts)?.with_token(token.clone()),
        ),
        TransportConfig::Library { path, center_url } => {
            Arc::new(LibraryTransport::open(path, center_url)?)
        }
        TransportConfig::Host {
            path,
            center_url,
            host,
            port,
        } => Arc::new(HostTransport::start(
            path,
            center_url,
            host.as_deref(),
            *port,
        )?),
    })
}

pub use nhsa_protocol::charset::Charset;
