//! Logs: stderr and a daily file, 180 days kept, in a folder only this user
//! can open. Log lines carry outBizNo, codes and timings — never a name or a
//! full 证件号 (the engine only formats personal data masked; the end-to-end
//! test scans the panel's log for the people it served).

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

use facepay_core::api::ScrubbingWriter;

pub const KEEP_DAYS: usize = 180;

/// Keeps the file writer flushing for the life of the app.
pub struct Guard(#[allow(dead_code)] pub Option<WorkerGuard>);

pub fn init(dir: Option<PathBuf>) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env("FACEPAY_LOG").unwrap_or_else(|_| "info".into());
    // Every line scrubbed: a terminal's message may name a patient.
    let stderr = fmt::layer().with_writer(|| ScrubbingWriter(std::io::stderr()));
    let file = dir.and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
        Builder::new()
            .rotation(Rotation::DAILY)
            .filename_prefix("facepay-desk")
            .filename_suffix("log")
            .max_log_files(KEEP_DAYS)
            .build(dir)
            .ok()
    });
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let writer = move || ScrubbingWriter(writer.clone());
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(stderr)
                .with(fmt::layer().with_ansi(false).with_writer(writer))
                .try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(stderr)
                .try_init();
            None
        }
    }
}
