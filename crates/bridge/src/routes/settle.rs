//! `POST /v1/settlements` and `POST /v1/settlements/{id}/refund`: the HIS's
//! 2207 / 2208 result, recorded and shown on the terminal.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use facepay_core::api::{
    Checkout, DeskError, NotifyReceipt, RefundRequest, SettlementId, Source, Submitted, parse_json,
};

use crate::body::{Text, syntax};
use crate::error::{ApiError, ErrorBody};
use crate::server::App;

use super::Answer;
use crate::setlinfo::{HisRefund, HisSettlement, his_name};
use facepay_core::api::ErrorCode;

/// Either form of a settlement (documentation of the body).
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
pub(crate) enum SettlementBody {
    /// The HIS's 2207 output under `setlinfo`.
    Setlinfo(HisSettlement),
    /// settle.notify's own field names (as `facepay notify` takes them).
    Wire(Checkout),
}

/// Either form of a refund (documentation of the body, which may also be
/// empty: all that is left).
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
pub(crate) enum RefundBody {
    /// The HIS's 2208 output under `setlinfo`.
    Setlinfo(HisRefund),
    /// settle.notify's own field names; `settlementId`, if given, must be the path's.
    Wire(RefundRequest),
}

/// Whether the body is an object with a `setlinfo` member.
fn has_setlinfo(text: &Text) -> Result<bool, ApiError> {
    syntax(&text.text)?;
    let body = text.text.strip_prefix('\u{FEFF}').unwrap_or(&text.text);
    let members: Map<String, Value> = serde_json::from_str(body).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            "请求体应为 JSON 对象",
        )
        .field(".")
    })?;
    Ok(members.contains_key("setlinfo"))
}

/// Errors about a settle.notify field are named as the HIS sent it.
fn in_his_words(mut e: ApiError) -> ApiError {
    if let Some(his) = e.body.field.as_deref().and_then(his_name) {
        e.body.field = Some(format!("setlinfo.{his}"));
    }
    e
}

fn wire_text(map: Map<String, Value>) -> String {
    Value::Object(map).to_string()
}

/// Record a settlement the HIS made and show it on the terminal.
#[utoipa::path(
    post,
    path = "/v1/settlements",
    tag = "结算",
    request_body(content = SettlementBody, description = "a 2207 `setlinfo`, or settle.notify's fields"),
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first answer")),
    responses(
        (status = 201, description = "recorded; `delivery` says whether the terminal has shown it (`delivered`), will be retried (`pending`) or waits for the cashier's F4 (`held`)", body = NotifyReceipt),
        (status = 409, description = "this settlement was recorded before (`duplicate`)", body = ErrorBody),
        (status = 422, description = "a field is invalid (named as sent); nothing recorded", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn notify(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let desk = app.desk();
    super::post_with(
        &app,
        "POST /v1/settlements",
        &headers,
        body,
        None,
        move |text, key| async move {
            let his = has_setlinfo(&text)?;
            let mut submitted = Submitted::by(Source::His);
            submitted.idempotency_key = key;
            let receipt = if his {
                let body: HisSettlement = text.json()?;
                let mapped = body.to_wire()?;
                let draft: Checkout =
                    parse_json(&wire_text(mapped.wire)).map_err(|e| in_his_words(e.into()))?;
                submitted.checked = Some(mapped.warnings);
                desk.notify_as(draft, submitted)
                    .await
                    .map_err(|e| in_his_words(e.into()))?
            } else {
                let draft: Checkout = text.json()?;
                desk.notify_as(draft, submitted).await?
            };
            desk.wake_worker();
            Ok(Answer::new(StatusCode::CREATED, receipt))
        },
    )
    .await
}

/// 退费 of a recorded SUCCESS: the HIS's 2208 result, or settle.notify's
/// fields, or nothing (a full refund of what is left).
#[utoipa::path(
    post,
    path = "/v1/settlements/{id}/refund",
    tag = "结算",
    params(
        ("id" = i64, Path, description = "the settlementId of the SUCCESS"),
        ("Idempotency-Key" = Option<String>, Header, description = "replays the first answer"),
    ),
    request_body(content = Option<RefundBody>, description = "a 2208 `setlinfo` (RefundBody's Setlinfo form), RefundRequest's fields (its Wire form; there is no wrapping member), or an empty body: all that is left"),
    responses(
        (status = 201, description = "recorded and sent (or to be retried)", body = NotifyReceipt),
        (status = 404, description = "no such settlement", body = ErrorBody),
        (status = 409, description = "this refund (its own 2208 setl_id) was recorded before (`duplicate`, `settlementId` names it)", body = ErrorBody),
        (status = 422, description = "not refundable, more than is left (in all or of one item), items that do not make the total, a partial refund without its own setl_id, a refund before its settlement; `field` names it", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn refund(
    State(app): State<App>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Body,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "结算编号应为数字（GET /v1/settlements 的 id）",
        )
        .field("id")
        .into_response();
    };
    let desk = app.desk();
    let endpoint = format!("POST /v1/settlements/{id}/refund");
    super::post_with(
        &app,
        &endpoint,
        &headers,
        body,
        None,
        move |text, key| async move {
            let (request, checked): (RefundRequest, Option<Vec<String>>) = if text.is_empty() {
                (RefundRequest::full(SettlementId(id)), None)
            } else if has_setlinfo(&text)? {
                let body: HisRefund = text.json()?;
                let mapped = body.to_request(id)?;
                let request =
                    parse_json(&wire_text(mapped.wire)).map_err(|e| in_his_words(e.into()))?;
                (request, Some(mapped.warnings))
            } else {
                let mut fields: Map<String, Value> = text.json()?;
                match fields.get("settlementId") {
                    Some(v) if v.as_i64() != Some(id) => {
                        return Err(ApiError::from(DeskError::Invalid {
                            field: "settlementId",
                            message: format!("与路径中的结算 {id} 不一致"),
                        }));
                    }
                    _ => {}
                }
                fields.insert("settlementId".into(), Value::from(id));
                (parse_json(&wire_text(fields))?, None)
            };
            let his_words = checked.is_some();
            let submitted = Submitted {
                source: Source::His,
                checked,
                idempotency_key: key,
            };
            let receipt = desk.refund_as(request, submitted).await.map_err(|e| {
                let e = ApiError::from(e);
                if his_words { in_his_words(e) } else { e }
            })?;
            desk.wake_worker();
            Ok(Answer::new(StatusCode::CREATED, receipt))
        },
    )
    .await
}
