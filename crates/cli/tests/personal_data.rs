//! A terminal that names the patient in an error message ("梁晓燕（4417…）的
//! 医保电子凭证已失效"): the name and the 证件号 reach neither stderr (at the
//! default level or info), nor the error shown, nor the call record, nor
//! `facepay visit`, nor the journal file decrypted.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{Counter, journal_key};
use facepay_core::api::TransType;
use facepay_sim::{Behaviour, Script};

const NAME: &str = "梁晓燕";
const ID_NO: &str = "441702199003152347";

/// The face scan fails with a message that names the patient.
fn naming_the_patient() -> Script {
    Script::for_trans(
        TransType::EcAuth,
        Behaviour::Error {
            code: 3001,
            message: format!("{NAME}（{ID_NO}）的医保电子凭证已失效"),
        },
    )
}

#[tokio::test]
async fn a_terminal_message_naming_the_patient_is_masked_everywhere_it_goes() {
    let t = Counter::with_admin().await;
    t.sim.sim.push_script(naming_the_patient());
    for level in ["warn", "info"] {
        let failed = t.env("FACEPAY_LOG", level).run(&["auth"]).await;
        assert_eq!(failed.json["code"], "terminal", "{}", failed.json);
        for (what, text) in [
            ("stderr", &failed.stderr),
            ("stdout", &failed.json.to_string()),
        ] {
            assert!(!text.contains(NAME), "{level}: the name in {what}: {text}");
            assert!(
                !text.contains(ID_NO),
                "{level}: the 证件号 in {what}: {text}"
            );
        }
        // The message itself still says what happened.
        assert!(
            failed.json["message"]
                .as_str()
                .unwrap()
                .contains("医保电子凭证已失效")
        );
        t.sim.sim.push_script(naming_the_patient());
    }
    let history = t.run(&["pending"]).await;
    assert!(!history.json.to_string().contains(NAME));
    let plain = t.dir.path().join("plain.db");
    facepay_journal::rewrite::decrypt_copy(&t.db, &journal_key(&t.db), &plain).unwrap();
    let bytes = std::fs::read(&plain).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(NAME), "the name in the journal file");
    assert!(!text.contains(ID_NO), "the 证件号 in the journal file");
    // The visit as `facepay visit` shows it.
    let c = rusqlite::Connection::open(&plain).unwrap();
    let out_biz_no: String = c
        .query_row(
            "SELECT out_biz_no FROM visits ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let visit = t.run(&["visit", &out_biz_no]).await;
    assert!(visit.ok, "{}", visit.json);
    let shown = visit.json.to_string();
    assert!(shown.contains("医保电子凭证已失效"), "{shown}");
    assert!(!shown.contains(NAME) && !shown.contains(ID_NO), "{shown}");
}
