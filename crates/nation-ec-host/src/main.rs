//! `nation-ec-host --dll PATH --center-url URL [--listen 127.0.0.1:4302] [--token T] [--exit-on-stdin-close]`:
//! see the library's documentation and `docs/nation-ec-host.md`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nation_ec_host::{Config, DEFAULT_QUEUE_LIMIT, HostError};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(
    name = "nation-ec-host",
    version,
    about = "在本机回环地址上代理厂商动态库 NationECCode（POST 请求报文，返回应答报文），供收银台的 http 终端连接"
)]
struct Args {
    /// The vendor library (`NationECCode.dll`, or a `.so` on Linux).
    #[arg(long, value_name = "PATH")]
    dll: PathBuf,
    /// The 电子凭证中台 URL passed to the library on every call.
    #[arg(long, value_name = "URL")]
    center_url: String,
    /// Loopback only: the envelope carries a name and 证件号.
    #[arg(long, value_name = "127.0.0.1:PORT", default_value = "127.0.0.1:4302")]
    listen: SocketAddr,
    /// Require `Authorization: Bearer TOKEN` on every request. The environment
    /// variable keeps it out of the process list.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "NATION_EC_HOST_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Seconds a request may wait for its answer, queued or in the library.
    #[arg(long, value_name = "SECS", default_value_t = 150)]
    call_timeout: u64,
    /// Requests that may run or wait at once; more are refused (503).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_QUEUE_LIMIT)]
    queue_limit: usize,
    /// Stop when standard input closes: the panel that started this host
    /// holds it open, so the host ends with the panel even when the panel
    /// crashes or is killed.
    #[arg(long)]
    exit_on_stdin_close: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NATION_EC_HOST_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(|| nhsa_terminal::mask::ScrubbingWriter(std::io::stderr()))
        .with_ansi(false)
        .init();
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            print_line(&json!({"code": "usage", "message": e.to_string().trim()}));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            print_line(&json!({"code": "runtime", "message": e.to_string()}));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(stopped) => {
            print_line(&stopped);
            ExitCode::SUCCESS
        }
        Err(e) => {
            print_line(&e.to_json());
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}

async fn run(args: Args) -> Result<Value, HostError> {
    let dll_path = into_dll_folder(args.dll);
    let dll = dll_path.display().to_string();
    let config = Config {
        token: args.token,
        call_timeout: Duration::from_secs(args.call_timeout),
        queue_limit: args.queue_limit,
        ..Config::new(dll_path, &args.center_url, args.listen)
    };
    let token = config.token.is_some();
    let host = nation_ec_host::start(config).await?;
    // One line for scripts and the panel to wait on (the port, when 0 was asked).
    print_line(&json!({
        "listening": host.addr().to_string(),
        "url": host.url(),
        "dll": dll,
        "centerUrl": args.center_url,
        "token": token,
    }));
    stopped(args.exit_on_stdin_close).await;
    let addr = host.addr();
    host.stop().await;
    Ok(json!({"stopped": addr.to_string()}))
}

/// Vendor libraries read their configuration files and logs relative to the
/// working directory as often as to their own folder: this process exists for
/// the library, so it works in the library's folder, whoever started it.
/// A bare name (found by the system's search) leaves it where it is.
fn into_dll_folder(dll: PathBuf) -> PathBuf {
    if dll.components().count() < 2 {
        return dll;
    }
    let full = std::path::absolute(&dll).unwrap_or(dll);
    if let Some(folder) = full.parent()
        && let Err(e) = std::env::set_current_dir(folder)
    {
        tracing::warn!("cannot work in {}: {e}", folder.display());
    }
    full
}

fn print_line(value: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

/// A signal (see [`signalled`]), or with `stdin_close` standard input closing.
async fn stopped(stdin_close: bool) {
    if !stdin_close {
        return signalled().await;
    }
    let (closed, on_close) = tokio::sync::oneshot::channel::<()>();
    // A plain thread, not spawn_blocking: a read blocked on stdin must not
    // hold up the runtime's shutdown once a signal has stopped the host.
    let watching = std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut sink = [0u8; 256];
            loop {
                match stdin.read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = closed.send(());
        });
    if let Err(e) = watching {
        tracing::warn!("cannot watch standard input: {e}");
        return signalled().await;
    }
    tokio::select! {
        _ = signalled() => {}
        _ = on_close => tracing::info!("standard input closed: stopping"),
    }
}

/// Waits for ever when no handler can be installed (e.g. no console): the
/// host must not stop the moment it started.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Ctrl-C, or SIGTERM (Unix), or Ctrl-Break / the console closing (Windows).
async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                ctrl_c().await;
            }
        }
    }
    #[cfg(windows)]
    {
        // Closing its console window sends CTRL_CLOSE: stop as for Ctrl-C.
        use tokio::signal::windows::{ctrl_break, ctrl_close};
        match (ctrl_break(), ctrl_close()) {
            (Ok(mut brk), Ok(mut close)) => {
                tokio::select! {
                    _ = ctrl_c() => {}
                    _ = brk.recv() => {}
                    _ = close.recv() => {}
                }
            }
            _ => {
                ctrl_c().await;
            }
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        ctrl_c().await;
    }
}
