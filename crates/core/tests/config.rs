//! Configuration: the documented example file, environment overrides, and
//! errors that name the setting.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::path::Path;
use std::time::Duration;

mod common;

use facepay_core::DeskConfig;
use nhsa_terminal::protocol::{BizType, BusinessType};
use nhsa_terminal::transport::TransportConfig;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/facepay.example.toml"
);

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn the_documented_example_is_valid() {
    let c = DeskConfig::load_with(Some(Path::new(EXAMPLE)), no_env).unwrap();
    assert_eq!(c.org_id.as_str(), "H44170200001");
    assert_eq!(c.counter_id.as_str(), "W01");
    assert_eq!(c.business_type, BusinessType::Register);
    assert_eq!(c.biz_type, BizType::Register);
    assert_eq!(c.timeouts.face_auth, Duration::from_secs(120));
    assert_eq!(c.backoff.max_attempts, 12);
    assert!(matches!(c.transport, TransportConfig::Http { .. }));
    assert_eq!(c.db_path, Path::new("/var/lib/facepay/facepay.db"));
    // The HIS bridge: loopback, its token beside the journal, the province's rule.
    assert_eq!(c.bridge.listen, Some("127.0.0.1:17321".parse().unwrap()));
    assert_eq!(
        c.bridge.token_file,
        Path::new("/var/lib/facepay/bridge.token")
    );
    assert_eq!(c.bridge.his_notify, facepay_core::api::HisNotify::AtOnce);
    assert!(c.deprecations.is_empty(), "{:?}", c.deprecations);
}

#[test]
fn a_file_that_still_sets_hif_includes_acct_loads_with_a_note() {
    // Whether 基金支付总额 holds 个人账户 is read from each settlement's own
    // numbers now: the old switch is ignored, not an error.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facepay.toml");
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    let old = example.replace(
        "name = \"阳江市妇幼保健院\"\n",
        "name = \"阳江市妇幼保健院\"\nhif_includes_acct = true\n",
    );
    assert_ne!(old, example);
    std::fs::write(&path, old).unwrap();
    let c = DeskConfig::load_with(Some(&path), no_env).unwrap();
    assert_eq!(c.deprecations.len(), 1);
    assert!(c.deprecations[0].contains("hospital.hif_includes_acct"));
}

#[test]
fn a_bridge_off_this_machine_is_refused_naming_the_setting() {
    let env = |k: &str| (k == "FACEPAY_BRIDGE_LISTEN").then(|| "0.0.0.0:17321".to_owned());
    let e = DeskConfig::load_with(Some(Path::new(EXAMPLE)), env).unwrap_err();
    assert_eq!(e.field, "bridge.listen");
    let env = |k: &str| (k == "FACEPAY_BRIDGE_LISTEN").then(|| "localhost".to_owned());
    let e = DeskConfig::load_with(Some(Path::new(EXAMPLE)), env).unwrap_err();
    assert_eq!(e.field, "bridge.listen");
}

#[test]
fn environment_overrides_the_file() {
    let env = |k: &str| match k {
        "FACEPAY_DB" => Some("/tmp/other.db".to_owned()),
        "FACEPAY_TERMINAL_URL" => Some("http://127.0.0.1:9999/api/open".to_owned()),
        "FACEPAY_OPERATOR_NAME" => Some("陈美玲".to_owned()),
        _ => None,
    };
    let c = DeskConfig::load_with(Some(Path::new(EXAMPLE)), env).unwrap();
    assert_eq!(c.db_path, Path::new("/tmp/other.db"));
    assert_eq!(c.operator_name.as_str(), "陈美玲");
    assert_eq!(
        c.transport,
        TransportConfig::Http {
            url: "http://127.0.0.1:9999/api/open".into(),
            charset: Default::default(),
            allow_hosts: Vec::new(),
            token: None,
        }
    );
}

#[test]
fn facepay_config_names_the_file() {
    let env = |k: &str| (k == "FACEPAY_CONFIG").then(|| EXAMPLE.to_owned());
    assert_eq!(
        DeskConfig::load_with(None, env)
            .unwrap()
            .counter_id
            .as_str(),
        "W01"
    );
}

#[test]
fn without_a_terminal_the_demo_defaults_apply() {
    let c = DeskConfig::load_with(None, no_env).unwrap();
    assert!(c.is_demo());
    assert!(c.hospital_name.as_str().contains("演示"));
}

#[test]
fn against_a_real_terminal_identity_settings_are_required() {
    let env = |k: &str| {
        (k == "FACEPAY_TERMINAL_URL").then(|| "http://127.0.0.1:4301/api/open".to_owned())
    };
    let err = DeskConfig::load_with(None, env).unwrap_err();
    assert_eq!(err.field, "hospital.org_id");
    assert!(err.to_string().contains("必填"), "{err}");
}

#[test]
fn bad_values_name_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[counter]\noperator_name = \"" .to_owned() + &"林".repeat(31) + "\"", "counter.operator_name", "最多 30 个字符"),
        ("[counter]\nbusiness_type = \"09999\"".to_owned(), "counter.business_type", "代码表"),
        ("[counter]\nbiz_type = \"pharmacy\"".to_owned(), "counter.biz_type", "代码表"),
        ("[counter]\nid = \"W 01\"".to_owned(), "counter.id", "字母或数字"),
        ("[terminal]\nkind = \"http\"\nurl = \"ftp://x\"\n[hospital]\norg_id=\"H1\"\nname=\"院\"\n[counter]\nid=\"W1\"\noperator_id=\"1\"\noperator_name=\"甲\"\noffice_id=\"1\"\noffice_name=\"科\"".to_owned(), "terminal.url", "http://"),
        ("[hospital]\norg_id = \"".to_owned() + &"H".repeat(40) + "\"\n[counter]\nid = \"WINDOW01\"", "counter.id", "64"),
    ];
    for (text, field, says) in cases {
        let path = dir.path().join("c.toml");
        std::fs::write(&path, &text).unwrap();
        let err = DeskConfig::load_with(Some(&path), no_env).unwrap_err();
        assert_eq!(err.field, field, "{text}");
        assert!(err.to_string().contains(says), "{field}: {err}");
    }
    let path = dir.path().join("typo.toml");
    std::fs::write(&path, "[counter]\noperater_id = \"1\"").unwrap();
    let err = DeskConfig::load_with(Some(&path), no_env).unwrap_err();
    assert!(
        err.to_string().contains("operater_id"),
        "unknown keys are refused: {err}"
    );
    let err = DeskConfig::load_with(Some(&dir.path().join("missing.toml")), no_env).unwrap_err();
    assert!(err.to_string().contains("无法读取"), "{err}");
}

#[test]
fn the_simulator_keeps_a_journal_of_its_own() {
    let env = |k: &str| (k == "FACEPAY_DB").then(|| "/srv/facepay/facepay.db".to_owned());
    let demo = DeskConfig::load_with(None, env).unwrap();
    assert!(demo.is_demo());
    assert_eq!(demo.db_path, Path::new("/srv/facepay/facepay-demo.db"));
    let real = DeskConfig::load_with(Some(Path::new(EXAMPLE)), env).unwrap();
    assert_eq!(real.db_path, Path::new("/srv/facepay/facepay.db"));
}

/// The example with its `[terminal]` replaced by `terminal` (TOML lines).
fn example_with_terminal(dir: &Path, terminal: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let text = text.replacen(
        "kind = \"http\"",
        &format!("{terminal}\n# kind = \"http\""),
        1,
    );
    let text = text.replacen("\nurl = ", "\n# url = ", 1);
    let path = dir.join("facepay.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_host_terminal_is_read_shown_in_the_form_and_kept_on_save() {
    use facepay_core::api::{SettingsForm, TransportKind};
    let dir = tempfile::tempdir().unwrap();
    let file = example_with_terminal(
        dir.path(),
        "kind = \"host\"\npath = 'C:\\NationECCode\\NationECCode.dll'\ncenter_url = \"http://10.1.2.3:8080/c\"\nhost = 'D:\\h\\nation-ec-host.exe'\nport = 4302",
    );
    let c = DeskConfig::load_with(Some(&file), no_env).unwrap();
    assert_eq!(
        c.transport,
        TransportConfig::Host {
            path: "C:\\NationECCode\\NationECCode.dll".into(),
            center_url: "http://10.1.2.3:8080/c".into(),
            host: Some("D:\\h\\nation-ec-host.exe".into()),
            port: Some(4302),
        }
    );
    let form = SettingsForm::of(&c);
    assert_eq!(form.transport, TransportKind::Host);
    assert_eq!(form.library_path, "C:\\NationECCode\\NationECCode.dll");
    assert_eq!(form.center_url, "http://10.1.2.3:8080/c");
    // What IT set in the file and the form does not show stays.
    let (saved, _) = form.validate(&c).unwrap();
    assert_eq!(saved.terminal, Some(c.transport.clone()));

    // Blank fields name the form's field, and the file's key.
    let blank = SettingsForm {
        library_path: " ".into(),
        ..form.clone()
    };
    assert_eq!(blank.validate(&c).unwrap_err().field, "libraryPath");
    let blank = SettingsForm {
        center_url: String::new(),
        ..form.clone()
    };
    assert_eq!(blank.validate(&c).unwrap_err().field, "centerUrl");
    let file = example_with_terminal(
        dir.path(),
        "kind = \"host\"\npath = ''\ncenter_url = \"http://10.1.2.3:8080/c\"",
    );
    let e = DeskConfig::load_with(Some(&file), no_env).unwrap_err();
    assert_eq!(e.field, "terminal.path");

    // Switching to 终端库（经 nation-ec-host） from another kind: the defaults.
    let from_http = DeskConfig::load_with(Some(Path::new(EXAMPLE)), no_env).unwrap();
    let (saved, _) = form.validate(&from_http).unwrap();
    assert!(matches!(
        saved.terminal,
        Some(TransportConfig::Host {
            host: None,
            port: None,
            ..
        })
    ));
}

/// 测试连接 with the terminal unchanged probes the desk's running transport
/// (for `kind = "host"`, no second nation-ec-host loads the vendor DLL); with
/// the terminal changed it connects to what was typed.
#[tokio::test]
async fn test_connection_reuses_the_running_terminal_unless_it_changed() {
    use std::sync::Arc;

    use facepay_core::Desk;
    use facepay_core::api::SettingsForm;
    use facepay_journal::FixedClock;
    use nhsa_terminal::transport::HttpTransport;

    let running = facepay_sim::SimServer::loopback().await.unwrap();
    // The configuration names the discard port, where nothing listens on
    // loopback; the desk's transport reaches the simulator. Which one
    // answered tells them apart.
    let closed_url = "http://127.0.0.1:9/api".to_owned();
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&dir.path().join("facepay.db"), &closed_url);
    let desk = Desk::with_parts(
        cfg,
        Arc::new(HttpTransport::new(&running.url()).unwrap()),
        Arc::new(FixedClock::at("2026-11-28 09:00:00")),
        "test",
    )
    .unwrap();

    let form = SettingsForm::of(desk.config());
    let same = form.test_connection(&desk).await.unwrap();
    assert!(same.ok, "{}", same.message);
    assert!(same.message.contains(&running.url()), "{}", same.message);

    let changed = SettingsForm {
        http_url: format!("{closed_url}/other"),
        ..form
    };
    let other = changed.test_connection(&desk).await.unwrap();
    assert!(!other.ok, "{}", other.message);
    assert!(other.message.contains("连接被拒绝"), "{}", other.message);
}
