//! The host's settings, from the command line's flags.

use crate::{DEFAULT_CALL_TIMEOUT, DEFAULT_QUEUE_LIMIT};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The host's settings (the command line's flags).
#[derive(Debug, Clone)]
pub struct Config {
    pub dll: PathBuf,
    pub center_url: String,
    pub listen: SocketAddr,
    pub token: Option<String>,
    /// The longest a request waits for its answer, queued or running.
    pub call_timeout: Duration,
    /// How many requests may wait or run at once.
    pub queue_limit: usize,
}

impl Config {
    pub fn new(dll: impl Into<PathBuf>, center_url: &str, listen: SocketAddr) -> Self {
        Self {
            dll: dll.into(),
            center_url: center_url.to_owned(),
            listen,
            token: None,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            queue_limit: DEFAULT_QUEUE_LIMIT,
        }
    }
}
