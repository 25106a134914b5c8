//! Ready-made valid requests of the Yangjiang hospital, for tests, benches
//! and the simulator's demo. Values follow the samples in PROTOCOL.md.

use crate::notify::SettleNotifyDraft;
use crate::{
    AuthCheck, AuthNo, BusinessType, EcAuth, ExtData, OfficeId, OfficeName, OperatorId,
    OperatorName, OrgId, OutBizNo, QrCodeGet, SettleNotify,
};

pub const ORG_ID: &str = "H44170200001";
pub const HOSPITAL_NAME: &str = "阳江市妇幼保健院";

fn valid<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("sample values are valid: {e}"))
}

pub fn org_id() -> OrgId {
    valid(OrgId::new(ORG_ID))
}

pub fn ec_auth(out_biz_no: &str) -> EcAuth {
    EcAuth {
        org_id: org_id(),
        out_biz_no: valid(OutBizNo::new(out_biz_no)),
        business_type: BusinessType::Register,
        operator_id: valid(OperatorId::new("0107")),
        operator_name: valid(OperatorName::new("林晓燕")),
        office_id: valid(OfficeId::new("0301")),
        office_name: valid(OfficeName::new("挂号收费处")),
        ext_data: ExtData::empty(),
    }
}

/// The 医保码 scan of the same counter: [`ec_auth`]'s fields, as the
/// workflow builds it.
pub fn qrcode_get(out_biz_no: &str) -> QrCodeGet {
    QrCodeGet::instead_of(ec_auth(out_biz_no))
}

pub fn auth_check(out_biz_no: &str, auth_no: &AuthNo) -> AuthCheck {
    let scan = ec_auth(out_biz_no);
    let no = scan.out_biz_no.clone();
    AuthCheck::after(scan, no, auth_no.clone())
}

/// A SUCCESS draft of 120.50 whose parts add up.
/// The 2207 setl_id of the one settlement of the visit `out_biz_no`: the
/// platform gives every settlement its own.
pub fn setl_id_for(out_biz_no: &str) -> String {
    // FNV-1a: stable across builds, unlike std's hasher.
    let hash = out_biz_no.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("441700G{hash:016X}")
}

pub fn settle_success_draft(auth_out_biz_no: &str, auth_no: Option<&str>) -> SettleNotifyDraft {
    let s = |v: &str| Some(v.to_owned());
    SettleNotifyDraft {
        out_biz_no: auth_out_biz_no.to_owned(),
        medical_settle_state: "SUCCESS".into(),
        auth_no: auth_no.map(str::to_owned),
        operator_id: "0107".into(),
        operator_name: "林晓燕".into(),
        total_fee: "120.50".into(),
        biz_type: "register".into(),
        setl_time: "2026-11-25 09:30:00".into(),
        hospital_name: HOSPITAL_NAME.into(),
        office_id: s("0301"),
        office_name: s("挂号收费处"),
        medical_settle_no: Some(setl_id_for(auth_out_biz_no)),
        own_amt: s("20.50"),
        hif_amt: s("80.00"),
        acct_amt: s("20.00"),
        hifp_amt: s("80.00"),
        ..SettleNotifyDraft::default()
    }
}

pub fn settle_success(auth_out_biz_no: &str, auth_no: Option<&str>) -> SettleNotify {
    valid(SettleNotify::try_from(settle_success_draft(
        auth_out_biz_no,
        auth_no,
    )))
}
