//! Code tables of the interface spec (PROTOCOL.md §2–3).

use serde::{Deserialize, Serialize};

use super::text::FieldProblem;
use super::validation::{Problem, ValidationError};

macro_rules! code_table {
    (
        $(#[$meta:meta])* $name:ident, $field:literal {
            $($variant:ident = $code:literal, $label:literal;)+
        }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        $(#[$meta])*
        pub enum $name {
            $(#[cfg_attr(feature = "ts", ts(rename = $code))] $variant,)+
        }

        impl $name {
            pub const FIELD: &'static str = $field;
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The code as it goes on the wire.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The Chinese name shown to the cashier.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn parse(code: &str) -> Result<Self, ValidationError> {
                match code {
                    $($code => Ok($name::$variant),)+
                    "" => Err(ValidationError::new($field, Problem::Missing)),
                    other => Err(ValidationError::new(
                        $field,
                        Problem::NotInCodeTable { value: other.to_owned() },
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                let labels: Vec<String> = Self::ALL
                    .iter()
                    .map(|v| format!("{} {}", v.code(), v.label()))
                    .collect();
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .enum_values(Some(Self::ALL.iter().map(|v| v.code())))
                    .description(Some(labels.join("; ")))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = String::deserialize(d)?;
                Self::parse(&code).map_err(|e| serde::de::Error::custom(FieldProblem(e.problem)))
            }
        }
    };
}

code_table!(
    /// 用码业务类型 (5 characters).
    BusinessType, "businessType" {
        Register = "01101", "挂号";
        InpatientFile = "01102", "住院建档";
        Admission = "01103", "入院登记";
        Deposit = "01104", "缴纳预缴金";
        Consultation = "01201", "问诊";
        BookExamination = "01202", "预约检查";
        Examination = "01203", "检查";
        Treatment = "01204", "治疗";
        Settlement = "01301", "结算";
        TakeMedicine = "01302", "取药";
        TakeReport = "01303", "取报告";
        PrintBill = "01304", "打印票据和清单";
        CopyRecords = "01305", "病历材料复印";
        PharmacyPurchase = "02121", "药店购药";
        DownloadPrescription = "02122", "下载外购处方";
        OnlineIdentity = "03131", "医疗类APP线上身份认证";
    }
);

code_table!(
    /// 业务场景 of `cn.nhsa.settle.notify`.
    BizType, "bizType" {
        Register = "register", "挂号窗口";
        Settle = "settle", "诊间";
        DrugStore = "drugStore", "药店";
    }
);

code_table!(
    /// 医保/自费结算状态 of `cn.nhsa.settle.notify`.
    #[cfg_attr(feature = "ts", ts(rename = "SettleState"))]
    MedicalSettleState, "medicalSettleState" {
        Success = "SUCCESS", "结算成功";
        Fail = "FAIL", "结算失败";
        RefundSuccess = "REFUND_SUCCESS", "退费成功";
        RefundFail = "REFUND_FAIL", "退费失败";
    }
);

impl MedicalSettleState {
    /// The spec requires the amount block exactly for these states.
    pub fn carries_amounts(self) -> bool {
        matches!(
            self,
            MedicalSettleState::Success | MedicalSettleState::RefundSuccess
        )
    }

    pub fn is_refund(self) -> bool {
        matches!(
            self,
            MedicalSettleState::RefundSuccess | MedicalSettleState::RefundFail
        )
    }
}

/// 证件类型 (national psn_cert_type). Replies are not ours to reject, so an
/// unknown code is kept as it came.
pub fn id_type_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "居民身份证",
        "02" => "中国人民解放军军官证",
        "03" => "中国人民武装警察警官证",
        "04" => "香港特区护照/港澳居民来往内地通行证",
        "05" => "澳门特区护照/港澳居民来往内地通行证",
        "06" => "台湾居民来往大陆通行证",
        "07" => "外国人永久居留证",
        "08" => "外国人护照",
        "09" => "残疾人证",
        "10" => "军烈属证明",
        "11" => "外国人就业证",
        "12" => "外国专家证",
        "13" => "外国人常驻记者证",
        "14" => "台港澳人员就业证",
        "15" => "回国（来华）定居专家证",
        "90" => "社会保障卡",
        "99" => "其他身份证件",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_type_table_is_the_spec_table() {
        let codes: Vec<&str> = BusinessType::ALL.iter().map(|b| b.code()).collect();
        assert_eq!(
            codes,
            [
                "01101", "01102", "01103", "01104", "01201", "01202", "01203", "01204", "01301",
                "01302", "01303", "01304", "01305", "02121", "02122", "03131"
            ]
        );
        for b in BusinessType::ALL {
            assert_eq!(BusinessType::parse(b.code()), Ok(*b));
            assert_eq!(b.code().chars().count(), 5);
        }
    }

    #[test]
    fn unknown_codes_name_the_field() {
        let err = BusinessType::parse("01999").unwrap_err();
        assert_eq!(err.field, "businessType");
        assert!(err.to_string().contains("01999"));
        assert_eq!(BizType::parse("").unwrap_err().problem, Problem::Missing);
        assert_eq!(
            MedicalSettleState::parse("success").unwrap_err().field,
            "medicalSettleState"
        );
    }

    #[test]
    fn wire_spelling_of_enums() {
        assert_eq!(
            serde_json::to_string(&BizType::DrugStore).unwrap(),
            "\"drugStore\""
        );
        assert_eq!(
            serde_json::from_str::<MedicalSettleState>("\"REFUND_SUCCESS\"").unwrap(),
            MedicalSettleState::RefundSuccess
        );
        assert!(serde_json::from_str::<BizType>("\"pharmacy\"").is_err());
    }

    #[test]
    fn amounts_go_with_success_states_only() {
        use MedicalSettleState::*;
        assert!(Success.carries_amounts() && RefundSuccess.carries_amounts());
        assert!(!Fail.carries_amounts() && !RefundFail.carries_amounts());
    }

    #[test]
    fn id_type_labels() {
        assert_eq!(id_type_label("01"), Some("居民身份证"));
        assert_eq!(id_type_label("90"), Some("社会保障卡"));
        assert_eq!(id_type_label("77"), None);
    }
}
