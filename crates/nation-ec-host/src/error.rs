//! Everything that goes wrong, at start or in a request, and its `{code, message}` answer.

use std::net::SocketAddr;

use crate::PATH;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nhsa_terminal::TerminalError;
use nhsa_terminal::TransportError;
use nhsa_terminal::transport::HostCode;
use serde_json::{Value, json};

/// Everything that goes wrong, at start or in a request.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The envelope holds a name and 证件号: it never leaves this machine.
    #[error("--listen {0}：只能监听本机回环地址（127.0.0.1:端口 或 [::1]:端口）")]
    NotLoopback(SocketAddr),
    #[error("--token 不能为空，也不能含有空白或控制字符")]
    BadToken,
    #[error("--call-timeout 与队列长度必须大于 0")]
    BadLimits,
    #[error("无法监听 {addr}：{source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The library would not load, or has no `NationEcTrans`.
    #[error("{0}")]
    Library(#[source] TerminalError),

    #[error("缺少令牌或令牌错误：请求需带 Authorization: Bearer 令牌")]
    Unauthorized,
    #[error("只接受 POST {PATH}（请求报文为 JSON）")]
    NotFound,
    #[error("只接受 POST {PATH}（请求报文为 JSON）")]
    MethodNotAllowed,
    #[error("请求过大：上限 {limit} 字节")]
    TooLarge { limit: usize },
    #[error("不支持的字符集“{0}”：请用 UTF-8、GBK 或 GB18030")]
    UnknownCharset(String),
    #[error("请求不是有效的 {0} 文本")]
    Undecodable(&'static str),
    #[error("请求在第 {at} 个字符处含有控制字符 U+{code:04X}，已拒绝")]
    ControlCharacter { at: usize, code: u32 },
    #[error("请求不是 JSON 对象：{0}")]
    NotJson(String),
    #[error("读取请求失败：{0}")]
    ReadBody(String),
    #[error("动态库正忙：已有 {0} 个请求在处理或排队，请稍后再试")]
    Busy(usize),
    #[error("{0}")]
    Call(#[from] TransportError),
}

impl HostError {
    /// A stable, machine-readable code for scripts, logs and the panel.
    pub fn code(&self) -> HostCode {
        match self {
            HostError::NotLoopback(_) => HostCode::ListenNotLoopback,
            HostError::BadToken | HostError::BadLimits => HostCode::Usage,
            HostError::Listen { .. } => HostCode::Listen,
            HostError::Library(_) => HostCode::LibraryLoad,
            HostError::Unauthorized => HostCode::Unauthorized,
            HostError::NotFound => HostCode::NotFound,
            HostError::MethodNotAllowed => HostCode::MethodNotAllowed,
            HostError::TooLarge { .. } => HostCode::TooLarge,
            HostError::UnknownCharset(_) => HostCode::UnknownCharset,
            HostError::Undecodable(_) => HostCode::Undecodable,
            HostError::ControlCharacter { .. } => HostCode::ControlCharacter,
            HostError::NotJson(_) => HostCode::NotJson,
            HostError::ReadBody(_) => HostCode::ReadBody,
            HostError::Busy(_) => HostCode::Busy,
            HostError::Call(e) => match e {
                TransportError::Timeout { .. } => HostCode::Timeout,
                TransportError::Library { .. } => HostCode::Library,
                TransportError::Undecodable { .. } => HostCode::LibraryUndecodable,
                _ => HostCode::LibraryIo,
            },
        }
    }

    /// The HTTP status of a refused or failed request.
    pub fn status(&self) -> StatusCode {
        match self {
            HostError::Unauthorized => StatusCode::UNAUTHORIZED,
            HostError::NotFound => StatusCode::NOT_FOUND,
            HostError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HostError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            HostError::UnknownCharset(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HostError::Undecodable(_)
            | HostError::ControlCharacter { .. }
            | HostError::NotJson(_)
            | HostError::ReadBody(_) => StatusCode::BAD_REQUEST,
            HostError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            HostError::Call(TransportError::Timeout { .. }) => StatusCode::GATEWAY_TIMEOUT,
            HostError::Call(_) => StatusCode::BAD_GATEWAY,
            HostError::NotLoopback(_)
            | HostError::BadToken
            | HostError::BadLimits
            | HostError::Listen { .. }
            | HostError::Library(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// True for a mistake in the command line (exit code 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            HostError::NotLoopback(_) | HostError::BadToken | HostError::BadLimits
        )
    }

    /// `{code, message}`, plus the library's own status when it gave one.
    pub fn to_json(&self) -> Value {
        let mut body = json!({"code": self.code().as_str(), "message": self.to_string()});
        if let HostError::Call(TransportError::Library { status, .. }) = self {
            body["status"] = Value::String(status.clone());
        }
        body
    }
}

impl IntoResponse for HostError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(self.to_json())).into_response()
    }
}
