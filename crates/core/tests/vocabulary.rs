//! The panel's Chinese labels are the Rust ones: ui/src/generated/labels.ts
//! is what `vocabulary::typescript()` writes. `UPDATE_LABELS=1` rewrites it
//! (scripts/bindings.sh does, with the other generated files).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use facepay_core::vocabulary::{typescript, vocabularies};

#[test]
fn the_committed_labels_are_the_rust_ones() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated/labels.ts");
    let generated = typescript();
    if std::env::var_os("UPDATE_LABELS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/generated/labels.ts is stale: run scripts/bindings.sh"
    );
}

#[test]
fn every_code_has_one_label_and_no_label_is_blank() {
    for v in vocabularies() {
        let codes: BTreeSet<_> = v.entries.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), v.entries.len(), "{}: a code twice", v.ts_type);
        assert!(!v.entries.is_empty(), "{}", v.ts_type);
        for (code, label) in &v.entries {
            assert!(!code.is_empty() && *code != "?", "{}: {code:?}", v.ts_type);
            assert!(
                !label.trim().is_empty(),
                "{}: {code} has no label",
                v.ts_type
            );
        }
    }
}
