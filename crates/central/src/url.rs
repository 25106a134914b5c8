//! Where the central server is. The password never sits in the
//! configuration file: it comes from the keystore, or — for scripts and
//! tests — from `FACEPAY_CENTRAL_URL`. Plain connections only to this
//! machine: a 证件号's hash and the hospital's money must not cross a ward
//! network readable by anyone on it. Any other server is reached over TLS,
//! its certificate verified against the hospital's CA (`ca_file`) and its
//! name against the address.

use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::SslMode;

use postgres::config::Host;

use crate::CentralError;

/// How long a connection (socket, TLS, login) may take.
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(15);

/// A validated `postgres://` address.
#[derive(Clone)]
pub struct CentralUrl {
    config: postgres::Config,
    shown: String,
    /// As written: what two settings are compared by.
    text: String,
    /// Verified TLS, when a CA is configured.
    tls: Option<Arc<rustls::ClientConfig>>,
    ca_file: Option<std::path::PathBuf>,
}

impl PartialEq for CentralUrl {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.ca_file == other.ca_file
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
    /// Parse `text` (`postgres://user[:password]@host:port/db`); with
    /// `ca_file` (PEM), connections use TLS verified against it.
    pub fn parse(text: &str, ca_file: Option<&Path>) -> Result<Self, CentralError> {
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
        let tls = ca_file.map(tls_config).transpose()?;
        if tls.is_none() && !is_local(host) {
            return Err(invalid(
                "全院库不在本机，必须用 TLS 连接：请设置 [central] ca_file（医院 CA 的证书，PEM 格式）；\
                 只有本机（127.0.0.1、localhost 或本机套接字）的数据库可以不加密",
            ));
        }
        if tls.is_some() {
            if matches!(host, Host::Tcp(_)) {
                config.ssl_mode(SslMode::Require);
            } else {
                return Err(CentralError::Invalid {
                    field: "central.ca_file",
                    message: "本机套接字不使用 TLS：请去掉 ca_file，或改用主机名连接".into(),
                });
            }
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
            .keepalives_idle(Duration::from_secs(30))
            // A server that stops answering mid-batch is given up on, not waited for.
            .tcp_user_timeout(Duration::from_secs(30));
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
            tls,
            ca_file: ca_file.map(Path::to_path_buf),
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

    /// Connect, giving up after [`CONNECT_PATIENCE`]: `connect_timeout`
    /// bounds only the socket, and a server (or anything on its port) that
    /// accepts and never answers would hold the caller for ever.
    pub fn connect(&self) -> Result<postgres::Client, CentralError> {
        self.connect_within(CONNECT_PATIENCE)
    }

    /// Connect, giving up after `patience`.
    pub fn connect_within(&self, patience: Duration) -> Result<postgres::Client, CentralError> {
        let (send, receive) = std::sync::mpsc::channel();
        let url = self.clone();
        std::thread::spawn(move || {
            let _ = send.send(url.connect_now());
        });
        receive.recv_timeout(patience).unwrap_or_else(|_| {
            Err(CentralError::Unreachable {
                server: self.shown.clone(),
                cause: format!("{} 秒内没有应答", patience.as_secs()),
            })
        })
    }

    fn connect_now(&self) -> Result<postgres::Client, CentralError> {
        let connected = match &self.tls {
            Some(tls) => self
                .config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(
                    (**tls).clone(),
                )),
            None => self.config.connect(postgres::NoTls),
        };
        connected.map_err(|e| match e.as_db_error() {
            // 28: authorisation (password, role); 3D: no such database.
            Some(db) if matches!(&db.code().code()[..2], "28" | "3D") => {
                CentralError::LoginRefused {
                    server: self.shown.clone(),
                    cause: db.message().to_owned(),
                }
            }
            Some(db) => CentralError::Unreachable {
                server: self.shown.clone(),
                cause: db.message().to_owned(),
            },
            // The driver's own refusal to try (no password for a server that
            // asks for one): as final as the server's.
            None if e.to_string().starts_with("invalid configuration") => {
                CentralError::LoginRefused {
                    server: self.shown.clone(),
                    cause: with_causes(&e),
                }
            }
            None => CentralError::Unreachable {
                server: self.shown.clone(),
                cause: with_causes(&e),
            },
        })
    }
}

/// An error and what caused it ("error performing TLS handshake：invalid
/// peer certificate: UnknownIssuer"): the first line alone says too little.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push('：');
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// TLS that trusts only the hospital's CA in `path` (PEM).
fn tls_config(path: &Path) -> Result<Arc<rustls::ClientConfig>, CentralError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let invalid = |message: String| CentralError::Invalid {
        field: "central.ca_file",
        message,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| invalid(format!("无法读取 {}：{e}", path.display())))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("{} 不是 PEM 格式的证书：{e}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(format!("{} 中没有证书", path.display())));
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| invalid(format!("{} 中的证书无法使用：{e}", path.display())))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
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
            assert!(CentralUrl::parse(ok, None).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("postgres://facepay@his-db:5432/facepay", "ca_file"),
            ("postgres://facepay@10.0.0.5/facepay", "ca_file"),
            ("mysql://facepay@127.0.0.1/facepay", "postgres://"),
            ("postgres://127.0.0.1/facepay", "用户名"),
            ("postgres://facepay@127.0.0.1", "数据库名"),
            ("postgres://facepay@127.0.0.1/face\npay", "控制字符"),
        ] {
            let e = CentralUrl::parse(bad, None).expect_err(bad).to_string();
            assert!(e.contains("central.url") && e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let url =
            CentralUrl::parse("postgres://facepay:s3cr3t@127.0.0.1:5432/facepay", None).unwrap();
        assert_eq!(url.to_string(), "postgres://facepay@127.0.0.1:5432/facepay");
        assert!(!format!("{url:?}").contains("s3cr3t"));
        assert!(url.has_password());
    }
}
