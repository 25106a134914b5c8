//! `cn.nhsa.auth.check` — 获取医保用户身份信息 (seed §1.3).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::auth::EcAuth;
use super::codes::{BusinessType, id_type_label};
use super::envelope::{TransType, Transaction, check_reply_text, opt_string};
use super::id_card::is_valid_resident_id;
use super::text::check_len_as_reported;
use super::text::{
    AuthNo, ExtData, OfficeId, OfficeName, OperatorId, OperatorName, OrgId, OutBizNo,
};
use super::validation::{Problem, ValidationError};
use crate::mask::{IdNo, PersonName, Token};

/// Exchange an `authNo` for the insured person's identity. `outBizNo` is a new
/// one: the spec wants every request's number unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCheck {
    pub org_id: OrgId,
    pub out_biz_no: OutBizNo,
    pub auth_no: AuthNo,
    pub business_type: BusinessType,
    pub operator_id: OperatorId,
    pub operator_name: OperatorName,
    pub office_id: OfficeId,
    pub office_name: OfficeName,
    #[serde(default)]
    pub ext_data: ExtData,
}

impl AuthCheck {
    /// The identity check after a face scan: the scan's counter fields, the
    /// `authNo` it returned, and the check's own new `outBizNo`.
    pub fn after(scan: EcAuth, out_biz_no: OutBizNo, auth_no: AuthNo) -> Self {
        Self {
            org_id: scan.org_id,
            out_biz_no,
            auth_no,
            business_type: scan.business_type,
            operator_id: scan.operator_id,
            operator_name: scan.operator_name,
            office_id: scan.office_id,
            office_name: scan.office_name,
            ext_data: scan.ext_data,
        }
    }
}

/// The insured person, as the terminal reports them. Personal fields format
/// masked; `reveal()` gives the full value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub auth_no: Option<String>,
    pub user_name: PersonName,
    pub id_no: IdNo,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub gender: Option<String>,
    /// `1998.01.01` in every sample; kept as sent.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub birthday: Option<String>,
    /// 参保地医保区划, e.g. `441702`.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub insu_org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec_token: Option<Token>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ec_index_no: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub nationality: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub chnl_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ec_qr_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_data: Option<Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Identity {
    /// An identity as it was stored after a check (what the journal keeps).
    pub fn stored(
        user_name: &str,
        id_no: &str,
        id_type: Option<String>,
        gender: Option<String>,
        birthday: Option<String>,
        insu_org: Option<String>,
    ) -> Self {
        Self {
            auth_no: None,
            user_name: PersonName::new(user_name),
            id_no: IdNo::new(id_no),
            id_type,
            gender,
            birthday,
            insu_org,
            ec_token: None,
            ec_index_no: None,
            nationality: None,
            email: None,
            chnl_id: None,
            ec_qr_code: None,
            ext_data: None,
            other: Map::new(),
        }
    }

    /// 证件类型 in words, or the raw code when the table does not know it.
    pub fn id_type_label(&self) -> Option<String> {
        let code = self.id_type.as_deref()?;
        Some(id_type_label(code).map_or_else(|| code.to_owned(), str::to_owned))
    }

    /// Birth date as (year, month, day). A valid 居民身份证号 holds it
    /// (digits 7–14) and is what the platform's records rest on: it wins
    /// over a `birthday` that disagrees. Without one, `birthday` as
    /// `1998.01.01`, `1998-01-01` or `19980101` (医保码 replies for infants
    /// are not always complete, and an infant's age is what the cashier
    /// checks).
    pub fn birth_date(&self) -> Option<(u32, u32, u32)> {
        let id_no = self.id_no.reveal();
        let from_id = (self
            .id_type
            .as_deref()
            .is_none_or(|t| t == RESIDENT_ID_CARD)
            && is_valid_resident_id(id_no))
        .then(|| ymd(&id_no[6..14]))
        .flatten();
        from_id.or_else(|| {
            self.birthday.as_deref().and_then(|b| {
                let digits: String = b.chars().filter(char::is_ascii_digit).collect();
                ymd(&digits)
            })
        })
    }

    /// Age in whole months on the given day (`None` before birth).
    pub fn age_in_months_on(&self, (y, m, d): (u32, u32, u32)) -> Option<u32> {
        let (by, bm, bd) = self.birth_date()?;
        let months = (y * 12 + m).checked_sub(by * 12 + bm)?;
        if d < bd {
            months.checked_sub(1)
        } else {
            Some(months)
        }
    }

    /// Age to the month: `5个月` under one year, `1岁5个月` under three (what
    /// a 妇幼 cashier needs for dosing and fees), `28岁` after. Shown only
    /// beside the revealed 证件号: months narrow the birth date to weeks.
    pub fn age_label_on(&self, day: (u32, u32, u32)) -> Option<String> {
        let months = self.age_in_months_on(day)?;
        Some(match (months / 12, months % 12) {
            (0, 0) => "未满1个月".to_owned(),
            (0, m) => format!("{m}个月"),
            (y, 0) if y < 3 => format!("{y}岁"),
            (y, m) if y < 3 => format!("{y}岁{m}个月"),
            (y, _) => format!("{y}岁"),
        })
    }

    /// Age as a masked view shows it: whole years (`未满1岁`, `1岁`), which
    /// leave a year of birth dates open.
    pub fn age_years_label_on(&self, day: (u32, u32, u32)) -> Option<String> {
        Some(match self.age_on(day)? {
            0 => "未满1岁".to_owned(),
            y => format!("{y}岁"),
        })
    }

    /// Age in whole years on the given day.
    pub fn age_on(&self, (y, m, d): (u32, u32, u32)) -> Option<u32> {
        let (by, bm, bd) = self.birth_date()?;
        let years = y.checked_sub(by)?;
        Some(if (m, d) < (bm, bd) {
            years.checked_sub(1)?
        } else {
            years
        })
    }
}

impl Transaction for AuthCheck {
    const TRANS_TYPE: TransType = TransType::AuthCheck;
    type Reply = Identity;

    /// Nothing unusable is stored: a field over the spec's length would make
    /// the visit impossible to notify later, and a name decoded with the
    /// wrong charset would be shown and sent as garbage.
    fn check_reply(who: &Identity) -> Result<(), ValidationError> {
        check_identity(who)?;
        check_reply_text("ecQrCode", who.ec_qr_code.as_deref(), 256)
    }
}

/// The rules every identity the terminal reports must meet, whichever
/// transaction brought it (auth.check, qrcode.get). `ecQrCode` is left to
/// the caller: its length differs between the two.
pub(crate) fn check_identity(who: &Identity) -> Result<(), ValidationError> {
    check_reply_text("authNo", who.auth_no.as_deref(), 64)?;
    check_len_as_reported("userName", who.user_name.reveal(), 64)?;
    if who.user_name.reveal().trim().is_empty() {
        return Err(ValidationError::new("userName", Problem::Missing));
    }
    let id_no = who.id_no.reveal();
    check_len_as_reported("idNo", id_no, 64)?;
    if who.id_type.as_deref() == Some(RESIDENT_ID_CARD) && !is_valid_resident_id(id_no) {
        return Err(ValidationError::new(
            "idNo",
            Problem::BadFormat {
                expected: "18 位居民身份证号（校验位正确）",
            },
        ));
    }
    check_reply_text("idType", who.id_type.as_deref(), 2)?;
    check_reply_text("gender", who.gender.as_deref(), 2)?;
    check_reply_text("birthday", who.birthday.as_deref(), 10)?;
    check_reply_text("insuOrg", who.insu_org.as_deref(), 6)?;
    check_reply_text("ecToken", who.ec_token.as_ref().map(|t| t.reveal()), 40)?;
    check_reply_text("ecIndexNo", who.ec_index_no.as_deref(), 32)?;
    for (field, value) in [
        ("nationality", &who.nationality),
        ("email", &who.email),
        ("chnlId", &who.chnl_id),
    ] {
        check_reply_text(field, value.as_deref(), 256)?;
    }
    Ok(())
}

/// 证件类型 01: 居民身份证.
const RESIDENT_ID_CARD: &str = "01";

/// `yyyymmdd` as (year, month, day), when it is a plausible date.
fn ymd(digits: &str) -> Option<(u32, u32, u32)> {
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}
