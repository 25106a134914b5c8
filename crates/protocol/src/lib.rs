//! The NHSA 医保业务综合服务终端 protocol as data: the envelope and the four
//! transactions of the interface spec (three of the seed, and
//! `cn.nhsa.qrcode.get` of PROTOCOL.md §7), typed with the spec's wire names,
//! their validation, code tables and money, and the masking of the personal
//! data they carry. Construction validates; so does deserialization.
//!
//! No I/O: what reaches a terminal and how is `nhsa-terminal`'s; the journal
//! keeps these types without depending on any of it.

pub mod amount;
pub mod auth;
pub mod charset;
pub mod check;
pub mod codes;
pub mod envelope;
pub mod id_card;
pub mod json;
pub mod mask;
pub mod notify;
pub mod qrcode;
pub mod reply;
pub mod samples;
pub mod setl_time;
pub mod text;
pub mod validation;

pub use amount::Amount;
pub use auth::{EcAuth, EcAuthReply};
pub use check::{AuthCheck, Identity};
pub use codes::{BizType, BusinessType, MedicalSettleState};
pub use envelope::{TransType, Transaction};
pub use notify::{
    Payment, SettleAmounts, SettleNotify, SettleNotifyDraft, SettleNotifyReply, SettleResult,
};
pub use qrcode::{FamilyAccount, QrCodeGet, QrCodeGetReply};
pub use reply::{RawText, ReplyError};
pub use setl_time::SetlTime;
pub use text::{
    AuthNo, DoctorName, ExtData, FailReason, HospitalName, MedicalSettleNo, OfficeId, OfficeName,
    OperatorId, OperatorName, OrgId, OutBizNo,
};
pub use validation::{Problem, ValidationError};
