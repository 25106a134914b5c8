//! What the journal stops keeping, on schedule: tokens after settlement or a
//! day, names and 证件号 after the retention period (audited).

use facepay_journal::audit;
use facepay_journal::clock::stamp;
use facepay_journal::retention::{self, Purged};

use crate::access::Admin;
use crate::desk::Desk;
use crate::error::DeskError;

impl Desk {
    /// Drop stale ecTokens and purge identities past retention. Cheap when
    /// there is nothing to do; the worker runs it hourly.
    pub fn housekeeping(&self) -> Result<Purged, DeskError> {
        self.purge_before("system", self.config.retention)
    }

    /// 清除: an administrator purges identities older than `older_than_days`
    /// now (default: the configured retention), audited under their 工号.
    pub fn purge(&self, admin: &Admin, older_than_days: Option<u32>) -> Result<Purged, DeskError> {
        let age = match older_than_days {
            None => self.config.retention,
            Some(days @ 1..=3650) => chrono::Duration::days(i64::from(days)),
            Some(_) => {
                return Err(DeskError::Invalid {
                    field: "olderThanDays",
                    message: "应在 1 到 3650 天之间".into(),
                });
            }
        };
        self.purge_before(admin.id(), age)
    }

    fn purge_before(&self, actor: &str, age: chrono::Duration) -> Result<Purged, DeskError> {
        let now = self.now();
        let token_cutoff = stamp(now - chrono::Duration::hours(24));
        let cutoff = stamp(now - age);
        self.write(|tx, at, _| {
            retention::drop_tokens(tx, &token_cutoff)?;
            let purged = retention::purge_identities(tx, &cutoff)?;
            if purged.visits + purged.settlements > 0 || actor != "system" {
                let detail = serde_json::json!({
                    "before": cutoff, "visits": purged.visits, "settlements": purged.settlements,
                });
                audit::append(
                    tx,
                    at,
                    actor,
                    facepay_journal::AuditAction::PurgeIdentities,
                    None,
                    Some(&detail.to_string()),
                )?;
            }
            Ok(purged)
        })
        .inspect(|purged| {
            if purged.visits + purged.settlements > 0 {
                // What was purged must not stay readable in the WAL's older frames.
                self.with_journal(|j| j.checkpoint_truncate());
            }
        })
    }
}
