//! Reaching an NHSA 医保业务综合服务终端.
//!
//! - [`transport`]: the ways a hospital reaches a terminal (an HTTP bridge, the vendor library
//!   in-process or through `nation-ec-host`, the simulator) and the offline stand-in of commands
//!   that never call one;
//! - [`client`]: one call = validate, encode, send with the transaction's timeout, parse tolerantly;
//! - [`simulator`]: a terminal stand-in for demos, training and tests.
//!
//! The messages themselves are `nhsa-protocol`'s, re-exported here as [`protocol`], [`mask`]
//! and [`samples`]. Nothing here knows about windows or Tauri: every behaviour is callable
//! from a test.

pub mod client;
pub mod error;
pub mod simulator;
pub mod transport;

pub use nhsa_protocol as protocol;
pub use nhsa_protocol::{mask, samples};

pub use client::{Prepared, Reply, Terminal, Timeouts};
pub use error::{TerminalError, TransportError};
pub use nhsa_protocol::{Problem, ValidationError};
