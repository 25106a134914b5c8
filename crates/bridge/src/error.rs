//! One error object for every failure, as the panel gets it — `{code,
//! message, field?, advice?}` — with an honest HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use facepay_core::api::{DeskError, ErrorCode, SettlementId};

/// What a program branches on: one of the counter's own codes (the panel
/// sees the same), or one the bridge adds about the HTTP request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ApiCode {
    Desk(ErrorCode),
    Http(HttpCode),
}

/// The bridge's codes about the request as HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HttpCode {
    Unauthorized,
    InvalidHost,
    OriginRefused,
    MisdirectedRequest,
    MethodNotAllowed,
    UnsupportedMediaType,
    UndecodableBody,
    MalformedJson,
    MalformedRequest,
    BodyTooLarge,
    HeaderTooLarge,
    RequestTimeout,
    IdempotencyConflict,
    IdempotencyInProgress,
    IdempotencyInterrupted,
}

impl ApiCode {
    /// The code as the body and the `x-error-code` header spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiCode::Desk(c) => c.as_str(),
            ApiCode::Http(c) => serde_variant::to_variant_name(&c).unwrap_or("internal"),
        }
    }
}

impl From<ErrorCode> for ApiCode {
    fn from(c: ErrorCode) -> Self {
        ApiCode::Desk(c)
    }
}

impl From<HttpCode> for ApiCode {
    fn from(c: HttpCode) -> Self {
        ApiCode::Http(c)
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// What a program branches on, e.g. `invalid_input`, `scan_in_progress`,
    /// `transport_timeout`, `unauthorized`, `idempotency_conflict`.
    pub code: ApiCode,
    /// What happened, in Chinese, for a person.
    pub message: String,
    /// The request field at fault (wire or 2207 name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What to do next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// The visit concerned, when a scan is under way or its outcome unknown:
    /// collect it later with `GET /v1/visits/{outBizNo}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_biz_no: Option<String>,
    /// The settlement already recorded under the same 医保单据流水号
    /// (`duplicate`), on the visit `outBizNo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_id: Option<SettlementId>,
}

/// An error with its status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<ApiCode>, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody {
                code: code.into(),
                message: message.into(),
                field: None,
                advice: None,
                out_biz_no: None,
                settlement_id: None,
            }),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }

    pub fn advice(mut self, advice: impl Into<String>) -> Self {
        self.body.advice = Some(advice.into());
        self
    }

    pub fn out_biz_no(mut self, out_biz_no: Option<String>) -> Self {
        self.body.out_biz_no = out_biz_no;
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            HttpCode::Unauthorized,
            "缺少或错误的令牌：请求头应为 Authorization: Bearer <令牌>",
        )
        .advice("令牌在收银台“设置 → HIS 接口”中复制；重新生成后旧令牌立即失效")
    }

    /// Whether the request was refused before anything was recorded or sent
    /// (then its Idempotency-Key may be used again with a corrected body).
    pub fn changed_nothing(&self) -> bool {
        matches!(
            self.status,
            StatusCode::BAD_REQUEST
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::UNSUPPORTED_MEDIA_TYPE
                | StatusCode::UNPROCESSABLE_ENTITY
        ) || matches!(
            self.body.code,
            ApiCode::Desk(
                ErrorCode::ScanInProgress
                    | ErrorCode::Busy
                    | ErrorCode::JournalReadOnly
                    | ErrorCode::DiskFull
                    // 对账 records nothing on the counter, and on the server
                    // only in one transaction that a repeat redoes alike.
                    | ErrorCode::CentralNotConfigured
                    | ErrorCode::CentralUnreachable
                    | ErrorCode::CentralNotInitialised
                    | ErrorCode::CentralSchemaTooNew
                    | ErrorCode::CentralSchemaTooOld
                    | ErrorCode::CentralNoIdentityKey
                    | ErrorCode::CentralWrongIdentityKey
                    | ErrorCode::CentralCounterTaken
                    | ErrorCode::CentralServer
                    // Refused before anything was recorded.
                    | ErrorCode::RestoreUnfinished
            )
        )
    }
}

/// At most `max` characters of text from outside, ID numbers masked: an
/// error never echoes a request (or a terminal's message) at length.
fn bounded(text: &str, max: usize) -> String {
    let scrubbed = facepay_core::api::scrub_text(text);
    let mut out: String = scrubbed.chars().take(max).collect();
    if scrubbed.chars().count() > max {
        out.push('…');
    }
    out
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        let status = status_of(&e);
        let mut api = ApiError::new(status, e.code(), bounded(&e.to_string(), 300));
        api.body.field = e.field().map(|f| bounded(f, 64));
        api.body.advice = e.advice().map(str::to_owned);
        if let DeskError::ScanInProgress { out_biz_no } = &e {
            api.body.out_biz_no = Some(out_biz_no.clone());
        }
        if let Some((settlement_id, out_biz_no)) = e.duplicate_of() {
            api.body.out_biz_no = Some(out_biz_no.to_owned());
            api.body.settlement_id = Some(settlement_id);
        }
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("bridge: {e}");
        }
        api
    }
}

fn status_of(e: &DeskError) -> StatusCode {
    match e.code() {
        ErrorCode::Validation | ErrorCode::Invalid | ErrorCode::Config => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::ScanInProgress
        | ErrorCode::Cancelled
        | ErrorCode::Busy
        | ErrorCode::Duplicate => StatusCode::CONFLICT,
        // Nothing reached the terminal, or the journal cannot take the record.
        ErrorCode::TransportRefused => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::JournalReadOnly | ErrorCode::DiskFull => StatusCode::SERVICE_UNAVAILABLE,
        // The hospital's central server (not yet reached through the bridge).
        ErrorCode::CentralUnreachable | ErrorCode::CentralServer => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::CentralNotConfigured
        | ErrorCode::CentralNotInitialised
        | ErrorCode::CentralSchemaTooNew
        | ErrorCode::CentralSchemaTooOld
        | ErrorCode::CentralNoIdentityKey
        | ErrorCode::CentralWrongIdentityKey
        | ErrorCode::CentralCounterTaken => StatusCode::CONFLICT,
        // IT's restore of this PC is under way: nothing was recorded.
        ErrorCode::RestoreUnfinished => StatusCode::CONFLICT,
        _ if matches!(e, DeskError::Connect(_)) => StatusCode::SERVICE_UNAVAILABLE,
        // The terminal may have acted: the outcome is unknown (待确认).
        _ if unknown(e) => StatusCode::GATEWAY_TIMEOUT,
        // The terminal answered, with a failure of its own.
        ErrorCode::Terminal
        | ErrorCode::ReplyMismatch
        | ErrorCode::TransportHttpStatus
        | ErrorCode::TransportRedirected => StatusCode::BAD_GATEWAY,
        // Named one by one, so that a new code is given its status here, not a default.
        ErrorCode::NotSignedIn
        | ErrorCode::SeatLocked
        | ErrorCode::Forbidden
        | ErrorCode::WrongPin
        | ErrorCode::PinLocked
        | ErrorCode::Internal
        | ErrorCode::Journal
        | ErrorCode::JournalMigration
        | ErrorCode::JournalTooNew
        | ErrorCode::JournalCorrupt
        | ErrorCode::JournalWrongKey
        | ErrorCode::JournalKeyInvalid
        | ErrorCode::Io
        | ErrorCode::Export
        | ErrorCode::MalformedReply
        | ErrorCode::TransportTimeout
        | ErrorCode::TransportTooLarge
        | ErrorCode::TransportUndecodable
        | ErrorCode::TransportLibrary
        | ErrorCode::TransportIo => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn unknown(e: &DeskError) -> bool {
    matches!(e, DeskError::Terminal { error, .. } if error.outcome_unknown())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = axum::http::HeaderValue::from_static(self.body.code.as_str());
        let mut response = (self.status, axum::Json(*self.body)).into_response();
        let h = response.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static(crate::JSON),
        );
        h.insert("x-error-code", code);
        // RFC 6750: a 401 names the scheme it wants.
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"facepay-his-bridge\""),
            );
        }
        response
    }
}
