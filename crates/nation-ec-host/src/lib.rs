//! `nation-ec-host`: the vendor's `NationECCode.dll` behind a vendor bridge on
//! loopback.
//!
//! The vendor library is usually a 32-bit DLL, and a 64-bit process cannot
//! load it. This small program — built for `i686-pc-windows-gnu` for such a
//! DLL, for `x86_64-pc-windows-gnu` for a 64-bit one — loads the library, owns
//! it on one dedicated thread (through `nhsa-terminal`'s library transport:
//! GB18030 both ways, a 256 KiB output buffer, `"0000"` = went through, the
//! export looked up plain and stdcall-decorated) and serves exactly the shape
//! the panel's `http` transport already speaks: `POST /api/open` with the
//! envelope as JSON, the reply JSON back. The panel starts it itself with
//! `[terminal] kind = "host"` (`nhsa_terminal::transport::HostTransport`), or
//! reaches one started at logon with `kind = "http"`,
//! `url = "http://127.0.0.1:PORT/api/open"`.
//!
//! The contract of a call:
//! - one call reaches the library at a time, in arrival order; at most
//!   [`Config::queue_limit`] requests wait or run, more are refused (503);
//! - a request whose client gave up (closed its connection, or timed out)
//!   before the library's thread took it, or that waited longer than
//!   [`Config::call_timeout`], is never passed to the library: a late face
//!   scan would start on a counter where nobody waits for it;
//! - a call the library already runs cannot be aborted; its reply is dropped;
//! - requests are bounded ([`MAX_REQUEST_BYTES`]), read in their declared
//!   charset (UTF-8 unless `charset=` says GBK/GB18030), must be one JSON
//!   object, and control characters are refused (a NUL would cut the C string
//!   short);
//! - with a token, every request needs `Authorization: Bearer TOKEN`;
//! - errors are `{code, message}` JSON with an honest status: 4xx = refused
//!   before the library was called, 502 = the library failed (`status` holds
//!   its status string), 504 = no answer within the call timeout.
//!
//! **How it starts: per user, in the cashier's session — not a Windows
//! service.** A service runs in session 0, isolated from the logged-in user's
//! desktop since Windows Vista, under a service account: vendor libraries
//! reach the terminal through the user's devices and drivers, read
//! configuration from the user's profile or the working folder, and some show
//! their own dialogs, none of which work there. It would also give the vendor
//! code LocalSystem rights it does not need. So the host runs as the user who
//! runs the panel — started by the panel as its child (`kind = "host"`:
//! a fresh token, stopped with the panel), or at logon where the CLI and the
//! panel share one host — and listens on loopback only. See
//! `docs/nation-ec-host.md`.

use std::time::Duration;

mod config;
mod error;
mod request;
mod server;

pub use config::Config;
pub use error::HostError;
pub use server::{RunningHost, check_listen, start};

/// The path the panel's `http` transport posts to.
pub const PATH: &str = "/api/open";

/// The largest request taken. The spec's largest request (a notify with a
/// drug list) is a few kilobytes; the bound keeps memory flat whatever a
/// local process sends.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Longer than the panel's default face-scan timeout (120 s), so the panel
/// gives up first and its call is recorded as unknown on its side.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(150);

/// The running call plus a few waiting: a counter has one cashier.
pub const DEFAULT_QUEUE_LIMIT: usize = 4;

/// How long a stop waits for calls in flight before it leaves them.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(3);
