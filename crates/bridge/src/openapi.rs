//! The OpenAPI document, generated from the handlers and their types. The
//! committed copy (docs/his-bridge.openapi.json) is checked current by a
//! test, like the TypeScript bindings.

use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FacePay Desk HIS bridge",
        description = "The HIS starts the face scan, receives the identity for 1101, and pushes its 2207/2208 results to the 医保 terminal. Loopback only; Bearer token; Idempotency-Key on POSTs. Guide: docs/his-bridge.md."
    ),
    paths(
        routes::scan::face_auth,
        routes::scan::qrcode,
        routes::scan::visit,
        routes::scan::identity,
        routes::settle::notify,
        routes::settle::refund,
        routes::records::history,
        routes::records::summary,
        routes::reconcile::reconcile,
        routes::records::health,
        routes::records::openapi,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&Bearer, &CommonResponses)
)]
struct Document;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The answers every endpoint can give besides its own (the guide's section 4),
/// added where a handler's annotation does not already name the status, or
/// appended to its description where it does.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [item.get.as_mut(), item.post.as_mut()]
                .into_iter()
                .flatten()
            {
                add(
                    op,
                    "400",
                    "a request head that is not HTTP/1.1 (`malformed_request`), or without a Host (`invalid_host`)",
                );
                add(
                    op,
                    "403",
                    "sent from a browser page whose Origin is not in `[bridge] allowed_origins` (`origin_refused`)",
                );
                add(
                    op,
                    "408",
                    "the head did not arrive within 5 s, or the body within 10 s (`request_timeout`)",
                );
                add(
                    op,
                    "421",
                    "the Host is not this bridge (127.0.0.1, localhost or [::1] with its port): `misdirected_request`",
                );
                add(
                    op,
                    "431",
                    "the request head is over 16 KiB or 64 lines (`header_too_large`)",
                );
            }
            if let Some(op) = item.get.as_mut() {
                add(op, "401", UNAUTHORIZED);
                if !op.parameters.as_ref().is_none_or(Vec::is_empty) {
                    add(
                        op,
                        "400",
                        "a query or path parameter is invalid (`invalid_input`, `field` names it)",
                    );
                }
            }
            if let Some(op) = item.post.as_mut() {
                add(op, "401", UNAUTHORIZED);
                add(
                    op,
                    "400",
                    "not JSON (`malformed_json`), bytes not in the declared charset (`undecodable_body`), or an `Idempotency-Key` of the wrong form (`invalid_input`)",
                );
                add(
                    op,
                    "409",
                    "the `Idempotency-Key` was used for another request (`idempotency_conflict`), its first request is still running (`idempotency_in_progress`) or was interrupted (`idempotency_interrupted`)",
                );
                add(
                    op,
                    "413",
                    "the body is over 1 MiB (`body_too_large`); nothing read further",
                );
                add(
                    op,
                    "415",
                    "the Content-Type is not JSON, or names a charset other than UTF-8, GBK or GB18030 (`unsupported_media_type`)",
                );
                add(
                    op,
                    "503",
                    "the journal cannot be written (`journal_read_only`, `disk_full`): nothing recorded",
                );
            }
        }
    }
}

const UNAUTHORIZED: &str =
    "the bearer token is missing or wrong (`unauthorized`); audited, the body is not echoed";

fn add(op: &mut utoipa::openapi::path::Operation, status: &str, text: &str) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            existing.description = format!("{}; or {text}", existing.description);
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let response = ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build();
            op.responses
                .responses
                .insert(status.to_owned(), RefOr::T(response));
        }
    }
}

/// The document as pretty JSON (stable: the same build gives the same bytes).
pub fn document() -> String {
    let mut doc = Document::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
