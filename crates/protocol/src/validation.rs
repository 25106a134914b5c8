//! Validation errors: every violation names the wire field it concerns.

use std::fmt;

/// A request that must not leave the process, and the field that is wrong.
///
/// The message is Chinese because it reaches the cashier unchanged; the wire
/// name stays in it so hospital IT can match it against the interface spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("字段 {field}（{label}）{problem}", label = field_label(field))]
pub struct ValidationError {
    /// Wire name of the field, e.g. `operatorName`, or a path such as `data.totalFee`.
    pub field: String,
    pub problem: Problem,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }
}

/// What is wrong with a field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong {
        max: usize,
        actual: usize,
    },
    NotInCodeTable {
        value: String,
    },
    BadAmount {
        reason: &'static str,
    },
    BadFormat {
        expected: &'static str,
    },
    /// The field must be left out in this situation (e.g. amounts on a FAIL notify).
    MustBeAbsent {
        because: String,
    },
    /// A control character (NUL, a line break…) or U+FFFD, the mark of text
    /// that was decoded with the wrong charset.
    BadCharacter {
        found: char,
    },
    /// A problem reported by the JSON decoder (wrong type, unknown variant...).
    Invalid {
        detail: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => write!(f, "不能为空"),
            Problem::TooLong { max, actual } => {
                write!(f, "超长：最多 {max} 个字符，实际 {actual} 个")
            }
            Problem::NotInCodeTable { value } => {
                write!(f, "取值“{}”不在代码表中", preview(value))
            }
            Problem::BadAmount { reason } => write!(f, "金额无效：{reason}"),
            Problem::BadFormat { expected } => write!(f, "格式错误，应为 {expected}"),
            Problem::MustBeAbsent { because } => write!(f, "不应填写：{because}"),
            Problem::BadCharacter { found } if *found == char::REPLACEMENT_CHARACTER => {
                write!(f, "含有无法识别的字符（可能是编码错误，如 GBK 当作 UTF-8）")
            }
            Problem::BadCharacter { found } if found.is_control() => {
                write!(f, "含有控制字符 U+{:04X}", u32::from(*found))
            }
            Problem::BadCharacter { found } => {
                write!(f, "含有不可见的格式字符 U+{:04X}", u32::from(*found))
            }
            Problem::Invalid { detail } => write!(f, "无效：{detail}"),
        }
    }
}

/// Echoing a 10 000-character value back into an error helps nobody.
fn preview(value: &str) -> String {
    const MAX: usize = 24;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// The Chinese label of each wire field, as the interface spec names it.
pub const FIELD_LABELS: &[(&str, &str)] = &[
    ("orgId", "医保定点机构代码"),
    ("outBizNo", "业务流水号"),
    ("businessType", "用码业务类型"),
    ("operatorId", "收款员编号"),
    ("operatorName", "收款员姓名"),
    ("officeId", "科室编号"),
    ("officeName", "科室名称"),
    ("extData", "扩展参数"),
    ("authNo", "实人认证业务流水号"),
    ("medicalSettleState", "结算状态"),
    ("totalFee", "总费用"),
    ("bizType", "业务场景"),
    ("idNo", "证件号码"),
    ("userName", "姓名"),
    ("setlTime", "结算时间"),
    ("hospitalName", "定点机构名称"),
    ("doctorName", "医生"),
    ("failReason", "失败原因"),
    ("medicalSettleNo", "医保单据流水号"),
    ("ownAmt", "自费费用"),
    ("hifAmt", "医保报销费用"),
    ("acctAmt", "个人帐户支出"),
    ("hifpAmt", "统筹基金支出"),
    ("hifmiAmt", "大额医疗保险支出"),
    ("cvlservAmt", "公务员补助"),
    ("maAmt", "医疗救助"),
    ("hosPreAmt", "单病种定点医疗机构垫支"),
    ("medOverLmtAmt", "药品超标扣款金额"),
    ("mafAmt", "扶贫救助"),
    ("cvlservDedcAmt", "历史起付公务员返还"),
    ("balance", "帐户余额"),
    ("ecQrCode", "医保码码值"),
    ("guardianName", "监护人姓名"),
    ("guardianRelation", "与监护人关系"),
    ("transType", "交易类型"),
    ("data", "业务参数"),
];

/// The Chinese label of a wire field (its last segment: `setlinfo.x` → `x`).
pub fn field_label(field: &str) -> &'static str {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    FIELD_LABELS
        .iter()
        .find(|(name, _)| *name == leaf)
        .map_or("请求", |(_, label)| *label)
}

/// Decode one JSON document into a validated type, naming the field of the
/// first violation. A UTF-8 byte-order mark (Windows Notepad writes one) is
/// skipped; anything after the document is refused, and so is a field the
/// type does not know: a HIS that writes `acctamt` for `acctAmt` would
/// otherwise see the amount silently left off the patient's screen. (Types
/// that take free-form objects, such as a 2207 `setlinfo`, keep every key.)
pub fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, ValidationError> {
    let json = json.strip_prefix('\u{FEFF}').unwrap_or(json);
    let mut de = serde_json::Deserializer::from_str(json);
    let mut unknown: Option<String> = None;
    let mut note = |path: serde_ignored::Path<'_>| {
        // An empty key (`{"": 7}`) is named as the request itself, as in `decode`.
        unknown.get_or_insert_with(|| match path.to_string() {
            p if p.is_empty() => ".".to_owned(),
            p => p,
        });
    };
    let value = decode(serde_ignored::Deserializer::new(&mut de, &mut note))?;
    if let Some(field) = unknown {
        return Err(ValidationError::new(
            field,
            Problem::Invalid {
                detail: "不是接口定义的字段（字段名区分大小写，请核对拼写）".into(),
            },
        ));
    }
    de.end().map_err(|_| {
        ValidationError::new(
            ".",
            Problem::Invalid {
                detail: "JSON 文档之后还有多余的内容".into(),
            },
        )
    })?;
    // A field given twice would be read as whichever came last.
    if let Err(detail) = crate::json::unique_members(json) {
        return Err(ValidationError::new(".", Problem::Invalid { detail }));
    }
    Ok(value)
}

/// Decode an already-parsed JSON value, naming the field of the first violation.
pub fn from_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ValidationError> {
    decode(value)
}

fn decode<'de, D, T>(de: D) -> Result<T, ValidationError>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        // A key that is empty (`{"": …}`) has an empty path: the error is the
        // request's, and it is still named.
        let path = match e.path().to_string() {
            p if p.is_empty() => ".".to_owned(),
            p => p,
        };
        let detail = e.into_inner().to_string();
        // serde's "missing field `x`" names the field inside the message, not in the path.
        if let Some(missing) = detail
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            let field = if path == "." {
                missing.to_owned()
            } else {
                format!("{path}.{missing}")
            };
            return ValidationError::new(field, Problem::Missing);
        }
        let detail = detail
            .split(" at line ")
            .next()
            .unwrap_or(&detail)
            .to_owned();
        ValidationError::new(path, Problem::Invalid { detail })
    })
}
