//! `facepay central …`: the hospital's central server, for IT and scripts.

use std::io::{BufRead, IsTerminal};

use serde_json::{Value, json};

use facepay_core::api::{Charset, Desk, DeskError, GroupBy, SYNC_PATIENCE};

use crate::admin::{admin, reviewer};
use crate::args::{ByArg, CentralCommand};
use crate::run::to_json;

/// One line of standard input (a key, a password), or typed without echo;
/// `whole`: all of it (what `identity-key --show` printed, piped as it is).
fn secret_line(prompt: &str, field: &'static str, whole: bool) -> Result<String, DeskError> {
    let unreadable = |e: std::io::Error| DeskError::Invalid {
        field,
        message: format!("无法读取：{e}"),
    };
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(unreadable)?
    } else {
        let mut line = String::new();
        // Bounded: a key or a password, never a file piped by mistake.
        let mut input = std::io::stdin().lock().take(4096);
        if whole {
            input.read_to_string(&mut line).map_err(unreadable)?;
        } else {
            input.read_line(&mut line).map_err(unreadable)?;
        }
        line
    };
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(DeskError::Invalid {
            field,
            message: "标准输入为空".into(),
        });
    }
    Ok(line)
}

use std::io::Read as _;

pub fn run(
    desk: &Desk,
    admin_id: Option<&str>,
    command: CentralCommand,
) -> Result<Value, DeskError> {
    match command {
        CentralCommand::Init => {
            let admin = admin(desk, admin_id)?;
            to_json(desk.central_init(&admin)?)
        }
        CentralCommand::IdentityKey { show: true, .. } => {
            let admin = admin(desk, admin_id)?;
            Ok(json!({"identityKey": desk.central_identity_key(&admin)?}))
        }
        CentralCommand::IdentityKey { replace, .. } => {
            let admin = admin(desk, admin_id)?;
            let hex = secret_line("全院身份密钥（64 位十六进制）：", "identity-key", true)?;
            desk.central_enroll_key(&admin, &hex, replace)?;
            Ok(json!({"enrolled": true}))
        }
        CentralCommand::Password => {
            let admin = admin(desk, admin_id)?;
            let password = secret_line("全院库密码：", "password", false)?;
            desk.central_set_password(&admin, &password)?;
            Ok(json!({"saved": true}))
        }
        CentralCommand::Sync { wait } => {
            let patience = if wait {
                SYNC_PATIENCE
            } else {
                std::time::Duration::ZERO
            };
            to_json(desk.central_sync(patience)?)
        }
        CentralCommand::Summary { date, .. } => to_json(desk.central_summary(&date)?),
        CentralCommand::Status { .. } => to_json(desk.central_status()?),
        CentralCommand::Report { from, to, by, csv } => {
            let by = match by {
                ByArg::Counter => GroupBy::Counter,
                ByArg::Operator => GroupBy::Operator,
                ByArg::Office => GroupBy::Office,
                ByArg::Day => GroupBy::Day,
            };
            let report = desk.central_report(&from, &to, by)?;
            if !csv {
                return to_json(report);
            }
            // Printed as it is, like any bare string the CLI answers.
            let bytes = facepay_core::api::report_csv(&report)?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|e| DeskError::Internal(format!("CSV 不是 UTF-8：{e}")))
        }
        CentralCommand::Differences { date } => {
            let reviewer = reviewer(desk, admin_id)?;
            to_json(desk.open_differences(&reviewer, &date)?)
        }
        CentralCommand::Explain { difference, note } => {
            let reviewer = reviewer(desk, admin_id)?;
            desk.explain_difference(&reviewer, difference, &note)?;
            Ok(json!({"explained": difference}))
        }
        CentralCommand::Restore { counter } => {
            let admin = admin(desk, admin_id)?;
            to_json(desk.central_restore(&admin, &counter)?)
        }
        CentralCommand::Person { limit } => {
            let reviewer = reviewer(desk, admin_id)?;
            if !(1..=facepay_core::api::MAX_SEARCH).contains(&limit) {
                return Err(DeskError::Invalid {
                    field: "limit",
                    message: format!("应在 1 到 {} 之间", facepay_core::api::MAX_SEARCH),
                });
            }
            let id_no = secret_line("证件号：", "idNo", false)?;
            to_json(desk.central_person(&reviewer, &id_no, limit)?)
        }
    }
}

/// `facepay reconcile`: the HIS's file, bounded, in the charset it declares.
pub fn reconcile(
    desk: &Desk,
    admin_id: Option<&str>,
    file: &std::path::Path,
    date: &str,
    charset: &str,
) -> Result<Value, DeskError> {
    let reviewer = reviewer(desk, admin_id)?;
    let charset = Charset::from_label(charset).ok_or_else(|| DeskError::Invalid {
        field: "charset",
        message: "应为 utf-8、gbk 或 gb18030".into(),
    })?;
    let limit = facepay_core::api::MAX_HIS_FILE_BYTES as u64;
    let unreadable = |e: std::io::Error| DeskError::Invalid {
        field: "file",
        message: format!("无法读取 {}：{e}", file.display()),
    };
    let mut bytes = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
    }
    to_json(desk.reconcile(&reviewer, date, &bytes, charset)?)
}
