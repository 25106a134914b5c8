//! `facepay serve` and `facepay bridge-token`: the HIS bridge for counters
//! without a panel, and its token for IT.

use std::io::Write;
use std::sync::Arc;

use serde_json::{Value, json};

use facepay_bridge::TokenSource;
use facepay_core::api::{
    Admin, ConfigError, DEFAULT_BRIDGE_LISTEN, Desk, DeskError, bridge_listen, central_worker,
    outbox_worker,
};

fn token_override() -> Option<String> {
    std::env::var("FACEPAY_BRIDGE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
}

/// Whether `FACEPAY_BRIDGE_TOKEN` sets the bridge's token.
pub fn token_from_environment() -> bool {
    token_override().is_some()
}

fn token_source(desk: &Desk) -> Result<TokenSource, DeskError> {
    let over = token_override();
    let source = TokenSource::open(&desk.config().bridge.token_file, over.as_deref()).map_err(
        |message| {
            DeskError::Config(ConfigError {
                field: "bridge.token_file".into(),
                message,
            })
        },
    )?;
    // Whoever first finds the file readable by others says so, here as in the bridge.
    if source.take_loose() {
        desk.audit_bridge(
            facepay_core::api::AuditAction::TokenFileModeFixed,
            None,
            Some(&source.path().display().to_string()),
        )?;
    }
    Ok(source)
}

pub async fn serve(desk: Desk, listen: Option<&str>) -> Result<Value, DeskError> {
    let addr = match listen {
        Some(text) => bridge_listen(text, "--listen")?,
        None => match desk.config().bridge.listen {
            Some(addr) => addr,
            None => bridge_listen(DEFAULT_BRIDGE_LISTEN, "bridge.listen")?,
        },
    };
    let token = Arc::new(token_source(&desk)?);
    let token_file = token.path().display().to_string();
    let desk = Arc::new(desk);
    let shipping = Arc::clone(&desk);
    let worker = tokio::spawn(async move {
        tokio::join!(
            outbox_worker(Arc::clone(&shipping)),
            central_worker(shipping)
        );
    });
    let served = Arc::clone(&desk);
    let bridge = facepay_bridge::start(Arc::new(move || Arc::clone(&served)), addr, token)
        .await
        .map_err(|e| {
            DeskError::Config(ConfigError {
                field: "bridge.listen".into(),
                message: e.to_string(),
            })
        })?;
    // One line for scripts and tests to wait on (the port, when 0 was asked).
    let ready = json!({
        "listening": bridge.addr().to_string(),
        "tokenFile": token_file,
        "terminal": desk.transport_description(),
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{ready}");
    let _ = out.flush();
    drop(out);
    stopped().await;
    let addr = bridge.addr();
    bridge.stop().await;
    worker.abort();
    Ok(json!({"stopped": addr.to_string()}))
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub fn token(desk: &Desk, admin: &Admin, rotate: bool, raw: bool) -> Result<Value, DeskError> {
    let source = token_source(desk)?;
    let token = if rotate {
        let token = source.rotate().map_err(|message| {
            DeskError::Config(ConfigError {
                field: "bridge.token_file".into(),
                message,
            })
        })?;
        desk.audit_admin(
            admin,
            facepay_core::api::AuditAction::BridgeTokenRotated,
            Some(&format!(
                "facepay bridge-token --rotate; now {}",
                token.masked()
            )),
        )?;
        token
    } else {
        source.current()
    };
    if !rotate {
        desk.audit_admin(
            admin,
            facepay_core::api::AuditAction::BridgeTokenShown,
            Some("facepay bridge-token"),
        )?;
    }
    if raw {
        return Ok(Value::String(token.reveal().to_owned()));
    }
    Ok(json!({
        "token": token.reveal(),
        "file": source.path().display().to_string(),
        "rotated": rotate,
        "fromEnvironment": source.is_overridden(),
    }))
}
