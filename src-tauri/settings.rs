//! 设置: the form the panel edits, to and from the configuration file.

use std::path::Path;
use std::time::Duration;

use facepay_core::config::FileConfig;
use facepay_core::terminal::Timeouts;
use facepay_core::terminal::transport::TransportConfig;
use facepay_core::{ConfigError, DeskConfig};
use serde::{Deserialize, Serialize};

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
    /// `simulator`, `http` or `library`.
    pub transport: String,
    pub http_url: String,
    pub library_path: String,
    pub center_url: String,
    pub face_auth_timeout: u32,
    pub other_timeout: u32,
}

impl SettingsForm {
    pub fn of(c: &DeskConfig) -> Self {
        let (transport, http_url, library_path, center_url) = match &c.transport {
            TransportConfig::Simulator => {
                ("simulator", String::new(), String::new(), String::new())
            }
            TransportConfig::Http { url } => ("http", url.clone(), String::new(), String::new()),
            TransportConfig::Library { path, center_url } => (
                "library",
                String::new(),
                path.display().to_string(),
                center_url.clone(),
            ),
        };
        Self {
            org_id: c.org_id.as_str().into(),
            hospital_name: c.hospital_name.as_str().into(),
            counter_id: c.counter_id.clone(),
            operator_id: c.operator_id.as_str().into(),
            operator_name: c.operator_name.as_str().into(),
            office_id: c.office_id.as_str().into(),
            office_name: c.office_name.as_str().into(),
            business_type: c.business_type.code().into(),
            biz_type: c.biz_type.code().into(),
            transport: transport.into(),
            http_url,
            library_path,
            center_url,
            face_auth_timeout: c.timeouts.face_auth.as_secs() as u32,
            other_timeout: c.timeouts.other.as_secs() as u32,
        }
    }

    /// The form as a configuration file, keeping the journal where it is.
    /// Errors name the form field.
    pub fn to_file(&self, db: &Path) -> Result<FileConfig, ConfigError> {
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
        f.terminal = Some(match self.transport.as_str() {
            "simulator" => TransportConfig::Simulator,
            "http" => TransportConfig::Http {
                url: self.http_url.trim().into(),
            },
            "library" => {
                if self.library_path.trim().is_empty() {
                    return Err(err("libraryPath", "请填写终端动态库的路径"));
                }
                TransportConfig::Library {
                    path: self.library_path.trim().into(),
                    center_url: self.center_url.trim().into(),
                }
            }
            _ => return Err(err("transport", "应为 模拟终端、HTTP 或 动态库")),
        });
        f.timeouts = Some(Timeouts {
            face_auth: Duration::from_secs(self.face_auth_timeout.into()),
            other: Duration::from_secs(self.other_timeout.into()),
        });
        f.journal.path = Some(db.to_owned());
        Ok(f)
    }

    /// Validate as the service would, naming the form field at fault.
    pub fn validate(&self, db: &Path) -> Result<(FileConfig, DeskConfig), ConfigError> {
        let file = self.to_file(db)?;
        let config = file.clone().validate().map_err(|e| ConfigError {
            field: form_field(&e.field).to_owned(),
            message: e.message,
        })?;
        Ok((file, config))
    }
}

/// The form field behind a configuration key.
pub fn form_field(config_key: &str) -> &str {
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
        other => other,
    }
}
