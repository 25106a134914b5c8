//! The HIS bridge the panel serves (`[bridge] listen`): started with the
//! app, restarted when 设置 change its address, stopped when it is cleared.
//! The bridge itself lives in `facepay-bridge`; this only holds it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use facepay_bridge::{Bridge, RecentRequest, TokenSource};

use crate::state::DeskCell;

#[derive(Debug, Default)]
pub struct BridgeSlot(Mutex<Slot>);

#[derive(Debug, Default)]
struct Slot {
    running: Option<Bridge>,
    /// The token in force (also when the bridge could not start).
    token: Option<Arc<TokenSource>>,
    /// Why the bridge is not serving although it is configured.
    error: Option<String>,
}

impl BridgeSlot {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn addr(&self) -> Option<SocketAddr> {
        self.slot().running.as_ref().map(Bridge::addr)
    }

    pub fn error(&self) -> Option<String> {
        self.slot().error.clone()
    }

    pub fn token(&self) -> Option<Arc<TokenSource>> {
        self.slot().token.clone()
    }

    pub fn recent(&self) -> Vec<RecentRequest> {
        self.slot()
            .running
            .as_ref()
            .map(Bridge::recent)
            .unwrap_or_default()
    }

    /// Serve the desk's configured bridge address (stopping any bridge
    /// already running); none configured: stop.
    pub async fn follow(&self, desk: DeskCell) {
        let old = self.slot().running.take();
        if let Some(old) = old {
            old.stop().await;
        }
        let config = Arc::clone(&desk.read().unwrap_or_else(|p| p.into_inner()))
            .config()
            .bridge
            .clone();
        let token = std::env::var("FACEPAY_BRIDGE_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty());
        let token = match TokenSource::open(&config.token_file, token.as_deref()) {
            Ok(t) => Arc::new(t),
            Err(e) => {
                tracing::error!("bridge token unavailable: {e}");
                let mut slot = self.slot();
                slot.token = None;
                slot.error = Some(e);
                return;
            }
        };
        let Some(listen) = config.listen else {
            let mut slot = self.slot();
            slot.token = Some(token);
            slot.error = None;
            return;
        };
        let source = {
            let desk = Arc::clone(&desk);
            Arc::new(move || Arc::clone(&desk.read().unwrap_or_else(|p| p.into_inner())))
        };
        let started = facepay_bridge::start(source, listen, Arc::clone(&token)).await;
        let mut slot = self.slot();
        slot.token = Some(token);
        match started {
            Ok(bridge) => {
                slot.running = Some(bridge);
                slot.error = None;
            }
            Err(e) => {
                tracing::error!("HIS bridge not started: {e}");
                slot.error = Some(e.to_string());
            }
        }
    }
}
