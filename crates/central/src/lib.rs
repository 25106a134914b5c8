//! The hospital's central PostgreSQL (docs/central.md): every counter's
//! journal shipped there, masked, in commit order; the hospital's 日结 and
//! every counter's standing read from it. The counter's own journal stays
//! the source of truth and never waits for this: a counter that cannot
//! reach the server keeps serving and catches up later.

pub mod directory;
mod error;
pub mod identity;
pub mod reconcile;
pub mod report;
pub mod restore;
pub mod schema;
pub mod ship;
mod url;

pub use error::CentralError;
pub use identity::IdentityKey;
/// A connection to the central server.
pub use postgres::Client;
pub use ship::{Heartbeat, Local, Shipped};
pub use url::CentralUrl;

use std::time::{Duration, Instant};

/// Until the server holds everything listed up to `target` (or `deadline`
/// passes with the server unreachable). Transient failures (a dropped
/// connection, a restarting server) are retried with a fresh connection.
pub fn sync_until(
    url: &CentralUrl,
    local: &dyn Local,
    counter_id: &str,
    key: &IdentityKey,
    target: i64,
    deadline: Instant,
) -> Result<Shipped, CentralError> {
    let mut pause = Duration::from_millis(100);
    loop {
        let attempt = (|| -> Result<Shipped, CentralError> {
            let mut client = url.connect()?;
            // The newest counter upgrades the schema once every counter can follow.
            schema::check_or_upgrade(&mut client, key, counter_id)?;
            loop {
                let shipped = ship::ship_once(&mut client, local, counter_id, key)?;
                if shipped.acknowledged_seq >= target {
                    return Ok(shipped);
                }
            }
        })();
        match attempt {
            Err(e) if e.is_transient() && Instant::now() + pause < deadline => {
                tracing::warn!("central sync: {e}; trying again");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}
