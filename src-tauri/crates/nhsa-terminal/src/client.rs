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
use crate::protocol::{AuthCheck, EcAuth, OrgId, OutBizNo, SettleNotify};
use crate::transport::Transport;

/// Per-transaction deadlines. A face scan waits for a person; the others
/// only for a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct Timeouts {
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
        match t {
            TransType::EcAuth => self.face_auth,
            TransType::AuthCheck | TransType::SettleNotify => self.other,
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
    /// The field the reply echoes and the value it must hold.
    fn echo(&self) -> Option<(&'static str, String)> {
        None
    }
    /// The reply's echo of that field, when it sent one.
    fn echoed(_reply: &Self::Reply) -> Option<&str> {
        None
    }
}

impl Numbered for EcAuth {
    fn out_biz_no(&self) -> &OutBizNo {
        &self.out_biz_no
    }
    fn echo(&self) -> Option<(&'static str, String)> {
        Some(("outBizNo", self.out_biz_no.as_str().to_owned()))
    }
    fn echoed(reply: &Self::Reply) -> Option<&str> {
        reply.out_biz_no.as_deref()
    }
}

impl Numbered for AuthCheck {
    fn out_biz_no(&self) -> &OutBizNo {
        &self.out_biz_no
    }
    fn echo(&self) -> Option<(&'static str, String)> {
        Some(("authNo", self.auth_no.as_str().to_owned()))
    }
    fn echoed(reply: &Self::Reply) -> Option<&str> {
        reply.auth_no.as_deref()
    }
}

impl Numbered for SettleNotify {
    fn out_biz_no(&self) -> &OutBizNo {
        &self.out_biz_no
    }
    fn echo(&self) -> Option<(&'static str, String)> {
        Some(("outBizNo", self.out_biz_no.as_str().to_owned()))
    }
    fn echoed(reply: &Self::Reply) -> Option<&str> {
        reply.out_biz_no.as_deref()
    }
}

/// A request ready to leave: its exact text is fixed.
#[derive(Debug, Clone)]
pub struct Prepared<T> {
    pub trans_type: TransType,
    pub out_biz_no: OutBizNo,
    pub envelope: String,
    echo: Option<(&'static str, String)>,
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
            echo: request.echo(),
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
        if let (Some((field, sent)), Some(got)) = (&prepared.echo, T::echoed(&reply.data))
            && got != sent
        {
            return Err(TerminalError::Mismatch {
                field,
                sent: sent.clone(),
                got: got.to_owned(),
                raw: RawText(raw),
            });
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
