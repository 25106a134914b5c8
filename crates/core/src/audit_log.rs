//! 审计: the audit log read by administrators, and what the shell and the
//! bridge record in it themselves.

use facepay_journal::AuditAction;
use facepay_journal::audit::{self, AuditEntry, AuditFilter};

use crate::access::Admin;
use crate::desk::Desk;
use crate::error::DeskError;

impl Desk {
    /// 审计: the audit log with filters, newest first.
    pub fn audit_log(
        &self,
        _admin: &Admin,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>, DeskError> {
        self.read(|c| audit::search(c, filter))
    }

    /// Record a change made on the setup screen, open to whoever installs
    /// while the configuration could not be used at start.
    pub fn audit_setup(&self, action: AuditAction) -> Result<(), DeskError> {
        self.write(|tx, now, _| {
            audit::append(tx, now, "setup", action, None, Some("setup screen"))?;
            Ok(())
        })
    }

    /// Record an administrator's action done outside the desk (settings
    /// saved, the bridge token copied or rotated).
    pub fn audit_admin(
        &self,
        admin: &Admin,
        action: AuditAction,
        detail: Option<&str>,
    ) -> Result<(), DeskError> {
        self.write(|tx, now, _| {
            audit::append(tx, now, admin.id(), action, None, detail)?;
            Ok(())
        })
    }
}
