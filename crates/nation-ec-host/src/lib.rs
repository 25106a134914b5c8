//! `nation-ec-host`: the vendor's `NationECCode.dll` behind a vendor bridge on
//! loopback.
//!
//! The vendor library is usually a 32-bit DLL, and a 64-bit process cannot
//! load it. This small program — built for `i686-pc-windows-gnu` for such a
//! DLL, for `x86_64-pc-windows-gnu` for a 64-bit one — loads the library, owns
//! it on one dedicated thread (through `nhsa-terminal`'s library transport:
//! GB18030 both ways, a 256 KiB output buffer, `"0000"` = went through, the
//! export looked up plain and stdcall-decorated) and serves exactly the shape
//! the panel's `http` transport already speaks: `POST /api/open` with the
//! envelope as JSON, the reply JSON back. The panel starts it itself with
//! `[terminal] kind = "host"` (`nhsa_terminal::transport::HostTransport`), or
//! reaches one started at logon with `kind = "http"`,
//! `url = "http://127.0.0.1:PORT/api/open"`.
//!
//! The contract of a call:
//! - one call reaches the library at a time, in arrival order; at most
//!   [`Config::queue_limit`] requests wait or run, more are refused (503);
//! - a request whose client gave up (closed its connection, or timed out)
//!   before the library's thread took it, or that waited longer than
//!   [`Config::call_timeout`], is never passed to the library: a late face
//!   scan would start on a counter where nobody waits for it;
//! - a call the library already runs cannot be aborted; its reply is dropped;
//! - requests are bounded ([`MAX_REQUEST_BYTES`]), read in their declared
//!   charset (UTF-8 unless `charset=` says GBK/GB18030), must be one JSON
//!   object, and control characters are refused (a NUL would cut the C string
//!   short);
//! - with a token, every request needs `Authorization: Bearer TOKEN`;
//! - errors are `{code, message}` JSON with an honest status: 4xx = refused
//!   before the library was called, 502 = the library failed (`status` holds
//!   its status string), 504 = no answer within the call timeout.
//!
//! **How it starts: per user, in the cashier's session — not a Windows
//! service.** A service runs in session 0, isolated from the logged-in user's
//! desktop since Windows Vista, under a service account: vendor libraries
//! reach the terminal through the user's devices and drivers, read
//! configuration from the user's profile or the working folder, and some show
//! their own dialogs, none of which work there. It would also give the vendor
//! code LocalSystem rights it does not need. So the host runs as the user who
//! runs the panel — started by the panel as its child (`kind = "host"`:
//! a fresh token, stopped with the panel), or at logon where the CLI and the
//! panel share one host — and listens on loopback only. See
//! `docs/nation-ec-host.md`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use nhsa_terminal::TerminalError;
use nhsa_terminal::TransportError;
use nhsa_terminal::transport::{Charset, LibraryTransport};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

/// The path the panel's `http` transport posts to.
pub const PATH: &str = "/api/open";

/// The largest request taken. The spec's largest request (a notify with a
/// drug list) is a few kilobytes; the bound keeps memory flat whatever a
/// local process sends.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Longer than the panel's default face-scan timeout (120 s), so the panel
/// gives up first and its call is recorded as unknown on its side.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(150);

/// The running call plus a few waiting: a counter has one cashier.
pub const DEFAULT_QUEUE_LIMIT: usize = 4;

/// How long a stop waits for calls in flight before it leaves them.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// The host's settings (the command line's flags).
#[derive(Debug, Clone)]
pub struct Config {
    pub dll: PathBuf,
    pub center_url: String,
    pub listen: SocketAddr,
    pub token: Option<String>,
    /// The longest a request waits for its answer, queued or running.
    pub call_timeout: Duration,
    /// How many requests may wait or run at once.
    pub queue_limit: usize,
}

impl Config {
    pub fn new(dll: impl Into<PathBuf>, center_url: &str, listen: SocketAddr) -> Self {
        Self {
            dll: dll.into(),
            center_url: center_url.to_owned(),
            listen,
            token: None,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            queue_limit: DEFAULT_QUEUE_LIMIT,
        }
    }
}

/// Everything that goes wrong, at start or in a request.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The envelope holds a name and 证件号: it never leaves this machine.
    #[error("--listen {0}：只能监听本机回环地址（127.0.0.1:端口 或 [::1]:端口）")]
    NotLoopback(SocketAddr),
    #[error("--token 不能为空，也不能含有空白或控制字符")]
    BadToken,
    #[error("--call-timeout 与队列长度必须大于 0")]
    BadLimits,
    #[error("无法监听 {addr}：{source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The library would not load, or has no `NationEcTrans`.
    #[error("{0}")]
    Library(#[source] TerminalError),

    #[error("缺少令牌或令牌错误：请求需带 Authorization: Bearer 令牌")]
    Unauthorized,
    #[error("只接受 POST {PATH}（请求报文为 JSON）")]
    NotFound,
    #[error("只接受 POST {PATH}（请求报文为 JSON）")]
    MethodNotAllowed,
    #[error("请求过大：上限 {limit} 字节")]
    TooLarge { limit: usize },
    #[error("不支持的字符集“{0}”：请用 UTF-8、GBK 或 GB18030")]
    UnknownCharset(String),
    #[error("请求不是有效的 {0} 文本")]
    Undecodable(&'static str),
    #[error("请求在第 {at} 个字符处含有控制字符 U+{code:04X}，已拒绝")]
    ControlCharacter { at: usize, code: u32 },
    #[error("请求不是 JSON 对象：{0}")]
    NotJson(String),
    #[error("读取请求失败：{0}")]
    ReadBody(String),
    #[error("动态库正忙：已有 {0} 个请求在处理或排队，请稍后再试")]
    Busy(usize),
    #[error("{0}")]
    Call(#[from] TransportError),
}

impl HostError {
    /// A stable, machine-readable code for scripts and logs.
    pub fn code(&self) -> &'static str {
        match self {
            HostError::NotLoopback(_) => "listen_not_loopback",
            HostError::BadToken | HostError::BadLimits => "usage",
            HostError::Listen { .. } => "listen",
            HostError::Library(_) => "library_load",
            HostError::Unauthorized => "unauthorized",
            HostError::NotFound => "not_found",
            HostError::MethodNotAllowed => "method_not_allowed",
            HostError::TooLarge { .. } => "too_large",
            HostError::UnknownCharset(_) => "unknown_charset",
            HostError::Undecodable(_) => "undecodable",
            HostError::ControlCharacter { .. } => "control_character",
            HostError::NotJson(_) => "not_json",
            HostError::ReadBody(_) => "read_body",
            HostError::Busy(_) => "busy",
            HostError::Call(e) => match e {
                TransportError::Timeout { .. } => "timeout",
                TransportError::Library { .. } => "library",
                TransportError::Undecodable { .. } => "library_undecodable",
                _ => "library_io",
            },
        }
    }

    /// The HTTP status of a refused or failed request.
    pub fn status(&self) -> StatusCode {
        match self {
            HostError::Unauthorized => StatusCode::UNAUTHORIZED,
            HostError::NotFound => StatusCode::NOT_FOUND,
            HostError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HostError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            HostError::UnknownCharset(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HostError::Undecodable(_)
            | HostError::ControlCharacter { .. }
            | HostError::NotJson(_)
            | HostError::ReadBody(_) => StatusCode::BAD_REQUEST,
            HostError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            HostError::Call(TransportError::Timeout { .. }) => StatusCode::GATEWAY_TIMEOUT,
            HostError::Call(_) => StatusCode::BAD_GATEWAY,
            HostError::NotLoopback(_)
            | HostError::BadToken
            | HostError::BadLimits
            | HostError::Listen { .. }
            | HostError::Library(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// True for a mistake in the command line (exit code 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            HostError::NotLoopback(_) | HostError::BadToken | HostError::BadLimits
        )
    }

    /// `{code, message}`, plus the library's own status when it gave one.
    pub fn to_json(&self) -> Value {
        let mut body = json!({"code": self.code(), "message": self.to_string()});
        if let HostError::Call(TransportError::Library { status, .. }) = self {
            body["status"] = Value::String(status.clone());
        }
        body
    }
}

impl IntoResponse for HostError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(self.to_json())).into_response()
    }
}

/// What every request shares.
#[derive(Debug)]
struct Shared {
    library: LibraryTransport,
    token: Option<String>,
    call_timeout: Duration,
    queue_limit: usize,
    /// Admits at most `queue_limit` requests to the library's queue.
    slots: Arc<Semaphore>,
}

/// A host serving until [`RunningHost::stop`] (or drop).
#[derive(Debug)]
pub struct RunningHost {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningHost {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to configure in the panel (`[terminal] url`).
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Stop taking requests; let calls in flight finish for a moment, then
    /// leave them (a hung vendor call never returns).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(STOP_GRACE, &mut self.task)
            .await
            .is_err()
        {
            tracing::warn!("calls still in flight at stop were left running");
            self.task.abort();
        }
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Refuse a listen address other than loopback.
pub fn check_listen(addr: SocketAddr) -> Result<SocketAddr, HostError> {
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err(HostError::NotLoopback(addr))
    }
}

/// Check the settings, load the library, bind, and serve on the current
/// tokio runtime.
pub async fn start(config: Config) -> Result<RunningHost, HostError> {
    let addr = check_listen(config.listen)?;
    let token = match config.token {
        None => None,
        Some(t) if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(HostError::BadToken);
        }
        Some(t) => Some(t),
    };
    if config.call_timeout.is_zero() || config.queue_limit == 0 {
        return Err(HostError::BadLimits);
    }
    let library =
        LibraryTransport::open(&config.dll, &config.center_url).map_err(HostError::Library)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| HostError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| HostError::Listen { addr, source })?;
    let shared = Arc::new(Shared {
        library,
        token,
        call_timeout: config.call_timeout,
        queue_limit: config.queue_limit,
        slots: Arc::new(Semaphore::new(config.queue_limit)),
    });
    let app = Router::new()
        .route(
            PATH,
            post(call).fallback(|| async { HostError::MethodNotAllowed }),
        )
        .fallback(|| async { HostError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(shared);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!("server stopped: {e}");
        }
    });
    Ok(RunningHost {
        addr,
        stop: Some(stop),
        task,
    })
}

async fn call(
    State(host): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let abandoned = Abandoned {
        started,
        done: false,
    };
    let result = serve_call(&host, &headers, body).await;
    abandoned.finish();
    match result {
        Ok((trans_type, reply)) => {
            tracing::info!(
                trans_type,
                ms = started.elapsed().as_millis() as u64,
                "call went through"
            );
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
                reply,
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                ms = started.elapsed().as_millis() as u64,
                "call refused or failed: {e}"
            );
            e.into_response()
        }
    }
}

/// Logs a request whose client went away before its answer: the server
/// drops the request's future then, and with it the library's queue slot.
struct Abandoned {
    started: Instant,
    done: bool,
}

impl Abandoned {
    fn finish(mut self) {
        self.done = true;
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        if !self.done {
            tracing::warn!(
                ms = self.started.elapsed().as_millis() as u64,
                "the client gave up before the answer: a call not yet started is never sent"
            );
        }
    }
}

async fn serve_call(
    host: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(String, String), HostError> {
    if let Some(token) = &host.token
        && !bearer_matches(headers, token)
    {
        return Err(HostError::Unauthorized);
    }
    let charset = request_charset(headers)?;
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HostError::TooLarge {
                limit: MAX_REQUEST_BYTES,
            }
        } else {
            HostError::ReadBody(rejection.body_text())
        }
    })?;
    let text = charset
        .decode(&bytes)
        .ok_or(HostError::Undecodable(charset.name()))?;
    let trans_type = check_envelope(&text)?;
    // Taken before the call is queued and held until it is answered: the
    // library's queue never holds more than `queue_limit` requests.
    let _slot = Arc::clone(&host.slots)
        .try_acquire_owned()
        .map_err(|_| HostError::Busy(host.queue_limit))?;
    let reply = host.library.send(&text, host.call_timeout).await?;
    Ok((trans_type, reply))
}

/// The request's declared charset; UTF-8 when it declares none.
fn request_charset(headers: &HeaderMap) -> Result<Charset, HostError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Charset::Utf8);
    };
    match Charset::of_content_type(&String::from_utf8_lossy(value.as_bytes())) {
        None => Ok(Charset::Utf8),
        Some(found) => found.map_err(HostError::UnknownCharset),
    }
}

/// One JSON object without control characters; its `transType`, for the log.
fn check_envelope(text: &str) -> Result<String, HostError> {
    // JSON's own whitespace is allowed between tokens (inside strings JSON
    // itself refuses it); anything else could cut or confuse the C string.
    if let Some((at, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(HostError::ControlCharacter {
            at: at + 1,
            code: u32::from(c),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| HostError::NotJson(e.to_string()))?;
    let Value::Object(envelope) = value else {
        return Err(HostError::NotJson("顶层应为对象".into()));
    };
    Ok(envelope
        .get("transType")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect())
}

/// Compared in time independent of where the first difference is.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
    else {
        return false;
    };
    let expected = token.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_loopback_is_served() {
        for ok in ["127.0.0.1:4302", "[::1]:4302", "127.0.0.2:0"] {
            assert!(check_listen(ok.parse().unwrap()).is_ok(), "{ok}");
        }
        for refused in ["0.0.0.0:4302", "192.168.1.20:4302", "[::]:4302"] {
            let err = check_listen(refused.parse().unwrap()).unwrap_err();
            assert_eq!(err.code(), "listen_not_loopback");
            assert!(err.to_string().contains("--listen"), "{err}");
        }
    }

    #[test]
    fn envelopes_are_json_objects_without_control_characters() {
        assert_eq!(
            check_envelope("{\n\t\"transType\": \"cn.nhsa.ec.auth\"}\r\n").unwrap(),
            "cn.nhsa.ec.auth"
        );
        for (text, code) in [
            ("{\"a\":\"x\u{0}y\"}", "control_character"),
            ("{\"a\":\"\u{1b}[2J\"}", "control_character"),
            ("{\"a\":\"\u{85}\"}", "control_character"),
            ("[1,2]", "not_json"),
            ("{\"a\":", "not_json"),
        ] {
            assert_eq!(check_envelope(text).unwrap_err().code(), code, "{text:?}");
        }
    }

    #[test]
    fn bearer_tokens_compare_whole() {
        let mut h = HeaderMap::new();
        assert!(!bearer_matches(&h, "abc"));
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert!(bearer_matches(&h, "abc"));
        assert!(!bearer_matches(&h, "abcd"));
        assert!(!bearer_matches(&h, "abd"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(!bearer_matches(&h, "abc"));
    }

    #[test]
    fn charsets_are_read_from_content_type() {
        let mut h = HeaderMap::new();
        assert_eq!(request_charset(&h).unwrap(), Charset::Utf8);
        h.insert(
            header::CONTENT_TYPE,
            "application/json; charset=GB18030".parse().unwrap(),
        );
        assert_eq!(request_charset(&h).unwrap(), Charset::Gb18030);
        h.insert(
            header::CONTENT_TYPE,
            "application/json;charset=latin1".parse().unwrap(),
        );
        assert_eq!(request_charset(&h).unwrap_err().code(), "unknown_charset");
    }
}
