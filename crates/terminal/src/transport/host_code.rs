//! The codes nation-ec-host answers with (`{code, message}`, on its ready
//! line and in its HTTP answers): written once here, spoken by the host and
//! read by [`HostTransport`](super::HostTransport).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostCode {
    /// `--listen` named an address other than loopback.
    ListenNotLoopback,
    /// A mistake in the command line.
    Usage,
    /// The port could not be listened on.
    Listen,
    /// The vendor library would not load, or has no `NationEcTrans`.
    LibraryLoad,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    TooLarge,
    UnknownCharset,
    Undecodable,
    ControlCharacter,
    NotJson,
    ReadBody,
    /// Calls in progress and queued reached the limit.
    Busy,
    /// The library's call did not return in time.
    Timeout,
    /// The library returned a failure status of its own.
    Library,
    /// The library's output was not text in its charset.
    LibraryUndecodable,
    LibraryIo,
}

impl HostCode {
    /// The code as it stands in the JSON: the serde name, one spelling.
    pub fn as_str(self) -> &'static str {
        serde_variant::to_variant_name(&self).unwrap_or("internal")
    }
}
