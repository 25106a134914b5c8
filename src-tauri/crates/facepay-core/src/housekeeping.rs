//! What the journal stops keeping, on schedule: tokens after settlement or a
//! day, names and 证件号 after the retention period (audited).

use facepay_journal::audit;
use facepay_journal::clock::stamp;
use facepay_journal::retention::{self, Purged};

use crate::desk::Desk;
use crate::error::DeskError;

impl Desk {
    /// Drop stale ecTokens and purge identities past retention. Cheap when
    /// there is nothing to do; the worker runs it hourly.
    pub fn housekeeping(&self) -> Result<Purged, DeskError> {
        let now = self.now();
        let token_cutoff = stamp(now - chrono::Duration::hours(24));
        let cutoff = stamp(now - self.config.retention);
        self.write(|tx, at, _| {
            retention::drop_tokens(tx, &token_cutoff)?;
            let purged = retention::purge_identities(tx, &cutoff)?;
            if purged.visits + purged.settlements > 0 {
                let detail = serde_json::json!({
                    "before": cutoff, "visits": purged.visits, "settlements": purged.settlements,
                });
                audit::append(
                    tx,
                    at,
                    "system",
                    "purge_identities",
                    None,
                    Some(&detail.to_string()),
                )?;
            }
            Ok(purged)
        })
    }
}
