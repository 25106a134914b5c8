//! Replies of the four transactions, as the client reads them: the envelope
//! (`decode_reply`), then the transaction's own field rules (`check_reply`).
//!
//! Invariants: nothing panics; an error prints (masked); a non-zero `code` is
//! never "0"; a reply that was read re-encodes — as an object and as a string
//! holding JSON — to one that reads back equal and checks the same.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use nhsa_terminal::TerminalError;
use nhsa_terminal::protocol::envelope::decode_reply;
use nhsa_terminal::protocol::{AuthCheck, EcAuth, QrCodeGet, SettleNotify, Transaction};
use serde::Serialize;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    exercise::<EcAuth>(raw);
    exercise::<AuthCheck>(raw);
    exercise::<SettleNotify>(raw);
    exercise::<QrCodeGet>(raw);
});

fn exercise<T: Transaction>(raw: &str)
where
    T::Reply: Serialize + PartialEq + Debug,
{
    let reply = match decode_reply::<T::Reply>(raw) {
        Ok(reply) => reply,
        Err(e) => {
            // As the client turns it into the error a call reports.
            let e = TerminalError::from(e);
            let _ = (
                e.to_string(),
                format!("{e:?}"),
                e.code(),
                e.outcome_unknown(),
            );
            match &e {
                TerminalError::Terminal { code, .. } => {
                    assert!(
                        !code.is_empty() && code != "0",
                        "failure with code {code:?}"
                    );
                }
                TerminalError::Malformed { .. } => {}
                other => panic!("decode_reply returned {other:?}"),
            }
            return;
        }
    };
    assert_eq!(reply.raw, raw);
    let checked = T::check_reply(&reply.data);
    let _ = format!("{:?} {checked:?}", reply.data);
    if let Err(e) = &checked {
        let _ = e.to_string();
    }

    // What was read re-encodes to a reply that reads back the same. Floats are
    // left out (serde_json's default float parsing is not exact on every
    // value), and so is nesting near serde_json's recursion limit.
    let data = serde_json::to_value(&reply.data).expect("a reply that was read serializes");
    if has_float(&data) || depth(&data) > 100 {
        return;
    }
    let as_object = json!({"code": 0, "message": reply.message, "data": data}).to_string();
    let as_string = json!({"code": "0", "data": data.to_string()}).to_string();
    for again in [as_object, as_string] {
        let back = decode_reply::<T::Reply>(&again)
            .unwrap_or_else(|e| panic!("re-encoded reply {again:?} does not read back: {e}"));
        assert_eq!(back.data, reply.data, "re-encoded as {again:?}");
        assert_eq!(
            T::check_reply(&back.data).is_ok(),
            checked.is_ok(),
            "check_reply differs on {again:?}"
        );
    }
}

fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}
