//! The cashier workflow, as plain Rust: what the panel, the `facepay` CLI and
//! the HIS bridge all call, through [`api`]. Face auth → identity, notify and
//! refund with a durable outbox, recovery of unknown outcomes, history, 日结
//! and exports — every step journaled.

mod access;
pub mod api;
mod audit_log;
mod central;
mod clock_watch;
pub mod config;
mod desk;
mod directory;
mod error;
mod face;
mod his;
mod hospital_report;
mod housekeeping;
mod keys;
mod operators;
mod outcome;
mod qrcode;
mod records;
mod requests;
mod restore;
mod settings;
mod settle;
mod sign_in;
mod views;
pub mod vocabulary;
mod worker;

pub use api::{Desk, DeskConfig, DeskError};
