//! `GET /v1/settlements`, `/v1/summary`, `/v1/health`, `/v1/openapi.json`.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use facepay_core::api::{DaySummary, HistoryFilter, HistoryPage, MAX_PAGE};

use crate::error::{ApiError, ErrorBody};
use crate::server::App;
use facepay_core::api::ErrorCode;

/// The query string read strictly: a parameter the endpoint does not know
/// (`outbizno` for `outBizNo`) is refused naming it, not ignored — ignoring
/// it would answer with other patients' settlements; a value it cannot take
/// (`state=PAID`) is refused naming its parameter.
fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    let text = uri.query().unwrap_or("");
    // Given twice, or given empty (`?outBizNo=` from a HIS whose variable
    // was blank): refused by name, never read as "no filter".
    let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (i, (name, value)) in pairs.iter().enumerate() {
        let refused = |message: String| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Invalid,
                message,
            )
            .field(shown(name))
        };
        if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(refused(format!("查询参数 {} 出现了不止一次", shown(name))));
        }
        if value.trim().is_empty() {
            return Err(refused(format!(
                "查询参数 {} 是空的：不按它过滤时请不要传它",
                shown(name)
            )));
        }
    }
    let mut unknown = Vec::new();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text.as_bytes()));
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let parsed: Result<T, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(de, &mut note));
    if let Some(name) = unknown.first() {
        let name = shown(name);
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            format!("不认识的查询参数“{name}”（参数名区分大小写）"),
        )
        .field(name)
        .advice("可用的参数见 /v1/openapi.json"));
    }
    parsed.map_err(|e| {
        let field = shown(&e.path().to_string());
        let value = pairs
            .iter()
            .find(|(name, _)| shown(name) == field)
            .map(|(_, v)| shown(&facepay_core::api::scrub_text(v)))
            .unwrap_or_default();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            format!("查询参数 {field} 的值“{value}”不被接受"),
        )
        .field(field)
        .advice("可用的参数和取值见 /v1/openapi.json")
    })
}

/// An endpoint that takes no query parameters says so, like the others.
pub(crate) fn no_query(uri: &Uri) -> Result<(), ApiError> {
    match uri.query().filter(|q| !q.is_empty()) {
        None => Ok(()),
        Some(q) => {
            let name = form_urlencoded::parse(q.as_bytes())
                .next()
                .map(|(k, _)| shown(&k))
                .unwrap_or_default();
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Invalid,
                format!("这个接口不接受查询参数（收到“{name}”）"),
            )
            .field(name))
        }
    }
}

/// A parameter's name (or value) as the caller wrote it, fit to be echoed.
fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// A required parameter the query lacks: 400, naming it.
fn missing(field: &'static str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::Invalid,
        format!("缺少查询参数 {field}"),
    )
    .field(field)
}

/// The settlements, newest first, personal fields masked (as 历史 shows them).
#[utoipa::path(
    get,
    path = "/v1/settlements",
    tag = "查询",
    params(
        ("from" = Option<String>, Query, description = "business day YYYY-MM-DD, inclusive"),
        ("to" = Option<String>, Query, description = "business day YYYY-MM-DD, inclusive"),
        ("operatorId" = Option<String>, Query),
        ("officeId" = Option<String>, Query),
        ("state" = Option<String>, Query, description = "SUCCESS / FAIL / REFUND_SUCCESS / REFUND_FAIL"),
        ("bizType" = Option<String>, Query),
        ("outBizNo" = Option<String>, Query),
        ("authNo" = Option<String>, Query),
        ("medicalSettleNo" = Option<String>, Query),
        ("idLast4" = Option<String>, Query, description = "the last 4 characters of the 证件号, matched on the first 3 (the check digit, masked everywhere, is not compared)"),
        ("userName" = Option<String>, Query, description = "the first character of the name, as masked rows show it (a whole name is refused: 422)"),
        ("credential" = Option<String>, Query, description = "`face` (刷脸) or `qrcode` (医保码)"),
        ("before" = Option<String>, Query, description = "nextCursor of the previous page"),
        ("limit" = Option<u32>, Query, description = "at most 500, default 50"),
    ),
    responses(
        (status = 200, body = HistoryPage),
        (status = 422, description = "a parameter this endpoint does not know (names are case-sensitive), or a value it cannot take (limit outside 1–500 included), named in `field`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn history(State(app): State<App>, uri: Uri) -> Response {
    let filter: HistoryFilter = match query(&uri) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    // A page size out of range is said, not quietly changed: a HIS asking
    // for 1000 rows would otherwise take 500 for the whole day.
    if let Some(limit) = filter.limit
        && !(1..=MAX_PAGE).contains(&limit)
    {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            format!("limit 应为 1 到 {MAX_PAGE}，不能是 {limit}"),
        )
        .field("limit")
        .into_response();
    }
    match app.desk().history(&filter) {
        Ok(page) => super::json(StatusCode::OK, &page),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SummaryQuery {
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    operator_id: Option<String>,
}

/// 日结 of a business day, per operator.
#[utoipa::path(
    get,
    path = "/v1/summary",
    tag = "查询",
    params(
        ("date" = String, Query, description = "business day YYYY-MM-DD"),
        ("operatorId" = Option<String>, Query),
    ),
    responses(
        (status = 200, body = Vec<DaySummary>),
        (status = 400, description = "`date` missing", body = ErrorBody),
        (status = 422, description = "a parameter this endpoint does not know (names are case-sensitive), or a value it cannot take, named in `field`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn summary(State(app): State<App>, uri: Uri) -> Response {
    let q: SummaryQuery = match query(&uri) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let Some(date) = q.date else {
        return missing("date").into_response();
    };
    match app.desk().summary(&date, q.operator_id.as_deref()) {
        Ok(days) => super::json(StatusCode::OK, &days),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Whether the counter can take work now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok`, or `degraded` when the terminal cannot be reached, the journal
    /// is read-only, or a restore is under way.
    pub status: String,
    pub version: String,
    pub terminal_reachable: bool,
    pub terminal_error: Option<String>,
    /// Settlements owed to the terminal and not yet shown there (retrying or given up).
    pub undelivered: u64,
    /// Settlements the HIS pushed that wait for the cashier's F4.
    pub held: u64,
    /// 待确认: outcomes a person must decide.
    pub pending: u64,
    pub journal_read_only: bool,
    /// `facepay central restore` began on this PC and has not finished: every
    /// payment is refused (`restore_unfinished`) until it has.
    pub restore_unfinished: bool,
}

/// Terminal reachability, backlog and version. Always 200: read `status`.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "查询",
    responses((status = 200, body = Health)),
    security(("bearer" = []))
)]
pub(crate) async fn health(State(app): State<App>, uri: Uri) -> Response {
    if let Err(e) = no_query(&uri) {
        return e.into_response();
    }
    let desk = app.desk();
    let probe = desk.probe().await;
    let backlog = desk.backlog();
    let held = desk.held_count();
    let (undelivered, pending) = match &backlog {
        Ok(b) => (b.undelivered, b.pending),
        Err(_) => (0, 0),
    };
    let journal_read_only = desk.degraded().is_some() || backlog.is_err();
    // Unknown (the journal unreadable) counts as under way: no payment is
    // promised that would be refused.
    let restore_unfinished = desk.restore_under_way().unwrap_or(true);
    let health = Health {
        status: if probe.is_ok() && !journal_read_only && !restore_unfinished {
            "ok".into()
        } else {
            "degraded".into()
        },
        version: env!("CARGO_PKG_VERSION").into(),
        terminal_reachable: probe.is_ok(),
        terminal_error: probe.err().map(|e| e.to_string()),
        undelivered,
        held: held.unwrap_or(0),
        pending,
        journal_read_only,
        restore_unfinished,
    };
    super::json(StatusCode::OK, &health)
}

/// This API's OpenAPI 3 document, generated from its Rust types.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "查询",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")),
    security(("bearer" = []))
)]
pub(crate) async fn openapi(uri: Uri) -> Response {
    if let Err(e) = no_query(&uri) {
        return e.into_response();
    }
    (
        [(axum::http::header::CONTENT_TYPE, crate::JSON)],
        crate::openapi::document(),
    )
        .into_response()
}
