//! One counter's `facepay` as a test types it: the journal and terminal it is
//! set up for, and whatever a test changes in the environment of every
//! command it then runs (a credential, a clock, a desktop session).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ADMIN_PIN, Run, facepay, facepay_at, run, settle_json};

#[derive(Clone, Debug)]
pub struct Cli {
    pub db: PathBuf,
    pub url: String,
    clock: Option<String>,
    env: Vec<(OsString, Option<OsString>)>,
}

impl Cli {
    /// `facepay` on the journal `db`, its terminal at `url`.
    pub fn new(db: &Path, url: &str) -> Self {
        Self {
            db: db.to_owned(),
            url: url.to_owned(),
            clock: None,
            env: Vec::new(),
        }
    }

    /// The same, with `key` set to `value` for every command.
    #[must_use]
    pub fn env(&self, key: &str, value: impl AsRef<OsStr>) -> Self {
        let mut cli = self.clone();
        cli.env.push((key.into(), Some(value.as_ref().to_owned())));
        cli
    }

    /// The same, with `key` taken out of every command's environment.
    #[must_use]
    pub fn env_remove(&self, key: &str) -> Self {
        let mut cli = self.clone();
        cli.env.push((key.into(), None));
        cli
    }

    /// The same under Debian's `faketime`, the clock moved by `offset` (e.g. `+1d`).
    #[must_use]
    pub fn at(&self, offset: &str) -> Self {
        let mut cli = self.clone();
        cli.clock = Some(offset.to_owned());
        cli
    }

    /// `facepay args`, not yet started, for a test that spawns or kills it.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = match &self.clock {
            Some(offset) => facepay_at(offset, &self.db, &self.url),
            None => facepay(&self.db, &self.url),
        };
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.args(args);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        run(self.cmd(args), None).await
    }

    /// `facepay args` reading `stdin`.
    pub async fn run_with(&self, args: &[&str], stdin: impl Into<String>) -> Run {
        run(self.cmd(args), Some(stdin.into())).await
    }

    /// `facepay notify --json -`, the settlement piped in as a HIS script does.
    pub async fn notify(&self, body: impl Into<String>) -> Run {
        self.run_with(&["notify", "--json", "-"], body).await
    }

    /// The standard settlement of `visit` (see `settle_json`), notified.
    pub async fn settle(&self, visit: &str, setl_time: &str) -> Run {
        self.notify(settle_json(visit, setl_time)).await
    }

    /// A face scan that must succeed: the new visit's outBizNo.
    pub async fn new_visit(&self) -> String {
        let auth = self.run(&["auth"]).await;
        assert!(auth.ok, "auth: {} {}", auth.json, auth.stderr);
        auth.out_biz_no()
    }

    /// `facepay operators add`, the new operator's PIN given as IT scripts it.
    pub async fn add_operator(&self, id: &str, name: &str, role: &str, pin: &str) -> Run {
        self.env("FACEPAY_NEW_PIN", pin)
            .run(&[
                "operators",
                "add",
                "--id",
                id,
                "--name",
                name,
                "--role",
                role,
            ])
            .await
    }

    /// Create the counter's first administrator, 0107 林晓燕, as IT would at
    /// installation: `facepay operators add` needs no credential while there is none.
    pub async fn first_admin(&self) {
        let r = self
            .add_operator("0107", "林晓燕", "admin", ADMIN_PIN)
            .await;
        assert!(r.ok, "first administrator: {} {}", r.json, r.stderr);
        assert_eq!(r.json["role"], "admin");
    }
}

/// `facepay export` of the days `from` to `to` into `out`, which the tests
/// keep at UTF-8 paths.
pub fn export<'a>(from: &'a str, to: &'a str, format: &'a str, out: &'a Path) -> Vec<&'a str> {
    vec![
        "export",
        "--from",
        from,
        "--to",
        to,
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ]
}
