//! Keys and files for their owner only: on Linux the journal's key lives in
//! the desktop session's keyring (GNOME Keyring here, a real one on a
//! session bus of the test's own) and the key file only names its item; a
//! key kept in a file moves there; a session without a keyring cannot open
//! the journal and says why; a key or token file others could read is made
//! private and audited; exports are written for this user only.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Bridge, Cli, Counter, Run, export, key_file};

/// A D-Bus session of the test's own with an unlocked GNOME Keyring on it.
struct Session {
    address: String,
    home: PathBuf,
    dbus_pid: u32,
    _dir: tempfile::TempDir,
}

impl Session {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let out = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stderr(Stdio::null())
            .output()
            .expect("dbus-daemon (scripts/install-deps.sh installs dbus)");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let address = lines.next().unwrap().to_owned();
        let dbus_pid = lines.next().unwrap().trim().parse().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--daemonize", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", &home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (scripts/install-deps.sh installs gnome-keyring)");
        use std::io::Write;
        keyring.stdin.take().unwrap().write_all(b"test").unwrap();
        assert!(keyring.wait().unwrap().success());
        Self {
            address,
            home,
            dbus_pid,
            _dir: dir,
        }
    }

    fn with(&self, mut cmd: Command) -> Command {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", &self.home);
        cmd
    }

    /// `cli` run inside this desktop session.
    fn inside(&self, cli: &Cli) -> Cli {
        cli.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", &self.home)
    }

    /// What the keyring holds under `item`, read with libsecret's own tool.
    fn lookup(&self, item: &str) -> String {
        let out = self
            .with(Command::new("secret-tool"))
            .args(["lookup", "application", "facepay-desk", "key", item])
            .output()
            .expect("secret-tool (scripts/install-deps.sh installs libsecret-tools)");
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The keyring daemon leaves with its bus.
        let _ = Command::new("kill").arg(self.dbus_pid.to_string()).status();
    }
}

fn key_text(db: &Path) -> String {
    std::fs::read_to_string(key_file(db)).unwrap()
}

fn item_of(db: &Path) -> String {
    key_text(db)
        .trim()
        .strip_prefix("secret-service:facepay-desk:")
        .unwrap_or_else(|| panic!("the key file holds no keyring item: {}", key_text(db)))
        .to_owned()
}

async fn history(cli: &Cli) -> Run {
    cli.run(&["history", "--limit", "1"]).await
}

/// The bridge token's file, the token created if there is none yet.
async fn token_file(cli: &Cli) -> PathBuf {
    let token = cli.run(&["bridge-token"]).await;
    PathBuf::from(token.json["file"].as_str().unwrap())
}

#[tokio::test]
async fn in_a_desktop_session_the_key_lives_in_the_keyring_and_the_file_names_it() {
    let session = Session::start();
    let t = Counter::start().await;
    let inside = session.inside(&t);
    // The first start in the session: the new key goes into the keyring.
    inside.first_admin().await;
    let item = item_of(&t.db);
    let key = session.lookup(&item);
    assert_eq!(key.trim().len(), 64, "the keyring holds the key");
    assert!(
        !key_text(&t.db).contains(key.trim()),
        "the file holds no key"
    );
    assert!(history(&inside).await.ok);

    // Outside the session (a service, an SSH login): refused, saying why.
    let outside = history(&t).await;
    assert_eq!(outside.code, Some(1));
    assert_eq!(
        outside.json["code"], "journal_key_invalid",
        "{}",
        outside.json
    );
    assert!(
        outside.json["message"].as_str().unwrap().contains("钥匙环"),
        "{}",
        outside.json
    );

    // A rotation keeps the new key in the keyring and forgets the old one.
    let rekeyed = inside.run(&["rekey"]).await;
    assert!(rekeyed.ok, "{}", rekeyed.json);
    let next = item_of(&t.db);
    assert_ne!(next, item);
    assert_eq!(session.lookup(&next).trim().len(), 64);
    assert_eq!(
        session.lookup(&item),
        "",
        "the replaced key is gone from the keyring"
    );
    assert!(history(&inside).await.ok);
}

#[tokio::test]
async fn a_key_kept_in_a_file_moves_into_the_keyring_unless_it_is_told_to_stay() {
    let session = Session::start();
    // Created without a desktop session: the key is in the 0600 file.
    let t = Counter::with_admin().await;
    let inside = session.inside(&t);
    assert_eq!(key_text(&t.db).trim().len(), 64);
    // key_store = "file": it stays there even in a session.
    assert!(history(&inside.env("FACEPAY_KEY_STORE", "file")).await.ok);
    assert_eq!(key_text(&t.db).trim().len(), 64);
    // The default: the first start in the session moves it, audited.
    assert!(history(&inside).await.ok);
    let item = item_of(&t.db);
    assert_eq!(session.lookup(&item).trim().len(), 64);
    let audit = inside
        .run(&["audit", "--action", "journal_key_into_keyring"])
        .await;
    assert_eq!(
        audit.json.as_array().map(Vec::len),
        Some(1),
        "{}",
        audit.json
    );
}

#[tokio::test]
async fn key_and_token_files_others_could_read_are_made_private_and_audited() {
    let t = Counter::with_admin().await;
    let token_file = token_file(&t).await;
    for f in [key_file(&t.db), token_file.clone()] {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert!(history(&t).await.ok);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&key_file(&t.db)), 0o600);
    // The bridge opens the token file when it starts.
    Bridge::start(&t).await.kill();
    assert_eq!(mode(&token_file), 0o600);
    for action in ["key_file_mode_fixed", "token_file_mode_fixed"] {
        let audit = t.run(&["audit", "--action", action]).await;
        assert_eq!(
            audit.json.as_array().map(Vec::len),
            Some(1),
            "{action}: {}",
            audit.json
        );
    }
    // Exports, unmasked ones above all, are this user's only.
    let settled = t.settle("V-1", "2026-11-25 09:30:00").await;
    assert!(settled.ok, "{}", settled.json);
    for unmasked in [false, true] {
        let out = t.dir.path().join(format!("export-{unmasked}.csv"));
        let mut args = export("2026-11-25", "2026-11-25", "csv", &out);
        if unmasked {
            args.push("--unmasked");
        }
        let exported = t.run(&args).await;
        assert!(exported.ok, "{}", exported.json);
        assert_eq!(mode(&out), 0o600, "unmasked: {unmasked}");
    }
}

/// A local user who can write where exports and the token go plants links
/// under the names our temporary files once had, and a key of their own:
/// nothing of ours follows a link, and another account's key is not used.
#[tokio::test]
async fn planted_links_and_another_accounts_key_change_nothing_of_ours() {
    let t = Counter::with_admin().await;
    let key_before = key_text(&t.db);
    // An export into a shared folder holding links named as its temporary
    // file was, and as the export itself: the key must stay the key.
    let share = t.dir.path().join("share");
    std::fs::create_dir_all(&share).unwrap();
    let victim = t.dir.path().join("victim.txt");
    std::fs::write(&victim, "mine").unwrap();
    std::os::unix::fs::symlink(key_file(&t.db), share.join("日结.partial")).unwrap();
    let out = share.join("日结.csv");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    // A link named as the export is refused: neither written through nor replaced.
    let refused = t
        .run(&export("2026-11-01", "2026-11-30", "csv", &out))
        .await;
    assert!(!refused.ok, "{}", refused.json);
    assert_eq!(refused.json["field"], "out", "{}", refused.json);
    assert!(
        std::fs::symlink_metadata(&out).unwrap().is_symlink(),
        "the link is left as it was"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
    // Under the name, once free, the export is written beside the planted
    // temporary-name link, never through it.
    std::fs::remove_file(&out).unwrap();
    let exported = t
        .run(&export("2026-11-01", "2026-11-30", "csv", &out))
        .await;
    assert!(exported.ok, "{}", exported.json);
    assert_eq!(
        key_text(&t.db),
        key_before,
        "the key was not written through the link"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
    assert!(std::fs::symlink_metadata(&out).unwrap().is_file());
    // The token file's old temporary name, planted as a link to the key.
    let token_file = token_file(&t).await;
    let mut partial = token_file.clone().into_os_string();
    partial.push(".partial");
    std::os::unix::fs::symlink(key_file(&t.db), &partial).unwrap();
    assert!(t.run(&["bridge-token", "--rotate"]).await.ok);
    assert_eq!(
        key_text(&t.db),
        key_before,
        "the rotation did not write through the link"
    );
    // A token file another account owns (as root can make it) is refused.
    let status = Command::new("chown")
        .args(["65534:65534"])
        .arg(&token_file)
        .status()
        .unwrap();
    assert!(status.success(), "chown needs root (CI runs as root)");
    let refused = t.run(&["bridge-token"]).await;
    assert!(!refused.ok, "{}", refused.json);
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("不是本用户自己的文件"),
        "{}",
        refused.json
    );
}
