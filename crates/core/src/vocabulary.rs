//! Every closed set staff see, with its Chinese labels, as one table: the
//! panel's labels are generated from it (ui/src/generated/labels.ts), so a
//! label is written once, here beside its code, and cannot drift.

use facepay_central::reconcile::DifferenceKind;
use facepay_central::report::GroupBy;
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
        table(
            "DifferenceKind",
            DifferenceKind::ALL,
            DifferenceKind::as_str,
            DifferenceKind::label,
        ),
        table("GroupBy", GroupBy::ALL, GroupBy::as_str, GroupBy::label),
    ]
}

/// Fields the desk names in its errors beyond the wire's own (the panel's
/// forms, 历史's filters, 设置): what the panel shows instead of the name.
pub const DESK_FIELD_LABELS: &[(&str, &str)] = &[
    ("idLast4", "证件号后4位"),
    ("from", "开始日期"),
    ("to", "结束日期"),
    ("date", "业务日期"),
    ("reason", "原因"),
    ("id", "工号"),
    ("staffId", "工号"),
    ("name", "姓名"),
    ("pin", "PIN"),
    ("newPin", "新 PIN"),
    ("oldPin", "原 PIN"),
    ("role", "角色"),
    ("settlementId", "结算记录"),
    ("selfPay", "自费"),
    ("limit", "每页条数"),
    ("path", "保存位置"),
    ("olderThanDays", "保留天数"),
    ("counterId", "窗口编号"),
    ("transport", "终端连接方式"),
    ("httpUrl", "终端接口地址"),
    ("httpCharset", "终端回复字符集"),
    ("libraryPath", "动态库路径"),
    ("centerUrl", "电子凭证中台地址"),
    ("faceAuthTimeout", "刷脸超时（秒）"),
    ("otherTimeout", "其他交易超时（秒）"),
    ("bridgeListen", "HIS 接口监听地址"),
];

/// Every field label, wire and desk, as `field → label`.
pub fn field_labels() -> Vec<(&'static str, &'static str)> {
    let wire = nhsa_terminal::protocol::validation::FIELD_LABELS;
    let desk = DESK_FIELD_LABELS
        .iter()
        .filter(|(f, _)| !wire.iter().any(|(w, _)| w == f));
    wire.iter().chain(desk).copied().collect()
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
    out.push_str(
        "\n/** What the panel calls a field an error names (wire names, forms, 设置). */\n\
         export const FIELD_LABEL: Record<string, string> = {\n",
    );
    for (field, label) in field_labels() {
        out.push_str(&format!("  {field:?}: {label:?},\n"));
    }
    out.push_str("};\n");
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
