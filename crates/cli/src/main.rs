//! `facepay`: the cashier workflow for hospital IT staff and scripts.
//!
//! JSON on stdout. On failure: a non-zero exit and `{"code", "message"}` on
//! stdout (2 for a usage error, 1 otherwise) — on stderr for `bridge-token`,
//! whose output scripts capture as the token. Logs go to stderr.

mod admin;
mod args;
mod central;
mod run;
mod serve;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

fn main() -> ExitCode {
    let args = match args::Cli::try_parse() {
        Ok(args) => args,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            print_json(&json!({"code": "usage", "message": e.render().to_string().trim()}));
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FACEPAY_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(|| facepay_core::api::ScrubbingWriter(std::io::stderr()))
        .init();
    // The bridge answers several HIS requests at once; a command does one thing.
    let runtime = if matches!(
        args.command,
        args::Command::Journal(args::JournalCommand::Serve { .. })
    ) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            print_json(&json!({"code": "runtime", "message": e.to_string()}));
            return ExitCode::FAILURE;
        }
    };
    // `TOKEN=$(facepay bridge-token --raw)`: an error must never land in
    // the variable as if it were the token.
    let errors_to_stderr = matches!(
        args.command,
        args::Command::Journal(args::JournalCommand::BridgeToken { .. })
    );
    match runtime.block_on(run::run(args)) {
        Ok(value) => {
            print_json(&value);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let error = json!({"code": e.code(), "message": e.to_string(), "field": e.field(), "advice": e.advice()});
            if errors_to_stderr {
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(&error).unwrap_or_default()
                );
            } else {
                print_json(&error);
            }
            ExitCode::FAILURE
        }
    }
}

fn print_json(value: &serde_json::Value) {
    use std::io::Write;
    // A bare string (`bridge-token --raw`) prints as itself, for `$(…)`.
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        v => serde_json::to_string_pretty(v)
            .unwrap_or_else(|e| format!("{{\"code\":\"encode\",\"message\":\"{e}\"}}")),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}
