//! The envelope as a JSON POST to a vendor bridge (`face.exe` style).

use std::error::Error as _;
use std::time::Duration;

use crate::error::{RawText, TerminalError, TransportError};
use crate::protocol::TransType;

#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl HttpTransport {
    pub fn new(url: &str) -> Result<Self, TerminalError> {
        let url = reqwest::Url::parse(url)
            .map_err(|e| TerminalError::Config(format!("终端地址“{url}”无效：{e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TerminalError::Config(format!(
                "终端地址“{url}”应以 http:// 或 https:// 开头"
            )));
        }
        let client = reqwest::Client::builder()
            // A workstation proxy must never sit between us and a bridge on the counter.
            .no_proxy()
            .build()
            .map_err(|e| TerminalError::Config(format!("无法创建 HTTP 客户端：{e}")))?;
        Ok(Self { client, url })
    }

    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    fn classify(&self, e: &reqwest::Error, timeout: Duration) -> TransportError {
        if e.is_timeout() {
            return TransportError::Timeout { after: timeout };
        }
        let mut source = e.source();
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                return TransportError::Refused {
                    target: self.url.to_string(),
                };
            }
            source = s.source();
        }
        TransportError::Io {
            detail: error_chain(e),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push('：');
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[async_trait::async_trait]
impl super::Transport for HttpTransport {
    async fn exchange(
        &self,
        _trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        let call = async {
            let response = self
                .client
                .post(self.url.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json;charset=UTF-8",
                )
                .body(envelope.to_owned())
                .send()
                .await
                .map_err(|e| self.classify(&e, timeout))?;
            let status = response.status();
            let body = response
                .text()
                .await
                .map_err(|e| self.classify(&e, timeout))?;
            if !status.is_success() {
                return Err(TransportError::HttpStatus {
                    status: status.as_u16(),
                    body: RawText(body),
                });
            }
            Ok(body)
        };
        // One deadline for connect + send + the whole body, not per phase.
        tokio::time::timeout(timeout, call)
            .await
            .unwrap_or(Err(TransportError::Timeout { after: timeout }))
    }

    async fn probe(&self, timeout: Duration) -> Result<(), TransportError> {
        let host = self.url.host_str().unwrap_or("127.0.0.1").to_owned();
        let port = self.url.port_or_known_default().unwrap_or(80);
        let target = || self.url.to_string();
        match tokio::time::timeout(
            timeout,
            tokio::net::TcpStream::connect((host.as_str(), port)),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err(TransportError::Refused { target: target() })
            }
            Ok(Err(e)) => Err(TransportError::Io {
                detail: format!("{}：{e}", target()),
            }),
            Err(_) => Err(TransportError::Timeout { after: timeout }),
        }
    }

    fn describe(&self) -> String {
        format!("HTTP {}", self.url)
    }
}
