//! Drives the built `facepay-desk` binary in a real window: starts
//! tauri-driver (which starts WebKitWebDriver, which starts the app), connects
//! a WebDriver client, and saves a screenshot of every screen.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub use fantoccini;

/// The workspace root (two levels above this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// tauri-driver and the app it launches; stopped with SIGTERM (never SIGKILL:
/// that would orphan WebKitWebDriver and hang CI).
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start(env: &[(&str, String)]) -> Self {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end tests need a display: run them with scripts/e2e.sh (Xvfb)"
        );
        let port = free_port();
        let native = free_port();
        let bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let mut cmd = Command::new(bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("tauri-driver: {e} (cargo install tauri-driver --locked)"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port }
    }

    pub async fn connect(&self, app: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app.display().to_string() }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        // tauri-driver listens before its WebKitWebDriver does: on a loaded
        // machine the first request can find nobody behind it (SendRequest).
        // That is retried; an app that never starts is not.
        for attempt in 1.. {
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            // A crashing app leaves the session request waiting: fail instead of hanging.
            match tokio::time::timeout(Duration::from_secs(60), builder.connect(&url)).await {
                Ok(Ok(client)) => return client,
                Ok(Err(e)) if attempt < 5 && e.to_string().contains("SendRequest") => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Ok(Err(e)) => panic!("WebDriver session: {e}"),
                Err(_) => panic!("no WebDriver session within 60 s (did the app start?)"),
            }
        }
        unreachable!("the loop returns or panics")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // std has no SIGTERM; the kill command sends it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Wait until `css` matches an element, then return it.
pub async fn wait_for(c: &Client, css: &str) -> Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

/// Wait until the text of `css` contains `needle`; return that text.
pub async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
    wait_text_within(c, css, needle, Duration::from_secs(20)).await
}

/// [`wait_text`] for what takes longer (a worker's next round).
pub async fn wait_text_within(c: &Client, css: &str, needle: &str, patience: Duration) -> String {
    let deadline = Instant::now() + patience;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(needle) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "{css} says {t:?}, not {needle:?}"
            );
        }
        assert!(Instant::now() < deadline, "no {css} containing {needle:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Press a key the way a cashier does: a keydown on the page.
pub async fn press(c: &Client, key: &str) {
    // WebKitWebDriver does not send function keys through the Actions API, so
    // the event is dispatched the way the browser would deliver it.
    c.execute(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true}))",
        vec![key.into()],
    )
    .await
    .unwrap_or_else(|e| panic!("key {key}: {e}"));
}

/// Type into the input named `name`.
pub async fn fill(c: &Client, name: &str, text: &str) {
    let input = wait_for(c, &format!("[name='{name}']")).await;
    input
        .clear()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    input
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

/// Save what the window shows (after the DOM has settled: screenshots lag).
pub async fn shot(c: &Client, dir: &Path, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = c
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap_or_else(|e| panic!("{e}"));
}

pub async fn click(c: &Client, css: &str) {
    wait_for(c, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// The first start: create the 管理员 on the panel's first screen, which
/// signs them in.
pub async fn first_admin(c: &Client, id: &str, name: &str, pin: &str) {
    wait_for(c, "#first-admin").await;
    fill(c, "staffId", id).await;
    fill(c, "name", name).await;
    fill(c, "pin", pin).await;
    fill(c, "pinAgain", pin).await;
    click(c, "#first-admin-submit").await;
    wait_for(c, "#operator-badge").await;
}

/// Sign in on the sign-in form (shown when nobody is signed in).
pub async fn sign_in(c: &Client, id: &str, pin: &str) {
    wait_for(c, "#sign-in").await;
    fill(c, "staffId", id).await;
    fill(c, "pin", pin).await;
    click(c, "#sign-in-submit").await;
}

/// Where screenshots go: E2E_SCREENSHOTS, else ci-artifacts/screenshots.
pub fn screens() -> PathBuf {
    std::env::var("E2E_SCREENSHOTS")
        .map_or_else(|_| root().join("ci-artifacts/screenshots"), Into::into)
}

/// Make the panel (`records == false`) or the records window current.
pub async fn switch_to(c: &Client, records: bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let handles = c.windows().await.unwrap_or_else(|e| panic!("{e}"));
        for h in handles {
            c.switch_to_window(h)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let url = c.current_url().await.unwrap_or_else(|e| panic!("{e}"));
            if url.as_str().contains("records") == records {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no {} window",
            if records { "records" } else { "main" }
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Who sits at the counter a test opens the panel for (its `[counter]` section).
#[derive(Debug, Clone, Copy)]
pub struct Seat<'a> {
    pub id: &'a str,
    pub operator_id: &'a str,
    pub operator_name: &'a str,
    pub office_id: &'a str,
    pub office_name: &'a str,
}

impl Seat<'static> {
    /// 挂号收费处's first window, where 林晓燕 (0107) sits.
    pub const W01: Self = Seat {
        id: "W01",
        operator_id: "0107",
        operator_name: "林晓燕",
        office_id: "0301",
        office_name: "挂号收费处",
    };
}

/// The real panel, open on a counter of its own: a temporary home holding the
/// configuration, the journal and the profile folders, tauri-driver, and the
/// WebDriver client. Dropped in reverse: the client, then the driver, then the home.
#[derive(Debug)]
pub struct Panel {
    pub c: Client,
    pub driver: Driver,
    pub home: tempfile::TempDir,
    /// The app's environment: its settings file, its keystore's folders.
    vars: Vec<(String, String)>,
}

impl Panel {
    /// Writes the counter's configuration against the terminal at `terminal_url`
    /// (`extra` appends sections such as `[bridge]` or `[outbox]`), then starts
    /// the built `target/debug/facepay-desk` with `env` added to its environment.
    pub async fn open(
        terminal_url: &str,
        seat: Seat<'_>,
        extra: &str,
        env: &[(&str, String)],
    ) -> Self {
        Self::open_app(
            &root().join("target/debug/facepay-desk"),
            terminal_url,
            seat,
            extra,
            env,
        )
        .await
    }

    /// [`Panel::open`] with another build of the app (`app`: a release build,
    /// or a script that starts one).
    pub async fn open_app(
        app: &Path,
        terminal_url: &str,
        seat: Seat<'_>,
        extra: &str,
        env: &[(&str, String)],
    ) -> Self {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = home.path().join("facepay.toml");
        let Seat {
            id,
            operator_id,
            operator_name,
            office_id,
            office_name,
        } = seat;
        let journal = home.path().join("facepay.db");
        std::fs::write(
            &config,
            format!(
                "[hospital]\norg_id = \"H44170200001\"\nname = \"阳江市妇幼保健院\"\n\
                 [counter]\nid = \"{id}\"\noperator_id = \"{operator_id}\"\noperator_name = \"{operator_name}\"\n\
                 office_id = \"{office_id}\"\noffice_name = \"{office_name}\"\n\
                 [terminal]\nkind = \"http\"\nurl = \"{terminal_url}\"\n[timeouts]\nface_auth = 20\nother = 3\n\
                 [journal]\npath = \"{}\"\n{extra}",
                journal.display()
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let h = home.path().display().to_string();
        let mut vars = vec![
            ("FACEPAY_CONFIG", config.display().to_string()),
            ("XDG_CONFIG_HOME", format!("{h}/config")),
            ("XDG_DATA_HOME", format!("{h}/data")),
            ("HOME", h),
            // The app turns GPU compositing off by default (memory); WebKitWebDriver's
            // screenshots stall without it under Xvfb, so these runs keep it on.
            // scripts/smoke-window.sh covers the default mode.
            ("WEBKIT_DISABLE_COMPOSITING_MODE", "0".into()),
        ];
        vars.extend(env.iter().cloned());
        let driver = Driver::start(&vars);
        let c = driver.connect(app).await;
        Self {
            c,
            driver,
            home,
            vars: vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    /// `facepay args` (the CLI, as IT types it beside the running panel) on
    /// this panel's settings and keystore, with `env` added.
    pub fn facepay(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = std::process::Command::new(root().join("target/debug/facepay"));
        cmd.args(args);
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("facepay {args:?}: {e}"))
    }
}
