//! 操作员: the administrator's list of operators — adding one (its PIN
//! hashed with argon2id), renaming, changing a role, disabling, resetting a
//! PIN — never leaving the counter without an administrator.

use facepay_central::directory;
use facepay_journal::AuditAction;
use facepay_journal::audit::{self};
use facepay_journal::operators::{self, NewOperator, OperatorChange, OperatorInfo};
use nhsa_terminal::protocol::OperatorName;
use serde::Deserialize;

use crate::access::{Admin, Pin, Role, StaffId};
use crate::desk::Desk;
use crate::error::DeskError;

/// A new operator, as the administrator types it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewOperatorRequest {
    pub id: StaffId,
    pub name: String,
    pub role: Role,
    pub pin: Pin,
}

/// What an administrator changes about an operator; absent fields stay.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OperatorUpdate {
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub role: Option<Role>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub active: Option<bool>,
    /// A new PIN (重置 PIN); it also lifts a lockout.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub pin: Option<Pin>,
}

pub(crate) fn operator_name(name: &str) -> Result<OperatorName, DeskError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DeskError::Invalid {
            field: "name",
            message: "请输入姓名".into(),
        });
    }
    OperatorName::new(name).map_err(|e| DeskError::Invalid {
        field: "name",
        message: e.problem.to_string(),
    })
}

impl Desk {
    pub fn operators(&self, _admin: &Admin) -> Result<Vec<OperatorInfo>, DeskError> {
        self.read(operators::list)
    }

    pub fn add_operator(
        &self,
        admin: &Admin,
        request: NewOperatorRequest,
    ) -> Result<OperatorInfo, DeskError> {
        let name = operator_name(&request.name)?;
        let hash = request.pin.hash()?;
        let central = self.directory_is_central();
        if central {
            self.in_directory(admin.id(), |client, key, by, now| {
                directory::add(
                    client,
                    key,
                    admin.id(),
                    &directory::NewEntry {
                        id: request.id.as_str(),
                        name: name.as_str(),
                        role: request.role,
                        pin_hash: &hash,
                    },
                    by,
                    now,
                )
            })?;
        }
        self.write(|tx, now, _| {
            if !central {
                operators::insert(
                    tx,
                    &NewOperator {
                        id: request.id.as_str(),
                        name: name.as_str(),
                        role: request.role,
                        pin_hash: &hash,
                    },
                    admin.id(),
                    now,
                )?;
            }
            audit::append(
                tx,
                now,
                admin.id(),
                AuditAction::CreateOperator,
                Some(&format!("operator:{}", request.id)),
                Some(request.role.as_str()),
            )?;
            Ok(())
        })?;
        self.operator_info(request.id.as_str())
    }

    /// Change an operator; the last active administrator can be neither
    /// demoted nor disabled (the counter would have no one to manage it).
    pub fn update_operator(
        &self,
        admin: &Admin,
        id: &StaffId,
        update: OperatorUpdate,
    ) -> Result<OperatorInfo, DeskError> {
        let name = update.name.as_deref().map(operator_name).transpose()?;
        let hash = update.pin.as_ref().map(Pin::hash).transpose()?;
        let demotes = update.role.is_some_and(|r| r != Role::Admin) || update.active == Some(false);
        let central = self.directory_is_central();
        if central {
            // The server keeps the hospital's last administrator.
            self.in_directory(admin.id(), |client, key, by, now| {
                directory::update(
                    client,
                    key,
                    admin.id(),
                    id.as_str(),
                    &directory::Change {
                        name: name.as_ref().map(OperatorName::as_str),
                        role: update.role,
                        active: update.active,
                        pin_hash: hash.as_deref(),
                    },
                    by,
                    now,
                )
            })?;
        }
        self.write(|tx, now, _| {
            if !central {
                self.update_in_journal(tx, id, &update, name.as_ref(), hash.as_deref(), now)?;
            }
            let changed: Vec<&str> = [
                name.as_ref().map(|_| "name"),
                update.role.map(Role::as_str),
                update
                    .active
                    .map(|a| if a { "enabled" } else { "disabled" }),
                hash.as_ref().map(|_| "pin reset"),
            ]
            .into_iter()
            .flatten()
            .collect();
            audit::append(
                tx,
                now,
                admin.id(),
                AuditAction::UpdateOperator,
                Some(&format!("operator:{id}")),
                Some(&changed.join(", ")),
            )?;
            Ok(())
        })?;
        // A disabled or demoted operator who is signed in loses the seat's powers now.
        if let Some(seated) = self.seat.occupant()
            && seated.id == *id
            && demotes
        {
            self.seat.leave();
        }
        self.operator_info(id.as_str())
    }

    /// Without a server: the change in this journal, keeping its last administrator.
    fn update_in_journal(
        &self,
        tx: &facepay_journal::Transaction<'_>,
        id: &StaffId,
        update: &OperatorUpdate,
        name: Option<&OperatorName>,
        hash: Option<&str>,
        now: &facepay_journal::clock::Stamp,
    ) -> Result<(), DeskError> {
        let Some(current) = operators::get(tx, id.as_str())? else {
            return Err(DeskError::NotFound(format!("没有工号 {id}")));
        };
        let demotes = update.role.is_some_and(|r| r != Role::Admin) || update.active == Some(false);
        if demotes
            && current.role == Role::Admin
            && current.active
            && operators::other_active_admins(tx, id.as_str())? == 0
        {
            return Err(DeskError::Invalid {
                field: if update.active == Some(false) {
                    "active"
                } else {
                    "role"
                },
                message: "这是唯一的管理员，不能停用或改为其他角色".into(),
            });
        }
        operators::update(
            tx,
            id.as_str(),
            &OperatorChange {
                name: name.map(OperatorName::as_str),
                role: update.role,
                active: update.active,
                pin_hash: hash,
            },
            now,
        )?;
        Ok(())
    }

    fn operator_info(&self, id: &str) -> Result<OperatorInfo, DeskError> {
        self.read(operators::list)?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or_else(|| DeskError::NotFound(format!("没有工号 {id}")))
    }
}
