//! The HIS bridge: the HIS starts the face scan, receives the identity it
//! needs for 1101, and pushes its 2207 / 2208 results, over HTTP on this
//! machine's loopback. Every request carries the counter's bearer token;
//! every POST may carry an `Idempotency-Key`. The handlers only translate:
//! the workflow is `facepay_core::api::Desk`, shared with the panel and CLI.
//!
//! Served by the panel (`[bridge] listen`) or headless by `facepay serve`.
//! docs/his-bridge.md is the HIS vendor's guide; `GET /v1/openapi.json` the
//! contract, generated from these types.

mod body;
mod conn;
mod cors;
mod error;
mod idempotency;
pub mod openapi;
mod recent;
mod routes;
mod server;
pub mod setlinfo;
mod token;

pub use error::{ApiError, ErrorBody};
pub use recent::RecentRequest;
pub use server::{Bridge, BridgeError, DRAIN, DeskSource, start};
pub use token::{BridgeToken, TokenSource};

/// Every answer's type: JSON, its charset said outright (Windows PowerShell
/// 5.1 and old HIS libraries read a JSON body without one as Latin-1).
pub(crate) const JSON: &str = "application/json; charset=utf-8";

/// The largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
