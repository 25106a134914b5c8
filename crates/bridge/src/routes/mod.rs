//! The endpoints, one file per resource.

pub(crate) mod reconcile;
pub(crate) mod records;
pub(crate) mod scan;
pub(crate) mod settle;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::body::{self, Text};
use crate::error::ApiError;
use crate::error::HttpCode;
use crate::idempotency::{self, Claim};
use crate::server::App;
use facepay_core::api::ErrorCode;

pub(crate) fn router(app: App) -> Router {
    Router::new()
        .route("/v1/face-auth", post(scan::face_auth))
        .route("/v1/qrcode", post(scan::qrcode))
        .route("/v1/visits/{out_biz_no}", get(scan::visit))
        .route("/v1/visits/{out_biz_no}/identity", post(scan::identity))
        .route(
            "/v1/settlements",
            post(settle::notify).get(records::history),
        )
        .route("/v1/settlements/{id}/refund", post(settle::refund))
        .route("/v1/summary", get(records::summary))
        .route("/v1/reconciliation", post(reconcile::reconcile))
        .route("/v1/health", get(records::health))
        .route("/v1/openapi.json", get(records::openapi))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "没有这个接口，请查看 /v1/openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                HttpCode::MethodNotAllowed,
                "该接口不支持此请求方法，请查看 /v1/openapi.json",
            )
        })
        .with_state(app)
}

/// A JSON answer with its status.
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response {
    let mut r = (status, axum::Json(value)).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::JSON));
    r
}

/// What a POST's work answers: a status, a body, and where to look next
/// (`Location`, for an answer that is not the end of the story).
pub(crate) struct Answer<T> {
    pub status: StatusCode,
    pub body: T,
    pub location: Option<String>,
}

impl<T> Answer<T> {
    pub fn new(status: StatusCode, body: T) -> Self {
        Self {
            status,
            body,
            location: None,
        }
    }
}

/// A response as sent and stored under its key.
struct Sent {
    status: StatusCode,
    body: String,
    location: Option<String>,
    code: Option<String>,
}

impl Sent {
    fn into_response(self, replayed: bool) -> Response {
        let mut r = (self.status, self.body).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::JSON));
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            h.insert(header::LOCATION, location);
        }
        // RFC 7240: the 202 is the answer to `Prefer: respond-async`.
        if self.status == StatusCode::ACCEPTED {
            h.insert(
                "preference-applied",
                HeaderValue::from_static("respond-async"),
            );
        }
        if let Some(code) = self.code.and_then(|c| HeaderValue::from_str(&c).ok()) {
            h.insert("x-error-code", code);
        }
        if replayed {
            h.insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        r
    }
}

/// A POST: read the body, honour its Idempotency-Key, run `work`, store the
/// answer under the key. Work and storing run in a task of their own: a HIS
/// that hangs up (its client's timeout is often 30 s, a face scan takes up to
/// 120 s) cuts neither a journaled call in half nor the answer its retry
/// will get.
/// `disclosed_to`: the answer holds an identity disclosed to this client —
/// it is kept under the key without the identity, and a replay discloses
/// it again from the visit, audited like the first time.
pub(crate) async fn post_with<F, Fut, T>(
    app: &App,
    endpoint: &str,
    headers: &HeaderMap,
    body: Body,
    disclosed_to: Option<&str>,
    work: F,
) -> Response
where
    F: FnOnce(Text, Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Answer<T>, ApiError>> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let key = match idempotency::key(headers) {
        Ok(key) => key,
        Err(e) => return e.into_response(),
    };
    let text = match body::read(headers, body).await {
        Ok(text) => text,
        Err(e) => return e.into_response(),
    };
    let desk = app.desk();
    if let Some(key) = &key {
        let mut hashed = endpoint.as_bytes().to_vec();
        hashed.push(0);
        hashed.extend_from_slice(&text.raw);
        let hash = idempotency::fingerprint(&hashed);
        match idempotency::claim(&desk, key, endpoint, &hash) {
            Ok(Claim::Go) => {}
            Ok(Claim::Replay { status, body }) => {
                let body = match disclosed_to {
                    Some(client) => match redisclose(&desk, &body, client) {
                        Ok(body) => body,
                        Err(e) => return e.into_response(),
                    },
                    None => body,
                };
                let location = (status == StatusCode::ACCEPTED)
                    .then(|| location_of(&body))
                    .flatten();
                // An error replayed says its code in the header as it did the first time.
                let code = (status.is_client_error() || status.is_server_error())
                    .then(|| serde_json::from_str::<serde_json::Value>(&body).ok())
                    .flatten()
                    .and_then(|v| v["code"].as_str().map(str::to_owned));
                return Sent {
                    status,
                    body,
                    location,
                    code,
                }
                .into_response(true);
            }
            Ok(Claim::Recorded(settlement_id)) => {
                let answer: Result<String, ApiError> = desk
                    .receipt(settlement_id)
                    .map_err(ApiError::from)
                    .map(|receipt| {
                        serde_json::to_string(&receipt).unwrap_or_else(|_| "null".into())
                    });
                return match answer {
                    Ok(body) => {
                        idempotency::finish(&desk, key, StatusCode::CREATED, &body, false);
                        Sent {
                            status: StatusCode::CREATED,
                            body,
                            location: None,
                            code: None,
                        }
                        .into_response(true)
                    }
                    Err(e) => e.into_response(),
                };
            }
            Err(e) => return e.into_response(),
        }
    }
    let holds_identity = disclosed_to.is_some();
    let task = tokio::spawn(async move {
        let result = work(text, key.clone()).await;
        let (sent, changed_nothing) = match result {
            Ok(answer) => (
                Sent {
                    status: answer.status,
                    body: serde_json::to_string(&answer.body).unwrap_or_else(|_| "null".into()),
                    location: answer.location,
                    code: None,
                },
                false,
            ),
            Err(e) => (
                Sent {
                    status: e.status,
                    body: serde_json::to_string(&e.body).unwrap_or_else(|_| "null".into()),
                    location: None,
                    code: Some(e.body.code.as_str().to_owned()),
                },
                e.changed_nothing(),
            ),
        };
        if let Some(key) = &key {
            let kept = match serde_json::from_str::<serde_json::Value>(&sent.body) {
                Ok(mut v) if holds_identity && v.get("identity").is_some() => {
                    v["identity"] = serde_json::Value::Null;
                    v.to_string()
                }
                _ => sent.body.clone(),
            };
            idempotency::finish(&desk, key, sent.status, &kept, changed_nothing);
        }
        sent
    });
    match task.await {
        Ok(sent) => sent.into_response(false),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("内部错误：{e}"),
        )
        .into_response(),
    }
}

/// The visit a 202 answer points at.
fn location_of(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("location")?.as_str().map(str::to_owned)
}

/// A stored face-auth answer with the identity disclosed again (audited).
fn redisclose(
    desk: &facepay_core::api::Desk,
    stored: &str,
    client: &str,
) -> Result<String, ApiError> {
    let mut v: serde_json::Value = serde_json::from_str(stored)
        .map_err(|e| ApiError::from(facepay_core::api::DeskError::Internal(e.to_string())))?;
    if let Some(no) = v
        .get("outBizNo")
        .and_then(|n| n.as_str())
        .map(str::to_owned)
        && v.get("identity").is_some()
    {
        let visit = desk.disclose_visit(&no, &format!("{client} (replay)"))?;
        v["identity"] = serde_json::to_value(visit.identity)
            .map_err(|e| ApiError::from(facepay_core::api::DeskError::Internal(e.to_string())))?;
    }
    Ok(v.to_string())
}

/// Who is calling, for the audit of a disclosure.
pub(crate) fn caller(peer: &ConnectInfo<SocketAddr>, headers: &HeaderMap) -> String {
    crate::server::client(Some(peer.0), headers)
}
