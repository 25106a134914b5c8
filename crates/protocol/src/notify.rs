//! `cn.nhsa.settle.notify` — 结算结果通知 (seed §1.2).
//!
//! The state and the amount block are one value ([`SettleResult`]), so a FAIL
//! carrying amounts or a 医保 SUCCESS without them cannot be built. A 自费
//! (self-pay) SUCCESS is its own variant ([`Payment::SelfPay`]): the seed sends
//! no amount block for it. Forms and JSON arrive as a [`SettleNotifyDraft`] of
//! plain strings; `SettleNotify::try_from` is the only door, and its error names
//! the first wrong field.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::amount::Amount;
use super::codes::{BizType, MedicalSettleState};
use super::envelope::{TransType, Transaction, opt_string};
use super::setl_time::SetlTime;
use super::text::{
    AuthNo, DoctorName, FailReason, HospitalName, MedicalSettleNo, OfficeId, OfficeName,
    OperatorId, OperatorName, OutBizNo, check_len_as_reported,
};
use super::validation::{Problem, ValidationError};
use crate::mask::{IdNo, PersonName};

/// The amount block, sent only with SUCCESS and REFUND_SUCCESS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleAmounts {
    pub medical_settle_no: MedicalSettleNo,
    pub own_amt: Amount,
    pub hif_amt: Amount,
    pub acct_amt: Amount,
    pub hifp_amt: Amount,
    pub hifmi_amt: Option<Amount>,
    pub cvlserv_amt: Option<Amount>,
    pub ma_amt: Option<Amount>,
    pub hos_pre_amt: Option<Amount>,
    pub med_over_lmt_amt: Option<Amount>,
    pub maf_amt: Option<Amount>,
    pub cvlserv_dedc_amt: Option<Amount>,
    pub balance: Option<Amount>,
}

impl SettleAmounts {
    /// Whether these parts pay `total`: 自费 + 医保报销 + 个人帐户, with or
    /// without what the hospital carries for a 单病种 (hosPreAmt).
    pub fn pay(&self, total: Amount) -> bool {
        let sum = |parts: &[Amount]| {
            parts
                .iter()
                .try_fold(Amount::ZERO, |acc, p| acc.checked_add(*p))
        };
        let paid = [self.own_amt, self.hif_amt, self.acct_amt];
        let hos = self.hos_pre_amt.unwrap_or(Amount::ZERO);
        sum(&paid) == Some(total) || sum(&[paid[0], paid[1], paid[2], hos]) == Some(total)
    }

    /// The money of the block by wire name: what a refund takes back item by
    /// item (the balance and the settlement number are not money paid).
    pub fn items(&self) -> [(&'static str, Option<Amount>); 11] {
        [
            ("ownAmt", Some(self.own_amt)),
            ("hifAmt", Some(self.hif_amt)),
            ("acctAmt", Some(self.acct_amt)),
            ("hifpAmt", Some(self.hifp_amt)),
            ("hifmiAmt", self.hifmi_amt),
            ("cvlservAmt", self.cvlserv_amt),
            ("maAmt", self.ma_amt),
            ("hosPreAmt", self.hos_pre_amt),
            ("medOverLmtAmt", self.med_over_lmt_amt),
            ("mafAmt", self.maf_amt),
            ("cvlservDedcAmt", self.cvlserv_dedc_amt),
        ]
    }
}

/// How a successful settlement (or refund) was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payment {
    /// Through 医保: the amount block of the HIS's 2207 / 2208.
    Insured(SettleAmounts),
    /// 自费: the HIS settled without 医保; no amount block is sent.
    SelfPay,
}

/// What happened in the HIS, with the amounts where the state carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettleResult {
    Success(Payment),
    Fail { self_pay: bool },
    RefundSuccess(Payment),
    RefundFail { self_pay: bool },
}

impl SettleResult {
    pub fn state(&self) -> MedicalSettleState {
        match self {
            SettleResult::Success(_) => MedicalSettleState::Success,
            SettleResult::Fail { .. } => MedicalSettleState::Fail,
            SettleResult::RefundSuccess(_) => MedicalSettleState::RefundSuccess,
            SettleResult::RefundFail { .. } => MedicalSettleState::RefundFail,
        }
    }

    /// The 医保 amount block, when this result carries one.
    pub fn amounts(&self) -> Option<&SettleAmounts> {
        match self {
            SettleResult::Success(Payment::Insured(a))
            | SettleResult::RefundSuccess(Payment::Insured(a)) => Some(a),
            _ => None,
        }
    }

    pub fn is_self_pay(&self) -> bool {
        match self {
            SettleResult::Success(p) | SettleResult::RefundSuccess(p) => {
                matches!(p, Payment::SelfPay)
            }
            SettleResult::Fail { self_pay } | SettleResult::RefundFail { self_pay } => *self_pay,
        }
    }
}

/// A validated settlement notification. It deserializes from a draft (with
/// `selfPay`) and serializes as the wire `data` (without it: the flag is ours,
/// the terminal reads 自费 from the missing amount block).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SettleNotifyDraft")]
pub struct SettleNotify {
    /// The **ec.auth** outBizNo of the visit: it links face scan and result.
    pub out_biz_no: OutBizNo,
    pub result: SettleResult,
    pub auth_no: Option<AuthNo>,
    pub operator_id: OperatorId,
    pub operator_name: OperatorName,
    pub total_fee: Amount,
    pub biz_type: BizType,
    id_no: Option<IdNo>,
    user_name: Option<PersonName>,
    pub setl_time: SetlTime,
    pub hospital_name: HospitalName,
    pub office_id: Option<OfficeId>,
    pub office_name: Option<OfficeName>,
    pub doctor_name: Option<DoctorName>,
    pub fail_reason: Option<FailReason>,
}

impl Serialize for SettleNotify {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut wire = serde_json::to_value(self.to_draft()).map_err(serde::ser::Error::custom)?;
        if let Value::Object(fields) = &mut wire {
            fields.remove("selfPay");
        }
        wire.serialize(s)
    }
}

impl SettleNotify {
    /// The draft this notification was validated from, `selfPay` included
    /// (what the journal keeps, so a re-send rebuilds exactly this value).
    pub fn to_draft(&self) -> SettleNotifyDraft {
        SettleNotifyDraft::from(self.clone())
    }

    pub fn id_no(&self) -> Option<&IdNo> {
        self.id_no.as_ref()
    }

    pub fn user_name(&self) -> Option<&PersonName> {
        self.user_name.as_ref()
    }

    /// Parts that do not add up to totalFee: a warning for the cashier,
    /// never a refusal (the HIS has settled). hifAmt is the funds without
    /// the account, so totalFee = ownAmt + hifAmt + acctAmt (+ hosPreAmt,
    /// which some HIS leave out of the total); a hifAmt that seems to hold
    /// the account is named as such.
    pub fn amount_warnings(&self) -> Vec<String> {
        let Some(a) = self.result.amounts() else {
            return Vec::new();
        };
        let sum = |parts: &[Amount]| {
            parts
                .iter()
                .try_fold(Amount::ZERO, |acc, p| acc.checked_add(*p))
        };
        let total = Some(self.total_fee);
        let hos = a.hos_pre_amt.unwrap_or(Amount::ZERO);
        if a.pay(self.total_fee) {
            return Vec::new();
        }
        let without_acct = sum(&[a.own_amt, a.hif_amt]);
        if a.acct_amt > Amount::ZERO
            && (without_acct == total || sum(&[a.own_amt, a.hif_amt, hos]) == total)
        {
            return vec![format!(
                "金额不平：医保报销 {} 似乎已含个人帐户 {}（自费 {} + 医保报销 {} = 总费用 {}）。\
                 患者看到的医保报销应为基金支付，不含个人帐户，请核对",
                a.hif_amt, a.acct_amt, a.own_amt, a.hif_amt, self.total_fee
            )];
        }
        vec![format!(
            "金额不平：自费 {} + 医保报销 {} + 个人帐户 {} 与总费用 {} 不符，请核对",
            a.own_amt, a.hif_amt, a.acct_amt, self.total_fee
        )]
    }
}

/// A notification as a form or a JSON file gives it: every value a string,
/// wire names. Validation happens in `SettleNotify::try_from`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleNotifyDraft {
    #[serde(default)]
    pub out_biz_no: String,
    #[serde(default)]
    pub medical_settle_state: String,
    /// 自费: SUCCESS / REFUND_SUCCESS without medicalSettleNo and amounts.
    /// Ours, never on the wire.
    #[serde(default)]
    pub self_pay: bool,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub auth_no: Option<String>,
    #[serde(default)]
    pub operator_id: String,
    #[serde(default)]
    pub operator_name: String,
    #[serde(default)]
    pub total_fee: String,
    #[serde(default)]
    pub biz_type: String,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id_no: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_name: Option<String>,
    #[serde(default)]
    pub setl_time: String,
    #[serde(default)]
    pub hospital_name: String,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub office_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub office_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub doctor_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub fail_reason: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub medical_settle_no: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub own_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub hif_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub acct_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub hifp_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub hifmi_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub cvlserv_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ma_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub hos_pre_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub med_over_lmt_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub maf_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub cvlserv_dedc_amt: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub balance: Option<String>,
}

impl SettleNotifyDraft {
    /// A draft read from the wire has no `selfPay`: the seed says 自费 by
    /// sending SUCCESS / REFUND_SUCCESS without the amount block.
    pub fn infer_self_pay(&mut self) {
        self.self_pay = self.amount_fields().iter().all(|(_, v)| v.is_none());
    }

    /// The first amount-block field that is present, if any.
    fn first_amount_field(&self) -> Option<&'static str> {
        self.amount_fields()
            .into_iter()
            .find(|(_, v)| v.is_some())
            .map(|(field, _)| field)
    }

    /// The amount-block fields with their wire names, in spec order, to fill.
    pub fn amounts_mut(&mut self) -> [(&'static str, &mut Option<String>); 13] {
        [
            ("medicalSettleNo", &mut self.medical_settle_no),
            ("ownAmt", &mut self.own_amt),
            ("hifAmt", &mut self.hif_amt),
            ("acctAmt", &mut self.acct_amt),
            ("hifpAmt", &mut self.hifp_amt),
            ("hifmiAmt", &mut self.hifmi_amt),
            ("cvlservAmt", &mut self.cvlserv_amt),
            ("maAmt", &mut self.ma_amt),
            ("hosPreAmt", &mut self.hos_pre_amt),
            ("medOverLmtAmt", &mut self.med_over_lmt_amt),
            ("mafAmt", &mut self.maf_amt),
            ("cvlservDedcAmt", &mut self.cvlserv_dedc_amt),
            ("balance", &mut self.balance),
        ]
    }

    /// The amount-block fields with their wire names, in spec order.
    fn amount_fields(&self) -> [(&'static str, &Option<String>); 13] {
        [
            ("medicalSettleNo", &self.medical_settle_no),
            ("ownAmt", &self.own_amt),
            ("hifAmt", &self.hif_amt),
            ("acctAmt", &self.acct_amt),
            ("hifpAmt", &self.hifp_amt),
            ("hifmiAmt", &self.hifmi_amt),
            ("cvlservAmt", &self.cvlserv_amt),
            ("maAmt", &self.ma_amt),
            ("hosPreAmt", &self.hos_pre_amt),
            ("medOverLmtAmt", &self.med_over_lmt_amt),
            ("mafAmt", &self.maf_amt),
            ("cvlservDedcAmt", &self.cvlserv_dedc_amt),
            ("balance", &self.balance),
        ]
    }

    /// The amount block alone, validated (for a check before the rest of
    /// the notification is filled in).
    pub fn amounts(&self) -> Result<SettleAmounts, ValidationError> {
        let required = |field: &'static str, v: &Option<String>| match v {
            Some(text) => Amount::parse_field(field, text),
            None => Err(ValidationError::new(field, Problem::Missing)),
        };
        let optional = |field: &'static str, v: &Option<String>| {
            v.as_deref()
                .map(|t| Amount::parse_field(field, t))
                .transpose()
        };
        Ok(SettleAmounts {
            medical_settle_no: match &self.medical_settle_no {
                Some(no) => MedicalSettleNo::new(no.clone())?,
                None => return Err(ValidationError::new("medicalSettleNo", Problem::Missing)),
            },
            own_amt: required("ownAmt", &self.own_amt)?,
            hif_amt: required("hifAmt", &self.hif_amt)?,
            acct_amt: required("acctAmt", &self.acct_amt)?,
            hifp_amt: required("hifpAmt", &self.hifp_amt)?,
            hifmi_amt: optional("hifmiAmt", &self.hifmi_amt)?,
            cvlserv_amt: optional("cvlservAmt", &self.cvlserv_amt)?,
            ma_amt: optional("maAmt", &self.ma_amt)?,
            hos_pre_amt: optional("hosPreAmt", &self.hos_pre_amt)?,
            med_over_lmt_amt: optional("medOverLmtAmt", &self.med_over_lmt_amt)?,
            maf_amt: optional("mafAmt", &self.maf_amt)?,
            cvlserv_dedc_amt: optional("cvlservDedcAmt", &self.cvlserv_dedc_amt)?,
            balance: optional("balance", &self.balance)?,
        })
    }
}

fn opt<T>(
    v: &Option<String>,
    make: impl FnOnce(String) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    v.clone().map(make).transpose()
}

impl TryFrom<SettleNotifyDraft> for SettleNotify {
    type Error = ValidationError;

    fn try_from(d: SettleNotifyDraft) -> Result<Self, ValidationError> {
        // Spec order, so the first error a cashier sees is the first wrong box.
        let out_biz_no = OutBizNo::new(d.out_biz_no.clone())?;
        let state = MedicalSettleState::parse(&d.medical_settle_state)?;
        let auth_no = opt(&d.auth_no, AuthNo::new)?;
        let operator_id = OperatorId::new(d.operator_id.clone())?;
        let operator_name = OperatorName::new(d.operator_name.clone())?;
        let total_fee = if d.total_fee.is_empty() {
            return Err(ValidationError::new("totalFee", Problem::Missing));
        } else {
            Amount::parse_field("totalFee", &d.total_fee)?
        };
        let biz_type = BizType::parse(&d.biz_type)?;
        let id_no = opt(&d.id_no, |v| {
            check_len_as_reported("idNo", &v, 64).map(|()| IdNo::new(v))
        })?;
        let user_name = opt(&d.user_name, |v| {
            check_len_as_reported("userName", &v, 64).map(|()| PersonName::new(v))
        })?;
        let setl_time = SetlTime::new(d.setl_time.clone())?;
        let hospital_name = HospitalName::new(d.hospital_name.clone())?;
        let office_id = opt(&d.office_id, OfficeId::new)?;
        let office_name = opt(&d.office_name, OfficeName::new)?;
        let doctor_name = opt(&d.doctor_name, DoctorName::new)?;
        let fail_reason = opt(&d.fail_reason, FailReason::new)?;
        let must_be_absent = |because: String| match d.first_amount_field() {
            Some(field) => Err(ValidationError::new(
                field,
                Problem::MustBeAbsent { because },
            )),
            None => Ok(()),
        };
        let self_pay = d.self_pay;
        let result = if state.carries_amounts() {
            let payment = if self_pay {
                must_be_absent("自费结算不传医保金额和医保单据流水号".into())?;
                Payment::SelfPay
            } else {
                Payment::Insured(d.amounts()?)
            };
            match state {
                MedicalSettleState::Success => SettleResult::Success(payment),
                _ => SettleResult::RefundSuccess(payment),
            }
        } else {
            must_be_absent(format!("结算状态为 {state} 时不传金额"))?;
            match state {
                MedicalSettleState::Fail => SettleResult::Fail { self_pay },
                _ => SettleResult::RefundFail { self_pay },
            }
        };
        Ok(SettleNotify {
            out_biz_no,
            result,
            auth_no,
            operator_id,
            operator_name,
            total_fee,
            biz_type,
            id_no,
            user_name,
            setl_time,
            hospital_name,
            office_id,
            office_name,
            doctor_name,
            fail_reason,
        })
    }
}

impl From<SettleNotify> for SettleNotifyDraft {
    fn from(n: SettleNotify) -> Self {
        let amt = |v: Option<Amount>| v.map(|a| a.to_string());
        let state = n.result.state().code().to_owned();
        let mut d = SettleNotifyDraft {
            out_biz_no: n.out_biz_no.into(),
            medical_settle_state: state,
            self_pay: n.result.is_self_pay(),
            auth_no: n.auth_no.map(Into::into),
            operator_id: n.operator_id.into(),
            operator_name: n.operator_name.into(),
            total_fee: n.total_fee.to_string(),
            biz_type: n.biz_type.code().to_owned(),
            id_no: n.id_no.map(|v| v.reveal().to_owned()),
            user_name: n.user_name.map(|v| v.reveal().to_owned()),
            setl_time: n.setl_time.into(),
            hospital_name: n.hospital_name.into(),
            office_id: n.office_id.map(Into::into),
            office_name: n.office_name.map(Into::into),
            doctor_name: n.doctor_name.map(Into::into),
            fail_reason: n.fail_reason.map(Into::into),
            ..SettleNotifyDraft::default()
        };
        if let SettleResult::Success(Payment::Insured(a))
        | SettleResult::RefundSuccess(Payment::Insured(a)) = n.result
        {
            d.medical_settle_no = Some(a.medical_settle_no.into());
            d.own_amt = amt(Some(a.own_amt));
            d.hif_amt = amt(Some(a.hif_amt));
            d.acct_amt = amt(Some(a.acct_amt));
            d.hifp_amt = amt(Some(a.hifp_amt));
            d.hifmi_amt = amt(a.hifmi_amt);
            d.cvlserv_amt = amt(a.cvlserv_amt);
            d.ma_amt = amt(a.ma_amt);
            d.hos_pre_amt = amt(a.hos_pre_amt);
            d.med_over_lmt_amt = amt(a.med_over_lmt_amt);
            d.maf_amt = amt(a.maf_amt);
            d.cvlserv_dedc_amt = amt(a.cvlserv_dedc_amt);
            d.balance = amt(a.balance);
        }
        d
    }
}

/// The terminal's acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleNotifyReply {
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub out_biz_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_data: Option<Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Transaction for SettleNotify {
    const TRANS_TYPE: TransType = TransType::SettleNotify;
    type Reply = SettleNotifyReply;
}
