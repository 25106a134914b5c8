//! `[terminal] kind = "host"`: the panel's transport starts this crate's
//! `nation-ec-host` binary as a child process (the Linux fake of the vendor
//! library in front of the simulator), goes through a whole visit, and the
//! child ends when the transport is dropped — killed and reaped.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use facepay_sim::SimServer;
use nhsa_terminal::transport::{self, HostTransport, TransportConfig};
use nhsa_terminal::{Terminal, TerminalError, Timeouts, samples};

use facepay_testkit::fake_library;

/// The tests that start, kill and restart hosts run one at a time: a port a
/// killed host let go can be taken at once by another test's host or
/// simulator, and a probe of it would then be answered by the wrong process.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn host_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nation-ec-host"))
}

fn config(center_url: &str) -> TransportConfig {
    TransportConfig::Host {
        path: fake_library(),
        center_url: center_url.into(),
        host: Some(host_exe()),
        port: None,
    }
}

/// Running or a zombie, a process has an entry under /proc; reaped, it has none.
#[cfg(target_os = "linux")]
fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(target_os = "linux")]
fn gone_within(pid: u32, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if !process_exists(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[tokio::test]
async fn the_panel_starts_the_host_goes_through_a_visit_and_stops_it() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = SimServer::loopback().await.unwrap();
    let host =
        HostTransport::start(&fake_library(), &server.url(), Some(&host_exe()), None).unwrap();
    let pid = host.pid();
    let url = host.url().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/api/open"),
        "{url}"
    );
    assert!(
        nhsa_terminal::transport::Transport::describe(&host)
            .contains(&format!("经 nation-ec-host，PID {pid}")),
    );
    #[cfg(target_os = "linux")]
    {
        // The token went through the environment, never the command line.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let token = host.token().unwrap().reveal().to_owned();
        let cmdline = String::from_utf8_lossy(&cmdline);
        assert!(!cmdline.contains(&token));
        assert!(cmdline.contains("--exit-on-stdin-close"), "{cmdline}");
    }

    // Without the token, the host refuses: another local user cannot drive it.
    let bare = reqwest::Client::builder().no_proxy().build().unwrap();
    let refused = bare.post(&url).body("{}").send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let wrong = bare
        .post(&url)
        .bearer_auth("not-the-token")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let t = Terminal::new(
        samples::org_id(),
        std::sync::Arc::new(host),
        Timeouts::default(),
    );
    t.transport().probe(Duration::from_secs(3)).await.unwrap();
    facepay_testkit::whole_visit(&t, &server, "P").await;
    let kinds: Vec<_> = server
        .sim
        .received()
        .iter()
        .map(|r| r.trans_type.clone().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");

    // The desk is replaced (设置 saved) or the program exits: the child ends
    // with the transport, and is reaped (no zombie under /proc).
    drop(t);
    #[cfg(target_os = "linux")]
    assert!(
        gone_within(pid, Duration::from_secs(1)),
        "PID {pid} still there"
    );
}

#[tokio::test]
async fn connect_starts_a_host_from_the_configuration_and_drop_ends_it() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = SimServer::loopback().await.unwrap();
    // As IT writes it in facepay.toml's [terminal] (no port: the host picks one).
    let text = format!(
        "kind = \"host\"\npath = {:?}\ncenter_url = {:?}\nhost = {:?}\n",
        fake_library().display().to_string(),
        server.url(),
        host_exe().display().to_string(),
    );
    let parsed: TransportConfig = toml::from_str(&text).unwrap();
    assert_eq!(parsed, config(&server.url()));
    let transport = transport::connect(&parsed).unwrap();
    let described = transport.describe();
    assert!(
        described.starts_with("终端库（经 nation-ec-host，PID "),
        "{described}"
    );
    transport.probe(Duration::from_secs(3)).await.unwrap();
    let pid: u32 = described
        .split("PID ")
        .nth(1)
        .unwrap()
        .split('）')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    #[cfg(target_os = "linux")]
    assert!(process_exists(pid));
    drop(transport);
    #[cfg(target_os = "linux")]
    assert!(
        gone_within(pid, Duration::from_secs(1)),
        "PID {pid} still there"
    );
}

#[test]
fn a_missing_host_executable_or_library_is_a_clear_config_error() {
    let missing_host = TransportConfig::Host {
        path: fake_library(),
        center_url: "http://127.0.0.1:9/".into(),
        host: Some(PathBuf::from("/nonexistent/nation-ec-host")),
        port: None,
    };
    let err = transport::connect(&missing_host).unwrap_err();
    assert!(matches!(err, TerminalError::Config(_)), "{err}");
    assert!(err.to_string().contains("terminal.host"), "{err}");
    assert!(
        err.to_string().contains("/nonexistent/nation-ec-host"),
        "{err}"
    );

    let missing_dll = TransportConfig::Host {
        path: PathBuf::from("/nonexistent/NationECCode.so"),
        center_url: "http://127.0.0.1:9/".into(),
        host: Some(host_exe()),
        port: None,
    };
    let err = transport::connect(&missing_dll).unwrap_err();
    assert!(matches!(err, TerminalError::Config(_)), "{err}");
    assert!(err.to_string().contains("terminal.path"), "{err}");
}

#[test]
fn a_library_the_host_cannot_load_names_terminal_path() {
    // It exists, so the host is started; loading it fails in the host, which
    // says so on its one line and exits.
    let not_a_library =
        std::env::temp_dir().join(format!("not-a-library-{}.so", std::process::id()));
    std::fs::write(&not_a_library, b"not an ELF file").unwrap();
    let err = transport::connect(&TransportConfig::Host {
        path: not_a_library.clone(),
        center_url: "http://127.0.0.1:9/".into(),
        host: Some(host_exe()),
        port: None,
    })
    .unwrap_err();
    let _ = std::fs::remove_file(&not_a_library);
    assert!(matches!(err, TerminalError::Config(_)), "{err}");
    assert!(err.to_string().contains("terminal.path"), "{err}");
    assert!(err.to_string().contains("无法加载"), "{err}");
}

#[test]
fn a_host_that_exits_without_a_ready_line_is_a_config_error() {
    // `true` stands in for a host that cannot run here (a wrong build).
    let Some(stand_in) = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        return;
    };
    let err = HostTransport::start(&fake_library(), "http://127.0.0.1:9/", Some(stand_in), None)
        .unwrap_err();
    assert!(err.to_string().contains("terminal.host"), "{err}");
}

/// Orphans: when the panel dies without dropping the transport (crash, Task
/// Manager), the pipe it held closes and the host ends by itself.
#[test]
fn the_host_stops_when_its_parents_pipe_closes() {
    let mut child = Command::new(host_exe())
        .arg("--dll")
        .arg(fake_library())
        .args([
            "--center-url",
            "http://127.0.0.1:9/",
            "--listen",
            "127.0.0.1:0",
            "--exit-on-stdin-close",
        ])
        .env_remove("NATION_EC_HOST_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap(); // ready
    drop(child.stdin.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the host outlived its parent's pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("\"stopped\""), "{rest}");
}

/// SIGKILL, as the vendor library crashing the host or Task Manager would;
/// returns once the host has exited as its parent sees it (what `try_wait`
/// reports), without reaping it — the transport must do that. The main
/// thread shows as a zombie in /proc while other threads and the listener
/// still live, so /proc is not asked.
#[cfg(target_os = "linux")]
fn kill_hard(pid: u32) {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        // SAFETY: a zeroed siginfo_t is a valid out-parameter; WNOWAIT leaves
        // the child reapable.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        assert_eq!(r, 0, "waitid: {}", std::io::Error::last_os_error());
        // SAFETY: waitid filled in the child's fields (or left them zero).
        if unsafe { info.si_pid() } == pid as libc::pid_t {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "PID {pid} did not die"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A host that ended between calls is started again by the next call, which
/// then goes through; the ended one is reaped.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_host_that_died_is_started_again_by_the_next_call() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = SimServer::loopback().await.unwrap();
    let host = std::sync::Arc::new(
        HostTransport::start(&fake_library(), &server.url(), Some(&host_exe()), None).unwrap(),
    );
    let first = host.pid();
    let t = Terminal::new(samples::org_id(), host.clone(), Timeouts::default());
    t.call(&samples::ec_auth("R-A1")).await.unwrap();

    kill_hard(first);
    // Killed, not yet reaped: the transport reaps it when it replaces it.
    let start = Instant::now();
    while std::fs::read_to_string(format!("/proc/{first}/stat"))
        .is_ok_and(|stat| !stat.contains(") Z "))
    {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "PID {first} did not die"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let auth_no = t
        .call(&samples::ec_auth("R-A2"))
        .await
        .unwrap()
        .data
        .auth_no;
    let second = host.pid();
    assert_ne!(second, first);
    assert_eq!(host.restarts(), 1);
    assert!(
        gone_within(first, Duration::from_secs(1)),
        "PID {first} not reaped"
    );
    // The new host has a token of its own; the transport uses it.
    t.call(&samples::auth_check("R-C2", &auth_no))
        .await
        .unwrap();
    t.transport().probe(Duration::from_secs(3)).await.unwrap();
    assert_eq!(host.restarts(), 1, "a living host is not restarted");
    assert_eq!(server.sim.received().len(), 3);

    drop(t);
    drop(host);
    assert!(gone_within(second, Duration::from_secs(1)));
}

/// When the host cannot be started again, the call is refused — nothing was
/// sent, so it is a definite failure, not 待确认 — and says why.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_host_that_died_and_cannot_start_again_refuses_the_call() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = SimServer::loopback().await.unwrap();
    // A link, not a copy: a file just written may still be open in a process
    // another test thread forked meanwhile, and exec then fails (ETXTBSY).
    let copy = std::env::temp_dir().join(format!("nation-ec-host-link-{}", std::process::id()));
    let _ = std::fs::remove_file(&copy);
    std::os::unix::fs::symlink(host_exe(), &copy).unwrap();
    let host = HostTransport::start(&fake_library(), &server.url(), Some(&copy), None).unwrap();
    let pid = host.pid();
    let t = Terminal::new(
        samples::org_id(),
        std::sync::Arc::new(host),
        Timeouts::default(),
    );
    std::fs::remove_file(&copy).unwrap();
    kill_hard(pid);

    let err = t.call(&samples::ec_auth("R-B1")).await.unwrap_err();
    assert_eq!(err.code(), "transport_refused", "{err}");
    assert!(!err.outcome_unknown());
    let text = err.to_string();
    assert!(text.contains(&format!("PID {pid}")), "{text}");
    assert!(
        text.contains("重新启动失败") && text.contains("terminal.host"),
        "{text}"
    );

    // The host is back, but within the cool-down the next call is refused with
    // the same reason without another attempt: a DLL that kills its host at
    // once is not loaded again on every status poll.
    std::os::unix::fs::symlink(host_exe(), &copy).unwrap();
    let again = t.call(&samples::ec_auth("R-B2")).await.unwrap_err();
    assert_eq!(again.to_string(), text);
    let _ = std::fs::remove_file(&copy);
    assert!(server.sim.received().is_empty());
}

/// A call given up while the host is being started again (a cancelled scan)
/// does not waste the restart: the next call finds the new host running.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_restart_outlives_the_call_that_was_given_up_during_it() {
    let _one = ONE_AT_A_TIME.lock().await;
    use nhsa_terminal::transport::Transport;
    let server = SimServer::loopback().await.unwrap();
    let host =
        HostTransport::start(&fake_library(), &server.url(), Some(&host_exe()), None).unwrap();
    let first = host.pid();
    kill_hard(first);
    // Given up after 1 ms: long before a host can load its library and listen.
    let given_up =
        tokio::time::timeout(Duration::from_millis(1), host.probe(Duration::from_secs(3))).await;
    assert!(
        given_up.is_err(),
        "the restart finished within 1 ms: {given_up:?}"
    );
    let start = Instant::now();
    while host.restarts() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the restart was dropped with the call"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = host.pid();
    assert_ne!(second, first);
    host.probe(Duration::from_secs(3)).await.unwrap();
    assert_eq!(host.restarts(), 1);

    // A call whose own timeout ends while the host is starting again is
    // refused (nothing was sent), and the restart is installed all the same.
    kill_hard(second);
    match host.probe(Duration::from_millis(1)).await {
        Err(err) => assert!(err.to_string().contains("正在重新启动"), "{err}"),
        // Only a restart already installed may answer: never the killed host.
        Ok(()) => assert_ne!(host.pid(), second, "the killed host answered a probe"),
    }
    let start = Instant::now();
    while host.restarts() < 2 {
        assert!(start.elapsed() < Duration::from_secs(10), "restart dropped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    host.probe(Duration::from_secs(3)).await.unwrap();
    assert!(server.sim.received().is_empty());
}
