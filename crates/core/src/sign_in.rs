//! The seat: who sits at the counter — sign-in (PIN checks and lockout),
//! lock and unlock, 交班, one's own PIN.

use facepay_journal::AuditAction;
use facepay_journal::audit::{self};
use facepay_journal::clock::stamp;
use facepay_journal::operators::{self, NewOperator, OperatorChange, ShiftEnd};
use facepay_journal::summary::{self, ShiftSummary};

use crate::access::{
    Admin, Operator, PIN_ATTEMPTS, PIN_LOCKOUT, Pin, Reviewer, Role, SeatView, StaffId,
};
use crate::desk::Desk;
use crate::directory::Vetted;
use crate::error::DeskError;
use crate::operators::{NewOperatorRequest, operator_name};

/// The seat's shift when the journal could not record one (read-only).
const NO_SHIFT: i64 = -1;

impl Desk {
    /// Who sits at the panel (and whether the first administrator is still to be created).
    pub fn seat_view(&self) -> Result<SeatView, DeskError> {
        let (operator, locked) = self.seat.view();
        let needs_first_admin = operator.is_none() && self.read(operators::count)? == 0;
        Ok(SeatView {
            operator,
            locked,
            needs_first_admin,
            idle_lock_minutes: self
                .seat
                .idle_after()
                .map_or(0, |d| u32::try_from(d.as_secs() / 60).unwrap_or(u32::MAX)),
        })
    }

    /// The signed-in operator, if the panel is unlocked and their role may do
    /// `role`'s work. Counts as activity (the idle lock starts again).
    pub fn require(&self, role: Role) -> Result<Operator, DeskError> {
        self.seat.require(role, true)
    }

    /// Like [`Desk::require`], for what the panel polls: it does not keep
    /// an idle panel awake.
    pub fn check(&self, role: Role) -> Result<Operator, DeskError> {
        self.seat.require(role, false)
    }

    /// The signed-in operator, whatever the role: 交班, their own PIN.
    pub fn require_signed_in(&self) -> Result<Operator, DeskError> {
        self.seat.require_any(true)
    }

    /// The signed-in reviewer's proof (财务/信息科 or 管理员); `touch` as [`Desk::require`].
    pub fn require_reviewer(&self, touch: bool) -> Result<Reviewer, DeskError> {
        self.seat.require(Role::Finance, touch)?.reviewer()
    }

    /// The signed-in administrator's proof.
    pub fn require_admin(&self) -> Result<Admin, DeskError> {
        self.seat.require(Role::Admin, true)?.admin()
    }

    /// Check `pin` for `id`: every attempt is counted before its PIN is
    /// checked (in one write transaction), so however many arrive at once at
    /// most [`PIN_ATTEMPTS`] are checked before the lock; a right PIN clears
    /// the count. Unknown and disabled 工号 are counted (in the journal, with
    /// the same writes) and checked (against nobody's hash) alike and answer
    /// the same, so neither the text nor the time tells a stranger which 工号
    /// exist. Every outcome is audited.
    /// What the CLI's administrator credential uses too.
    pub fn authenticate(&self, id: &StaffId, pin: &Pin) -> Result<Operator, DeskError> {
        use facepay_journal::operators::Attempt;
        let now = self.now();
        let lock_until = stamp(now + PIN_LOCKOUT);
        let counted = self.write_if_writable(|tx, at| {
            Ok(operators::count_attempt(
                tx,
                id.as_str(),
                PIN_ATTEMPTS,
                &lock_until,
                at,
            )?)
        })?;
        let (attempt, in_journal) = match counted {
            Some(attempt) => (attempt, true),
            // A read-only journal cannot count: this process does.
            None => (
                self.seat
                    .attempts
                    .count_shared(&self.attempts_file(), id.as_str(), now),
                false,
            ),
        };
        let locked = |until: &str| DeskError::PinLocked {
            until: until.get(11..16).unwrap_or(until).to_owned(),
        };
        // Online, a joined counter asks the directory: wrong PINs count at
        // every counter and the PIN is checked against the directory's
        // entry (a PIN reset or a disabling elsewhere holds at once here,
        // a lock lifted there is lifted here). Offline, this counter's
        // count and copy stand alone.
        let (left, record) = match (attempt, self.vet_centrally(id)) {
            (_, Vetted::Counted(Attempt::Locked(until), _)) => return Err(locked(&until)),
            (Attempt::Locked(_), Vetted::Counted(Attempt::Counted { left }, entry)) => {
                self.write_if_writable(|tx, at| {
                    Ok(operators::clear_wrong_pins(tx, id.as_str(), at)?)
                })?;
                (left, Some((entry.name, entry.role, entry.pin_hash)))
            }
            (Attempt::Locked(until), _) => return Err(locked(&until)),
            (
                Attempt::Counted { left },
                Vetted::Counted(Attempt::Counted { left: there }, entry),
            ) => (
                left.min(there),
                Some((entry.name, entry.role, entry.pin_hash)),
            ),
            (Attempt::Counted { left }, Vetted::Unknown) => (left, None),
            (Attempt::Counted { left }, Vetted::Unheard) => (
                left,
                self.read(|c| operators::get(c, id.as_str()))?
                    .filter(|r| r.active)
                    .map(|r| (r.name, r.role, r.pin_hash)),
            ),
        };
        let right = match &record {
            Some((_, _, hash)) => pin.matches(hash),
            None => {
                pin.waste_a_check();
                false
            }
        };
        if let (true, Some((name, role, _))) = (right, record) {
            if in_journal {
                self.write_if_writable(|tx, at| {
                    Ok(operators::clear_wrong_pins(tx, id.as_str(), at)?)
                })?;
            }
            self.seat
                .attempts
                .clear_shared(&self.attempts_file(), id.as_str());
            self.clear_centrally(id);
            return Ok(Operator {
                id: id.clone(),
                name: operator_name(&name)?,
                role,
            });
        }
        self.write_if_writable(|tx, at| {
            let action = if left == 0 {
                AuditAction::PinLocked
            } else {
                AuditAction::SignInFailed
            };
            audit::append(tx, at, id.as_str(), action, None, None)?;
            if left == 0 {
                // Locked by the hospital's count: here too, whatever the network does next.
                facepay_journal::directory::hold_lock(
                    tx,
                    id.as_str(),
                    lock_until.as_str(),
                    &lock_until,
                )?;
            }
            Ok(())
        })?;
        Err(if left == 0 {
            DeskError::PinLocked {
                until: lock_until.at().format("%H:%M").to_string(),
            }
        } else {
            DeskError::WrongPin { left }
        })
    }

    /// An administrator's credential (CLI): authenticated and an administrator.
    pub fn authenticate_admin(&self, id: &StaffId, pin: &Pin) -> Result<Admin, DeskError> {
        let operator = self.authenticate(id, pin)?;
        operator
            .admin()
            .inspect_err(|_| self.audit_refused(id, "cli admin"))
    }

    /// The same for the hospital's views and 对账: 财务/信息科 or 管理员.
    pub fn authenticate_reviewer(&self, id: &StaffId, pin: &Pin) -> Result<Reviewer, DeskError> {
        let operator = self.authenticate(id, pin)?;
        operator
            .reviewer()
            .inspect_err(|_| self.audit_refused(id, "cli reviewer"))
    }

    /// A right PIN for the wrong role, audited.
    fn audit_refused(&self, id: &StaffId, what: &str) {
        let _ = self.write(|tx, at, _| {
            audit::append(
                tx,
                at,
                id.as_str(),
                AuditAction::Forbidden,
                None,
                Some(what),
            )?;
            Ok(())
        });
    }

    /// 登录: sit at the panel and start a shift. Whoever sat before (a locked
    /// seat left by a colleague) ends their shift as replaced.
    pub fn sign_in(&self, id: &StaffId, pin: &Pin) -> Result<Operator, DeskError> {
        let operator = self.authenticate(id, pin)?;
        self.start_shift(&operator)?;
        Ok(operator)
    }

    /// Where sign-in attempts are counted while the journal cannot be
    /// written: beside the key, in this user's configuration folder (not
    /// the journal's, which is what became read-only).
    fn attempts_file(&self) -> std::path::PathBuf {
        let name = self
            .config
            .db_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "facepay.db".into());
        self.config
            .key_file
            .with_file_name(format!("{name}.sign-in-attempts"))
    }

    /// A write that a read-only journal skips (`None`): signing in must still
    /// work there, so staff can read what was recorded.
    fn write_if_writable<T>(
        &self,
        f: impl FnOnce(
            &facepay_journal::Transaction<'_>,
            &facepay_journal::clock::Stamp,
        ) -> Result<T, DeskError>,
    ) -> Result<Option<T>, DeskError> {
        if self.degraded().is_some() {
            tracing::warn!("journal read-only: sign-in bookkeeping not recorded");
            return Ok(None);
        }
        self.write(|tx, now, _| f(tx, now)).map(Some)
    }

    fn start_shift(&self, operator: &Operator) -> Result<(), DeskError> {
        let previous = self.seat.occupant();
        if self.degraded().is_some() {
            // No shift can be recorded: the seat holds none (交班 then just signs out).
            self.seat.sit(operator.clone(), NO_SHIFT);
            return Ok(());
        }
        let shift_id = self.write(|tx, now, session| {
            let shift_id = operators::start_shift(tx, operator.id.as_str(), session, now)?;
            let detail = previous
                .as_ref()
                .filter(|p| p.id != operator.id)
                .map(|p| format!("接替 {}", p.id));
            audit::append(
                tx,
                now,
                operator.id.as_str(),
                AuditAction::SignIn,
                Some(&format!("shift:{shift_id}")),
                detail.as_deref(),
            )?;
            Ok(shift_id)
        })?;
        self.seat.sit(operator.clone(), shift_id);
        Ok(())
    }

    /// The panel's first start: create the administrator and sign them in.
    pub fn sign_in_first_admin(&self, request: NewOperatorRequest) -> Result<Operator, DeskError> {
        let operator = self.create_first_admin(request)?;
        self.start_shift(&operator)?;
        Ok(operator)
    }

    /// Create the first operator, an administrator, while none exists (the
    /// panel's first start, or `facepay operators add` at installation).
    pub fn create_first_admin(&self, request: NewOperatorRequest) -> Result<Operator, DeskError> {
        if request.role != Role::Admin {
            return Err(DeskError::Invalid {
                field: "role",
                message: "第一个操作员必须是管理员".into(),
            });
        }
        let name = operator_name(&request.name)?;
        let hash = request.pin.hash()?;
        if self.joins_the_directory() {
            return Err(DeskError::Invalid {
                field: "id",
                message: "本机已加入全院操作员目录：请用全院的工号和 PIN 登录".into(),
            });
        }
        self.write(|tx, now, _| {
            if operators::count(tx)? > 0 {
                return Err(DeskError::Forbidden { needs: Role::Admin });
            }
            operators::insert(
                tx,
                &NewOperator {
                    id: request.id.as_str(),
                    name: name.as_str(),
                    role: Role::Admin,
                    pin_hash: &hash,
                },
                request.id.as_str(),
                now,
            )?;
            audit::append(
                tx,
                now,
                request.id.as_str(),
                AuditAction::CreateOperator,
                Some(&format!("operator:{}", request.id)),
                Some("first administrator"),
            )?;
            Ok(())
        })?;
        Ok(Operator {
            id: request.id,
            name,
            role: Role::Admin,
        })
    }

    /// 锁定: the operator stays signed in; their PIN opens the panel again.
    pub fn lock(&self) -> Result<(), DeskError> {
        let Some(operator) = self.seat.occupant() else {
            return Err(DeskError::NotSignedIn);
        };
        self.seat.lock();
        self.write(|tx, now, _| {
            audit::append(tx, now, operator.id.as_str(), AuditAction::Lock, None, None)?;
            Ok(())
        })
    }

    /// 解锁 with the signed-in operator's own PIN.
    pub fn unlock(&self, pin: &Pin) -> Result<Operator, DeskError> {
        let Some(operator) = self.seat.occupant() else {
            return Err(DeskError::NotSignedIn);
        };
        self.authenticate(&operator.id, pin)?;
        self.seat.unlock();
        self.write(|tx, now, _| {
            audit::append(
                tx,
                now,
                operator.id.as_str(),
                AuditAction::Unlock,
                None,
                None,
            )?;
            Ok(())
        })?;
        Ok(operator)
    }

    /// 交班: end the shift, sign out, and return what the shift recorded.
    pub fn hand_over(&self) -> Result<ShiftSummary, DeskError> {
        let operator = self.seat.require_any(true)?;
        let shift_id = self.seat.shift_id().ok_or(DeskError::NotSignedIn)?;
        if shift_id == NO_SHIFT {
            self.seat.leave();
            return Err(DeskError::Journal(facepay_journal::JournalError::ReadOnly(
                "已退出登录，但班次未能记录".into(),
            )));
        }
        let summary = self.write(|tx, now, _| {
            let shift = operators::end_shift(tx, shift_id, ShiftEnd::Handover, now)?;
            let summary = summary::shift(
                tx,
                operator.id.as_str(),
                operator.name(),
                &shift.started_at,
                shift.ended_at.as_deref(),
            )?;
            audit::append(
                tx,
                now,
                operator.id.as_str(),
                AuditAction::HandOver,
                Some(&format!("shift:{shift_id}")),
                Some(&format!(
                    "{} 笔，净额 {}",
                    summary.by_state.iter().map(|s| s.totals.count).sum::<u64>(),
                    summary.net.total_fee
                )),
            )?;
            Ok(summary)
        })?;
        self.seat.leave();
        Ok(summary)
    }

    /// The summary of the shift under way, for the 交班 confirmation.
    pub fn shift_so_far(&self) -> Result<ShiftSummary, DeskError> {
        let operator = self.seat.require_any(true)?;
        let shift_id = self.seat.shift_id().ok_or(DeskError::NotSignedIn)?;
        self.read(|c| {
            let shift = operators::shift(c, shift_id)?
                .ok_or_else(|| facepay_journal::JournalError::NotFound("班次不存在".into()))?;
            summary::shift(
                c,
                operator.id.as_str(),
                operator.name(),
                &shift.started_at,
                None,
            )
        })
    }

    /// 修改 PIN: the signed-in operator changes their own.
    pub fn change_own_pin(&self, old: &Pin, new: &Pin) -> Result<(), DeskError> {
        let operator = self.seat.require_any(true)?;
        self.authenticate(&operator.id, old)?;
        let hash = new.hash()?;
        let central = self.directory_is_central();
        if central {
            self.in_directory(operator.id.as_str(), |client, key, by, now| {
                facepay_central::directory::update(
                    client,
                    key,
                    operator.id.as_str(),
                    operator.id.as_str(),
                    &facepay_central::directory::Change {
                        pin_hash: Some(&hash),
                        ..Default::default()
                    },
                    by,
                    now,
                )
            })?;
        }
        self.write(|tx, now, _| {
            if !central {
                operators::update(
                    tx,
                    operator.id.as_str(),
                    &OperatorChange {
                        pin_hash: Some(&hash),
                        ..OperatorChange::default()
                    },
                    now,
                )?;
            }
            audit::append(
                tx,
                now,
                operator.id.as_str(),
                AuditAction::ChangePin,
                None,
                None,
            )?;
            Ok(())
        })
    }
}
