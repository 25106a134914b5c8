//! IPC commands, grouped by screen. Thin: read state, call the service, map errors.

pub mod access;
pub mod app;
pub mod bridge;
pub mod cashier;
pub mod guard;
pub mod records;
pub mod settings;
