//! Who may call a command, checked once for all of them before the command
//! runs (the table in `table.rs` says which rule each follows). A command
//! that needs the administrator's proof for its audit row still asks for it;
//! the guard is what makes forgetting that impossible.

use serde::Serialize;

use crate::{AppState, IpcError};

/// Who may call a command (see `table.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Access {
    Public,
    Signed,
    Cashier,
    Polled,
    Admin,
    AdminPolled,
    Finance,
    Setup,
    Records,
}

/// Let the call through, or say why not (`not_signed_in`, `seat_locked`,
/// `forbidden`), before any of its work.
pub fn admit(state: &AppState, access: Access) -> Result<(), IpcError> {
    match access {
        // Records: the command decides by its tab (设置 as Setup, 全院 as Finance, the rest as Cashier).
        Access::Public | Access::Records => Ok(()),
        Access::Signed => state.signed_in().map(drop),
        Access::Cashier => state.cashier().map(drop),
        Access::Polled => state.polled().map(drop),
        Access::Admin => state.admin().map(drop),
        Access::AdminPolled => state.polled_admin().map(drop),
        Access::Finance => state.reviewer().map(drop),
        Access::Setup => state.settings_access().map(drop),
    }
}
