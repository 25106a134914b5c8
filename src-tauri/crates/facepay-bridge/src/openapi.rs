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
        routes::settle::notify,
        routes::settle::refund,
        routes::records::history,
        routes::records::summary,
        routes::records::health,
        routes::records::openapi,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&Bearer)
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

/// The document as pretty JSON (stable: the same build gives the same bytes).
pub fn document() -> String {
    let mut doc = Document::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
