//! A terminal client: validate, encode, send with the transaction's own
//! timeout, read the reply tolerantly.
//!
//! Sending is split into [`Terminal::prepare`] and [`Terminal::send`] so a
//! journal can commit the exact request text before it leaves the process.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{RawText, TerminalError};
pub use crate::protocol::envelope::Reply;
use crate::protocol::envelope::{self, TransType, Transaction};
use crate::protocol::{AuthCheck, EcAuth, OrgId, OutBizNo, QrCodeGet, SettleNotify};
use crate::transport::Transport;

/// Per-transaction deadlines. A face scan and a 医保码 scan wait for a
/// person; the others only for a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Timeouts {
    /// Every transaction that waits for the patient
    /// ([`TransType::waits_for_patient`]): ec.auth and qrcode.get.
    #[serde(with = "secs")]
    pub face_auth: Duration,
    #[serde(with = "secs")]
    pub other: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            face_auth: Duration::from_secs(120),
            other: Duration::from_secs(10),
        }
    }
}

impl Timeouts {
    pub fn for_trans(&self, t: TransType) -> Duration {
        if t.waits_for_patient() {
            self.face_auth
        } else {
            self.other
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = u64::deserialize(d)?;
        if secs == 0 || secs > 3600 {
            return Err(serde::de::Error::custom("超时应在 1 到 3600 秒之间"));
        }
        Ok(Duration::from_secs(secs))
    }
}

/// Which outBizNo a request carries, and what its reply must echo back.
pub trait Numbered: Transaction {
    fn out_biz_no(&self) -> &OutBizNo;
    /// The fields the reply echoes and the values they must hold. A reply
    /// that leaves an echo out is accepted (not every terminal sends them);
    /// one that holds another value is about another request.
    fn echoes(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Every echo of `field` the reply carries (in `data`, and for some
    /// transactions in the envelope too).
    fn echoed<'r>(_reply: &'r Reply<Self::Reply>, _field: &str) -> Vec<&'r str> {
        Vec::new()
    }
}

/// A request whose reply echoes one field of it, in `data`: the field's
/// name on the wire and in both structs.
macro_rules! echoes_one {
    ($request:ty, $wire:literal, $field:ident) => {
        impl Numbered for $request {
            fn out_biz_no(&self) -> &OutBizNo {
                &self.out_biz_no
            }
            fn echoes(&self) -> Vec<(&'static str, String)> {
                vec![($wire, self.$field.as_str().to_owned())]
            }
            fn echoed<'r>(reply: &'r Reply<Self::Reply>, _field: &str) -> Vec<&'r str> {
                reply.data.$field.as_deref().into_iter().collect()
            }
        }
    };
}

echoes_one!(EcAuth, "outBizNo", out_biz_no);
echoes_one!(AuthCheck, "authNo", auth_no);
echoes_one!(SettleNotify, "outBizNo", out_biz_no);

/// A 医保码 reply is an identity: one meant for another request or another
/// hospital must never be shown or settled. Both the number and the
/// hospital are checked, the hospital in `data` and in the envelope.
impl Numbered for QrCodeGet {
    fn out_biz_no(&self) -> &OutBizNo {
        &self.out_biz_no
    }
    fn echoes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("outBizNo", self.out_biz_no.as_str().to_owned()),
            ("orgId", self.org_id.as_str().to_owned()),
        ]
    }
    fn echoed<'r>(reply: &'r Reply<Self::Reply>, field: &str) -> Vec<&'r str> {
        match field {
            "outBizNo" => reply.data.out_biz_no.as_deref().into_iter().collect(),
            "orgId" => [reply.data.org_id.as_deref(), reply.org_id.as_deref()]
                .into_iter()
                .flatten()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A request ready to leave: its exact text is fixed.
#[derive(Debug, Clone)]
pub struct Prepared<T> {
    pub trans_type: TransType,
    pub out_biz_no: OutBizNo,
    pub envelope: String,
    echoes: Vec<(&'static str, String)>,
    _request: PhantomData<fn() -> T>,
}

#[derive(Debug, Clone)]
pub struct Terminal {
    org_id: OrgId,
    transport: Arc<dyn Transport>,
    timeouts: Timeouts,
}

impl Terminal {
    pub fn new(org_id: OrgId, transport: Arc<dyn Transport>, timeouts: Timeouts) -> Self {
        Self {
            org_id,
            transport,
            timeouts,
        }
    }

    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    pub fn prepare<T: Numbered>(&self, request: &T) -> Prepared<T> {
        Prepared {
            trans_type: T::TRANS_TYPE,
            out_biz_no: request.out_biz_no().clone(),
            envelope: envelope::encode(&self.org_id, request),
            echoes: request.echoes(),
            _request: PhantomData,
        }
    }

    pub async fn send<T: Numbered>(
        &self,
        prepared: &Prepared<T>,
    ) -> Result<Reply<T::Reply>, TerminalError> {
        let timeout = self.timeouts.for_trans(prepared.trans_type);
        let started = std::time::Instant::now();
        let result = self
            .transport
            .exchange(prepared.trans_type, &prepared.envelope, timeout)
            .await;
        tracing::info!(
            trans_type = prepared.trans_type.as_str(),
            out_biz_no = prepared.out_biz_no.as_str(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "terminal exchange"
        );
        let raw = result?;
        let reply = envelope::decode_reply::<T::Reply>(&raw)?;
        for (field, sent) in &prepared.echoes {
            if let Some(got) = T::echoed(&reply, field).into_iter().find(|got| got != sent) {
                return Err(TerminalError::Mismatch {
                    field,
                    sent: sent.clone(),
                    got: got.to_owned(),
                    raw: RawText(raw),
                });
            }
        }
        if let Err(e) = T::check_reply(&reply.data) {
            return Err(TerminalError::Malformed {
                reason: format!("回复字段不符合接口规范：{e}"),
                raw: RawText(raw),
            });
        }
        Ok(reply)
    }

    pub async fn call<T: Numbered>(&self, request: &T) -> Result<Reply<T::Reply>, TerminalError> {
        self.send(&self.prepare(request)).await
    }
}
