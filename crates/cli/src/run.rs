//! Each command: parse, call the service, return JSON.

use std::io::Read;

use serde_json::{Value, json};

use facepay_core::api::{
    AuditFilter, CallId, Checkout, Desk, DeskConfig, DeskError, ExportFormat, ExportRequest,
    HistoryFilter, RefundRequest, Resolution, ScanRequest, SettlementId, Source, parse_json,
};

use crate::admin::{admin, operators};
use crate::args::{Cli, Command, Format, HistoryArgs, JournalCommand, Outcome};

pub fn to_json(v: impl serde::Serialize) -> Result<Value, DeskError> {
    serde_json::to_value(v).map_err(|e| DeskError::Internal(format!("无法输出 JSON：{e}")))
}

/// A JSON document from a file, or from standard input for `-`.
fn read_json(source: &std::path::Path) -> Result<String, DeskError> {
    let read = if source.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(source)
    };
    read.map_err(|e| DeskError::Invalid {
        field: "json",
        message: format!("无法读取 {}：{e}", source.display()),
    })
}

pub async fn run(cli: Cli) -> Result<Value, DeskError> {
    let config = DeskConfig::load(cli.config.as_deref())?;
    let command = match cli.command {
        Command::Rekey => {
            // The credential is checked on the journal as it is, which is then closed for the rewrite.
            admin(
                &Desk::open_offline(config.clone(), "facepay-cli")?,
                cli.admin.as_deref(),
            )?;
            return to_json(facepay_core::api::rekey(
                &config,
                std::sync::Arc::new(facepay_core::api::SystemClock),
            )?);
        }
        Command::Journal(command) => command,
    };
    let desk = if command.calls_the_terminal() {
        Desk::open(config, "facepay-cli")?
    } else {
        Desk::open_offline(config, "facepay-cli")?
    };
    match command {
        JournalCommand::Auth => {
            let cancel = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            to_json(
                desk.face_auth_for(ScanRequest::by(Source::Cli), cancel)
                    .await?,
            )
        }
        JournalCommand::Qrcode => {
            let cancel = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            to_json(
                desk.qrcode_for(ScanRequest::by(Source::Cli), cancel)
                    .await?,
            )
        }
        JournalCommand::Serve { listen } => {
            // A token of one's own choosing opens a bridge that discloses
            // identities: only an administrator may set one.
            if crate::serve::token_from_environment() {
                admin(&desk, cli.admin.as_deref())?;
            }
            crate::serve::serve(desk, listen.as_deref()).await
        }
        JournalCommand::BridgeToken { rotate, raw } => {
            let admin = admin(&desk, cli.admin.as_deref())?;
            crate::serve::token(&desk, &admin, rotate, raw)
        }
        JournalCommand::Operators(command) => operators(&desk, cli.admin.as_deref(), command),
        JournalCommand::Central(command) => {
            crate::central::run(&desk, cli.admin.as_deref(), command)
        }
        JournalCommand::Reconcile {
            file,
            date,
            charset,
        } => crate::central::reconcile(&desk, cli.admin.as_deref(), &file, &date, &charset),
        JournalCommand::Audit {
            from,
            to,
            operator,
            action,
            limit,
        } => {
            let admin = admin(&desk, cli.admin.as_deref())?;
            let filter = AuditFilter {
                from,
                to,
                operator_id: operator,
                action,
                before_id: None,
                limit,
            };
            to_json(desk.audit_log(&admin, &filter)?)
        }
        JournalCommand::Purge { older_than_days } => {
            let admin = admin(&desk, cli.admin.as_deref())?;
            to_json(desk.purge(&admin, older_than_days)?)
        }
        JournalCommand::Identity { visit } => to_json(desk.fetch_identity(&visit).await?),
        JournalCommand::Notify { json } => {
            let draft: Checkout = parse_json(&read_json(&json)?)?;
            to_json(desk.notify_from(draft, Source::Cli).await?)
        }
        JournalCommand::Refund { settlement, json } => {
            let request = refund_request(settlement, json.as_deref())?;
            to_json(desk.refund_from(request, Source::Cli).await?)
        }
        JournalCommand::History(a) => to_json(desk.history(&history_filter(*a)?)?),
        JournalCommand::Visit { out_biz_no } => to_json(desk.visit(&out_biz_no)?),
        JournalCommand::Summary { date, operator } => {
            to_json(desk.summary(&date, operator.as_deref())?)
        }
        JournalCommand::CloseDay { date } => to_json(desk.close_day(&date)?),
        JournalCommand::Export {
            from,
            to,
            format,
            out,
            unmasked,
        } => {
            let request = ExportRequest {
                from,
                to,
                format: match format {
                    Format::Csv => ExportFormat::Csv,
                    Format::Xlsx => ExportFormat::Xlsx,
                },
                unmasked,
            };
            export(&desk, &request, &out, cli.admin.as_deref())
        }
        JournalCommand::Outbox { deliver } => {
            let delivered = if deliver {
                Some(desk.deliver_due().await?)
            } else {
                None
            };
            Ok(json!({"attempted": to_json(delivered)?, "undelivered": to_json(desk.outbox()?)?}))
        }
        JournalCommand::Resend { settlement } => {
            to_json(desk.resend(SettlementId(settlement)).await?)
        }
        JournalCommand::Pending => to_json(desk.pending()?),
        JournalCommand::Resolve {
            call,
            outcome,
            reason,
        } => {
            let resolution = match outcome {
                Outcome::Ok => Resolution::ConfirmedOk,
                Outcome::Failed => Resolution::ConfirmedFailed,
            };
            let admin = admin(&desk, cli.admin.as_deref())?;
            to_json(desk.resolve(&admin, CallId(call), resolution, &reason)?)
        }
    }
}

/// A refund of `settlement`: in full, or as the JSON file at `changes` says
/// (the settlement comes from `--settlement`; the file holds the changes).
fn refund_request(
    settlement: i64,
    changes: Option<&std::path::Path>,
) -> Result<RefundRequest, DeskError> {
    let Some(source) = changes else {
        return Ok(RefundRequest::full(SettlementId(settlement)));
    };
    let mut changes: Value = parse_json(&read_json(source)?)?;
    if let Some(fields) = changes.as_object_mut() {
        fields.insert("settlementId".into(), json!(settlement));
    }
    parse_json(&changes.to_string())
}

/// `facepay history`'s flags as the desk's filter; code-table values read
/// through the same door as JSON, so a wrong one names its field.
fn history_filter(a: HistoryArgs) -> Result<HistoryFilter, DeskError> {
    Ok(HistoryFilter {
        from: a.from,
        to: a.to,
        operator_id: a.operator,
        office_id: a.office,
        state: a.state.as_deref().map(code("state")).transpose()?,
        biz_type: a.biz_type.as_deref().map(code("bizType")).transpose()?,
        user_name: a.name,
        id_last4: a.id_last4,
        out_biz_no: a.out_biz_no,
        auth_no: a.auth_no,
        medical_settle_no: a.settle_no,
        credential: a
            .credential
            .as_deref()
            .map(code("credential"))
            .transpose()?,
        before: a.before,
        limit: a.limit,
    })
}

/// Export to `out`; an unmasked one needs an administrator's credential.
fn export(
    desk: &Desk,
    request: &ExportRequest,
    out: &std::path::Path,
    credential: Option<&str>,
) -> Result<Value, DeskError> {
    let admin = if request.unmasked {
        Some(admin(desk, credential)?)
    } else {
        None
    };
    let rows = desk.export(
        request,
        out,
        |n| tracing::info!(rows = n, "exporting"),
        admin.as_ref(),
    )?;
    Ok(json!({"rows": rows, "file": out.display().to_string(), "masked": !request.unmasked}))
}

/// A code-table value given on the command line (`--state SUCCESS`), read
/// through the same door as JSON so the error names the field.
fn code<T: serde::de::DeserializeOwned>(
    field: &'static str,
) -> impl Fn(&str) -> Result<T, DeskError> {
    move |text| {
        // serde's own words list the accepted values (in English): kept, after ours.
        serde_json::from_value(Value::String(text.to_owned())).map_err(|e| DeskError::Invalid {
            field,
            message: format!("“{text}”不是可用的值，请照帮助里的写法（大小写也要一致）：{e}"),
        })
    }
}
