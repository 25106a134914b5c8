//! Inputs the fuzzers (fuzz/, scripts/fuzz.sh) found, kept as plain tests.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use nhsa_protocol::notify::SettleNotifyDraft;
use nhsa_protocol::validation::from_json;

/// notify_request, crash-c39355c3…: a truncated document whose first key is
/// empty gave an error naming no field at all.
#[test]
fn an_empty_key_in_broken_json_still_names_a_field() {
    let input = "{\n  \"\": \"H4{\n \\\\\\\"o\"";
    let err = from_json::<SettleNotifyDraft>(input).unwrap_err();
    assert!(!err.field.is_empty(), "{err:?}");
    assert!(!err.to_string().is_empty());
}

/// notify_request, crash-4307ad1f…: an unknown field with an empty key, once
/// unknown fields were refused, was refused naming no field.
#[test]
fn an_unknown_empty_key_is_refused_with_a_field_named() {
    let err = from_json::<SettleNotifyDraft>("{\"\":7}\t").unwrap_err();
    assert!(!err.field.is_empty(), "{err:?}");
    assert!(err.to_string().contains("不是接口定义的字段"), "{err}");
}
