//! `cn.nhsa.qrcode.get` — 终端获取电子凭证 (PROTOCOL.md §7).
//!
//! The terminal's own scanner reads the patient's 医保码 (on their phone, or
//! on a parent's phone for a child's 亲情账户) and the 电子凭证中台 decodes it:
//! the reply carries the identity of auth.check in one step, so no
//! auth.check follows. The request has the face scan's fields; its
//! `outBizNo` is a fresh one (our decision, §7) and the visit's
//! settle.notify carries it, as it carries the ec.auth number of a face scan.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::auth::EcAuth;
use super::check::{Identity, check_identity};
use super::codes::BusinessType;
use super::envelope::{TransType, Transaction, check_reply_text, opt_string};
use super::text::{ExtData, OfficeId, OfficeName, OperatorId, OperatorName, OrgId, OutBizNo};
use super::validation::ValidationError;
use crate::mask::PersonName;

/// Ask the terminal to scan a 医保码. Every field is required, as in ec.auth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrCodeGet {
    pub org_id: OrgId,
    pub out_biz_no: OutBizNo,
    pub business_type: BusinessType,
    pub operator_id: OperatorId,
    pub operator_name: OperatorName,
    pub office_id: OfficeId,
    pub office_name: OfficeName,
    #[serde(default)]
    pub ext_data: ExtData,
}

impl QrCodeGet {
    /// The 医保码 scan a counter would send instead of this face scan: the
    /// same counter fields under the same (fresh) number. The workflow builds
    /// an [`EcAuth`] for the counter as it does today and turns it into this,
    /// so the two paths cannot drift apart.
    pub fn instead_of(scan: EcAuth) -> Self {
        Self {
            org_id: scan.org_id,
            out_biz_no: scan.out_biz_no,
            business_type: scan.business_type,
            operator_id: scan.operator_id,
            operator_name: scan.operator_name,
            office_id: scan.office_id,
            office_name: scan.office_name,
            ext_data: scan.ext_data,
        }
    }
}

impl From<EcAuth> for QrCodeGet {
    fn from(scan: EcAuth) -> Self {
        Self::instead_of(scan)
    }
}

/// The decoded 医保码: who the patient is, and the request it answers.
///
/// On the wire every field is flat in `data`; `identity` is the same
/// [`Identity`] auth.check returns (fields it does not name, e.g. a vendor's
/// trace id, are kept in `identity.other`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrCodeGetReply {
    /// Echo of the request's `outBizNo`, when the terminal sends one.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub out_biz_no: Option<String>,
    /// Echo of the request's `orgId` inside `data`, when the terminal sends one.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub org_id: Option<String>,
    /// `extra` of §7: an object, or a string holding one. The 亲情账户 details
    /// (see [`FamilyAccount`]) travel here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
    #[serde(flatten)]
    pub identity: Identity,
}

/// A child's (or any dependant's) 医保码 shown from a guardian's phone
/// through the 医保电子凭证 亲情账户.
///
/// No public sample shows how the 中台 marks one. This is the shape the
/// simulator sends and the panel reads, inside `extra`:
/// `{"accountType":"family","guardianName":"林晓敏","guardianRelation":"母亲"}`.
/// `accountType` `family` alone is enough; the guardian's name and relation
/// are shown when present. The guardian's name is personal data: it formats
/// masked and is masked in raw copies (`mask::mask_raw`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyAccount {
    pub guardian_name: Option<PersonName>,
    /// e.g. `母亲`, `父亲`, `祖父母`, as sent.
    pub guardian_relation: Option<String>,
}

/// The `accountType` value of a 亲情账户 in `extra`.
pub const FAMILY_ACCOUNT_TYPE: &str = "family";

impl QrCodeGetReply {
    /// `extra` as an object, whichever way it came (object or JSON string).
    pub fn extra_object(&self) -> Option<Map<String, Value>> {
        match self.extra.as_ref()? {
            Value::Object(map) => Some(map.clone()),
            Value::String(s) => match serde_json::from_str::<Value>(s).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            },
            _ => None,
        }
    }

    /// The 亲情账户 details, when the code was shown for a dependant.
    pub fn family_account(&self) -> Option<FamilyAccount> {
        let extra = self.extra_object()?;
        let text = |key: &str| {
            extra
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "null")
                .map(str::to_owned)
        };
        if text("accountType").as_deref() != Some(FAMILY_ACCOUNT_TYPE) {
            return None;
        }
        Some(FamilyAccount {
            guardian_name: text("guardianName").map(PersonName::new),
            guardian_relation: text("guardianRelation"),
        })
    }
}

impl Transaction for QrCodeGet {
    const TRANS_TYPE: TransType = TransType::QrCodeGet;
    type Reply = QrCodeGetReply;

    /// The identity meets auth.check's rules (a wrong check digit, an
    /// over-long field or a garbled name is refused before anything is
    /// stored); the echoes and the code value get their own limits.
    fn check_reply(r: &QrCodeGetReply) -> Result<(), ValidationError> {
        check_reply_text("outBizNo", r.out_biz_no.as_deref(), 64)?;
        check_reply_text("orgId", r.org_id.as_deref(), 40)?;
        check_identity(&r.identity)?;
        // The code value itself: longer than auth.check's (empty) field may
        // be, as 医保码 payloads are; still bounded, as everything we store.
        check_reply_text(
            "ecQrCode",
            r.identity.ec_qr_code.as_deref(),
            MAX_EC_QR_CODE_CHARS,
        )?;
        if let Some(family) = r.family_account() {
            check_reply_text(
                "guardianName",
                family.guardian_name.as_ref().map(PersonName::reveal),
                64,
            )?;
            check_reply_text("guardianRelation", family.guardian_relation.as_deref(), 20)?;
        }
        Ok(())
    }
}

/// Upper bound for `ecQrCode` in a qrcode.get reply. No spec gives one;
/// 医保码 payloads seen publicly are well under 200 characters.
pub const MAX_EC_QR_CODE_CHARS: usize = 512;
