//! `Idempotency-Key` on POSTs, as Stripe does it: the same key with the same
//! body gets the first answer again (header `Idempotent-Replayed: true`)
//! without a second terminal call; the same key with another body or
//! endpoint is 409. A request refused before anything happened frees its
//! key. Keys live in the journal, so a replay works across a restart.

use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use facepay_core::api::{Desk, KeyClaim, SettlementId};

use crate::error::ApiError;
use crate::error::HttpCode;
use facepay_core::api::ErrorCode;

pub const HEADER: &str = "idempotency-key";

/// The key a request carries, checked.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(HEADER) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Invalid,
            "Idempotency-Key 应为 1 到 255 个可见 ASCII 字符（如 UUID）",
        )
        .field("Idempotency-Key")
    };
    // Two keys (a client adding its own to a default header) is a request
    // that could be replayed under either: refused, not guessed.
    if headers.get_all(HEADER).iter().nth(1).is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Invalid,
            "请求中有多个 Idempotency-Key，只能有一个",
        )
        .field("Idempotency-Key"));
    }
    let v = v.to_str().map_err(|_| bad())?;
    if v.is_empty() || v.len() > 255 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(v.to_owned()))
}

/// What a request under a key is: its endpoint and the hash of its body.
pub fn fingerprint(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What to do with a request under `key`.
pub enum Claim {
    /// Answer it, then [`finish`].
    Go,
    /// Send this stored answer again.
    Replay { status: StatusCode, body: String },
    /// The first request recorded this settlement, and its process died
    /// before the answer was stored: answer with what was recorded.
    Recorded(SettlementId),
}

/// Claim `key`. A first request still running is 409 with the visit it
/// works on, so the HIS can poll it; one whose process died (the only way a
/// request goes unanswered: a HIS that hangs up does not stop it) is 409
/// `idempotency_interrupted`, also with its visit.
pub fn claim(desk: &Desk, key: &str, endpoint: &str, hash: &str) -> Result<Claim, ApiError> {
    let look = |out_biz_no: &Option<String>| match out_biz_no {
        Some(no) => format!("请用 GET /v1/visits/{no} 查看这次就诊的结果"),
        None => "请用 GET /v1/settlements 查询结果".into(),
    };
    match desk.claim_key(key, endpoint, hash)? {
        KeyClaim::Fresh => Ok(Claim::Go),
        KeyClaim::Replay { status, response } => Ok(Claim::Replay {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            body: response,
        }),
        KeyClaim::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            HttpCode::IdempotencyConflict,
            "该 Idempotency-Key 已用于另一个请求（接口或内容不同）",
        )
        .field("Idempotency-Key")
        .advice("每笔新业务请使用新的 Idempotency-Key；重试时请原样重发")),
        KeyClaim::InProgress { since, out_biz_no } => Err(ApiError::new(
            StatusCode::CONFLICT,
            HttpCode::IdempotencyInProgress,
            format!("该 Idempotency-Key 的首次请求（{since}）仍在处理中"),
        )
        .advice(format!(
            "首次请求结束后重发同一请求即得到它的应答；也可以现在就{}",
            look(&out_biz_no).trim_start_matches("请")
        ))
        .out_biz_no(out_biz_no)),
        KeyClaim::Interrupted {
            settlement_id: Some(id),
            ..
        } => Ok(Claim::Recorded(id)),
        KeyClaim::Interrupted {
            since, out_biz_no, ..
        } => Err(ApiError::new(
            StatusCode::CONFLICT,
            HttpCode::IdempotencyInterrupted,
            format!("该 Idempotency-Key 的首次请求（{since}）所在的程序已退出，应答未能保存"),
        )
        .advice(look(&out_biz_no))
        .out_biz_no(out_biz_no)),
    }
}

/// Store the answer given under `key`, or free the key when the request
/// changed nothing.
pub fn finish(desk: &Desk, key: &str, status: StatusCode, body: &str, changed_nothing: bool) {
    let stored = if changed_nothing {
        desk.release_key(key)
    } else {
        desk.settle_key(key, status.as_u16(), body)
    };
    if let Err(e) = stored {
        tracing::error!("idempotency key not stored: {e}");
    }
}
