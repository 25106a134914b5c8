//! The terminal simulator over HTTP: `POST` an envelope to any path and get
//! the simulator's answer, as a vendor bridge would give it.
//!
//! Control endpoints under `/_sim/` let tests and trainers script replies and
//! read back exactly what was sent:
//!
//! - `POST /_sim/script` — queue a [`Script`] (or a JSON array of them);
//! - `DELETE /_sim/script` — drop queued scripts;
//! - `GET /_sim/requests` — every request received, in order;
//! - `DELETE /_sim/requests` — forget them;
//! - `GET /_sim/people` — the fixed roster (children for the 医保码 path,
//!   `cn.nhsa.qrcode.get`) on the simulator's today: keys for
//!   `{"reply":"asPerson","person":"child-1y5m"}` scripts, and what they answer.

pub mod closing;
pub mod hostile;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::Value;
use tokio::net::TcpListener;

pub use nhsa_terminal::protocol::TransType;
use nhsa_terminal::simulator::SimOutcome;
pub use nhsa_terminal::simulator::{Behaviour, Person, Received, Script, Simulator};

/// The HTTP face of a [`Simulator`].
pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/_sim/script", post(push_script).delete(clear_scripts))
        .route("/_sim/requests", get(list_requests))
        .route("/_sim/requests", delete(clear_requests))
        .route("/_sim/people", get(list_people))
        .fallback(envelope)
        .with_state(sim)
}

async fn envelope(State(sim): State<Arc<Simulator>>, method: Method, body: Bytes) -> Response {
    if method != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "facepay-sim: POST 请求报文（JSON）到任意路径",
        )
            .into_response();
    }
    let reply = sim.handle(&String::from_utf8_lossy(&body));
    tokio::time::sleep(reply.delay).await;
    match reply.outcome {
        SimOutcome::Hang => std::future::pending().await,
        SimOutcome::Reply { status, body } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
            body,
        )
            .into_response(),
    }
}

async fn push_script(State(sim): State<Arc<Simulator>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body).and_then(|v| match v {
        Value::Array(items) => items
            .into_iter()
            .map(serde_json::from_value::<Script>)
            .collect::<Result<Vec<_>, _>>(),
        one => serde_json::from_value::<Script>(one).map(|s| vec![s]),
    });
    match parsed {
        Ok(scripts) => {
            let n = scripts.len();
            scripts.into_iter().for_each(|s| sim.push_script(s));
            (StatusCode::OK, format!("{{\"queued\":{n}}}")).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("脚本格式错误：{e}")).into_response(),
    }
}

async fn clear_scripts(State(sim): State<Arc<Simulator>>) -> StatusCode {
    sim.clear_scripts();
    StatusCode::NO_CONTENT
}

async fn list_requests(State(sim): State<Arc<Simulator>>) -> axum::Json<Vec<Received>> {
    axum::Json(sim.received())
}

async fn list_people(State(sim): State<Arc<Simulator>>) -> axum::Json<Value> {
    let (y, m, d) = sim.today();
    axum::Json(serde_json::json!({
        "today": format!("{y:04}-{m:02}-{d:02}"),
        "people": sim.roster(),
    }))
}

async fn clear_requests(State(sim): State<Arc<Simulator>>) -> StatusCode {
    sim.clear_received();
    StatusCode::NO_CONTENT
}

/// A simulator serving on a loopback port for the life of this value.
#[derive(Debug)]
pub struct SimServer {
    pub addr: SocketAddr,
    pub sim: Arc<Simulator>,
    task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    /// Serve `sim` on `addr` (port 0 picks a free port) from the current runtime.
    pub async fn start(addr: SocketAddr, sim: Arc<Simulator>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = router(Arc::clone(&sim));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("simulator server stopped: {e}");
            }
        });
        Ok(Self { addr, sim, task })
    }

    /// A fresh simulator on a free loopback port.
    pub async fn loopback() -> std::io::Result<Self> {
        Self::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            Arc::new(Simulator::new()),
        )
        .await
    }

    pub fn url(&self) -> String {
        format!("http://{}/api/open", self.addr)
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
