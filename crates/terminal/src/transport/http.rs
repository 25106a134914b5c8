//! The envelope as a JSON POST to a vendor bridge (`face.exe` style).

use std::error::Error as _;
use std::time::Duration;

use super::Charset;
use crate::error::{RawText, TerminalError, TransportError};
use crate::protocol::TransType;

/// The most a reply may hold. The spec's largest reply (an identity with a
/// drug list) is a few kilobytes; a bridge sending more is broken or hostile.
pub const MAX_REPLY_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    url: reqwest::Url,
    /// How replies that declare no charset are read.
    charset: Charset,
    token: Option<super::BearerToken>,
}

impl HttpTransport {
    /// A bridge on this machine (or https anywhere) that answers in UTF-8
    /// unless it says otherwise.
    pub fn new(url: &str) -> Result<Self, TerminalError> {
        Self::with_options(url, Charset::default(), &[])
    }

    /// `charset` reads replies that declare none (Windows bridges often send
    /// GBK without saying so); `allow_hosts` names the hosts besides this
    /// machine that may be reached over plain http (the envelope carries a
    /// patient's identity).
    pub fn with_options(
        url: &str,
        charset: Charset,
        allow_hosts: &[String],
    ) -> Result<Self, TerminalError> {
        let url = reqwest::Url::parse(url)
            .map_err(|e| TerminalError::Config(format!("终端地址“{url}”无效：{e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) || allowed(&url, allow_hosts) => {}
            "http" => {
                return Err(TerminalError::Config(format!(
                    "终端地址“{url}”以 http:// 明文连接其他电脑：请改用 https://，或由信息科在配置 [terminal] allow_hosts 中列出该地址"
                )));
            }
            _ => {
                return Err(TerminalError::Config(format!(
                    "终端地址“{url}”应以 http:// 或 https:// 开头"
                )));
            }
        }
        let client = reqwest::Client::builder()
            // A workstation proxy must never sit between us and a bridge on the counter.
            .no_proxy()
            // A connection per call: many embedded bridges close theirs after
            // each reply without `Connection: close`, and a reused one fails
            // under a request the terminal never read. On a LAN or loopback a
            // new connection costs nothing next to a face scan.
            .pool_max_idle_per_host(0)
            // A redirect would re-send the envelope — a name and 证件号 — elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TerminalError::Config(format!("无法创建 HTTP 客户端：{e}")))?;
        Ok(Self {
            client,
            url,
            charset,
            token: None,
        })
    }

    /// Send `Authorization: Bearer …` with every call (a bridge such as
    /// `nation-ec-host --token` that other local users must not use).
    pub fn with_token(mut self, token: Option<super::BearerToken>) -> Self {
        self.token = token;
        self
    }

    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    pub fn token(&self) -> Option<&super::BearerToken> {
        self.token.as_ref()
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

/// How a POST failed: before any reply arrived (the connection refused or
/// broken under the request), or after.
enum Sent {
    NoReply(TransportError),
    Failed(TransportError),
}

impl Sent {
    fn into_error(self) -> TransportError {
        match self {
            Sent::NoReply(e) | Sent::Failed(e) => e,
        }
    }
}

impl HttpTransport {
    /// One POST of the envelope, finished by `deadline`.
    async fn once(
        &self,
        envelope: &str,
        timeout: Duration,
        deadline: tokio::time::Instant,
    ) -> Result<String, Sent> {
        let call = async {
            let request = self
                .client
                .post(self.url.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json;charset=UTF-8",
                )
                .body(envelope.to_owned());
            let request = match &self.token {
                Some(t) => request.bearer_auth(t.reveal()),
                None => request,
            };
            let mut response =
                request
                    .send()
                    .await
                    .map_err(|e| match self.classify(&e, timeout) {
                        error @ TransportError::Io { .. } => Sent::NoReply(error),
                        error => Sent::Failed(error),
                    })?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .map(|l| printable(&String::from_utf8_lossy(l.as_bytes())))
                    .unwrap_or_else(|| "（无）".into());
                return Err(Sent::Failed(TransportError::Redirected {
                    status: status.as_u16(),
                    location,
                }));
            }
            let charset = declared_charset(response.headers()).unwrap_or(Ok(self.charset));
            let bytes = read_bounded(&mut response)
                .await
                .map_err(|e| Sent::Failed(e.unwrap_or_else(|e| self.classify(&e, timeout))))?;
            if !status.is_success() {
                // The body of an error page is kept only as something to read.
                let body = charset
                    .ok()
                    .and_then(|c| c.decode(&bytes))
                    .unwrap_or_else(|| format!("（{} 字节，无法解码）", bytes.len()));
                return Err(Sent::Failed(TransportError::HttpStatus {
                    status: status.as_u16(),
                    body: RawText(body),
                }));
            }
            let charset = charset.map_err(|name| {
                Sent::Failed(TransportError::Undecodable {
                    charset: name,
                    bytes: bytes.len(),
                })
            })?;
            charset.decode(&bytes).ok_or_else(|| {
                Sent::Failed(TransportError::Undecodable {
                    charset: charset.name().into(),
                    bytes: bytes.len(),
                })
            })
        };
        // One deadline for connect + send + the whole body, not per phase
        // (and for a resent identity check, shared with the first try).
        tokio::time::timeout_at(deadline, call)
            .await
            .unwrap_or(Err(Sent::Failed(TransportError::Timeout {
                after: timeout,
            })))
    }
}

#[async_trait::async_trait]
impl super::Transport for HttpTransport {
    async fn exchange(
        &self,
        trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        let deadline = tokio::time::Instant::now() + timeout;
        match self.once(envelope, timeout, deadline).await {
            // An identity check only reads what the face scan left on the
            // 中台: asked again it answers the same. One whose connection
            // failed before any reply arrived is sent once more; a scan, a
            // 医保码 read and a notification never are (they act on the terminal).
            Err(Sent::NoReply(e)) if trans_type == TransType::AuthCheck => {
                tracing::warn!("identity check sent again after a connection error: {e}");
                self.once(envelope, timeout, deadline)
                    .await
                    .map_err(Sent::into_error)
            }
            other => other.map_err(Sent::into_error),
        }
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

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn allowed(url: &reqwest::Url, allow_hosts: &[String]) -> bool {
    url.host_str()
        .is_some_and(|h| allow_hosts.iter().any(|a| a.trim().eq_ignore_ascii_case(h)))
}

/// The charset a reply declares in `Content-Type`, if any: `Ok` for one we
/// read, `Err(name)` for one we do not.
fn declared_charset(headers: &reqwest::header::HeaderMap) -> Option<Result<Charset, String>> {
    Charset::of_content_type(headers.get(reqwest::header::CONTENT_TYPE)?.to_str().ok()?)
}

/// The body, up to [`MAX_REPLY_BYTES`]: a larger one is refused while it
/// streams in, so memory stays bounded whatever the bridge sends.
async fn read_bounded(
    response: &mut reqwest::Response,
) -> Result<Vec<u8>, Result<TransportError, reqwest::Error>> {
    let too_large = |received: u64| {
        Err(Ok(TransportError::TooLarge {
            received,
            limit: MAX_REPLY_BYTES,
        }))
    };
    if let Some(declared) = response.content_length()
        && declared > MAX_REPLY_BYTES
    {
        return too_large(declared);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Err)? {
        let received = (body.len() + chunk.len()) as u64;
        if received > MAX_REPLY_BYTES {
            return too_large(received);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A header value fit for a message: control characters out, bounded.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}
