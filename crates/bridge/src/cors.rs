//! Who may talk to the bridge besides a program on this machine: nobody
//! through a browser, unless IT names the HIS's origin. A page on any web
//! site can make a browser send requests to 127.0.0.1; the token keeps it
//! from reading answers, and these checks keep it from getting that far —
//! a Host other than the bridge's own (DNS rebinding: evil.example resolving
//! to 127.0.0.1) or an Origin nobody allowed is refused before the token
//! is even looked at.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use facepay_core::api::Desk;

use crate::error::ApiError;
use crate::error::HttpCode;

/// The request's Host must be this machine under a loopback name, on the
/// bridge's port.
pub(crate) fn host(headers: &HeaderMap, uri: &Uri, port: u16) -> Result<(), ApiError> {
    let named = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()));
    let Some(named) = named else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            HttpCode::InvalidHost,
            "请求缺少 Host 头",
        )
        .advice(format!("请求 http://127.0.0.1:{port}/…")));
    };
    let named = named.to_ascii_lowercase();
    let ours = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|h| named == format!("{h}:{port}"));
    if ours {
        return Ok(());
    }
    let shown: String = named.chars().filter(|c| !c.is_control()).take(64).collect();
    Err(ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        HttpCode::MisdirectedRequest,
        format!("Host“{shown}”不是本机的 HIS 接口"),
    )
    .advice(format!(
        "请用 http://127.0.0.1:{port}/ 或 http://localhost:{port}/ 访问"
    )))
}

/// The browser origin a request comes from, when it names one that IT
/// allowed; a request naming any other is refused (403).
pub(crate) fn origin(desk: &Desk, headers: &HeaderMap) -> Result<Option<HeaderValue>, ApiError> {
    let Some(value) = headers.get(header::ORIGIN) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").to_ascii_lowercase();
    if desk.config().bridge.allowed_origins.contains(&text) {
        return Ok(Some(value.clone()));
    }
    let shown: String = text.chars().filter(|c| !c.is_control()).take(64).collect();
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        HttpCode::OriginRefused,
        format!("不接受来自浏览器页面“{shown}”的请求"),
    )
    .advice("浏览器中运行的 HIS：请信息科把它的来源写入 [bridge] allowed_origins"))
}

/// The answer to a browser's preflight from an allowed origin.
pub(crate) fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type, idempotency-key, prefer"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    r
}

/// Let the allowed `origin` read `response`.
pub(crate) fn allow(mut response: Response, origin: &HeaderValue) -> Response {
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("location, idempotent-replayed, x-error-code"),
    );
    response
}
