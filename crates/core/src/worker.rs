//! The background delivery loop: retries due notifications, notices calls
//! orphaned by processes that died meanwhile, and keeps the journal from
//! keeping what it should not (hourly housekeeping).

use std::sync::Arc;
use std::time::Duration;

use crate::Desk;

const IDLE: Duration = Duration::from_secs(30);
const HOUSEKEEPING: Duration = Duration::from_secs(3600);

/// Deliver due notifications forever (spawn it on the app's runtime; abort
/// the task to stop it). Woken early by `Desk::wake_worker`.
pub async fn outbox_worker(desk: Arc<Desk>) {
    {
        let mut kept_house: Option<std::time::Instant> = None;
        loop {
            if kept_house.is_none_or(|t| t.elapsed() >= HOUSEKEEPING) {
                kept_house = Some(std::time::Instant::now());
                match desk.housekeeping() {
                    Ok(p) if p.visits + p.settlements > 0 => {
                        tracing::info!(
                            visits = p.visits,
                            settlements = p.settlements,
                            "identities past retention purged"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("housekeeping failed: {e}"),
                }
            }
            if let Err(e) = desk.recover_orphans() {
                tracing::error!("recovering orphaned calls failed: {e}");
            }
            match desk.deliver_due().await {
                Ok(reports) if !reports.is_empty() => {
                    tracing::info!(count = reports.len(), "outbox deliveries attempted");
                }
                Ok(_) => {}
                Err(e) => tracing::error!("outbox delivery failed: {e}"),
            }
            let wait = match desk.next_retry_at() {
                Ok(Some(at)) => (at - desk.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(IDLE),
                _ => IDLE,
            };
            tokio::select! {
                () = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
                () = desk.wake.notified() => {}
            }
        }
    }
}

impl Desk {
    /// Ask the worker to look at the outbox now.
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }
}
