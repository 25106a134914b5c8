//! The administrator's credential for protected commands, and `facepay
//! operators`. Scripts pass `--admin`/FACEPAY_ADMIN_ID and FACEPAY_ADMIN_PIN;
//! a person at a terminal is asked for the PIN without echo.

use std::io::IsTerminal;

use serde_json::Value;

use facepay_core::api::{
    Admin, Desk, DeskError, NewOperatorRequest, OperatorUpdate, Pin, Reviewer, Role, StaffId,
};

use crate::args::{OperatorsCommand, RoleArg};

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// A PIN from `variable`, else typed at the terminal; never from a pipe
/// (standard input carries the JSON of other commands).
fn pin_from(variable: &str, prompt: &str, field: &'static str) -> Result<Pin, DeskError> {
    if let Some(pin) = env(variable) {
        return Pin::named(pin, field);
    }
    if !std::io::stdin().is_terminal() {
        return Err(DeskError::Invalid {
            field,
            message: format!("没有 PIN：请设置环境变量 {variable}，或在终端中运行以输入"),
        });
    }
    let typed = rpassword::prompt_password(prompt).map_err(|e| DeskError::Invalid {
        field,
        message: format!("无法读取 PIN：{e}"),
    })?;
    Pin::named(typed, field)
}

/// The administrator named by `--admin` / FACEPAY_ADMIN_ID, checked against
/// their PIN (wrong PINs count towards the lockout, as in the panel).
pub fn admin(desk: &Desk, id: Option<&str>) -> Result<Admin, DeskError> {
    let (id, pin) = credential(id, Role::Admin)?;
    desk.authenticate_admin(&id, &pin)
}

/// The same for the hospital's views and 对账: a 财务/信息科 工号 or an
/// administrator's, given the same way (`--admin`, FACEPAY_ADMIN_PIN).
pub fn reviewer(desk: &Desk, id: Option<&str>) -> Result<Reviewer, DeskError> {
    let (id, pin) = credential(id, Role::Finance)?;
    desk.authenticate_reviewer(&id, &pin)
}

fn credential(id: Option<&str>, needs: Role) -> Result<(StaffId, Pin), DeskError> {
    let Some(id) = id else {
        return Err(DeskError::Forbidden { needs });
    };
    let id = StaffId::new(id).map_err(|_| DeskError::Invalid {
        field: "admin",
        message: format!("工号“{id}”格式不对"),
    })?;
    let pin = pin_from("FACEPAY_ADMIN_PIN", "PIN：", "adminPin")?;
    Ok((id, pin))
}

fn new_pin() -> Result<Pin, DeskError> {
    if let Some(pin) = env("FACEPAY_NEW_PIN") {
        return Pin::named(pin, "newPin");
    }
    let first = pin_from("FACEPAY_NEW_PIN", "新 PIN：", "newPin")?;
    let again = pin_from("FACEPAY_NEW_PIN", "再次输入新 PIN：", "newPin")?;
    if first == again {
        Ok(first)
    } else {
        Err(DeskError::Invalid {
            field: "newPin",
            message: "两次输入的 PIN 不一致".into(),
        })
    }
}

fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Cashier => Role::Cashier,
        RoleArg::Admin => Role::Admin,
        RoleArg::Finance => Role::Finance,
    }
}

fn json(v: impl serde::Serialize) -> Result<Value, DeskError> {
    serde_json::to_value(v).map_err(|e| DeskError::Internal(format!("无法输出 JSON：{e}")))
}

pub fn operators(
    desk: &Desk,
    admin_id: Option<&str>,
    command: OperatorsCommand,
) -> Result<Value, DeskError> {
    match command {
        OperatorsCommand::List => json(desk.operators(&admin(desk, admin_id)?)?),
        OperatorsCommand::Add { id, name, role: r } => {
            let request = NewOperatorRequest {
                id: StaffId::new(id)?,
                name,
                role: role(r),
                pin: new_pin()?,
            };
            if desk.seat_view()?.needs_first_admin {
                return json(desk.create_first_admin(request)?.view());
            }
            json(desk.add_operator(&admin(desk, admin_id)?, request)?)
        }
        OperatorsCommand::Update {
            id,
            name,
            role: r,
            enable,
            disable,
            reset_pin,
        } => {
            let admin = admin(desk, admin_id)?;
            let update = OperatorUpdate {
                name,
                role: r.map(role),
                active: match (enable, disable) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                pin: if reset_pin { Some(new_pin()?) } else { None },
            };
            json(desk.update_operator(&admin, &StaffId::new(id)?, update)?)
        }
    }
}
