//! Scripted replies: how a test makes the simulator misbehave.

use serde::{Deserialize, Serialize};

/// One scripted reply, consumed `times` times by requests of `transType`
/// (any transaction when absent), in the order they were queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trans_type: Option<String>,
    /// Wait this long before answering.
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default = "one")]
    pub times: u32,
    #[serde(flatten)]
    pub reply: Behaviour,
}

fn one() -> u32 {
    1
}

impl Script {
    pub fn any(reply: Behaviour) -> Self {
        Self {
            trans_type: None,
            delay_ms: 0,
            times: 1,
            reply,
        }
    }

    pub fn for_trans(trans_type: crate::protocol::TransType, reply: Behaviour) -> Self {
        Self {
            trans_type: Some(trans_type.as_str().to_owned()),
            ..Self::any(reply)
        }
    }

    pub fn delayed(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "reply", rename_all = "camelCase")]
pub enum Behaviour {
    /// The default answer (`data` as a string holding JSON, as in the field).
    #[default]
    Normal,
    /// The default answer with `data` as a JSON object.
    DataAsObject,
    /// The whole reply JSON encoded once more as a JSON string.
    DoubleEncoded,
    /// Never answer: the caller's timeout decides.
    Hang,
    /// A non-zero `code` with the terminal's message.
    Error { code: i64, message: String },
    /// A body that is not valid JSON (or the given body).
    Malformed {
        #[serde(default)]
        body: Option<String>,
    },
    /// The default answer, but echoing another outBizNo (ec.auth, notify,
    /// qrcode.get) or authNo (auth.check) than the one asked about.
    WrongEcho,
    /// An HTTP status from the bridge instead of an envelope.
    HttpStatus {
        status: u16,
        #[serde(default)]
        body: String,
    },
    /// The default answer, about this person of the fixed roster (key as in
    /// [`super::Simulator::roster`], e.g. `child-1y5m`): who a 医保码 scan
    /// (qrcode.get) or a face scan (ec.auth, then its auth.check) reveals.
    /// Scripted for an auth.check alone, a faulty terminal naming someone
    /// other than the face it scanned.
    /// An unknown key is refused with [`super::codes::UNKNOWN_PERSON`].
    AsPerson { person: String },
}

impl Behaviour {
    /// The terminal could not use the face (not recognised, not enrolled, a
    /// mask, the light, an infant): [`super::codes::FACE_UNUSABLE`]. The
    /// panel offers 改用医保码 on this code.
    pub fn face_unusable() -> Self {
        Behaviour::Error {
            code: super::codes::FACE_UNUSABLE,
            message: super::codes::FACE_UNUSABLE_MESSAGE.to_owned(),
        }
    }

    /// The patient showed no 医保码 before the terminal gave up.
    pub fn qr_code_not_scanned() -> Self {
        Behaviour::Error {
            code: super::codes::QR_CODE_NOT_SCANNED,
            message: "未扫描到医保码：患者未出示医保电子凭证二维码".to_owned(),
        }
    }

    /// The 中台 refused the code (expired screenshot, revoked code).
    pub fn qr_code_invalid() -> Self {
        Behaviour::Error {
            code: super::codes::QR_CODE_INVALID,
            message: "医保码无效或已过期，请患者刷新医保电子凭证后重试".to_owned(),
        }
    }
}
