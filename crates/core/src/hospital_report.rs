//! The hospital's 日结 over days, broken down by counter, 收款员, office or
//! day (医保 and 自费 apart), and its CSV for 财务's spreadsheet. Totals and
//! staff names only: no patient is in it.

use std::io::Write;
use std::path::Path;

use facepay_central::report::{GroupBy, HospitalReport};
use facepay_journal::{AuditAction, audit, export};

use crate::central::off_runtime;
use crate::desk::Desk;
use crate::error::DeskError;

impl Desk {
    pub fn central_report(
        &self,
        from: &str,
        to: &str,
        by: GroupBy,
    ) -> Result<HospitalReport, DeskError> {
        let from = facepay_journal::clock::business_day("from", from)?;
        let to = facepay_journal::clock::business_day("to", to)?;
        off_runtime(|| {
            let mut client = self.checked_client()?;
            Ok(facepay_central::report::report(&mut client, from, to, by)?)
        })
    }

    /// `report` written to `out` as CSV (a file of its own, renamed into
    /// place once whole), audited here under `operator_id` first.
    pub fn write_report_csv(
        &self,
        operator_id: &str,
        report: &HospitalReport,
        out: &Path,
    ) -> Result<(), DeskError> {
        export::check_target(out)?;
        self.refuse_own_files(out)?;
        let bytes = facepay_central::report::report_csv(report)?;
        // On record before a byte of the file is written, as every export.
        if self.degraded().is_none() {
            let detail = serde_json::json!({
                "report": "hospital", "from": report.from, "to": report.to,
                "by": report.by.as_str(), "file": out.display().to_string(),
            });
            self.write(|tx, now, _| {
                audit::append(
                    tx,
                    now,
                    operator_id,
                    AuditAction::Export,
                    None,
                    Some(&detail.to_string()),
                )?;
                Ok(())
            })?;
        }
        let (tmp, mut file) = facepay_keystore::create_private_beside(out)
            .map_err(|e| DeskError::Journal(e.into()))?;
        let written = file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&tmp, out));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(DeskError::Journal(e.into()));
        }
        Ok(())
    }
}
