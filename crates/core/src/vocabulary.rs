//! Every closed set staff see, with its Chinese labels, as one table: the
//! panel's labels are generated from it (ui/src/generated/labels.ts), so a
//! label is written once, here beside its code, and cannot drift.

use facepay_journal::{
    AuditAction, CallStatus, Credential, DeliveryStatus, Resolution, Role, Source,
};
use nhsa_terminal::protocol::{BizType, BusinessType, MedicalSettleState, TransType};
use nhsa_terminal::transport::Charset;

use crate::config::HisNotify;
use crate::his::VisitState;
use crate::settings::TransportKind;

/// One closed set: its TypeScript type's name and, in display order, each
/// code with its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    pub ts_type: &'static str,
    pub entries: Vec<(&'static str, &'static str)>,
}

fn table<T: Copy>(
    ts_type: &'static str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vocabulary {
    Vocabulary {
        ts_type,
        entries: all.iter().map(|v| (code(*v), label(*v))).collect(),
    }
}

/// The code of a set serialised by serde under its own names.
fn serde_code<T: serde::Serialize>(v: T) -> &'static str {
    serde_variant::to_variant_name(&v).unwrap_or("?")
}

pub fn vocabularies() -> Vec<Vocabulary> {
    vec![
        table(
            "SettleState",
            MedicalSettleState::ALL,
            MedicalSettleState::code,
            MedicalSettleState::label,
        ),
        table("BizType", BizType::ALL, BizType::code, BizType::label),
        table(
            "BusinessType",
            BusinessType::ALL,
            BusinessType::code,
            BusinessType::label,
        ),
        table(
            "TransType",
            &TransType::ALL,
            TransType::as_str,
            TransType::label,
        ),
        table(
            "Credential",
            Credential::ALL,
            Credential::as_str,
            Credential::label,
        ),
        table(
            "DeliveryStatus",
            DeliveryStatus::ALL,
            DeliveryStatus::as_str,
            DeliveryStatus::label,
        ),
        table(
            "CallStatus",
            CallStatus::ALL,
            CallStatus::as_str,
            CallStatus::label,
        ),
        table(
            "Resolution",
            Resolution::ALL,
            Resolution::as_str,
            Resolution::label,
        ),
        table("Source", Source::ALL, Source::as_str, Source::label),
        table("Role", Role::ALL, Role::as_str, Role::label),
        table(
            "AuditAction",
            AuditAction::ALL,
            AuditAction::as_str,
            AuditAction::label,
        ),
        table("VisitState", VisitState::ALL, serde_code, VisitState::label),
        table(
            "TransportKind",
            TransportKind::ALL,
            serde_code,
            TransportKind::label,
        ),
        table("HisNotify", HisNotify::ALL, serde_code, HisNotify::label),
        table("Charset", Charset::ALL, serde_code, Charset::label),
    ]
}

/// The panel's labels module: one `Record<Type, string>` per set.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from the Rust code tables (facepay-core's vocabulary.rs) by\n\
         // scripts/bindings.sh: do not edit. Keyed by the generated unions, so a\n\
         // new code without a label fails to compile.\n\n",
    );
    let all = vocabularies();
    for v in &all {
        out.push_str(&format!(
            "import type {{ {t} }} from \"../bindings/{t}\";\n",
            t = v.ts_type
        ));
    }
    for v in &all {
        out.push_str(&format!(
            "\nexport const {}: Record<{}, string> = {{\n",
            screaming(v.ts_type),
            v.ts_type
        ));
        for (code, label) in &v.entries {
            out.push_str(&format!("  {code:?}: {label:?},\n"));
        }
        out.push_str("};\n");
    }
    out
}

/// `SettleState` → `SETTLE_STATE`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
