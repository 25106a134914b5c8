//! Where the central server is. The password never sits in the
//! configuration file: it comes from the keystore, or — for scripts and
//! tests — from `FACEPAY_CENTRAL_URL`. Plain connections only to this
//! machine: a 证件号's hash and the hospital's money must not cross a ward
//! network readable by anyone on it.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::Host;

use crate::CentralError;

/// A validated `postgres://` address.
#[derive(Clone)]
pub struct CentralUrl {
    config: postgres::Config,
    shown: String,
    /// As written: what two settings are compared by.
    text: String,
}

impl PartialEq for CentralUrl {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl std::fmt::Debug for CentralUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CentralUrl").field(&self.shown).finish()
    }
}

impl std::fmt::Display for CentralUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

fn invalid(message: impl Into<String>) -> CentralError {
    CentralError::Invalid {
        field: "central.url",
        message: message.into(),
    }
}

impl CentralUrl {
    /// Parse `text` (`postgres://user[:password]@host:port/db`).
    pub fn parse(text: &str) -> Result<Self, CentralError> {
        let text = text.trim();
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(invalid(
                "应以 postgres:// 开头，例如 postgres://facepay@his-db:5432/facepay",
            ));
        }
        if text.chars().any(char::is_control) {
            return Err(invalid("含有控制字符"));
        }
        let mut config =
            postgres::Config::from_str(text).map_err(|e| invalid(format!("无法解析：{e}")))?;
        let hosts = config.get_hosts().to_vec();
        let [host] = hosts.as_slice() else {
            return Err(invalid("应只有一台服务器（主备切换由数据库管理员负责）"));
        };
        if !is_local(host) {
            return Err(invalid(
                "全院库不在本机：本版本只以明文连接本机（127.0.0.1、localhost 或本机套接字）的数据库，\
                 连接其他服务器所需的 TLS 尚未支持",
            ));
        }
        if config.get_user().is_none() {
            return Err(invalid("缺少用户名（postgres://用户名@主机/库名）"));
        }
        if config.get_dbname().is_none() {
            return Err(invalid("缺少数据库名（postgres://用户名@主机/库名）"));
        }
        config
            .connect_timeout(Duration::from_secs(5))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let shown = format!(
            "postgres://{}@{}:{port}/{}",
            config.get_user().unwrap_or_default(),
            match host {
                Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                Host::Unix(p) => p.display().to_string(),
            },
            config.get_dbname().unwrap_or_default(),
        );
        Ok(Self {
            config,
            shown,
            text: text.to_owned(),
        })
    }

    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }

    /// The password from the keystore, when the address carries none.
    pub fn with_password(mut self, password: &str) -> Self {
        if !self.has_password() {
            self.config.password(password);
        }
        self
    }

    pub fn with_application_name(mut self, name: &str) -> Self {
        self.config.application_name(name);
        self
    }

    pub fn connect(&self) -> Result<postgres::Client, CentralError> {
        self.config
            .connect(postgres::NoTls)
            .map_err(|e| CentralError::Unreachable {
                server: self.shown.clone(),
                cause: e
                    .as_db_error()
                    .map(|d| d.message().to_owned())
                    .unwrap_or_else(|| e.to_string()),
            })
    }
}

fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost")
                || IpAddr::from_str(name.trim_start_matches('[').trim_end_matches(']'))
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_reached_in_plain() {
        for ok in [
            "postgres://facepay@127.0.0.1:5432/facepay",
            "postgres://facepay:secret@localhost/facepay",
            "postgresql://facepay@[::1]:6543/facepay",
        ] {
            assert!(CentralUrl::parse(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("postgres://facepay@his-db:5432/facepay", "TLS"),
            ("postgres://facepay@10.0.0.5/facepay", "TLS"),
            ("mysql://facepay@127.0.0.1/facepay", "postgres://"),
            ("postgres://127.0.0.1/facepay", "用户名"),
            ("postgres://facepay@127.0.0.1", "数据库名"),
            ("postgres://facepay@127.0.0.1/face\npay", "控制字符"),
        ] {
            let e = CentralUrl::parse(bad).expect_err(bad).to_string();
            assert!(e.contains("central.url") && e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let url = CentralUrl::parse("postgres://facepay:s3cr3t@127.0.0.1:5432/facepay").unwrap();
        assert_eq!(url.to_string(), "postgres://facepay@127.0.0.1:5432/facepay");
        assert!(!format!("{url:?}").contains("s3cr3t"));
        assert!(url.has_password());
    }
}
