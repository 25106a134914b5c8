//! `POST /v1/face-auth`, `POST /v1/qrcode` and `GET /v1/visits/{outBizNo}`:
//! the scan the HIS starts, and the identity it needs for 1101 — unmasked,
//! audited.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use std::sync::Arc;

use facepay_core::api::{
    Credential, Desk, DeskError, HisIdentity, HisVisit, ScanRequest, ScanTrack, Source, VisitId,
    VisitState,
};

use crate::error::{ApiError, ErrorBody};
use crate::server::App;

use super::Answer;
use facepay_core::api::ErrorCode;

/// A scan accepted with `Prefer: respond-async`: poll `location`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HisScanAccepted {
    pub visit_id: VisitId,
    /// Send the 2207 result under this number.
    pub out_biz_no: String,
    /// `scanning`: the terminal is waiting for the patient.
    pub state: VisitState,
    /// `GET` it until `state` is `identified` (or `failed` / `pending`).
    pub location: String,
}

/// A scan (face or 医保码) that yielded an identity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HisFaceAuth {
    pub visit_id: VisitId,
    /// Send the 2207 result under this number (`POST /v1/settlements`).
    pub out_biz_no: String,
    /// Absent for a 医保码 whose reply carried none.
    pub auth_no: Option<String>,
    /// How the identity was obtained: `face` (刷脸) or `qrcode` (医保码).
    pub credential: Credential,
    pub identity: HisIdentity,
}

/// The two ways to identify a patient share one request, one answer and one
/// document; only the path and the credential differ.
macro_rules! scan_route {
    ($(#[$doc:meta])* $name:ident, $path:tt, $credential:expr) => {
        $(#[$doc])*
        #[utoipa::path(
            post,
            path = $path,
            tag = "刷脸",
            request_body(content = Option<ScanRequest>, description = "empty body: the counter's settings"),
            params(
                ("Idempotency-Key" = Option<String>, Header, description = "replays the first answer"),
                ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 as soon as the scan has started, and poll the visit"),
            ),
            responses(
                (status = 201, description = "identified", body = HisFaceAuth),
                (status = 202, description = "`Prefer: respond-async`: the scan started; poll `Location` (GET /v1/visits/{outBizNo})", body = HisScanAccepted),
                (status = 409, description = "a scan is already waiting on this counter (`scan_in_progress`, with its outBizNo)", body = ErrorBody),
                (status = 422, description = "a field is invalid", body = ErrorBody),
                (status = 502, description = "the terminal refused (its code and message)", body = ErrorBody),
                (status = 503, description = "the terminal cannot be reached; nothing was sent", body = ErrorBody),
                (status = 504, description = "no answer in time: the visit is 待确认, collect it with GET /v1/visits/{outBizNo}", body = ErrorBody),
            ),
            security(("bearer" = []))
        )]
        pub(crate) async fn $name(
            State(app): State<App>,
            peer: ConnectInfo<SocketAddr>,
            headers: HeaderMap,
            body: Body,
        ) -> Response {
            scan(app, peer, headers, body, $credential).await
        }
    };
}

scan_route!(
    /// Start a face scan on this counter's terminal and wait for the identity.
    face_auth,
    "/v1/face-auth",
    Credential::Face
);

scan_route!(
    /// Read the patient's 医保码 on this counter's terminal (infants, a face that
    /// cannot be scanned): the same request and answer as `/v1/face-auth`. For
    /// 1101 use `mdtrt_cert_type=01` with the ecToken.
    qrcode,
    "/v1/qrcode",
    Credential::QrCode
);

/// Whether the request says `Prefer: respond-async` (RFC 7240).
fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
}

/// Where the HIS polls a visit.
fn visit_location(out_biz_no: &str) -> String {
    format!("/v1/visits/{out_biz_no}")
}

async fn scan(
    app: App,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
    credential: Credential,
) -> Response {
    let client = super::caller(&peer, &headers);
    let replay_client = client.clone();
    let desk = app.desk();
    let respond_async = prefers_async(&headers);
    let endpoint = match credential {
        Credential::Face => "POST /v1/face-auth",
        Credential::QrCode => "POST /v1/qrcode",
    };
    super::post_with(
        &app,
        endpoint,
        &headers,
        body,
        Some(&replay_client),
        move |text, key| async move {
            let mut scan: ScanRequest = if text.is_empty() {
                ScanRequest::by(Source::His)
            } else {
                text.json()?
            };
            scan.source = Source::His;
            let (started_tx, started_rx) = tokio::sync::oneshot::channel();
            let track = ScanTrack {
                idempotency_key: key,
                started: respond_async.then_some(started_tx),
            };
            let run = scanned(desk, scan, credential, track, client);
            if !respond_async {
                return run.await;
            }
            // The scan goes on in a task of its own; the HIS is answered as
            // soon as its visit exists, and polls it.
            let scanning = tokio::spawn(run);
            match started_rx.await {
                Ok(started) => {
                    let location = visit_location(&started.out_biz_no);
                    let accepted = HisScanAccepted {
                        visit_id: started.visit_id,
                        out_biz_no: started.out_biz_no,
                        state: VisitState::Scanning,
                        location: location.clone(),
                    };
                    Ok(Answer {
                        status: StatusCode::ACCEPTED,
                        body: serde_json::to_value(accepted).map_err(internal)?,
                        location: Some(location),
                    })
                }
                // Refused before it started (a scan already waiting, a field): its answer.
                Err(_) => scanning.await.map_err(internal)?,
            }
        },
    )
    .await
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::from(DeskError::Internal(e.to_string()))
}

/// Run a scan to its end: the identity, disclosed to `client` (audited).
async fn scanned(
    desk: Arc<Desk>,
    scan: ScanRequest,
    credential: Credential,
    track: ScanTrack,
    client: String,
) -> Result<Answer<serde_json::Value>, ApiError> {
    let never = std::future::pending();
    let scanned = match credential {
        Credential::Face => desk.face_auth_tracked(scan, never, track).await,
        Credential::QrCode => desk.qrcode_tracked(scan, never, track).await,
    };
    match scanned {
        Ok(outcome) => identified(
            &desk,
            outcome.visit_id,
            outcome.out_biz_no,
            outcome.auth_no,
            outcome.credential,
            &client,
        ),
        Err(e) => Err(scan_failed(&desk, e)),
    }
}

/// The 201 of a scan or identity fetch that yielded an identity.
fn identified(
    desk: &Desk,
    visit_id: VisitId,
    out_biz_no: String,
    auth_no: Option<String>,
    credential: Credential,
    client: &str,
) -> Result<Answer<serde_json::Value>, ApiError> {
    let visit = desk.disclose_visit(&out_biz_no, client)?;
    let identity = visit
        .identity
        .ok_or_else(|| ApiError::from(DeskError::Internal("身份已取得却无法读出".into())))?;
    let body = HisFaceAuth {
        visit_id,
        out_biz_no,
        auth_no,
        credential,
        identity,
    };
    Ok(Answer::new(
        StatusCode::CREATED,
        serde_json::to_value(body).map_err(internal)?,
    ))
}

/// A failed scan or identity fetch, naming the visit to look at.
fn scan_failed(desk: &Desk, e: DeskError) -> ApiError {
    let visit = match &e {
        DeskError::Terminal { call_id, .. } | DeskError::Cancelled { call_id } => {
            desk.visit_of_call(*call_id).ok().flatten()
        }
        _ => None,
    };
    let api = ApiError::from(e);
    let named = api.body.out_biz_no.clone().or(visit);
    api.out_biz_no(named)
}

/// Fetch the identity of a visit again, after an identity check that failed
/// or timed out (the face scan itself succeeded: no second scan).
#[utoipa::path(
    post,
    path = "/v1/visits/{outBizNo}/identity",
    tag = "刷脸",
    params(
        ("outBizNo" = String, Path, description = "as POST /v1/face-auth returned it"),
        ("Idempotency-Key" = Option<String>, Header, description = "replays the first answer"),
    ),
    responses(
        (status = 201, description = "identified", body = HisFaceAuth),
        (status = 404, description = "no such visit, or its face scan did not succeed", body = ErrorBody),
        (status = 502, description = "the terminal refused (its code and message), or answered about another person (`reply_mismatch`)", body = ErrorBody),
        (status = 503, description = "the terminal cannot be reached; nothing was sent", body = ErrorBody),
        (status = 504, description = "no answer in time: try again", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn identity(
    State(app): State<App>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    out_biz_no: Result<Path<String>, PathRejection>,
    body: Body,
) -> Response {
    let out_biz_no = match visit_number(out_biz_no) {
        Ok(no) => no,
        Err(e) => return e.into_response(),
    };
    let client = super::caller(&peer, &headers);
    let replay_client = client.clone();
    let desk = app.desk();
    let endpoint = format!("POST /v1/visits/{out_biz_no}/identity");
    super::post_with(
        &app,
        &endpoint,
        &headers,
        body,
        Some(&replay_client),
        move |text, key| async move {
            if !text.is_empty() {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::Invalid,
                    "请求体应为空",
                )
                .field("."));
            }
            if let Some(key) = &key {
                desk.attach_key(key, &out_biz_no)?;
            }
            match desk.fetch_identity(&out_biz_no).await {
                Ok(outcome) => identified(
                    &desk,
                    outcome.visit_id,
                    outcome.out_biz_no,
                    outcome.auth_no,
                    outcome.credential,
                    &client,
                ),
                Err(e) => Err(scan_failed(&desk, e)),
            }
        },
    )
    .await
}

/// The outBizNo in a path, checked.
fn visit_number(out_biz_no: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let bad =
        |m: &str| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, m).field("outBizNo");
    let Ok(Path(out_biz_no)) = out_biz_no else {
        return Err(bad("outBizNo 不是有效的文本"));
    };
    if out_biz_no.chars().count() > 64 || out_biz_no.chars().any(char::is_control) {
        return Err(bad("outBizNo 最长 64 个字符"));
    }
    Ok(out_biz_no)
}

/// A visit's state and identity, for a HIS that stopped waiting.
#[utoipa::path(
    get,
    path = "/v1/visits/{outBizNo}",
    tag = "刷脸",
    params(("outBizNo" = String, Path, description = "as POST /v1/face-auth returned it")),
    responses(
        (status = 200, description = "the visit; `identity` once identified (audited)", body = HisVisit),
        (status = 404, description = "no such visit", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn visit(
    State(app): State<App>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    out_biz_no: Result<Path<String>, PathRejection>,
) -> Response {
    if let Err(e) = super::records::no_query(&uri) {
        return e.into_response();
    }
    let out_biz_no = match visit_number(out_biz_no) {
        Ok(no) => no,
        Err(e) => return e.into_response(),
    };
    let client = super::caller(&peer, &headers);
    match app.desk().disclose_visit(&out_biz_no, &client) {
        Ok(visit) => super::json(StatusCode::OK, &visit),
        Err(e) => ApiError::from(e).into_response(),
    }
}
