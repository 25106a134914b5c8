//! Listening on loopback and passing one call at a time to the library's thread.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use nhsa_terminal::transport::LibraryTransport;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

use crate::request::{bearer_matches, check_envelope, request_charset};
use crate::{Config, HostError, MAX_REQUEST_BYTES, PATH, STOP_GRACE};

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
                code = e.code().as_str(),
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
