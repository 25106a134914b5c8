//! Runs the real `facepay` binary against a simulator on loopback.

#![allow(dead_code, clippy::unwrap_used)]

mod bridge;
pub mod central;
mod cli;
mod counter;

// Each suite compiles its own copy of this module and uses a part of it.
#[allow(unused_imports)]
pub use {bridge::Bridge, cli::Cli, cli::export, counter::Counter};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub fn facepay(db: &Path, url: &str) -> Command {
    configured(Command::new(env!("CARGO_BIN_EXE_facepay")), db, url)
}

/// `facepay` run under Debian's `faketime` with the clock moved by `offset` (e.g. `+1d`).
pub fn facepay_at(offset: &str, db: &Path, url: &str) -> Command {
    let mut cmd = Command::new("faketime");
    cmd.arg("-f").arg(offset).arg(env!("CARGO_BIN_EXE_facepay"));
    configured(cmd, db, url)
}

/// Where the tests keep the journal's key: a folder of its own beside the journal's.
pub fn key_file(db: &Path) -> PathBuf {
    db.parent().unwrap().join("keys").join("journal.key")
}

/// The key the CLI created for the journal at `db` (a plain hex file off Windows).
pub fn journal_key(db: &Path) -> facepay_journal::JournalKey {
    facepay_journal::JournalKey::from_hex(&std::fs::read_to_string(key_file(db)).unwrap()).unwrap()
}

fn configured(mut cmd: Command, db: &Path, url: &str) -> Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("FACEPAY_DB", db)
        .env("FACEPAY_JOURNAL_KEY_FILE", key_file(db))
        .env("FACEPAY_TERMINAL_URL", url)
        .env("FACEPAY_ORG_ID", "H44170200001")
        .env("FACEPAY_HOSPITAL_NAME", "阳江市妇幼保健院")
        .env("FACEPAY_COUNTER_ID", "W01")
        .env("FACEPAY_OPERATOR_ID", "0107")
        .env("FACEPAY_OPERATOR_NAME", "林晓燕")
        .env("FACEPAY_OFFICE_ID", "0301")
        .env("FACEPAY_OFFICE_NAME", "挂号收费处")
        .env("FACEPAY_LOG", "info")
        // The administrator's credential for protected commands (see `first_admin`).
        .env("FACEPAY_ADMIN_ID", "0107")
        .env("FACEPAY_ADMIN_PIN", ADMIN_PIN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub json: Value,
    pub stderr: String,
    pub stdout: String,
}

impl Run {
    /// The visit it names (`auth`, `qrcode`, a settlement).
    pub fn out_biz_no(&self) -> String {
        self.json["outBizNo"]
            .as_str()
            .unwrap_or_else(|| panic!("no outBizNo: {} {}", self.json, self.stderr))
            .to_owned()
    }
}

/// A finished command. `json` is what it printed on stdout — or, when it
/// printed nothing there (`bridge-token`'s errors), the JSON object that
/// ends its stderr.
pub fn finish(out: Output) -> Run {
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = if text.trim().is_empty() {
        let start = stderr.rfind("\n{").map_or(0, |i| i + 1);
        serde_json::from_str(&stderr[start..]).unwrap_or(Value::Null)
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {text}"))
    };
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        json,
        stderr,
        stdout: text,
    }
}

/// Run to completion off the async runtime (the simulator lives on it).
pub async fn run(mut cmd: Command, stdin: Option<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child: Child = cmd.spawn().unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        finish(child.wait_with_output().unwrap())
    })
    .await
    .unwrap()
}

/// The first administrator's PIN, every command's credential (see `Cli::first_admin`).
pub const ADMIN_PIN: &str = "246810";

pub fn settle_json(out_biz_no: &str, setl_time: &str) -> String {
    serde_json::json!({
        "outBizNo": out_biz_no, "medicalSettleState": "SUCCESS", "totalFee": "120.50",
        "setlTime": setl_time, "medicalSettleNo": nhsa_terminal::samples::setl_id_for(out_biz_no),
        "ownAmt": "20.50", "hifAmt": "80.00", "acctAmt": "20.00", "hifpAmt": "80.00"
    })
    .to_string()
}

/// The refund of all of `settle_json`'s settlement, as the HIS notifies it.
pub fn refund_json(out_biz_no: &str, setl_time: &str) -> String {
    settle_json(out_biz_no, setl_time).replace("\"SUCCESS\"", "\"REFUND_SUCCESS\"")
}

pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("facepay.db");
    (dir, db)
}
