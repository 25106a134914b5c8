//! The vendor library through a `nation-ec-host` child process that the panel
//! starts and stops itself (`kind = "host"`).
//!
//! A 64-bit panel cannot load the usual 32-bit `NationECCode.dll`; the host
//! (built for the DLL's bitness) can. Started here as a child, it runs as the
//! cashier in the cashier's session — what the vendor library needs (its
//! devices, its profile, its dialogs), which a Windows service in session 0
//! would not give — and lives exactly as long as the panel's transport, so IT
//! configures the DLL as for `library` and nothing else.
//!
//! The child listens on a loopback port of its choosing (`127.0.0.1:0`)
//! unless one is configured, and requires a fresh random bearer token, passed
//! through the environment (a command line is visible to every user of the
//! machine): another local user's process cannot drive the counter's terminal
//! through it. With `--exit-on-stdin-close` it also stops when the panel dies
//! without dropping the transport (a crash, Task Manager): the pipe closes.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::{BearerToken, HostCode, HttpTransport, Transport};
use crate::error::{TerminalError, TransportError};
use crate::protocol::TransType;

/// How long the host may take to load the library and listen. Loading a
/// vendor DLL takes well under a second; a cold disk or an antivirus scan of
/// the DLL can take a few.
pub const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// After a failed restart, calls are refused for this long before the next
/// attempt.
pub const RESTART_COOL_DOWN: Duration = Duration::from_secs(10);

/// The variable the host reads its token from (never the command line).
pub const TOKEN_ENV: &str = "NATION_EC_HOST_TOKEN";

/// The path the host serves (`nation_ec_host::PATH`).
const HOST_PATH: &str = "/api/open";

/// Where the installer puts the 32-bit host, relative to the panel's folder
/// (packaging/windows/facepay-desk.nsi); elsewhere, beside the program (as
/// cargo builds it).
pub fn default_host_path() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    Some(if cfg!(windows) {
        dir.join("nation-ec-host")
            .join("x86")
            .join("nation-ec-host.exe")
    } else {
        dir.join("nation-ec-host")
    })
}

#[derive(Debug)]
pub struct HostTransport {
    spec: HostSpec,
    /// The host now serving; replaced when it is found to have ended.
    running: Arc<Mutex<Arc<Running>>>,
    /// One restart at a time: calls that find the host ended together share it.
    restart: Arc<tokio::sync::Mutex<()>>,
    restarts: Arc<AtomicU32>,
    /// When the last restart failed, and what it said.
    failed: Arc<Mutex<Option<(Instant, String)>>>,
}

/// What the host is started with, kept to start it again.
#[derive(Debug, Clone)]
struct HostSpec {
    dll: PathBuf,
    center_url: String,
    host: PathBuf,
    port: Option<u16>,
}

/// One started host and the HTTP client that speaks to it with its token.
#[derive(Debug)]
struct Running {
    http: HttpTransport,
    child: HostChild,
}

/// The running host: killed and reaped when dropped, so neither an orphan
/// nor a zombie outlives the transport.
#[derive(Debug)]
struct HostChild {
    child: Mutex<Child>,
    pid: u32,
    /// Held open: the host stops when it closes (`--exit-on-stdin-close`).
    stdin: Option<ChildStdin>,
}

impl HostChild {
    /// The exit status when the host has ended.
    fn exited(&self) -> Option<ExitStatus> {
        self.child
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_wait()
            .ok()
            .flatten()
    }
}

impl Drop for HostChild {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let child = self.child.get_mut().unwrap_or_else(|p| p.into_inner());
        // The host keeps nothing worth a graceful stop: a vendor call still
        // running cannot be aborted anyway, and its answer has no reader.
        if let Err(e) = child.kill() {
            // Already ended: nothing to kill, still to reap.
            tracing::debug!(pid = self.pid, "nation-ec-host kill: {e}");
        }
        match child.wait() {
            Ok(status) => tracing::info!(pid = self.pid, "nation-ec-host stopped ({status})"),
            Err(e) => tracing::warn!(pid = self.pid, "nation-ec-host not reaped: {e}"),
        }
    }
}

impl HostTransport {
    /// Start `host` (default: [`default_host_path`]) for the library at `dll`
    /// and wait up to [`READY_TIMEOUT`] for its ready line. Blocks the
    /// calling thread meanwhile, as loading a library in-process does.
    /// Errors name the configuration key at fault.
    pub fn start(
        dll: &Path,
        center_url: &str,
        host: Option<&Path>,
        port: Option<u16>,
    ) -> Result<Self, TerminalError> {
        let config = |msg: String| TerminalError::Config(msg);
        if dll.as_os_str().is_empty() {
            return Err(config("请填写终端动态库的路径（terminal.path）".into()));
        }
        if center_url.trim().is_empty() {
            return Err(config(
                "电子凭证中台地址（terminal.center_url）不能为空".into(),
            ));
        }
        let host = match host {
            Some(h) => h.to_owned(),
            None => default_host_path().ok_or_else(|| {
                config(
                    "无法确定本程序所在目录，请在 terminal.host 中写明 nation-ec-host 的路径"
                        .into(),
                )
            })?,
        };
        let spec = HostSpec {
            dll: dll.to_owned(),
            center_url: center_url.to_owned(),
            host,
            port,
        };
        let running = Running::start(&spec)?;
        Ok(Self {
            spec,
            running: Arc::new(Mutex::new(Arc::new(running))),
            restart: Arc::new(tokio::sync::Mutex::new(())),
            restarts: Arc::new(AtomicU32::new(0)),
            failed: Arc::new(Mutex::new(None)),
        })
    }

    fn current(&self) -> Arc<Running> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The running host, started again first if it has ended (the vendor
    /// library crashed it, or someone ended it in Task Manager). Only a host
    /// found ended *before* a call is restarted: a call it was serving when it
    /// died stays unknown (待确认), and is never sent a second time. The wait
    /// for the restart is bounded by the call's `timeout`; the restart itself
    /// finishes and is installed even if the call is given up meanwhile (a
    /// cancelled scan), so the next call finds the host running.
    async fn serving(&self, timeout: Duration) -> Result<Arc<Running>, TransportError> {
        let running = self.current();
        if running.child.exited().is_none() {
            return Ok(running);
        }
        self.cooling_down()?;
        let gate = Arc::clone(&self.restart).lock_owned().await;
        let running = self.current();
        let Some(status) = running.child.exited() else {
            // Another call restarted it while this one waited.
            return Ok(running);
        };
        // Another call's restart failed while this one waited.
        self.cooling_down()?;
        let ended = format!(
            "nation-ec-host（PID {}，已退出：{status}）",
            running.child.pid
        );
        tracing::warn!(pid = running.child.pid, %status, "nation-ec-host had ended; starting it again");
        drop(running);
        let (spec, slot, restarts, failed) = (
            self.spec.clone(),
            Arc::clone(&self.running),
            Arc::clone(&self.restarts),
            Arc::clone(&self.failed),
        );
        let why = ended.clone();
        let restart = tokio::task::spawn_blocking(move || {
            let _gate = gate;
            match Running::start(&spec) {
                Ok(fresh) => {
                    let fresh = Arc::new(fresh);
                    let old = std::mem::replace(
                        &mut *slot.lock().unwrap_or_else(|p| p.into_inner()),
                        Arc::clone(&fresh),
                    );
                    // Reaped outside the lock.
                    drop(old);
                    restarts.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(pid = fresh.child.pid, "nation-ec-host started again");
                    Ok(fresh)
                }
                Err(e) => {
                    let target = format!("{why}，重新启动失败：{e}");
                    tracing::warn!("{target}");
                    *failed.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some((Instant::now(), target.clone()));
                    Err(target)
                }
            }
        });
        // Nothing was sent in any of these cases: refused, saying why.
        match tokio::time::timeout(timeout, restart).await {
            Ok(Ok(Ok(fresh))) => Ok(fresh),
            Ok(Ok(Err(target))) => Err(TransportError::Refused { target }),
            Ok(Err(e)) => Err(TransportError::Refused {
                target: format!("{ended}，重新启动中断：{e}"),
            }),
            Err(_) => Err(TransportError::Refused {
                target: format!("{ended}，正在重新启动，尚未就绪"),
            }),
        }
    }

    /// A restart that failed within [`RESTART_COOL_DOWN`] is not tried again
    /// on every call and status poll: a vendor DLL that crashes its host at
    /// once would otherwise be loaded again and again (and may show a dialog
    /// each time). The call is refused with what the failed attempt said.
    fn cooling_down(&self) -> Result<(), TransportError> {
        match &*self.failed.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((at, target)) if at.elapsed() < RESTART_COOL_DOWN => {
                Err(TransportError::Refused {
                    target: target.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// How many times the host was found ended and started again.
    pub fn restarts(&self) -> u32 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// The host's process id (for the status line and tests).
    pub fn pid(&self) -> u32 {
        self.current().child.pid
    }

    /// Where the host listens, e.g. `http://127.0.0.1:49731/api/open`.
    pub fn url(&self) -> reqwest::Url {
        self.current().http.url().clone()
    }

    /// The host's token, for tests and a CLI sharing this host.
    pub fn token(&self) -> Option<BearerToken> {
        self.current().http.token().cloned()
    }
}

impl Running {
    /// Start the host and wait up to [`READY_TIMEOUT`] for its ready line.
    fn start(spec: &HostSpec) -> Result<Self, TerminalError> {
        let config = |msg: String| TerminalError::Config(msg);
        let HostSpec {
            dll,
            center_url,
            host,
            port,
        } = spec;
        if !host.is_file() {
            return Err(config(format!(
                "找不到 nation-ec-host：{}（terminal.host）",
                host.display()
            )));
        }
        // A bare name is left to the system's library search, as the host does.
        if dll.components().count() > 1 && !dll.is_file() {
            return Err(config(format!(
                "找不到终端动态库：{}（terminal.path）",
                dll.display()
            )));
        }
        let token = fresh_token()?;
        let mut command = Command::new(host);
        command
            .arg("--dll")
            .arg(dll)
            .arg("--center-url")
            .arg(center_url)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", port.unwrap_or(0)))
            .arg("--exit-on-stdin-close")
            .env(TOKEN_ENV, token.reveal())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            // A console program started from the GUI panel would otherwise
            // open a console window that a cashier might close.
            const CREATE_NO_WINDOW: u32 = 0x0800_0000;
            command.creation_flags(CREATE_NO_WINDOW);
        }
        let mut child = command.spawn().map_err(|e| {
            config(format!(
                "无法启动 nation-ec-host {}（terminal.host）：{e}",
                host.display()
            ))
        })?;
        let pid = child.id();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let stdin = child.stdin.take();
        let guard = HostChild {
            child: Mutex::new(child),
            pid,
            stdin,
        };
        let (ready_tx, ready_rx) = mpsc::channel();
        if let Some(out) = stdout {
            forward(out, pid, Some(ready_tx));
        }
        if let Some(err) = stderr {
            forward(err, pid, None);
        }
        let line = match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                drop(guard);
                return Err(config(format!(
                    "nation-ec-host 在 {} 秒内未就绪（terminal.host：{}）",
                    READY_TIMEOUT.as_secs(),
                    host.display()
                )));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = wait_briefly(&guard);
                drop(guard);
                return Err(config(format!(
                    "nation-ec-host 未就绪即退出（{status}）：请核对 terminal.host（{}）是否为适合本机的程序",
                    host.display()
                )));
            }
        };
        let addr = match ready_address(&line) {
            Ok(addr) => addr,
            Err(e) => {
                drop(guard);
                return Err(config(e));
            }
        };
        let http =
            HttpTransport::new(&format!("http://{addr}{HOST_PATH}"))?.with_token(Some(token));
        tracing::info!(pid, %addr, dll = %dll.display(), "nation-ec-host ready");
        Ok(Self { http, child: guard })
    }

    /// A refused connection to a host that has ended says so.
    fn explain(&self, e: TransportError) -> TransportError {
        match e {
            TransportError::Refused { target } => match self.child.exited() {
                Some(status) => TransportError::Refused {
                    target: format!("nation-ec-host（PID {}，已退出：{status}）", self.child.pid),
                },
                None => TransportError::Refused { target },
            },
            other => other,
        }
    }
}

/// 32 random bytes as hex: unguessable by another local user's process.
fn fresh_token() -> Result<BearerToken, TerminalError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| TerminalError::Config(format!("无法生成 nation-ec-host 的令牌：{e}")))?;
    BearerToken::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Read the child's output line by line on a thread of its own: the first
/// stdout line to `ready`, everything else to the panel's log. Reading it all
/// keeps the pipe from filling up, which would block the host.
fn forward(stream: impl Read + Send + 'static, pid: u32, ready: Option<mpsc::Sender<String>>) {
    let spawned = std::thread::Builder::new()
        .name("nation-ec-host-output".into())
        .spawn(move || {
            let mut ready = ready;
            let mut reader = BufReader::new(stream);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                match ready.take() {
                    Some(tx) => {
                        let _ = tx.send(line);
                    }
                    None if !line.is_empty() => {
                        tracing::info!(target: "nation_ec_host", pid, "{line}");
                    }
                    None => {}
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(pid, "cannot read nation-ec-host's output: {e}");
    }
}

/// The exit status of a host whose output ended, if it comes within a moment.
fn wait_briefly(guard: &HostChild) -> String {
    for _ in 0..20 {
        if let Some(status) = guard.exited() {
            return status.to_string();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    "输出已关闭".into()
}

/// The loopback address from the host's ready line, or what its error line says.
fn ready_address(line: &str) -> Result<SocketAddr, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|_| {
        format!(
            "nation-ec-host 的启动输出无法识别（terminal.host）：{}",
            printable(line)
        )
    })?;
    if let Some(listening) = value.get("listening").and_then(|v| v.as_str()) {
        return match listening.parse::<SocketAddr>() {
            Ok(addr) if addr.ip().is_loopback() => Ok(addr),
            _ => Err(format!(
                "nation-ec-host 报告的监听地址无效（terminal.host）：{}",
                printable(listening)
            )),
        };
    }
    let code = value.get("code").and_then(|v| v.as_str()).unwrap_or("?");
    let known = serde_json::from_value::<HostCode>(serde_json::Value::String(code.to_owned())).ok();
    let message = printable(
        value
            .get("message")
            .and_then(|v| v.as_str())
            .unwrap_or(line),
    );
    Err(match known {
        // The DLL: missing, of the wrong bitness, or without NationEcTrans.
        Some(HostCode::LibraryLoad) => {
            format!("nation-ec-host 无法加载终端动态库（terminal.path）：{message}")
        }
        Some(HostCode::Listen | HostCode::ListenNotLoopback) => {
            format!("nation-ec-host 无法监听（terminal.port）：{message}")
        }
        _ => format!(
            "nation-ec-host 启动失败（{}，terminal.host）：{message}",
            printable(code)
        ),
    })
}

/// Text from the child fit for a message: control characters out, bounded.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(300).collect()
}

#[async_trait::async_trait]
impl Transport for HostTransport {
    async fn exchange(
        &self,
        trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        let running = self.serving(timeout).await?;
        running
            .http
            .exchange(trans_type, envelope, timeout)
            .await
            .map_err(|e| running.explain(e))
    }

    async fn probe(&self, timeout: Duration) -> Result<(), TransportError> {
        let running = self.serving(timeout).await?;
        running
            .http
            .probe(timeout)
            .await
            .map_err(|e| running.explain(e))
    }

    fn describe(&self) -> String {
        format!(
            "终端库（经 nation-ec-host，PID {}）：{}",
            self.pid(),
            self.spec.dll.display()
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ready_lines_give_the_address_or_name_the_setting() {
        let ok = r#"{"listening":"127.0.0.1:49731","url":"http://127.0.0.1:49731/api/open","token":true}"#;
        assert_eq!(ready_address(ok).unwrap().port(), 49731);
        let far = r#"{"listening":"10.0.0.2:4302"}"#;
        assert!(ready_address(far).unwrap_err().contains("terminal.host"));
        let dll = r#"{"code":"library_load","message":"无法加载终端动态库 C:\\x.dll"}"#;
        assert!(ready_address(dll).unwrap_err().contains("terminal.path"));
        let port = r#"{"code":"listen","message":"无法监听 127.0.0.1:4302"}"#;
        assert!(ready_address(port).unwrap_err().contains("terminal.port"));
        assert!(
            ready_address("garbage")
                .unwrap_err()
                .contains("terminal.host")
        );
    }

    #[test]
    fn tokens_are_fresh_and_long() {
        let a = fresh_token().unwrap();
        let b = fresh_token().unwrap();
        assert_eq!(a.reveal().len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn a_missing_host_or_library_is_a_config_error() {
        let dir = std::env::temp_dir().join(format!("facepay-host-{}", std::process::id()));
        let missing_host = dir.join("no-such-host");
        let err = HostTransport::start(
            Path::new("/usr/lib/x.so"),
            "http://127.0.0.1:1/",
            Some(&missing_host),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, TerminalError::Config(_)), "{err}");
        assert!(err.to_string().contains("terminal.host"), "{err}");

        // The test binary itself stands in for an existing host.
        let exe = std::env::current_exe().unwrap();
        let err = HostTransport::start(
            &dir.join("NationECCode.dll"),
            "http://127.0.0.1:1/",
            Some(&exe),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("terminal.path"), "{err}");

        let err = HostTransport::start(&dir.join("x.dll"), " ", Some(&exe), None).unwrap_err();
        assert!(err.to_string().contains("terminal.center_url"), "{err}");
    }
}
