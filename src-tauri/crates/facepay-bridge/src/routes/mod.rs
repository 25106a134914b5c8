//! The endpoints, one file per resource.

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
use crate::idempotency::{self, Claim};
use crate::server::App;

pub(crate) fn router(app: App) -> Router {
    Router::new()
        .route("/v1/face-auth", post(scan::face_auth))
        .route("/v1/qrcode", post(scan::qrcode))
        .route("/v1/visits/{out_biz_no}", get(scan::visit))
        .route(
            "/v1/settlements",
            post(settle::notify).get(records::history),
        )
        .route("/v1/settlements/{id}/refund", post(settle::refund))
        .route("/v1/summary", get(records::summary))
        .route("/v1/health", get(records::health))
        .route("/v1/openapi.json", get(records::openapi))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "没有这个接口，请查看 /v1/openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "该接口不支持此请求方法，请查看 /v1/openapi.json",
            )
        })
        .with_state(app)
}

/// A JSON answer with its status.
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response {
    (status, axum::Json(value)).into_response()
}

/// A POST: read the body, honour its Idempotency-Key, run `work` (detached,
/// so a HIS that hangs up cannot cut a journaled call in half), store the
/// answer under the key.
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
    F: FnOnce(Text) -> Fut,
    Fut: Future<Output = Result<(StatusCode, T), ApiError>> + Send + 'static,
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
        // A first request may wait for a face scan: stale after that and a minute.
        let stale = chrono::Duration::from_std(desk.config().timeouts.face_auth)
            .unwrap_or_default()
            + chrono::Duration::seconds(60);
        match idempotency::claim(&desk, key, endpoint, &hash, stale) {
            Ok(Claim::Go) => {}
            Ok(Claim::Replay { status, body }) => {
                let body = match disclosed_to {
                    Some(client) => match redisclose(&desk, &body, client) {
                        Ok(body) => body,
                        Err(e) => return e.into_response(),
                    },
                    None => body,
                };
                let mut r = (status, body).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                h.insert("idempotent-replayed", HeaderValue::from_static("true"));
                return r;
            }
            Err(e) => return e.into_response(),
        }
    }
    let task = tokio::spawn(work(text));
    let result = match task.await {
        Ok(r) => r,
        Err(e) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("内部错误：{e}"),
        )),
    };
    let (status, body, changed_nothing) = match &result {
        Ok((status, value)) => (
            *status,
            serde_json::to_string(value).unwrap_or_else(|_| "null".into()),
            false,
        ),
        Err(e) => (
            e.status,
            serde_json::to_string(&e.body).unwrap_or_else(|_| "null".into()),
            e.changed_nothing(),
        ),
    };
    if let Some(key) = &key {
        let kept = match (
            disclosed_to,
            serde_json::from_str::<serde_json::Value>(&body),
        ) {
            (Some(_), Ok(mut v)) if v.get("identity").is_some() => {
                v["identity"] = serde_json::Value::Null;
                v.to_string()
            }
            _ => body.clone(),
        };
        idempotency::finish(&desk, key, status, &kept, changed_nothing);
    }
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Err(e) = &result
        && let Ok(code) = HeaderValue::from_str(&e.body.code)
    {
        r.headers_mut().insert("x-error-code", code);
    }
    r
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
