//! Installation settings: a TOML file (`--config` or `FACEPAY_CONFIG`) with
//! environment overrides. Every value goes through the protocol's own types,
//! so a bad setting is refused at start-up with the setting named — not in
//! the middle of a patient's visit.
//!
//! ```toml
//! [hospital]
//! org_id = "H44170200001"
//! name = "阳江市妇幼保健院"
//!
//! [counter]
//! id = "W01"                 # unique per counter of the hospital: part of every outBizNo
//! operator_id = "0107"
//! operator_name = "林晓燕"
//! office_id = "0301"
//! office_name = "挂号收费处"
//! business_type = "01101"    # 挂号
//! biz_type = "register"
//!
//! [terminal]                 # or kind = "library", path = "...", center_url = "..."; or kind = "simulator"
//! kind = "http"
//! url = "http://127.0.0.1:4301/api/open"
//!
//! [timeouts]                 # seconds
//! face_auth = 120
//! other = 10
//!
//! [journal]
//! path = "/var/lib/facepay/facepay.db"
//!
//! [bridge]                   # the HIS bridge (docs/his-bridge.md); the panel starts it when listen is set
//! listen = "127.0.0.1:17321" # loopback only
//! his_notify = "at_once"     # or "cashier": a HIS settlement waits for the cashier's F4
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use facepay_journal::CounterId;
use facepay_journal::outbox::Backoff;
use facepay_journal::sequence::MAX_PREFIX_CHARS;
use nhsa_terminal::Timeouts;
use nhsa_terminal::protocol::{
    BizType, BusinessType, HospitalName, OfficeId, OfficeName, OperatorId, OperatorName, OrgId,
};
use nhsa_terminal::transport::{Charset, TransportConfig};

/// A setting that cannot be used, and which one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("配置项 {field}：{message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The file as written: every field optional, so overrides and defaults can fill it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub hospital: HospitalSection,
    pub counter: CounterSection,
    pub terminal: Option<TransportConfig>,
    pub timeouts: Option<Timeouts>,
    pub outbox: OutboxSection,
    pub journal: JournalSection,
    pub bridge: BridgeSection,
    pub central: CentralSection,
}

/// The hospital's central server (docs/central.md); absent: the counter
/// works alone, as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CentralSection {
    /// `postgres://user@host:port/db`, without the password (that is kept
    /// in the keystore: `facepay central password`).
    pub url: Option<String>,
    /// The hospital CA's certificate (PEM): TLS, verified, to the server.
    /// Required for a server off this machine.
    pub ca_file: Option<PathBuf>,
}

/// Validated central settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CentralConfig {
    pub url: facepay_central::CentralUrl,
    /// The hospital's identity key, beside the journal's key.
    pub identity_key_file: PathBuf,
    /// The database password, beside the journal's key.
    pub password_file: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HospitalSection {
    pub org_id: Option<String>,
    pub name: Option<String>,
    /// Deprecated and ignored: whether 基金支付总额 holds 个人账户 is read
    /// from each settlement's own numbers. Still read, so a file that sets
    /// it loads (with a note), and dropped when 设置 are saved.
    #[serde(skip_serializing)]
    pub hif_includes_acct: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CounterSection {
    pub id: Option<String>,
    pub operator_id: Option<String>,
    pub operator_name: Option<String>,
    pub office_id: Option<String>,
    pub office_name: Option<String>,
    pub business_type: Option<String>,
    pub biz_type: Option<String>,
    /// Minutes without a click before the panel locks; 0 never locks. Default 5.
    pub idle_lock_minutes: Option<u32>,
    /// Terminal codes of a face scan that mean the face could not be used:
    /// the panel then offers 改用医保码. Default ["2002"].
    pub face_unusable_codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxSection {
    pub first_retry_ms: Option<u64>,
    pub max_retry_ms: Option<u64>,
    pub max_attempts: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgeSection {
    pub listen: Option<String>,
    /// Where the bearer token is kept; default `bridge.token` beside the journal.
    pub token_file: Option<PathBuf>,
    pub his_notify: Option<HisNotify>,
    /// Minutes the HIS may still read a visit's identity unmasked after its
    /// first settlement reached the terminal (default 30).
    pub identity_window_minutes: Option<u32>,
    /// Browser origins (`http://his.example:8080`) a browser-based HIS calls
    /// the bridge from; any other `Origin` is refused.
    pub allowed_origins: Option<Vec<String>>,
}

/// What happens to a settlement the HIS pushes through the bridge.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HisNotify {
    /// Sent to the terminal at once (the panel shows it delivered).
    #[default]
    AtOnce,
    /// Shown in the panel and sent when the cashier presses F4.
    Cashier,
}

impl HisNotify {
    pub const ALL: &'static [HisNotify] = &[HisNotify::AtOnce, HisNotify::Cashier];

    pub fn label(self) -> &'static str {
        match self {
            HisNotify::AtOnce => "立即通知终端",
            HisNotify::Cashier => "等收款员按 F4",
        }
    }
}

/// The HIS bridge's validated settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeConfig {
    /// Where the panel serves the bridge; `None`: the panel does not.
    pub listen: Option<std::net::SocketAddr>,
    pub token_file: PathBuf,
    pub his_notify: HisNotify,
    /// How long after its first settlement reached the terminal a visit's
    /// identity is still given unmasked.
    pub identity_window: chrono::Duration,
    /// Browser origins allowed to call the bridge, as `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
}

/// The bridge's address when none is configured (`facepay serve`).
pub const DEFAULT_BRIDGE_LISTEN: &str = "127.0.0.1:17321";

/// A bridge address, which must be on this machine: the bridge discloses
/// identities and is guarded by a token only.
pub fn bridge_listen(text: &str, field: &str) -> Result<std::net::SocketAddr, ConfigError> {
    let addr: std::net::SocketAddr = text.trim().parse().map_err(|_| {
        ConfigError::new(
            field,
            format!("“{text}”不是地址:端口，如 {DEFAULT_BRIDGE_LISTEN}"),
        )
    })?;
    if !addr.ip().is_loopback() {
        return Err(ConfigError::new(
            field,
            format!("只能监听本机地址（127.0.0.1 或 ::1），不能是 {}", addr.ip()),
        ));
    }
    Ok(addr)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalSection {
    pub path: Option<PathBuf>,
    /// The encryption key's file; default `journal.key` in the user's
    /// configuration folder (never beside the database).
    pub key_file: Option<PathBuf>,
    /// Days names and 证件号 are kept (default 180); masked forms stay.
    pub retention_days: Option<u32>,
    /// Where the key is kept: `auto` (the desktop session's keyring on
    /// Linux when it has one, else the file) or `file` (for a service
    /// without a desktop session).
    pub key_store: Option<KeyStore>,
}

/// Where the journal's key is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStore {
    #[default]
    Auto,
    File,
    /// An environment override that is neither: refused at validation.
    #[serde(skip)]
    Invalid,
}

/// Validated settings of one counter.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskConfig {
    pub org_id: OrgId,
    pub hospital_name: HospitalName,
    pub counter_id: CounterId,
    pub operator_id: OperatorId,
    pub operator_name: OperatorName,
    pub office_id: OfficeId,
    pub office_name: OfficeName,
    pub business_type: BusinessType,
    pub biz_type: BizType,
    pub transport: TransportConfig,
    pub timeouts: Timeouts,
    pub backoff: Backoff,
    pub db_path: PathBuf,
    pub key_file: PathBuf,
    pub key_store: KeyStore,
    /// How long names and 证件号 are kept.
    pub retention: chrono::Duration,
    pub bridge: BridgeConfig,
    /// The panel locks after this long without activity (`None`: never).
    pub idle_lock: Option<std::time::Duration>,
    /// Terminal codes of a failed face scan after which 医保码 is offered.
    pub face_unusable_codes: Vec<String>,
    /// Settings the file still sets that no longer do anything, with what to do.
    pub deprecations: Vec<String>,
    /// The hospital's central server, when configured.
    pub central: Option<CentralConfig>,
}

type Setter = fn(&mut FileConfig, String);

/// Environment variables that override the file, and what each one sets.
const ENV_OVERRIDES: &[(&str, Setter)] = &[
    ("FACEPAY_DB", |f, v| f.journal.path = Some(v.into())),
    ("FACEPAY_TERMINAL_URL", |f, url| match &mut f.terminal {
        // Only the address: the file's charset and allow-list still hold.
        Some(TransportConfig::Http { url: slot, .. }) => *slot = url,
        other => {
            *other = Some(TransportConfig::Http {
                url,
                charset: Charset::default(),
                allow_hosts: Vec::new(),
                token: None,
            });
        }
    }),
    ("FACEPAY_ORG_ID", |f, v| f.hospital.org_id = Some(v)),
    ("FACEPAY_HOSPITAL_NAME", |f, v| f.hospital.name = Some(v)),
    ("FACEPAY_COUNTER_ID", |f, v| f.counter.id = Some(v)),
    ("FACEPAY_OPERATOR_ID", |f, v| {
        f.counter.operator_id = Some(v)
    }),
    ("FACEPAY_OPERATOR_NAME", |f, v| {
        f.counter.operator_name = Some(v)
    }),
    ("FACEPAY_OFFICE_ID", |f, v| f.counter.office_id = Some(v)),
    ("FACEPAY_OFFICE_NAME", |f, v| {
        f.counter.office_name = Some(v)
    }),
    ("FACEPAY_BRIDGE_LISTEN", |f, v| f.bridge.listen = Some(v)),
    // May carry the password (scripts, tests); the file's url never does.
    ("FACEPAY_CENTRAL_URL", |f, v| f.central.url = Some(v)),
    ("FACEPAY_CENTRAL_CA_FILE", |f, v| {
        f.central.ca_file = Some(v.into())
    }),
    ("FACEPAY_JOURNAL_KEY_FILE", |f, v| {
        f.journal.key_file = Some(v.into())
    }),
    ("FACEPAY_KEY_STORE", |f, v| {
        f.journal.key_store = match v.trim() {
            "file" => Some(KeyStore::File),
            "auto" => Some(KeyStore::Auto),
            // Named in the error when the settings are validated.
            _ => Some(KeyStore::Invalid),
        }
    }),
];

impl FileConfig {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new("--config", format!("无法读取 {}：{e}", path.display()))
        })?;
        toml::from_str(&text).map_err(|e| {
            let message = e.message().to_owned();
            ConfigError::new(path.display().to_string(), message)
        })
    }

    /// Apply `FACEPAY_*` overrides from `env`; blank values are ignored.
    pub fn override_from(&mut self, env: impl Fn(&str) -> Option<String>) {
        for (key, set) in ENV_OVERRIDES {
            if let Some(v) = env(key).filter(|v| !v.trim().is_empty()) {
                set(self, v);
            }
        }
    }

    /// Validate. On the simulator, missing identity settings take demo values
    /// so a newcomer gets a working panel; against a real terminal they are required.
    pub fn validate(self) -> Result<DeskConfig, ConfigError> {
        let transport = self.terminal.unwrap_or_default();
        let demo = transport == TransportConfig::Simulator;
        let take =
            |v: Option<String>, field: &str, demo_value: &str| -> Result<String, ConfigError> {
                match v {
                    Some(v) => Ok(v),
                    None if demo => Ok(demo_value.to_owned()),
                    None => Err(ConfigError::new(field, "未设置（连接真实终端时必填）")),
                }
            };
        let h = self.hospital;
        let c = self.counter;
        let org_id = OrgId::new(take(h.org_id, "hospital.org_id", "H44170200001")?)
            .map_err(named("hospital.org_id"))?;
        let hospital_name =
            HospitalName::new(take(h.name, "hospital.name", "阳江市妇幼保健院（演示）")?)
                .map_err(named("hospital.name"))?;
        let counter_id = CounterId::new(&take(c.id, "counter.id", "W01")?)
            .ok_or_else(|| ConfigError::new("counter.id", "应为字母或数字，如 W01"))?;
        let prefix = org_id.as_str().chars().count() + 1 + counter_id.as_str().chars().count();
        if prefix > MAX_PREFIX_CHARS {
            return Err(ConfigError::new(
                "counter.id",
                format!(
                    "机构代码与窗口编号合计过长（最多 {MAX_PREFIX_CHARS} 个字符），业务流水号会超过 64 位"
                ),
            ));
        }
        let operator_id = OperatorId::new(take(c.operator_id, "counter.operator_id", "0001")?)
            .map_err(named("counter.operator_id"))?;
        let operator_name = OperatorName::new(take(
            c.operator_name,
            "counter.operator_name",
            "演示收款员",
        )?)
        .map_err(named("counter.operator_name"))?;
        let office_id = OfficeId::new(take(c.office_id, "counter.office_id", "0001")?)
            .map_err(named("counter.office_id"))?;
        let office_name =
            OfficeName::new(take(c.office_name, "counter.office_name", "挂号收费处")?)
                .map_err(named("counter.office_name"))?;
        let business_type = BusinessType::parse(c.business_type.as_deref().unwrap_or("01101"))
            .map_err(named("counter.business_type"))?;
        let biz_type = BizType::parse(c.biz_type.as_deref().unwrap_or("register"))
            .map_err(named("counter.biz_type"))?;
        check_transport(&transport)?;
        let backoff = backoff_of(&self.outbox);
        let (db_path, key_file) = journal_paths(&self.journal, demo)?;
        let mut deprecations = Vec::new();
        if h.hif_includes_acct.is_some() {
            deprecations.push(
                "配置项 hospital.hif_includes_acct 已不再使用，可以删除：基金支付总额是否含个人账户，\
                 现在按每笔结算自己的金额判断"
                    .to_owned(),
            );
        }
        let bridge = bridge_of(&self.bridge, &db_path)?;
        let idle_minutes = c.idle_lock_minutes.unwrap_or(5);
        if idle_minutes > 480 {
            return Err(ConfigError::new(
                "counter.idle_lock_minutes",
                "应在 0（不锁定）到 480 分钟之间",
            ));
        }
        let idle_lock = (idle_minutes > 0)
            .then(|| std::time::Duration::from_secs(u64::from(idle_minutes) * 60));
        let retention_days = self.journal.retention_days.unwrap_or(180);
        if !(1..=3650).contains(&retention_days) {
            return Err(ConfigError::new(
                "journal.retention_days",
                "应在 1 到 3650 天之间",
            ));
        }
        let face_unusable_codes = c
            .face_unusable_codes
            .clone()
            .unwrap_or_else(|| vec!["2002".to_owned()]);
        if face_unusable_codes.iter().any(|code| {
            code.is_empty() || code.chars().count() > 16 || code.chars().any(char::is_control)
        }) {
            return Err(ConfigError::new(
                "counter.face_unusable_codes",
                "应为终端返回的错误代码，如 [\"2002\"]",
            ));
        }
        let central = match &self.central.url {
            None => None,
            Some(text) => Some(CentralConfig {
                url: facepay_central::CentralUrl::parse(text, self.central.ca_file.as_deref())
                    .map_err(|e| match e {
                        facepay_central::CentralError::Invalid { field, message } => {
                            ConfigError::new(field, message)
                        }
                        other => ConfigError::new("central.url", other.to_string()),
                    })?,
                identity_key_file: key_file.with_file_name("central-identity.key"),
                password_file: key_file.with_file_name("central-password.key"),
            }),
        };
        Ok(DeskConfig {
            central,
            face_unusable_codes,
            idle_lock,
            key_file,
            key_store: match self.journal.key_store.unwrap_or_default() {
                KeyStore::Invalid => {
                    return Err(ConfigError::new(
                        "FACEPAY_KEY_STORE",
                        "应为 auto（有桌面会话的钥匙环时存入钥匙环）或 file",
                    ));
                }
                store => store,
            },
            retention: chrono::Duration::days(i64::from(retention_days)),
            deprecations,
            bridge,
            org_id,
            hospital_name,
            counter_id,
            operator_id,
            operator_name,
            office_id,
            office_name,
            business_type,
            biz_type,
            transport,
            timeouts: self.timeouts.unwrap_or_default(),
            backoff,
            db_path,
        })
    }
}

/// What is plainly wrong with the terminal's settings, named before anything
/// runs (the host and the library are checked when the host starts).
fn check_transport(transport: &TransportConfig) -> Result<(), ConfigError> {
    if let TransportConfig::Http {
        url,
        charset,
        allow_hosts,
        ..
    } = transport
    {
        nhsa_terminal::transport::HttpTransport::with_options(url, *charset, allow_hosts)
            .map_err(|e| ConfigError::new("terminal.url", e.to_string()))?;
    }
    if let TransportConfig::Library { path, center_url }
    | TransportConfig::Host {
        path, center_url, ..
    } = transport
    {
        if path.as_os_str().is_empty() {
            return Err(ConfigError::new("terminal.path", "请填写终端动态库的路径"));
        }
        if center_url.trim().is_empty() {
            return Err(ConfigError::new(
                "terminal.center_url",
                "请填写电子凭证中台地址",
            ));
        }
    }
    Ok(())
}

/// The outbox's retry schedule, defaults where the file says nothing.
fn backoff_of(outbox: &OutboxSection) -> Backoff {
    let defaults = Backoff::default();
    let ms = |v: Option<u64>, d: Duration| v.map_or(d, Duration::from_millis);
    Backoff {
        first: ms(outbox.first_retry_ms, defaults.first),
        max: ms(outbox.max_retry_ms, defaults.max),
        max_attempts: outbox.max_attempts.unwrap_or(defaults.max_attempts).max(1),
    }
}

/// Where the journal and its key live: the key never beside the data.
fn journal_paths(journal: &JournalSection, demo: bool) -> Result<(PathBuf, PathBuf), ConfigError> {
    let db_path = match journal.path.clone() {
        Some(p) => p,
        None => dirs::data_local_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("facepay-desk")
            .join("facepay.db"),
    };
    // The simulator never writes into the production journal: 演示模式
    // keeps a file of its own beside it.
    let db_path = if demo {
        demo_journal(&db_path)
    } else {
        db_path
    };
    let key_file = match journal.key_file.clone() {
        Some(p) => p,
        None => dirs::config_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("facepay-desk")
            .join("journal.key"),
    };
    if key_file.parent() == db_path.parent() {
        return Err(ConfigError::new(
            "journal.key_file",
            "密钥文件不能与记录库放在同一文件夹（否则拿到文件夹就能解密）",
        ));
    }
    Ok((db_path, key_file))
}

/// The HIS bridge's settings: where it listens, its token file beside the
/// journal, how long an identity stays disclosed, the browsers allowed.
fn bridge_of(
    bridge: &BridgeSection,
    db_path: &std::path::Path,
) -> Result<BridgeConfig, ConfigError> {
    let listen = match &bridge.listen {
        Some(text) if !text.trim().is_empty() => Some(bridge_listen(text, "bridge.listen")?),
        _ => None,
    };
    let token_file = bridge.token_file.clone().unwrap_or_else(|| {
        db_path
            .parent()
            .map_or_else(|| PathBuf::from("bridge.token"), |d| d.join("bridge.token"))
    });
    let window = bridge.identity_window_minutes.unwrap_or(30);
    if window > 1440 {
        return Err(ConfigError::new(
            "bridge.identity_window_minutes",
            "应在 0 到 1440 分钟之间",
        ));
    }
    let allowed_origins = bridge
        .allowed_origins
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|o| origin(&o))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BridgeConfig {
        listen,
        token_file,
        his_notify: bridge.his_notify.unwrap_or_default(),
        identity_window: chrono::Duration::minutes(i64::from(window)),
        allowed_origins,
    })
}

/// A browser origin as browsers send it: `http(s)://host[:port]`, lower case,
/// no path.
fn origin(text: &str) -> Result<String, ConfigError> {
    let bad = || {
        ConfigError::new(
            "bridge.allowed_origins",
            format!("“{text}”不是浏览器来源（应为 http://主机[:端口]，不带路径）"),
        )
    };
    let lower = text.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(bad)?;
    if rest.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err(bad());
    }
    Ok(lower)
}

/// `facepay.db` → `facepay-demo.db` (a name already ending in `-demo` stays).
fn demo_journal(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "facepay".into());
    if stem.ends_with("-demo") {
        return path.to_owned();
    }
    let name = match path.extension() {
        Some(ext) => format!("{stem}-demo.{}", ext.to_string_lossy()),
        None => format!("{stem}-demo"),
    };
    path.with_file_name(name)
}

fn named(field: &'static str) -> impl Fn(nhsa_terminal::ValidationError) -> ConfigError {
    move |e| ConfigError::new(field, e.problem.to_string())
}

impl DeskConfig {
    /// The configuration of this process: `path` (or `FACEPAY_CONFIG`), then
    /// the `FACEPAY_*` overrides, then validation.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with(path, |k| std::env::var(k).ok())
    }

    pub fn load_with(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let path = path
            .map(Path::to_owned)
            .or_else(|| env("FACEPAY_CONFIG").map(PathBuf::from));
        let mut file = match path {
            Some(p) => FileConfig::read(&p)?,
            None => FileConfig::default(),
        };
        file.override_from(env);
        let config = file.validate()?;
        for note in &config.deprecations {
            tracing::warn!("{note}");
        }
        Ok(config)
    }

    pub fn is_demo(&self) -> bool {
        self.transport == TransportConfig::Simulator
    }
}
