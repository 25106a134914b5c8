//! The settle-notify request as a caller hands it over (a form or a JSON
//! file): `from_json::<SettleNotifyDraft>` then `SettleNotify::try_from`.
//!
//! Invariants, for a notification that validates:
//! - its draft (`to_draft`, what the journal keeps) rebuilds it exactly, also
//!   through JSON;
//! - its wire form (what the terminal receives, no `selfPay`) read back with
//!   `infer_self_pay` rebuilds it, except that a FAIL / REFUND_FAIL carries no
//!   自费 mark on the wire (it reads back as self-pay: no amount block);
//! - `from_json::<SettleNotify>` agrees with the two steps;
//! - encoding the envelope, masking it for the journal, amount warnings and
//!   formatting never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nhsa_terminal::mask::mask_raw;
use nhsa_terminal::protocol::envelope::encode;
use nhsa_terminal::protocol::validation::from_json;
use nhsa_terminal::protocol::{OrgId, SettleNotify, SettleNotifyDraft, SettleResult};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let notify = match from_json::<SettleNotifyDraft>(text) {
        Ok(draft) => SettleNotify::try_from(draft),
        Err(e) => Err(e),
    };
    assert_eq!(
        from_json::<SettleNotify>(text).ok(),
        notify.clone().ok(),
        "from_json::<SettleNotify> disagrees on {text:?}"
    );
    let notify = match notify {
        Ok(n) => n,
        Err(e) => {
            assert!(!e.field.is_empty());
            let _ = e.to_string();
            return;
        }
    };
    let _ = format!("{notify:?}");
    let _ = notify.amount_warnings();

    // The journal's copy.
    let draft = notify.to_draft();
    assert_eq!(SettleNotify::try_from(draft.clone()).as_ref(), Ok(&notify));
    let stored = serde_json::to_string(&draft).expect("a draft serializes");
    assert_eq!(from_json::<SettleNotifyDraft>(&stored).as_ref(), Ok(&draft));

    // The wire's copy.
    let wire = serde_json::to_string(&notify).expect("a notification serializes");
    assert!(!wire.contains("\"selfPay\""), "{wire}");
    let mut read = from_json::<SettleNotifyDraft>(&wire)
        .unwrap_or_else(|e| panic!("wire form {wire:?} does not read back: {e}"));
    read.infer_self_pay();
    let back = SettleNotify::try_from(read)
        .unwrap_or_else(|e| panic!("wire form {wire:?} does not validate: {e}"));
    let mut expected = notify.clone();
    expected.result = match expected.result {
        SettleResult::Fail { .. } => SettleResult::Fail { self_pay: true },
        SettleResult::RefundFail { .. } => SettleResult::RefundFail { self_pay: true },
        other => other,
    };
    assert_eq!(back, expected, "wire form {wire:?}");

    let org = OrgId::new("H44170200001").expect("a valid orgId");
    let envelope = encode(&org, &notify);
    let _ = mask_raw(&envelope);
});
