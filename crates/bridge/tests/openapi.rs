//! The committed OpenAPI document is the one the code generates: a HIS vendor
//! reading docs/his-bridge.openapi.json reads what the bridge does.
//! `scripts/bindings.sh` rewrites it, with the TypeScript bindings.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

#[test]
fn the_committed_openapi_document_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/his-bridge.openapi.json");
    let generated = format!("{}\n", facepay_bridge::openapi::document());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/his-bridge.openapi.json is stale: run scripts/bindings.sh"
    );
    // It describes every endpoint, its errors and the token.
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for path in [
        "/v1/face-auth",
        "/v1/visits/{outBizNo}",
        "/v1/settlements",
        "/v1/settlements/{id}/refund",
        "/v1/summary",
        "/v1/health",
        "/v1/openapi.json",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    // The answers any endpoint can give are listed on each (the guide's section 4).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            let wanted: &[&str] = match method.as_str() {
                "post" => &["400", "401", "409", "413", "415", "503"],
                _ => &["401"],
            };
            for status in wanted {
                assert!(
                    statuses.iter().any(|s| s.as_str() == *status),
                    "{method} {path} does not document {status}: {statuses:?}"
                );
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Bounded fields carry their length from the protocol's own types.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ScanRequest"]["properties"]["operatorId"].is_object());
    assert_eq!(schemas["OperatorId"]["maxLength"], 20);
    assert_eq!(schemas["MedicalSettleState"]["enum"][0], "SUCCESS");
    // Closed sets as the wire spells them, and the settlement body unwrapped.
    assert_eq!(schemas["DeliveryStatus"]["enum"][3], "gave_up");
    assert_eq!(schemas["Source"]["enum"][2], "his");
    assert!(schemas["SettlementBody"]["oneOf"][0]["$ref"].is_string());
}

/// The guide names every code an answer can carry (docs/his-bridge.md
/// section 4): the counter's own (`ErrorCode`) and the bridge's (`HttpCode`),
/// as the document's enums list them. A new one is written down for the HIS
/// vendor, or this fails.
#[test]
fn the_guide_names_every_code_an_answer_can_carry() {
    let doc: serde_json::Value =
        serde_json::from_str(&facepay_bridge::openapi::document()).unwrap();
    let guide = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/his-bridge.md"),
    )
    .unwrap();
    let schemas = &doc["components"]["schemas"];
    let codes: Vec<&serde_json::Value> = ["ErrorCode", "HttpCode"]
        .iter()
        .flat_map(|s| schemas[*s]["enum"].as_array().unwrap())
        .collect();
    assert!(codes.len() >= 40, "{codes:?}");
    for code in codes {
        let code = code.as_str().unwrap();
        assert!(
            guide.contains(&format!("`{code}`")),
            "docs/his-bridge.md does not name `{code}`"
        );
    }
}
