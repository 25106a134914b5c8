//! The envelope around every call, and tolerant reading of replies.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::text::{OrgId, check_len_as_reported};
use super::validation::ValidationError;
use crate::reply::{RawText, ReplyError};

/// The transactions this crate speaks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransType {
    #[serde(rename = "cn.nhsa.ec.auth")]
    EcAuth,
    #[serde(rename = "cn.nhsa.auth.check")]
    AuthCheck,
    #[serde(rename = "cn.nhsa.settle.notify")]
    SettleNotify,
    /// 终端获取电子凭证: the terminal's scanner reads the patient's 医保码
    /// (PROTOCOL.md §7), the fallback when a face cannot be scanned.
    #[serde(rename = "cn.nhsa.qrcode.get")]
    QrCodeGet,
}

impl TransType {
    pub const ALL: [TransType; 4] = [
        TransType::EcAuth,
        TransType::AuthCheck,
        TransType::SettleNotify,
        TransType::QrCodeGet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransType::EcAuth => "cn.nhsa.ec.auth",
            TransType::AuthCheck => "cn.nhsa.auth.check",
            TransType::SettleNotify => "cn.nhsa.settle.notify",
            TransType::QrCodeGet => "cn.nhsa.qrcode.get",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TransType::EcAuth => "刷脸授权",
            TransType::AuthCheck => "获取身份",
            TransType::SettleNotify => "结算通知",
            TransType::QrCodeGet => "扫医保码",
        }
    }

    /// True for the transactions that wait for the patient (a face to scan,
    /// a 医保码 to show), not only for a machine: they get the long timeout.
    pub fn waits_for_patient(self) -> bool {
        match self {
            TransType::EcAuth | TransType::QrCodeGet => true,
            TransType::AuthCheck | TransType::SettleNotify => false,
        }
    }
}

/// A request body of one transaction and the reply it expects.
pub trait Transaction: Serialize {
    const TRANS_TYPE: TransType;
    type Reply: DeserializeOwned;

    /// The spec's rules for the reply's fields (lengths, characters, code
    /// tables), checked before anything of it is used or stored.
    fn check_reply(_reply: &Self::Reply) -> Result<(), ValidationError> {
        Ok(())
    }
}

/// An optional reply field within the spec's length, without control characters.
pub(crate) fn check_reply_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| check_len_as_reported(field, v, max))
}

/// `{"orgId", "transType", "data"}` as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEnvelope<T> {
    pub org_id: OrgId,
    pub trans_type: TransType,
    pub data: T,
}

/// Serialize a validated request. The types only hold validated strings, so
/// this cannot fail.
pub fn encode<T: Transaction>(org_id: &OrgId, data: &T) -> String {
    let envelope = RequestEnvelope {
        org_id: org_id.clone(),
        trans_type: T::TRANS_TYPE,
        data,
    };
    serde_json::to_string(&envelope)
        .unwrap_or_else(|e| unreachable!("request types serialize: {e}"))
}

/// A successful reply: the decoded `data`, the terminal's message, the
/// envelope's `orgId` (when it sent one) and the raw text.
#[derive(Debug, Clone)]
pub struct Reply<R> {
    pub data: R,
    pub message: String,
    /// The top-level `orgId` of the reply; absent, empty and `"null"` are `None`.
    pub org_id: Option<String>,
    pub raw: String,
}

/// Read a reply envelope. Accepts `data` as an object or a string holding JSON
/// (even twice encoded), reads `"null"` as absent, keeps unknown fields, and
/// turns a non-zero `code` into [`ReplyError::Terminal`].
pub fn decode_reply<R: DeserializeOwned>(raw: &str) -> Result<Reply<R>, ReplyError> {
    let malformed = |reason: String| ReplyError::Malformed {
        reason,
        raw: RawText(raw.to_owned()),
    };
    if let Err(e) = crate::json::unique_members(raw) {
        // (Text that is not JSON at all is described below.)
        if serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok() {
            return Err(malformed(format!("回复有歧义：{e}")));
        }
    }
    let mut top = match unwrap_json_string(serde_json::from_str::<Value>(raw)) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(malformed("回复不是 JSON 对象".into())),
        Err(e) => return Err(malformed(format!("不是有效的 JSON：{e}"))),
    };
    let code = match top.get("code") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => return Err(malformed("缺少 code 字段".into())),
    };
    let message = match top.get("message") {
        Some(Value::String(s)) if s != "null" => s.clone(),
        _ => String::new(),
    };
    let org_id = match top.get("orgId") {
        Some(Value::String(s)) if !s.is_empty() && s != "null" => Some(s.clone()),
        _ => None,
    };
    if code != "0" {
        // Shown to the cashier, logged and journaled: never a name or 证件号.
        return Err(ReplyError::Terminal {
            code,
            message: crate::mask::scrub_text(&message),
            raw: RawText(raw.to_owned()),
        });
    }
    let data = match top.remove("data") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::String(s)) if s.trim().is_empty() || s == "null" => Value::Object(Map::new()),
        Some(Value::String(s)) => {
            if let Err(e) = crate::json::unique_members(&s)
                && serde_json::from_str::<serde::de::IgnoredAny>(&s).is_ok()
            {
                return Err(malformed(format!("data 有歧义：{e}")));
            }
            match unwrap_json_string(serde_json::from_str::<Value>(&s)) {
                Ok(v) => v,
                Err(e) => return Err(malformed(format!("data 不是有效的 JSON：{e}"))),
            }
        }
        Some(v) => v,
    };
    let Value::Object(mut fields) = data else {
        return Err(malformed("data 不是 JSON 对象".into()));
    };
    for value in fields.values_mut() {
        if value.as_str() == Some("null") {
            *value = Value::Null;
        }
    }
    let data = serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
        let path = e.path().to_string();
        malformed(format!(
            "data 字段不符合接口规范（{path}）：{}",
            e.into_inner()
        ))
    })?;
    Ok(Reply {
        data,
        message,
        org_id,
        raw: raw.to_owned(),
    })
}

/// Some bridges encode the JSON once more as a string: peel at most two layers.
fn unwrap_json_string(first: serde_json::Result<Value>) -> serde_json::Result<Value> {
    let mut value = first?;
    for _ in 0..2 {
        match value {
            Value::String(ref s) if s.trim_start().starts_with(['{', '"']) => {
                value = serde_json::from_str(s)?;
            }
            _ => break,
        }
    }
    Ok(value)
}

/// Empty strings and `"null"` in optional reply fields are absent.
pub(crate) fn opt_string<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty() && s != "null"))
}
