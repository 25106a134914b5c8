//! What many test suites need, written once (cargo's test-support crate is
//! the model): the counter the tests run, and a whole visit over whichever
//! transport a suite is about. A dev-dependency only; a helper that fails
//! panics, as the test it serves would.

#![allow(clippy::unwrap_used)] // a test helper fails its test by panicking

mod http;
pub mod postgres;
pub mod proxy;

use std::path::{Path, PathBuf};

pub use http::{Http, json};

use facepay_core::api::FileConfig;
use facepay_sim::SimServer;
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::Identity;
use nhsa_terminal::protocol::TransType;
use nhsa_terminal::{Reply, Terminal, TerminalError, TransportError, samples};

/// The test counter of 阳江市妇幼保健院 (window W01, 林晓燕 at 挂号收费处) with
/// its journal in `dir` and its terminal at `terminal_url`, not yet
/// validated: a suite adjusts what it is about, then calls `validate()`.
pub fn counter(dir: &Path, terminal_url: &str) -> FileConfig {
    let mut file = FileConfig::default();
    file.override_from(|k| {
        Some(match k {
            "FACEPAY_DB" => dir.join("facepay.db").display().to_string(),
            "FACEPAY_JOURNAL_KEY_FILE" => {
                dir.join("keys").join("journal.key").display().to_string()
            }
            "FACEPAY_TERMINAL_URL" => terminal_url.to_owned(),
            "FACEPAY_ORG_ID" => "H44170200001".into(),
            "FACEPAY_HOSPITAL_NAME" => "阳江市妇幼保健院".into(),
            "FACEPAY_COUNTER_ID" => "W01".into(),
            "FACEPAY_OPERATOR_ID" => "0107".into(),
            "FACEPAY_OPERATOR_NAME" => "林晓燕".into(),
            "FACEPAY_OFFICE_ID" => "0301".into(),
            "FACEPAY_OFFICE_NAME" => "挂号收费处".into(),
            _ => return None,
        })
    });
    file
}

/// A whole visit through `t` against the simulator `server`: face auth,
/// identity, settlement notify, under outBizNos starting with `prefix`.
/// Checks what every transport must keep: the identity's Chinese name and
/// gender read back intact, the notify's echo, and our Chinese arriving
/// intact at the far end. Returns the identity check's reply.
pub async fn whole_visit(t: &Terminal, server: &SimServer, prefix: &str) -> Reply<Identity> {
    let scan = format!("{prefix}-A1");
    let auth_no = t.call(&samples::ec_auth(&scan)).await.unwrap().data.auth_no;
    let who = t
        .call(&samples::auth_check(&format!("{prefix}-C1"), &auth_no))
        .await
        .unwrap();
    assert!(
        who.data
            .user_name
            .reveal()
            .chars()
            .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the name read back intact"
    );
    assert!(matches!(who.data.gender.as_deref(), Some("男" | "女")));
    let ack = t
        .call(&samples::settle_success(&scan, Some(auth_no.as_str())))
        .await
        .unwrap();
    assert_eq!(ack.data.out_biz_no.as_deref(), Some(scan.as_str()));
    let got = server.sim.received();
    let sent = &got[got.len() - 3..];
    assert_eq!(sent[0].data().unwrap()["operatorName"], "林晓燕");
    assert_eq!(sent[2].data().unwrap()["hospitalName"], "阳江市妇幼保健院");
    who
}

/// A notification whose reply comes `delay_ms` after the call's deadline:
/// a timeout, its outcome unknown (the terminal may have acted), whatever the
/// transport. Returns the error for the suite's own checks.
pub async fn a_late_reply_times_out(
    t: &Terminal,
    server: &SimServer,
    delay_ms: u64,
    out_biz_no: &str,
) -> TerminalError {
    server.sim.push_script(
        Script::for_trans(TransType::SettleNotify, Behaviour::Normal).delayed(delay_ms),
    );
    let err = t
        .call(&samples::settle_success(out_biz_no, None))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TerminalError::Transport(TransportError::Timeout { .. })
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    err
}

/// The fake vendor library (`nation-ec-fake`'s cdylib) that cargo built for a
/// suite depending on it, beside the running test binary.
pub fn fake_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let name = format!(
        "{}nation_ec_fake{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} not built next to {}", deps.display()))
}
