//! 历史, 日结, 待确认, exports and the status bar's counts: what staff look
//! back at. Reads go through read-only connections; the few writes (resolve,
//! close a day, reveal, the export's audit row) are audited.

use std::path::Path;

use chrono::Datelike;
use nhsa_terminal::protocol::Identity;

use facepay_journal::calls::{self, Call};
use facepay_journal::export;
use facepay_journal::history::{self, HistoryFilter, HistoryPage, VisitDetail};
use facepay_journal::outbox::{self, OutboxEntry};
use facepay_journal::summary::{self, DaySummary};
use facepay_journal::{CallId, Resolution, VisitId, audit, visits};

use crate::access::{Admin, Role};
use crate::desk::Desk;
use crate::error::DeskError;
use crate::requests::ExportRequest;
use crate::views::{Backlog, RevealedIdentity};

impl Desk {
    /// 待确认: unknown outcomes awaiting a person's decision.
    pub fn pending(&self) -> Result<Vec<Call>, DeskError> {
        self.read(calls::pending)
    }

    /// Resolve a 待确认 call with a reason (audited under the administrator).
    /// Confirming that a notification reached the terminal stops its retries.
    pub fn resolve(
        &self,
        admin: &Admin,
        call_id: CallId,
        resolution: Resolution,
        reason: &str,
    ) -> Result<Call, DeskError> {
        if resolution == Resolution::Superseded {
            return Err(DeskError::Invalid {
                field: "outcome",
                message: "只能确认为已生效或未生效".into(),
            });
        }
        self.write(|tx, now, _| {
            let call = calls::resolve(tx, call_id, resolution, reason, admin.id(), now)?;
            if let (Resolution::ConfirmedOk, Some(settlement_id)) = (resolution, call.settlement_id)
            {
                outbox::mark_delivered(tx, settlement_id, now)?;
            }
            Ok(call)
        })
    }

    /// 历史 for the command line and the HIS. A name is searched by its
    /// first character, as the masked rows show it: a whole name would tell
    /// whether a guess at a masked one is right, over as many tries as it
    /// takes (about 1 400 for a common surname).
    pub fn history(&self, filter: &HistoryFilter) -> Result<HistoryPage, DeskError> {
        if whole_name(filter).is_some() {
            return Err(DeskError::Invalid {
                field: "userName",
                message: "只能按姓名的第一个字查询（与打码显示的一致）；按完整姓名查询请在收银台面板的“历史”中进行，并记入审计"
                    .into(),
            });
        }
        self.read(|c| history::search(c, filter))
    }

    /// 历史 at the panel: the signed-in operator may search by a whole name,
    /// and each such search is audited (the name masked).
    pub fn history_at_panel(&self, filter: &HistoryFilter) -> Result<HistoryPage, DeskError> {
        if let Some(name) = whole_name(filter) {
            let masked = nhsa_terminal::mask::mask(nhsa_terminal::mask::Kind::Name, name);
            self.write(|tx, now, _| {
                audit::append(
                    tx,
                    now,
                    &self.operator(),
                    facepay_journal::AuditAction::SearchByName,
                    None,
                    Some(&masked),
                )?;
                Ok(())
            })?;
        }
        self.read(|c| history::search(c, filter))
    }

    pub fn visit(&self, out_biz_no: &str) -> Result<VisitDetail, DeskError> {
        self.read(|c| history::visit_detail(c, out_biz_no))
    }

    /// 显示: the full name and 证件号 of a visit, audited.
    pub fn reveal(&self, visit_id: VisitId) -> Result<RevealedIdentity, DeskError> {
        self.write(|tx, now, _| {
            let who = visits::disclose(tx, visit_id)?
                .ok_or_else(|| DeskError::NotFound(format!("就诊 {visit_id} 没有身份信息")))?;
            let today = self.now().date();
            let age_label = Identity::stored(
                &who.user_name,
                &who.id_no,
                who.id_type,
                who.gender,
                who.birthday,
                who.insu_org,
            )
            .age_label_on((today.year().unsigned_abs(), today.month(), today.day()));
            audit::append(
                tx,
                now,
                &self.operator(),
                facepay_journal::AuditAction::RevealIdentity,
                Some(&format!("visit:{visit_id}")),
                None,
            )?;
            Ok(RevealedIdentity {
                user_name: who.user_name,
                id_no: who.id_no,
                age_label,
            })
        })
    }

    pub fn summary(
        &self,
        day: &str,
        operator_id: Option<&str>,
    ) -> Result<Vec<DaySummary>, DeskError> {
        facepay_journal::clock::business_day("date", day)?;
        self.read(|c| summary::day(c, day, operator_id))
    }

    /// 日结 of this counter's operator for `day`.
    pub fn close_day(&self, day: &str) -> Result<DaySummary, DeskError> {
        self.write(|tx, now, _| {
            Ok(summary::close_day(
                tx,
                &self.operator(),
                day,
                &self.operator(),
                now,
            )?)
        })
    }

    /// Notifications not yet delivered.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, DeskError> {
        self.read(outbox::undelivered)
    }

    /// The status bar's counts, counted by the database, not by loading lists.
    pub fn backlog(&self) -> Result<Backlog, DeskError> {
        self.read(|c| {
            Ok(Backlog {
                undelivered: outbox::count_undelivered(c)?,
                pending: calls::count_pending(c)?,
            })
        })
    }

    /// An export is renamed over `out`: never over the journal (or a file
    /// beside it named after it: its WAL, shared memory, locks) nor its key —
    /// an outsider's `--out` naming them lost every record.
    pub(crate) fn refuse_own_files(&self, out: &Path) -> Result<(), DeskError> {
        let db = &self.config.db_path;
        let journal_named = db.file_name().zip(out.file_name()).is_some_and(|(d, o)| {
            same_place(db.parent(), out.parent())
                && o.to_string_lossy().starts_with(&*d.to_string_lossy())
        });
        if journal_named || same_file(out, db) || same_file(out, &self.config.key_file) {
            return Err(DeskError::Invalid {
                field: "out",
                message: format!(
                    "{} 是收银台自己的文件（记录库或它的密钥），导出不会覆盖它：请换一个文件名",
                    out.display()
                ),
            });
        }
        Ok(())
    }

    /// Export to `out`, audited (an unmasked export says so in the audit log;
    /// only an administrator may make one).
    /// The rows are read on a connection of their own, on threads that yield
    /// the CPU to the counter: a face scan never waits behind a long export.
    pub fn export(
        &self,
        request: &ExportRequest,
        out: &Path,
        progress: impl FnMut(u64) + Send,
        admin: Option<&Admin>,
    ) -> Result<u64, DeskError> {
        if request.unmasked && admin.is_none() {
            return Err(DeskError::Forbidden { needs: Role::Admin });
        }
        export::check_target(out)?;
        self.refuse_own_files(out)?;
        if request.unmasked && self.degraded().is_some() {
            return Err(DeskError::Invalid {
                field: "unmasked",
                message: "记录库不能写入，无法登记未脱敏导出的审计记录：只能导出脱敏数据".into(),
            });
        }
        let filter = HistoryFilter {
            from: Some(request.from.clone()),
            to: Some(request.to.clone()),
            ..HistoryFilter::default()
        };
        // The audit row is committed before a byte of the file is written: an
        // export that happened is always on record, even if it is killed.
        let audited = if self.degraded().is_none() {
            let detail = serde_json::json!({
                "from": request.from, "to": request.to,
                "format": request.format, "unmasked": request.unmasked,
                "file": out.display().to_string(),
            });
            Some(self.write(|tx, now, _| {
                Ok(audit::append(
                    tx,
                    now,
                    admin
                        .map_or(self.operator(), |a| a.id().to_owned())
                        .as_str(),
                    facepay_journal::AuditAction::Export,
                    None,
                    Some(&detail.to_string()),
                )?)
            })?)
        } else {
            None
        };
        // A file of its own, this user's only before a row is in it, written
        // beside `out` and renamed into place.
        let (tmp, file) = facepay_keystore::create_private_beside(out)
            .map_err(|e| DeskError::Journal(e.into()))?;
        // The file's lock, held until it has its name: between the writer's
        // close and the rename, another export to this name must not take it
        // for one a killed export left. (Windows renames no open file.)
        #[cfg(unix)]
        let _held = file.try_clone().map_err(|e| DeskError::Journal(e.into()))?;
        let written = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    export::lower_thread_priority();
                    self.read(|c| {
                        export::export_into(
                            c,
                            &filter,
                            request.format,
                            request.unmasked,
                            file,
                            progress,
                        )
                    })
                })
                .join()
        })
        .map_err(|_| DeskError::Internal("导出线程异常结束".into()))
        .and_then(|r| r)
        .and_then(|rows| {
            std::fs::rename(&tmp, out).map_err(|e| DeskError::Journal(e.into()))?;
            Ok(rows)
        });
        // A full disk or a failure midway leaves no half-written file behind.
        let rows = written.inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        match audited {
            Some(audit_id) => tracing::info!(rows, audit_id, "export written"),
            // A masked export reveals no one; it is not withheld for want of an audit row.
            None => tracing::warn!(rows, "masked export not audited: the journal is read-only"),
        }
        Ok(rows)
    }
}

/// The filter's name when it is more than the first character a masked row shows.
fn whole_name(filter: &HistoryFilter) -> Option<&str> {
    filter
        .user_name
        .as_deref()
        .map(str::trim)
        .filter(|n| n.chars().count() > 1)
}

/// Whether two folders (`None`: the current one) are one, links resolved.
fn same_place(a: Option<&Path>, b: Option<&Path>) -> bool {
    let resolve = |p: Option<&Path>| {
        std::fs::canonicalize(
            p.filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )
    };
    matches!((resolve(a), resolve(b)), (Ok(x), Ok(y)) if x == y)
}

/// Whether `a` names the file `b` does: the same name in the same folder, or
/// (Unix) the same file under another name, a hard link.
fn same_file(a: &Path, b: &Path) -> bool {
    let same_name = match (a.file_name(), b.file_name()) {
        #[cfg(windows)]
        (Some(x), Some(y)) => {
            x.to_string_lossy().to_lowercase() == y.to_string_lossy().to_lowercase()
        }
        #[cfg(not(windows))]
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    if same_name && same_place(a.parent(), b.parent()) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}
