//! `facepay central restore`: a counter PC replaced (a dead disk, a new
//! machine) takes over its counter's history from the central server.

use facepay_central::restore::{ensure_known, history, owner, take_over, token_of};
use facepay_central::{CentralError, Local};
use facepay_journal::restore::{Restoration, Restored};
use serde::Serialize;

use crate::access::Admin;
use crate::central::{DeskLocal, off_runtime};
use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// What `facepay central restore` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    pub counter_id: String,
    #[serde(flatten)]
    pub restored: Restored,
    /// What IT does next.
    pub next: String,
}

impl Desk {
    /// Rebuild `counter`'s history (masked) from the server into this
    /// journal, which must be fresh and configured as that counter, and
    /// make this journal the one the server takes `counter`'s rows from.
    pub fn central_restore(
        &self,
        admin: &Admin,
        counter: &str,
    ) -> Result<RestoreReport, DeskError> {
        off_runtime(|| {
            self.central_restore_here(admin, counter)
                .map_err(|cause| self.paused_by(cause))
        })
    }

    /// The restore under way on this PC, if one is: no payment until it
    /// ends (`restore_unfinished`).
    pub fn restore_under_way(&self) -> Result<bool, DeskError> {
        Ok(self.read(facepay_journal::restore::unfinished)?.is_some())
    }

    /// A restore that failed while this PC is paused says so, whatever the
    /// cause: its advice is then "not yet", never "payments go on".
    fn paused_by(&self, cause: DeskError) -> DeskError {
        match self.restore_under_way() {
            Ok(true) if cause.code() != ErrorCode::RestoreUnfinished => {
                DeskError::RestoreInterrupted {
                    cause: Box::new(cause),
                }
            }
            _ => cause,
        }
    }

    fn central_restore_here(
        &self,
        admin: &Admin,
        counter: &str,
    ) -> Result<RestoreReport, DeskError> {
        let configured = &self.config.counter_id;
        // A pause left by an earlier attempt ends only when a restore
        // finishes: that attempt may have been handed the counter, which
        // may since have gone to another PC, or to a server this one no
        // longer points at. Paused for good is safe (the cashier uses
        // another window); paying into a journal that can never ship is not.
        let paused_before = self.restore_under_way()?;
        if self.read(facepay_journal::restore::lost_at)?.is_some() {
            return Err(CentralError::CounterTaken {
                counter_id: configured.as_str().to_owned(),
            }
            .into());
        }
        if configured.as_str() != counter && paused_before {
            return Err(DeskError::Invalid {
                field: "counter",
                message: format!(
                    "本机正在恢复收银台 {configured}（尚未完成），不能改为恢复 {counter}：\
                     请运行 facepay central restore --counter {configured}"
                ),
            });
        }
        if configured.as_str() != counter {
            return Err(DeskError::Invalid {
                field: "counter",
                message: format!(
                    "本机配置的收银台编号是 {configured}，不是 {counter}：请先把配置文件 [counter] id \
                     改为 {counter}（或设置 FACEPAY_COUNTER_ID），再恢复"
                ),
            });
        }
        let mut client = self.checked_client()?;
        ensure_known(&mut client, counter)?;
        // Enrolled first: the server hands the counter to this journal's id.
        let position = DeskLocal(self).enroll(counter)?;
        // Refused here, before the server hands the counter over: a journal
        // that may not take the history must not strand the old one. From
        // this commit until the history is written, this journal takes no
        // payment (one taken in between could be neither restored over
        // nor shipped).
        self.write(|tx, now, _| Ok(facepay_journal::restore::begin(tx, configured, now)?))?;
        let heartbeat = DeskLocal(self).heartbeat()?;
        if let Err(refused) = take_over(&mut client, counter, &position.journal_id, &heartbeat) {
            // Only a definite no to this attempt, the first, frees the
            // counter again: after a lost reply the server may well have
            // handed the counter over.
            if !paused_before
                && matches!(
                    refused,
                    CentralError::Invalid { .. } | CentralError::UnknownCounter(_)
                )
            {
                self.write(|tx, _, _| Ok(facepay_journal::restore::abandon(tx)?))?;
            }
            return Err(refused.into());
        }
        let server = history(&mut client, counter)?;
        let token = token_of(&position.journal_id);
        let written = self.write(|tx, now, _| {
            let restored = facepay_journal::restore::restore(
                tx,
                &Restoration {
                    counter: configured,
                    org_id: self.config.org_id.as_str(),
                    hospital_name: self.config.hospital_name.as_str(),
                    token: &token,
                    rows: server.rows,
                    audit_floor: server.audit_floor,
                    newest_stamp: server.newest_stamp,
                },
                admin.id(),
                now,
            )?;
            // Still this journal's on the server as the history commits
            // here: a PC that lost the counter meanwhile (a second restore
            // of the same counter) keeps nothing and stays paused.
            if owner(&mut client, counter)?.as_deref() != Some(position.journal_id.as_str()) {
                return Err(CentralError::CounterTaken {
                    counter_id: counter.to_owned(),
                }
                .into());
            }
            Ok(restored)
        });
        let restored = match written {
            Err(taken @ DeskError::Central(CentralError::CounterTaken { .. })) => {
                self.write(|tx, now, _| Ok(facepay_journal::restore::lost(tx, now)?))?;
                return Err(taken);
            }
            other => other?,
        };
        Ok(RestoreReport {
            counter_id: counter.to_owned(),
            restored,
            next: "运行 facepay central sync --wait 加入全院操作员目录并上传本机的新记录；\
                   原电脑若再开机，它的记录不会再被全院库接收"
                .into(),
        })
    }
}
