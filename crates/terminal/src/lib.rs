//! The NHSA 医保业务综合服务终端 protocol as plain Rust.
//!
//! - [`protocol`]: the envelope and the four transactions (ec.auth, auth.check, qrcode.get,
//!   settle.notify) as typed, validated messages;
//! - [`transport`]: the ways a hospital reaches a terminal (an HTTP bridge, the vendor library
//!   in-process or through `nation-ec-host`, the simulator) and the offline stand-in of commands
//!   that never call one;
//! - [`client`]: one call = validate, encode, send with the transaction's timeout, parse tolerantly;
//! - [`simulator`]: a terminal stand-in for demos, training and tests.
//!
//! Nothing here knows about windows or Tauri: every behaviour is callable from a test.

pub mod client;
pub mod error;
pub mod mask;
pub mod protocol;
pub mod samples;
pub mod simulator;
pub mod transport;

pub use client::{Prepared, Reply, Terminal, Timeouts};
pub use error::{TerminalError, TransportError};
pub use protocol::validation::{Problem, ValidationError};
