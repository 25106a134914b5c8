//! A request body, read as hostile: at most [`MAX_BODY_BYTES`], JSON only,
//! decoded in the charset it declares (UTF-8 by default; GBK and GB18030 for
//! Windows HIS programs), refused — never repaired — when it does not decode.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use facepay_core::api::Charset;
use serde::de::DeserializeOwned;

use crate::MAX_BODY_BYTES;
use crate::error::ApiError;
use crate::error::HttpCode;

/// How long a client may take to send a body (at most 1 MiB on this machine).
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A body that was read and decoded to text.
#[derive(Debug)]
pub struct Text {
    /// The bytes as received (what an Idempotency-Key is checked against).
    pub raw: Bytes,
    pub text: String,
}

impl Text {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Parse strictly into `T`: malformed JSON is 400, a field the workflow
    /// refuses is 422 with the field named.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        syntax(&self.text)?;
        Ok(facepay_core::api::parse_json(&self.text)?)
    }
}

/// 400 when the text is not one JSON document.
pub fn syntax(text: &str) -> Result<(), ApiError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            HttpCode::MalformedJson,
            format!(
                "请求体不是有效的 JSON（第 {} 行第 {} 列）",
                e.line(),
                e.column()
            ),
        )
    })?;
    // A member named twice would be read as whichever came last.
    facepay_core::api::unique_members(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            HttpCode::MalformedJson,
            format!("请求体有歧义：{e}"),
        )
    })
}

/// Read and decode the body of a request.
pub async fn read(headers: &HeaderMap, body: Body) -> Result<Text, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            HttpCode::BodyTooLarge,
            format!("请求体超过 {} KiB", MAX_BODY_BYTES / 1024),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let encoding = charset(headers)?;
    let raw = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                HttpCode::RequestTimeout,
                format!("{} 秒内没有收到完整的请求体", BODY_TIMEOUT.as_secs()),
            )
        })?
        .map_err(|_| too_large())?;
    let text = encoding.decode(&raw).ok_or_else(|| {
        let message = if encoding.mislabelled(&raw) {
            format!(
                "请求体声明为 {}，内容却是 UTF-8：按 {0} 读会把中文读成别的字",
                encoding.name()
            )
        } else {
            format!("请求体不是有效的 {} 文本", encoding.name())
        };
        ApiError::new(StatusCode::BAD_REQUEST, HttpCode::UndecodableBody, message)
            .advice("请按 Content-Type 声明的字符集发送，或改用 UTF-8")
    })?;
    Ok(Text { raw, text })
}

/// The charset the body declares. Only JSON is taken.
fn charset(headers: &HeaderMap) -> Result<Charset, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Charset::Utf8);
    };
    let unsupported = |what: &str| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpCode::UnsupportedMediaType,
            format!("不支持的 Content-Type：{what}"),
        )
        .advice("请使用 application/json，字符集 UTF-8、GBK 或 GB18030")
    };
    let value = value.to_str().map_err(|_| unsupported("非 ASCII 内容"))?;
    let media = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" && media != "text/json" {
        return Err(unsupported(&media.chars().take(64).collect::<String>()));
    }
    match Charset::of_content_type(value) {
        None => Ok(Charset::Utf8),
        Some(Ok(charset)) => Ok(charset),
        Some(Err(name)) => Err(unsupported(&format!("charset={name}"))),
    }
}
