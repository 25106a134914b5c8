//! Each command: parse, call the service, return JSON.

use std::io::Read;

use serde_json::{Value, json};

use facepay_core::journal::calls::Resolution;
use facepay_core::journal::export::ExportFormat;
use facepay_core::journal::history::HistoryFilter;
use facepay_core::terminal::protocol::notify::SettleNotifyDraft;
use facepay_core::terminal::protocol::validation::from_json;
use facepay_core::{Desk, DeskConfig, DeskError};

use crate::args::{Cli, Command, Format, Outcome};

fn to_json(v: impl serde::Serialize) -> Result<Value, DeskError> {
    serde_json::to_value(v)
        .map_err(|e| DeskError::Journal(facepay_core::journal::JournalError::Export(e.to_string())))
}

pub async fn run(cli: Cli) -> Result<Value, DeskError> {
    let config = DeskConfig::load(cli.config.as_deref())?;
    let desk = Desk::open(config, "facepay-cli")?;
    match cli.command {
        Command::Auth => {
            let cancel = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            to_json(desk.face_auth(cancel).await?)
        }
        Command::Identity { visit } => to_json(desk.fetch_identity(&visit).await?),
        Command::Notify { json } => {
            let text = if json.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(facepay_core::journal::JournalError::Io)?;
                s
            } else {
                std::fs::read_to_string(&json).map_err(facepay_core::journal::JournalError::Io)?
            };
            let draft: SettleNotifyDraft = from_json(&text)?;
            to_json(desk.notify(draft).await?)
        }
        Command::History(a) => {
            let a = *a;
            let filter = HistoryFilter {
                from: a.from,
                to: a.to,
                operator_id: a.operator,
                office_id: a.office,
                state: a.state,
                biz_type: a.biz_type,
                user_name: a.name,
                id_last4: a.id_last4,
                out_biz_no: a.out_biz_no,
                auth_no: a.auth_no,
                medical_settle_no: a.settle_no,
                before: a.before,
                limit: a.limit,
            };
            to_json(desk.history(&filter)?)
        }
        Command::Visit { out_biz_no } => to_json(desk.visit(&out_biz_no)?),
        Command::Summary { date, operator } => to_json(desk.summary(&date, operator.as_deref())?),
        Command::CloseDay { date } => to_json(desk.close_day(&date)?),
        Command::Export {
            from,
            to,
            format,
            out,
            unmasked,
        } => {
            let filter = HistoryFilter {
                from: Some(from),
                to: Some(to),
                ..HistoryFilter::default()
            };
            let format = match format {
                Format::Csv => ExportFormat::Csv,
                Format::Xlsx => ExportFormat::Xlsx,
            };
            let rows = desk.export(&filter, format, unmasked, &out, |n| {
                tracing::info!(rows = n, "exporting")
            })?;
            Ok(json!({"rows": rows, "file": out.display().to_string(), "masked": !unmasked}))
        }
        Command::Outbox { deliver } => {
            let delivered = if deliver {
                Some(desk.deliver_due().await?)
            } else {
                None
            };
            Ok(json!({"attempted": to_json(delivered)?, "undelivered": to_json(desk.outbox()?)?}))
        }
        Command::Resend { settlement } => to_json(desk.resend(settlement).await?),
        Command::Pending => to_json(desk.pending()?),
        Command::Resolve {
            call,
            outcome,
            reason,
        } => {
            let resolution = match outcome {
                Outcome::Ok => Resolution::ConfirmedOk,
                Outcome::Failed => Resolution::ConfirmedFailed,
            };
            to_json(desk.resolve(call, resolution, &reason)?)
        }
    }
}
