//! `POST /v1/reconciliation`: 对账 — the HIS's settlements of a day against
//! every counter's records on the hospital's central server (docs/central.md).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use facepay_core::api::{Reconciliation, ReconciliationRequest};

use crate::error::ErrorBody;
use crate::server::App;

use super::Answer;

/// Compare the HIS's list of a day's settlements with what every counter
/// recorded and showed; each difference is kept on the central server until
/// 财务 explains it. Needs the counter's `[central]` server.
#[utoipa::path(
    post,
    path = "/v1/reconciliation",
    tag = "对账",
    request_body(content = ReconciliationRequest, description = "the HIS's settlements of `date`"),
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first answer")),
    responses(
        (status = 200, description = "matched, and every difference (with its id, kept until explained)", body = Reconciliation),
        (status = 409, description = "no central server configured or initialised, or on another schema or key (`central_*`)", body = ErrorBody),
        (status = 422, description = "a settlement of the list is invalid (`field` is `settlements`, the message names its index and column), or `date` is no date; nothing kept", body = ErrorBody),
        (status = 503, description = "the central server cannot be reached (`central_unreachable`) or failed (`central_server`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn reconcile(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let desk = app.desk();
    super::post_with(
        &app,
        "POST /v1/reconciliation",
        &headers,
        body,
        None,
        move |text, _key| async move {
            let request: ReconciliationRequest = text.json()?;
            let desk = std::sync::Arc::clone(&desk);
            let report: Reconciliation =
                tokio::task::spawn_blocking(move || desk.reconcile_for_his(&request))
                    .await
                    .map_err(|e| {
                        crate::error::ApiError::from(facepay_core::api::DeskError::Internal(
                            e.to_string(),
                        ))
                    })??;
            Ok(Answer::new(StatusCode::OK, report))
        },
    )
    .await
}
