//! 设置: the form the panel edits, to and from the configuration file; saving
//! it and testing a connection, shared by the panel and the CLI.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use nhsa_terminal::Timeouts;
use nhsa_terminal::transport::{self, Charset, TransportConfig};

use crate::Desk;
use crate::config::{ConfigError, DeskConfig, FileConfig, HisNotify, bridge_listen};

/// How the terminal is reached.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// The embedded simulator: 演示模式.
    Simulator,
    /// A vendor bridge taking the envelope as a JSON POST.
    Http,
    /// The vendor's NationECCode library.
    Library,
    /// The vendor library through a nation-ec-host the panel starts (a
    /// 32-bit DLL for the 64-bit panel).
    Host,
}

impl TransportKind {
    pub const ALL: &'static [TransportKind] = &[
        TransportKind::Simulator,
        TransportKind::Http,
        TransportKind::Library,
        TransportKind::Host,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TransportKind::Simulator => "模拟终端（演示模式）",
            TransportKind::Http => "HTTP 接口",
            TransportKind::Library => "动态库",
            TransportKind::Host => "32 位终端库（经 nation-ec-host）",
        }
    }

    pub fn of(c: &TransportConfig) -> Self {
        match c {
            TransportConfig::Simulator => TransportKind::Simulator,
            TransportConfig::Http { .. } => TransportKind::Http,
            TransportConfig::Library { .. } => TransportKind::Library,
            TransportConfig::Host { .. } => TransportKind::Host,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SettingsForm {
    pub org_id: String,
    pub hospital_name: String,
    pub counter_id: String,
    pub operator_id: String,
    pub operator_name: String,
    pub office_id: String,
    pub office_name: String,
    pub business_type: String,
    pub biz_type: String,
    pub transport: TransportKind,
    pub http_url: String,
    /// How the bridge's replies are read when they declare no charset.
    pub http_charset: Charset,
    pub library_path: String,
    pub center_url: String,
    pub face_auth_timeout: u32,
    pub other_timeout: u32,
    /// Where the panel serves the HIS bridge; empty: it does not.
    pub bridge_listen: String,
    /// Whether a settlement the HIS pushes is sent at once or on F4.
    pub his_notify: HisNotify,
}

/// 测试连接's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
}

impl SettingsForm {
    pub fn of(c: &DeskConfig) -> Self {
        let http_charset = match &c.transport {
            TransportConfig::Http { charset, .. } => *charset,
            _ => Charset::default(),
        };
        let (http_url, library_path, center_url) = match &c.transport {
            TransportConfig::Simulator => (String::new(), String::new(), String::new()),
            TransportConfig::Http { url, .. } => (url.clone(), String::new(), String::new()),
            TransportConfig::Library { path, center_url }
            | TransportConfig::Host {
                path, center_url, ..
            } => (
                String::new(),
                path.display().to_string(),
                center_url.clone(),
            ),
        };
        Self {
            org_id: c.org_id.as_str().into(),
            hospital_name: c.hospital_name.as_str().into(),
            counter_id: c.counter_id.to_string(),
            operator_id: c.operator_id.as_str().into(),
            operator_name: c.operator_name.as_str().into(),
            office_id: c.office_id.as_str().into(),
            office_name: c.office_name.as_str().into(),
            business_type: c.business_type.code().into(),
            biz_type: c.biz_type.code().into(),
            transport: TransportKind::of(&c.transport),
            http_url,
            http_charset,
            library_path,
            center_url,
            face_auth_timeout: c.timeouts.face_auth.as_secs() as u32,
            other_timeout: c.timeouts.other.as_secs() as u32,
            bridge_listen: c.bridge.listen.map(|a| a.to_string()).unwrap_or_default(),
            his_notify: c.bridge.his_notify,
        }
    }

    /// The form as a configuration file, keeping what the form does not show
    /// (the journal's place, the http allow-list) as `current` has it.
    /// Errors name the form field.
    pub fn to_file(&self, current: &DeskConfig) -> Result<FileConfig, ConfigError> {
        let err = |field: &str, message: &str| ConfigError {
            field: field.into(),
            message: message.into(),
        };
        for (field, secs) in [
            ("faceAuthTimeout", self.face_auth_timeout),
            ("otherTimeout", self.other_timeout),
        ] {
            if !(1..=3600).contains(&secs) {
                return Err(err(field, "超时应在 1 到 3600 秒之间"));
            }
        }
        let text = |v: &str| Some(v.trim().to_owned());
        let mut f = FileConfig::default();
        f.hospital.org_id = text(&self.org_id);
        f.hospital.name = text(&self.hospital_name);
        f.counter.id = text(&self.counter_id);
        f.counter.operator_id = text(&self.operator_id);
        f.counter.operator_name = text(&self.operator_name);
        f.counter.office_id = text(&self.office_id);
        f.counter.office_name = text(&self.office_name);
        f.counter.business_type = text(&self.business_type);
        f.counter.biz_type = text(&self.biz_type);
        f.terminal = Some(match self.transport {
            TransportKind::Simulator => TransportConfig::Simulator,
            TransportKind::Http => TransportConfig::Http {
                url: self.http_url.trim().into(),
                charset: self.http_charset,
                allow_hosts: match &current.transport {
                    TransportConfig::Http { allow_hosts, .. } => allow_hosts.clone(),
                    _ => Vec::new(),
                },
                // Set in the file by IT, not in 设置: kept as it is.
                token: match &current.transport {
                    TransportConfig::Http { token, .. } => token.clone(),
                    _ => None,
                },
            },
            TransportKind::Library => {
                if self.library_path.trim().is_empty() {
                    return Err(err("libraryPath", "请填写终端动态库的路径"));
                }
                TransportConfig::Library {
                    path: self.library_path.trim().into(),
                    center_url: self.center_url.trim().into(),
                }
            }
            TransportKind::Host => {
                if self.library_path.trim().is_empty() {
                    return Err(err("libraryPath", "请填写终端动态库的路径"));
                }
                // Where the host is and its port are set in the file by IT
                // (the defaults suit the installer): kept as they are.
                let (host, port) = match &current.transport {
                    TransportConfig::Host { host, port, .. } => (host.clone(), *port),
                    _ => (None, None),
                };
                TransportConfig::Host {
                    path: self.library_path.trim().into(),
                    center_url: self.center_url.trim().into(),
                    host,
                    port,
                }
            }
        });
        f.timeouts = Some(Timeouts {
            face_auth: Duration::from_secs(self.face_auth_timeout.into()),
            other: Duration::from_secs(self.other_timeout.into()),
        });
        f.journal.path = Some(current.db_path.clone());
        f.journal.key_file = Some(current.key_file.clone());
        f.journal.retention_days = u32::try_from(current.retention.num_days()).ok();
        // What the form does not show stays as it is.
        f.outbox.first_retry_ms = Some(current.backoff.first.as_millis() as u64);
        f.outbox.max_retry_ms = Some(current.backoff.max.as_millis() as u64);
        f.outbox.max_attempts = Some(current.backoff.max_attempts);
        let listen = self.bridge_listen.trim();
        if !listen.is_empty() {
            bridge_listen(listen, "bridgeListen")?;
            f.bridge.listen = Some(listen.to_owned());
        }
        f.bridge.his_notify = Some(self.his_notify);
        f.bridge.token_file = Some(current.bridge.token_file.clone());
        Ok(f)
    }

    /// Validate as the desk would, naming the form field at fault.
    pub fn validate(&self, current: &DeskConfig) -> Result<(FileConfig, DeskConfig), ConfigError> {
        let file = self.to_file(current)?;
        let config = file.clone().validate().map_err(|e| ConfigError {
            field: form_field(&e.field).to_owned(),
            message: e.message,
        })?;
        Ok((file, config))
    }

    /// Validate and write the settings file (atomically: a crash leaves the
    /// old file or the new one). Returns the configuration to switch to.
    pub fn save(
        &self,
        current: &DeskConfig,
        file_path: Option<&Path>,
    ) -> Result<DeskConfig, ConfigError> {
        let (file, config) = self.validate(current)?;
        if let Some(path) = file_path {
            let failed = |e: &dyn std::fmt::Display| ConfigError {
                field: "settingsFile".into(),
                message: format!("无法保存设置到 {}：{e}", path.display()),
            };
            let text = toml::to_string_pretty(&file).map_err(|e| failed(&e))?;
            write_atomically(path, &text).map_err(|e| failed(&e))?;
        }
        Ok(config)
    }

    /// 测试连接 with the settings as typed (not yet saved). Sends no
    /// transaction. An unchanged terminal is probed through the desk's own
    /// transport: a second one would, for `kind = "host"`, start a second
    /// nation-ec-host that loads the vendor DLL beside the running one.
    pub async fn test_connection(&self, desk: &Desk) -> Result<ConnectionTest, ConfigError> {
        let current = desk.config();
        let (_, config) = self.validate(current)?;
        let transport = if config.transport == current.transport {
            Arc::clone(desk.terminal.transport())
        } else {
            transport::connect(&config.transport).map_err(|e| ConfigError {
                field: "transport".into(),
                message: e.to_string(),
            })?
        };
        Ok(match transport.probe(Duration::from_secs(3)).await {
            Ok(()) => ConnectionTest {
                ok: true,
                message: format!("连接正常：{}", transport.describe()),
            },
            Err(e) => ConnectionTest {
                ok: false,
                message: e.to_string(),
            },
        })
    }
}

/// Beside, then renamed: a crash leaves the old file or the new one. Only
/// this user can read it (it names the library, URLs and the journal).
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    facepay_keystore::write_private(path, text.as_bytes())
}

/// The form field behind a configuration key.
fn form_field(config_key: &str) -> &str {
    match config_key {
        "hospital.org_id" => "orgId",
        "hospital.name" => "hospitalName",
        "counter.id" => "counterId",
        "counter.operator_id" => "operatorId",
        "counter.operator_name" => "operatorName",
        "counter.office_id" => "officeId",
        "counter.office_name" => "officeName",
        "counter.business_type" => "businessType",
        "counter.biz_type" => "bizType",
        "terminal.url" => "httpUrl",
        "terminal.path" => "libraryPath",
        "terminal.center_url" => "centerUrl",
        "bridge.listen" => "bridgeListen",
        other => other,
    }
}
