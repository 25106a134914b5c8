//! Bounded text fields: one type per wire field, so the length limit and the
//! field name travel with the value and an over-long value cannot be built.

use super::validation::{Problem, ValidationError};

/// Check a required value: present (not blank) and at most `max` characters.
pub(crate) fn check_required(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, Problem::Missing));
    }
    check_len(field, value, max)
}

/// Lengths in the spec are characters, not bytes: 30 Chinese characters fit
/// in `operatorName`. No field we send holds a control character or an
/// invisible formatting mark, and U+FFFD means text was decoded with the
/// wrong charset: all are refused.
pub(crate) fn check_len(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), ValidationError> {
    check_characters(field, value)?;
    check_count(field, value, max)
}

/// For what the national platform reports (replies, and the patient's name
/// and 证件号 that a notify carries back to it): control characters and U+FFFD
/// are refused, invisible formatting marks are not — refusing a patient's
/// identity over a zero-width space copied into the platform's records would
/// leave an authorised patient unsettleable (待确认), and we cannot correct
/// the platform's data.
pub(crate) fn check_len_as_reported(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), ValidationError> {
    refuse(field, value, |c| {
        c.is_control() || c == char::REPLACEMENT_CHARACTER
    })?;
    check_count(field, value, max)
}

fn check_count(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    let actual = value.chars().count();
    if actual > max {
        return Err(ValidationError::new(
            field,
            Problem::TooLong { max, actual },
        ));
    }
    Ok(())
}

/// Refuse control characters, invisible formatting marks and U+FFFD in a
/// text value.
pub fn check_characters(field: &str, value: &str) -> Result<(), ValidationError> {
    refuse(field, value, |c| {
        c.is_control() || invisible(c) || c == char::REPLACEMENT_CHARACTER
    })
}

fn refuse(field: &str, value: &str, bad: impl Fn(char) -> bool) -> Result<(), ValidationError> {
    match value.chars().find(|&c| bad(c)) {
        Some(found) => Err(ValidationError::new(field, Problem::BadCharacter { found })),
        None => Ok(()),
    }
}

/// Characters that change how text around them is shown without being seen:
/// bidirectional overrides and isolates (U+202E turns `1202` into `2021` on
/// screen and in a spreadsheet), zero-width spaces and joiners, the BOM, the
/// soft hyphen, invisible operators and tags, and the line and paragraph
/// separators (line breaks by another name). Two values that look alike
/// would otherwise differ in the journal and in a search. Visible marks stay
/// allowed: U+00B7 (the middle dot of names such as 阿卜杜·热合曼), and the
/// ideographic variation selectors a rare character of a name may carry.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $field:literal, $max:literal) => {
        bounded_text!($(#[$meta])* $name, $field, $max, |_| Ok(()));
    };
    ($(#[$meta:meta])* $name:ident, $field:literal, $max:literal, $extra:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The wire name of the field this type carries.
            pub const FIELD: &'static str = $field;
            /// Maximum length in characters.
            pub const MAX_CHARS: usize = $max;

            pub fn new(value: impl Into<String>) -> Result<Self, $crate::ValidationError> {
                let value = value.into();
                $crate::text::check_required($field, &value, $max)?;
                let extra: fn(&str) -> Result<(), $crate::ValidationError> = $extra;
                extra(&value)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .max_length(Some($max))
                    .description(Some(concat!("`", $field, "`, at most ", $max, " characters, no control characters")))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl TryFrom<String> for $name {
            type Error = $crate::text::FieldProblem;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value).map_err(|e| $crate::text::FieldProblem(e.problem))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

/// The problem alone: inside serde the decoder's path supplies the field name,
/// so repeating it here would print it twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldProblem(pub Problem);

bounded_text!(
    /// 医保定点机构代码, e.g. `H44170200001`.
    OrgId, "orgId", 40
);
bounded_text!(
    /// 定点医药机构本次业务流水号: unique for every request we send.
    OutBizNo, "outBizNo", 64
);
bounded_text!(
    /// 实人认证业务流水号, returned by `cn.nhsa.ec.auth`.
    AuthNo, "authNo", 64
);
bounded_text!(OperatorId, "operatorId", 20);
bounded_text!(OperatorName, "operatorName", 30);
bounded_text!(OfficeId, "officeId", 20);
bounded_text!(OfficeName, "officeName", 30);
bounded_text!(HospitalName, "hospitalName", 64);
bounded_text!(DoctorName, "doctorName", 64);
bounded_text!(FailReason, "failReason", 200);
bounded_text!(
    /// 医保单据流水号 (setl_id of national transaction 2207): half-width
    /// (ASCII) letters, digits and signs, no blanks. One setl_id must not pass
    /// for another by a padding space, nor by a full-width digit (`４` for `4`)
    /// that the one-settlement-per-setl_id rule would count as another number.
    MedicalSettleNo,
    "medicalSettleNo",
    64,
    |v| match v.chars().find(|c| !c.is_ascii_graphic()) {
        Some(c) if c.is_whitespace() => Err(ValidationError::new(
            "medicalSettleNo",
            Problem::BadFormat {
                expected: "不含空格的医保单据流水号（HIS 定长字段请去掉补齐的空格）",
            },
        )),
        Some(_) => Err(ValidationError::new(
            "medicalSettleNo",
            Problem::BadFormat {
                expected: "半角字符的医保单据流水号（不能有全角字符或汉字）",
            },
        )),
        None => Ok(()),
    }
);

/// `extData`: a JSON object serialized as a string. Required on ec.auth and
/// auth.check; `"{}"` when there is nothing to add.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExtData(String);

impl ExtData {
    pub const FIELD: &'static str = "extData";

    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        match serde_json::from_str::<serde_json::Value>(&value) {
            Ok(serde_json::Value::Object(_)) => Ok(Self(value)),
            _ => Err(ValidationError::new(
                Self::FIELD,
                Problem::BadFormat {
                    expected: "JSON 对象字符串，如 {}",
                },
            )),
        }
    }

    pub fn empty() -> Self {
        Self("{}".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ExtData {
    fn default() -> Self {
        Self::empty()
    }
}

impl TryFrom<String> for ExtData {
    type Error = FieldProblem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value).map_err(|e| FieldProblem(e.problem))
    }
}

impl From<ExtData> for String {
    fn from(value: ExtData) -> String {
        value.0
    }
}

impl std::fmt::Debug for ExtData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        let thirty = "张".repeat(30);
        assert!(OperatorName::new(thirty.clone()).is_ok());
        let err = OperatorName::new(format!("{thirty}张")).unwrap_err();
        assert_eq!(err.field, "operatorName");
        assert_eq!(
            err.problem,
            Problem::TooLong {
                max: 30,
                actual: 31
            }
        );
    }

    #[test]
    fn blank_required_fields_are_missing() {
        for blank in ["", "   "] {
            let err = OrgId::new(blank).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.problem),
                ("orgId", Problem::Missing)
            );
        }
    }

    #[test]
    fn every_bounded_field_enforces_its_own_limit() {
        fn at_limit<T>(make: fn(String) -> Result<T, ValidationError>, field: &str, max: usize) {
            assert!(make("a".repeat(max)).is_ok(), "{field} at {max}");
            let err = make("a".repeat(max + 1)).err().unwrap();
            assert_eq!(err.field, field);
            assert_eq!(
                err.problem,
                Problem::TooLong {
                    max,
                    actual: max + 1
                }
            );
        }
        at_limit(OrgId::new, "orgId", 40);
        at_limit(OutBizNo::new, "outBizNo", 64);
        at_limit(AuthNo::new, "authNo", 64);
        at_limit(OperatorId::new, "operatorId", 20);
        at_limit(OperatorName::new, "operatorName", 30);
        at_limit(OfficeId::new, "officeId", 20);
        at_limit(OfficeName::new, "officeName", 30);
        at_limit(HospitalName::new, "hospitalName", 64);
        at_limit(DoctorName::new, "doctorName", 64);
        at_limit(FailReason::new, "failReason", 200);
        at_limit(MedicalSettleNo::new, "medicalSettleNo", 64);
    }

    #[test]
    fn a_setl_id_is_half_width_without_blanks() {
        assert!(MedicalSettleNo::new("441700G0000000001000").is_ok());
        for (bad, says) in [
            ("４41700G0000000001000", "半角"),
            ("441700G00000000010０0", "半角"),
            ("441700G 000000001000", "空格"),
            ("441700G\u{3000}000000001000", "空格"),
            ("结算441700G0000000001000", "半角"),
        ] {
            let err = MedicalSettleNo::new(bad).err().unwrap();
            assert_eq!(err.field, "medicalSettleNo");
            assert!(err.to_string().contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn serde_goes_through_the_constructor() {
        let err = serde_json::from_str::<OfficeId>(&format!("\"{}\"", "1".repeat(21))).unwrap_err();
        assert!(err.to_string().contains("最多 20 个字符"), "{err}");
        let ok: OfficeId = serde_json::from_str("\"0301\"").unwrap();
        assert_eq!(ok.as_str(), "0301");
    }

    #[test]
    fn ext_data_must_be_a_json_object_string() {
        assert_eq!(ExtData::new("{\"a\":1}").unwrap().as_str(), "{\"a\":1}");
        for bad in ["", "[]", "1", "{", "null"] {
            let err = ExtData::new(bad).unwrap_err();
            assert_eq!(err.field, "extData", "{bad}");
        }
    }
}
