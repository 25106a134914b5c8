//! What the shell holds between commands: the workflow service (replaced
//! when settings are saved), the pending face-scan cancel, the outbox worker.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use facepay_core::api::{
    Admin, Desk, DeskConfig, DeskError, Operator, Reviewer, Role, central_worker, outbox_worker,
};
use tokio::sync::oneshot;

use crate::IpcError;
use crate::bridge::BridgeSlot;

/// The current desk, shared with the HIS bridge (which asks for it on every
/// request, so saving 设置 switches both).
pub type DeskCell = Arc<RwLock<Arc<Desk>>>;

pub struct AppState {
    desk: DeskCell,
    /// The HIS bridge the panel serves, when `[bridge] listen` is set.
    pub bridge: BridgeSlot,
    /// Where 设置 are saved: `FACEPAY_CONFIG`, or `facepay.toml` in the app's config folder.
    pub settings_file: Option<PathBuf>,
    /// A configuration that could not be used at start: the panel shows the
    /// setup screen (the simulator behind it, on its own demo journal).
    /// Cleared once 设置 are saved: the panel then leaves its setup screen.
    pub startup_error: Mutex<Option<String>>,
    pub started: Instant,
    /// Smoke tests and start-time measurement: exit once the page is interactive.
    pub exit_after_ready: bool,
    /// Export straight into this folder instead of asking (FACEPAY_EXPORT_DIR).
    pub export_dir: Option<PathBuf>,
    face_cancel: Mutex<Option<oneshot::Sender<()>>>,
    worker: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings_file", &self.settings_file)
            .finish_non_exhaustive()
    }
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

impl AppState {
    /// Load the configuration and open the journal. A configuration that cannot
    /// be used does not stop the panel: it opens on the simulator and shows why.
    pub fn start(config_dir: Option<PathBuf>) -> Result<Self, DeskError> {
        let settings_file = env("FACEPAY_CONFIG")
            .map(PathBuf::from)
            .or_else(|| config_dir.map(|d| d.join("facepay.toml")));
        let existing = settings_file.as_deref().filter(|p| p.exists());
        let (config, startup_error) =
            match DeskConfig::load_with(
                existing,
                |k| {
                    if k == "FACEPAY_CONFIG" { None } else { env(k) }
                },
            ) {
                Ok(c) => (c, None),
                Err(e) => {
                    tracing::error!("configuration refused, starting in 演示模式: {e}");
                    let demo = DeskConfig::load_with(None, |k| {
                        (k == "FACEPAY_DB").then(|| env(k)).flatten()
                    })?;
                    (demo, Some(e.to_string()))
                }
            };
        let desk = Desk::open(config, "facepay-desk")?;
        let mut state = Self::with_desk(desk, settings_file);
        state.startup_error = Mutex::new(startup_error);
        state.exit_after_ready = env("FACEPAY_EXIT_AFTER_READY").is_some();
        state.export_dir = env("FACEPAY_EXPORT_DIR").map(PathBuf::from);
        Ok(state)
    }

    pub fn with_desk(desk: Desk, settings_file: Option<PathBuf>) -> Self {
        Self {
            desk: Arc::new(RwLock::new(Arc::new(desk))),
            bridge: BridgeSlot::default(),
            settings_file,
            startup_error: Mutex::new(None),
            started: Instant::now(),
            exit_after_ready: false,
            export_dir: None,
            face_cancel: Mutex::new(None),
            worker: Mutex::new(None),
        }
    }

    pub fn desk(&self) -> Arc<Desk> {
        Arc::clone(&self.desk.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The signed-in operator, for a cashier's action (a click: it keeps the panel awake).
    pub fn cashier(&self) -> Result<Operator, IpcError> {
        Ok(self.desk().require(Role::Cashier)?)
    }

    /// The signed-in operator, for what the panel polls (it does not keep an idle panel awake).
    pub fn polled(&self) -> Result<Operator, IpcError> {
        Ok(self.desk().check(Role::Cashier)?)
    }

    /// The signed-in operator whatever the role (交班, their own PIN).
    pub fn signed_in(&self) -> Result<Operator, IpcError> {
        Ok(self.desk().require_signed_in()?)
    }

    /// The signed-in 财务/信息科 or administrator: the hospital's views.
    pub fn reviewer(&self) -> Result<Reviewer, IpcError> {
        Ok(self.desk().require_reviewer(true)?)
    }

    /// The signed-in administrator.
    pub fn admin(&self) -> Result<Admin, IpcError> {
        Ok(self.desk().require_admin()?)
    }

    /// The signed-in administrator, for what an administrator's screen polls.
    pub fn polled_admin(&self) -> Result<Admin, IpcError> {
        Ok(self.desk().check(Role::Admin)?.admin()?)
    }

    /// 设置: an administrator's — except while the configuration could not be
    /// used at start, when the setup screen is open to whoever installs the
    /// counter (no journal of the hospital is open then: the panel runs on
    /// its demo journal).
    pub fn settings_access(&self) -> Result<Option<Admin>, IpcError> {
        let broken = self
            .startup_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        if broken {
            return Ok(None);
        }
        self.admin().map(Some)
    }

    pub fn desk_cell(&self) -> DeskCell {
        Arc::clone(&self.desk)
    }

    /// New settings: a new service over the new transport (the operator
    /// stays signed in); the worker follows.
    pub fn replace_desk(&self, desk: Desk) {
        let desk = desk.keep_seat_of(&self.desk());
        *self.desk.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(desk);
        self.spawn_worker();
    }

    pub fn spawn_worker(&self) {
        let desk = self.desk();
        let task = tauri::async_runtime::spawn(async move {
            // Both for as long as this desk lives; aborting the task stops both.
            tokio::join!(outbox_worker(Arc::clone(&desk)), central_worker(desk));
        });
        if let Some(old) = self
            .worker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(task)
        {
            old.abort();
        }
    }

    /// Arm the cancel of a face scan; the returned future resolves only when
    /// 取消 is pressed (not when the scan ends and the sender is dropped).
    pub fn arm_cancel(&self) -> impl std::future::Future<Output = ()> + use<> {
        let (tx, rx) = oneshot::channel();
        *self.face_cancel.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        async move {
            if rx.await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    pub fn cancel_face_auth(&self) -> bool {
        match self
            .face_cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            Some(tx) => tx.send(()).is_ok(),
            None => false,
        }
    }

    pub fn disarm_cancel(&self) {
        self.face_cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}
