//! Binding, the token check, and the log of recent requests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use facepay_core::api::Desk;

use crate::conn::{self, Gate, HeadError, Ticket};
use crate::error::ApiError;
use crate::error::HttpCode;
use crate::recent::{Recent, RecentRequest};
use crate::token::TokenSource;
use facepay_core::api::ErrorCode;

/// The desk to serve: the panel replaces its desk when settings are saved,
/// so the bridge asks for the current one on every request.
pub type DeskSource = Arc<dyn Fn() -> Arc<Desk> + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("配置项 bridge.listen：只能监听本机地址（127.0.0.1 或 ::1），不能是 {0}")]
    NotLoopback(SocketAddr),
    #[error("HIS 接口无法监听 {addr}：{source}（端口可能已被另一个收银台进程或程序占用）")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(Clone)]
pub(crate) struct App {
    pub desk: DeskSource,
    pub token: Arc<TokenSource>,
    pub recent: Arc<Recent>,
    refusals: Arc<Mutex<Refusals>>,
    /// The port the bridge listens on: a request's Host must name it.
    port: u16,
}

impl App {
    pub fn desk(&self) -> Arc<Desk> {
        (self.desk)()
    }
}

/// Refused tokens are audited, at most one row a second (the rest counted
/// into the next row), so a loop with a stale token cannot flood the journal.
#[derive(Debug, Default)]
struct Refusals {
    last: Option<Instant>,
    unwritten: u64,
}

/// A running bridge.
pub struct Bridge {
    addr: SocketAddr,
    app: App,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Bridge {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> &Arc<TokenSource> {
        &self.app.token
    }

    /// The last requests answered, newest first.
    pub fn recent(&self) -> Vec<RecentRequest> {
        self.app.recent.list()
    }

    /// Stop accepting; requests under way finish (for at most [`DRAIN`]),
    /// connections that have not sent a request yet are closed.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Until the server ends (for `facepay serve`).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Bind `listen` (loopback only) and serve until stopped.
pub async fn start(
    desk: DeskSource,
    listen: SocketAddr,
    token: Arc<TokenSource>,
) -> Result<Bridge, BridgeError> {
    if !listen.ip().is_loopback() {
        return Err(BridgeError::NotLoopback(listen));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| BridgeError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| BridgeError::Bind {
        addr: listen,
        source,
    })?;
    let app = App {
        desk,
        token,
        recent: Arc::default(),
        refusals: Arc::default(),
        port: addr.port(),
    };
    spawn_key_purge(app.desk.clone());
    if app.token.take_loose() {
        let desk = app.desk();
        let path = app.token.path().display().to_string();
        let audited = tokio::task::spawn_blocking(move || {
            desk.audit_bridge(
                facepay_core::api::AuditAction::TokenFileModeFixed,
                None,
                Some(&path),
            )
        })
        .await;
        if let Ok(Err(e)) = audited {
            tracing::warn!("token file mode fix not audited: {e}");
        }
    }
    let router = crate::routes::router(app.clone())
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(accept(listener, router, rx));
    tracing::info!(%addr, "HIS bridge listening");
    Ok(Bridge {
        addr,
        app,
        shutdown: Some(tx),
        task,
    })
}

/// How long a stop waits for the requests under way: a face scan may take
/// its 120 s and the identity check after it. What is still running then is
/// cut off; its Idempotency-Key answers `idempotency_interrupted`.
pub const DRAIN: Duration = Duration::from_secs(150);

/// Take connections until told to stop; each is served in a task of its own.
/// After a stop the requests under way run to their end (within [`DRAIN`]):
/// a HIS waiting for a patient's identity gets it, not a closed socket.
async fn accept(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let gate = Arc::new(Gate::default());
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        let (stream, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors, most likely: breathe, then go on.
                tracing::warn!("HIS bridge: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ticket = gate.admit();
        let router = router.clone();
        connections.spawn(serve(stream, peer, ticket, router));
    }
    drop(listener);
    gate.evict_reading();
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "HIS bridge stopped with {} request(s) still under way after {} s",
            connections.len(),
            DRAIN.as_secs()
        );
    }
}

/// One connection: its head within the time and size allowed, then the one
/// request it carries.
async fn serve(
    mut stream: tokio::net::TcpStream,
    peer: SocketAddr,
    ticket: Option<Ticket>,
    router: axum::Router,
) {
    let Some(ticket) = ticket else {
        conn::refuse(
            &mut stream,
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "HIS 接口的连接已满，请稍后重试",
        )
        .await;
        return;
    };
    let head = tokio::select! {
        head = tokio::time::timeout(conn::HEAD_TIMEOUT, conn::read_head(&mut stream)) => head,
        () = ticket.evicted.notified() => return,
    };
    let head = match head {
        Ok(Ok(head)) => head,
        Ok(Err(HeadError::Gone)) => return,
        Ok(Err(HeadError::TooLarge)) => {
            let message = format!("请求头超过 {} KiB 或 64 行", conn::MAX_HEAD / 1024);
            conn::refuse(
                &mut stream,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                HttpCode::HeaderTooLarge,
                &message,
            )
            .await;
            return;
        }
        Ok(Err(HeadError::Malformed(why))) => {
            let message = format!("请求头不是有效的 HTTP/1.1：{why}");
            conn::refuse(
                &mut stream,
                StatusCode::BAD_REQUEST,
                HttpCode::MalformedRequest,
                &message,
            )
            .await;
            return;
        }
        Err(_) => {
            let message = format!("{} 秒内没有收到完整的请求头", conn::HEAD_TIMEOUT.as_secs());
            conn::refuse(
                &mut stream,
                StatusCode::REQUEST_TIMEOUT,
                HttpCode::RequestTimeout,
                &message,
            )
            .await;
            return;
        }
    };
    ticket.headed();
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            async move {
                use tower::ServiceExt;
                router.oneshot(request.map(axum::body::Body::new)).await
            }
        });
    let io = hyper_util::rt::TokioIo::new(conn::Rewind::new(head, stream));
    let served = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(io, service)
        .await;
    if let Err(e) = served {
        tracing::debug!("HIS bridge connection from {peer}: {e}");
    }
    drop(ticket);
}

/// Keys are kept two days (the promise is one), then forgotten, hourly.
fn spawn_key_purge(desk: DeskSource) {
    tokio::spawn(async move {
        loop {
            let d = desk();
            let purged =
                tokio::task::spawn_blocking(move || d.purge_keys(chrono::Duration::hours(48)))
                    .await;
            if let Ok(Err(e)) = purged {
                tracing::warn!("idempotency keys not purged: {e}");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// Who is calling: the peer address and a bounded, printable User-Agent.
pub(crate) fn client(peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
    let agent: String = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    match peer {
        Some(p) => format!("{p} {agent}"),
        None => agent,
    }
}

/// Every request: the Host it names (DNS rebinding), the browser Origin it
/// comes from, the bearer token, then the handler, then a line in the
/// recent log and the trace (method, path, status, time — never a body).
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let client = client(peer, request.headers());
    let method = request.method().to_string();
    let path: String = request.uri().path().chars().take(200).collect();
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let authorized = presented.is_some_and(|t| app.token.current().matches(t));
    let origin = match crate::cors::origin(&app.desk(), request.headers()) {
        Ok(origin) => origin,
        Err(e) => return app.log(e.into_response(), started, client, method, path),
    };
    let response = if let Err(e) = crate::cors::host(request.headers(), request.uri(), app.port) {
        e.into_response()
    } else if origin.is_some() && request.method() == axum::http::Method::OPTIONS {
        crate::cors::preflight()
    } else if authorized {
        next.run(request).await
    } else {
        audit_refusal(&app, &client, &method, &path).await;
        ApiError::unauthorized().into_response()
    };
    let response = match &origin {
        Some(origin) => crate::cors::allow(response, origin),
        None => response,
    };
    app.log(response, started, client, method, path)
}

impl App {
    /// A line in the recent log and the trace for an answered request.
    fn log(
        &self,
        response: Response,
        started: Instant,
        client: String,
        method: String,
        path: String,
    ) -> Response {
        let status = response.status().as_u16();
        let code = response
            .headers()
            .get("x-error-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(%method, %path, status, millis, "bridge request");
        self.recent.push(RecentRequest {
            at: (self.desk)().now().format("%Y-%m-%d %H:%M:%S").to_string(),
            method,
            path,
            status,
            millis,
            client,
            code,
        });
        response
    }
}

async fn audit_refusal(app: &App, client: &str, method: &str, path: &str) {
    let detail = {
        let mut r = app.refusals.lock().unwrap_or_else(|p| p.into_inner());
        r.unwritten += 1;
        if r.last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            return;
        }
        r.last = Some(Instant::now());
        let n = std::mem::take(&mut r.unwritten);
        format!("{method} {path} from {client} ({n} refused since the last row)")
    };
    let desk = app.desk();
    let written = tokio::task::spawn_blocking(move || {
        desk.audit_bridge(
            facepay_core::api::AuditAction::BridgeUnauthorized,
            None,
            Some(&detail),
        )
    })
    .await;
    if let Ok(Err(e)) = written {
        tracing::warn!("refused bridge request not audited: {e}");
    }
}
