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

use facepay_core::api::{
    Credential, DeskError, HisIdentity, HisVisit, ScanRequest, Source, VisitId,
};

use crate::error::{ApiError, ErrorBody};
use crate::server::App;

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

/// Start a face scan on this counter's terminal and wait for the identity.
#[utoipa::path(
    post,
    path = "/v1/face-auth",
    tag = "刷脸",
    request_body(content = Option<ScanRequest>, description = "empty body: the counter's settings"),
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first answer")),
    responses(
        (status = 201, description = "identified", body = HisFaceAuth),
        (status = 409, description = "a scan is already waiting on this counter (`scan_in_progress`, with its outBizNo)", body = ErrorBody),
        (status = 422, description = "a field is invalid", body = ErrorBody),
        (status = 502, description = "the terminal refused (its code and message)", body = ErrorBody),
        (status = 503, description = "the terminal cannot be reached; nothing was sent", body = ErrorBody),
        (status = 504, description = "no answer in time: the visit is 待确认, collect it with GET /v1/visits/{outBizNo}", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn face_auth(
    State(app): State<App>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    scan(app, peer, headers, body, Credential::Face).await
}

/// Read the patient's 医保码 on this counter's terminal (infants, a face that
/// cannot be scanned): the same request and answer as `/v1/face-auth`. For
/// 1101 use `mdtrt_cert_type=01` with the ecToken.
#[utoipa::path(
    post,
    path = "/v1/qrcode",
    tag = "刷脸",
    request_body(content = Option<ScanRequest>, description = "empty body: the counter's settings"),
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first answer")),
    responses(
        (status = 201, description = "identified", body = HisFaceAuth),
        (status = 409, description = "a scan is already waiting on this counter (`scan_in_progress`, with its outBizNo)", body = ErrorBody),
        (status = 422, description = "a field is invalid", body = ErrorBody),
        (status = 502, description = "the terminal refused (its code and message)", body = ErrorBody),
        (status = 503, description = "the terminal cannot be reached; nothing was sent", body = ErrorBody),
        (status = 504, description = "no answer in time: the visit is 待确认, collect it with GET /v1/visits/{outBizNo}", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn qrcode(
    State(app): State<App>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    scan(app, peer, headers, body, Credential::QrCode).await
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
        move |text| async move {
            let mut scan: ScanRequest = if text.is_empty() {
                ScanRequest::by(Source::His)
            } else {
                text.json()?
            };
            scan.source = Source::His;
            let scanned = match credential {
                Credential::Face => desk.face_auth_for(scan, std::future::pending()).await,
                Credential::QrCode => desk.qrcode_for(scan, std::future::pending()).await,
            };
            match scanned {
                Ok(outcome) => {
                    let visit = desk.disclose_visit(&outcome.out_biz_no, &client)?;
                    let identity = visit.identity.ok_or_else(|| {
                        ApiError::from(DeskError::Internal("身份已取得却无法读出".into()))
                    })?;
                    Ok((
                        StatusCode::CREATED,
                        HisFaceAuth {
                            visit_id: outcome.visit_id,
                            out_biz_no: outcome.out_biz_no,
                            auth_no: outcome.auth_no,
                            credential: outcome.credential,
                            identity,
                        },
                    ))
                }
                Err(e) => {
                    let visit = match &e {
                        DeskError::Terminal { call_id, .. } | DeskError::Cancelled { call_id } => {
                            desk.visit_of_call(*call_id).ok().flatten()
                        }
                        _ => None,
                    };
                    let api = ApiError::from(e);
                    let named = api.body.out_biz_no.clone().or(visit);
                    Err(api.out_biz_no(named))
                }
            }
        },
    )
    .await
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
    out_biz_no: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(out_biz_no)) = out_biz_no else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "outBizNo 不是有效的文本",
        )
        .field("outBizNo")
        .into_response();
    };
    if out_biz_no.chars().count() > 64 || out_biz_no.chars().any(char::is_control) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "outBizNo 最长 64 个字符",
        )
        .field("outBizNo")
        .into_response();
    }
    let client = super::caller(&peer, &headers);
    match app.desk().disclose_visit(&out_biz_no, &client) {
        Ok(visit) => super::json(StatusCode::OK, &visit),
        Err(e) => ApiError::from(e).into_response(),
    }
}
