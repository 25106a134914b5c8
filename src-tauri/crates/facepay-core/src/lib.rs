//! The cashier workflow, as plain Rust: what the panel and the `facepay` CLI
//! both call. Face auth → identity, notify with a durable outbox, recovery of
//! unknown outcomes, history, 日结 and exports — every step journaled.

pub mod config;
mod desk;
mod error;
pub mod views;
mod worker;

pub use config::{ConfigError, DeskConfig};
pub use desk::{DeliveryReport, Desk, FaceAuthOutcome, NotifyReceipt};
pub use error::DeskError;
pub use worker::outbox_worker;

pub use facepay_journal as journal;
pub use nhsa_terminal as terminal;
