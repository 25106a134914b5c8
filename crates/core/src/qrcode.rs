//! 医保码: when a face cannot be scanned (infants, masks, a face never
//! enrolled), the terminal's scanner reads the patient's 医保电子凭证 and the
//! reply carries the identity at once (`cn.nhsa.qrcode.get`, PROTOCOL.md §7).
//! Journaled like a face scan: intent before send, outcome before show, a
//! timeout or 取消 leaves it 待确认; settle.notify carries its outBizNo.

use std::future::Future;

use facepay_journal::Credential;
use facepay_journal::visits;
use nhsa_terminal::protocol::QrCodeGet;

use crate::desk::Desk;
use crate::error::DeskError;
use crate::face::ScanTrack;
use crate::requests::ScanRequest;
use crate::views::{FaceAuthOutcome, IdentityView};

/// What the counter offers after a face scan failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanFallback {
    /// The scan succeeded and only the identity check failed: fetch it again
    /// for this visit, without a second scan.
    FetchIdentity { out_biz_no: String },
    /// The terminal could not use the face: 医保码.
    Qrcode,
}

impl ScanFallback {
    /// What to tell the cashier.
    pub fn advice(&self) -> &'static str {
        match self {
            ScanFallback::FetchIdentity { .. } => {
                "刷脸已成功，只是没有取到身份：按 F5 重新获取身份（患者无需再刷脸）"
            }
            ScanFallback::Qrcode => {
                "终端无法识别人脸：请改用医保码（F3），请患者或家长出示医保电子凭证"
            }
        }
    }
}

impl Desk {
    /// The way on after a failed face scan, if there is one: fetching the
    /// identity again comes first (the patient need not scan again).
    pub fn scan_fallback(&self, error: &DeskError) -> Option<ScanFallback> {
        if let Some(out_biz_no) = self.identity_to_fetch(error) {
            Some(ScanFallback::FetchIdentity { out_biz_no })
        } else {
            self.face_unusable(error).then_some(ScanFallback::Qrcode)
        }
    }

    /// Whether a failed face scan means the face could not be used (the
    /// codes of `[counter] face_unusable_codes`): then 医保码 is the way on.
    pub fn face_unusable(&self, error: &DeskError) -> bool {
        match error {
            DeskError::Terminal {
                error: nhsa_terminal::TerminalError::Terminal { code, .. },
                ..
            } => self.config.face_unusable_codes.iter().any(|c| c == code),
            _ => false,
        }
    }

    /// The visit whose identity can be fetched again after `error`: its face
    /// scan succeeded (it has an authNo) and the identity check failed, so
    /// 重新获取身份 needs no second scan. `None` for any other failure.
    pub fn identity_to_fetch(&self, error: &DeskError) -> Option<String> {
        let DeskError::Terminal { call_id, .. } = error else {
            return None;
        };
        let out_biz_no = self.visit_of_call(*call_id).ok().flatten()?;
        let visit = self
            .read(|c| facepay_journal::visits::by_out_biz_no(c, &out_biz_no))
            .ok()
            .flatten()?;
        (visit.auth_no.is_some() && visit.identified_at.is_none()).then_some(out_biz_no)
    }

    /// 扫码 (F3) from the panel, with this counter's settings.
    pub async fn qrcode(
        &self,
        cancel: impl Future<Output = ()>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        self.qrcode_for(ScanRequest::by(facepay_journal::Source::Panel), cancel)
            .await
    }

    /// Read the patient's 医保码 on the terminal. One scan at a time per
    /// counter, face or code.
    pub async fn qrcode_for(
        &self,
        scan: ScanRequest,
        cancel: impl Future<Output = ()>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        self.qrcode_tracked(scan, cancel, ScanTrack::default())
            .await
    }

    /// [`Desk::qrcode_for`], telling `track` of the visit as it starts.
    pub async fn qrcode_tracked(
        &self,
        scan: ScanRequest,
        cancel: impl Future<Output = ()>,
        track: ScanTrack,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let (visit_id, call_id, prepared, result) = self
            .scan(
                &scan,
                Credential::QrCode,
                QrCodeGet::instead_of,
                cancel,
                track,
            )
            .await?;
        // The reply carries the identity: stored with the call's outcome, in one commit.
        let reply = self.finish(call_id, result, |tx, reply, now| {
            let who = &reply.data.identity;
            if let Some(auth_no) = &who.auth_no {
                visits::set_auth_no(tx, visit_id, auth_no)?;
            }
            visits::set_identity(tx, visit_id, who, now)
        })?;
        let who = &reply.data.identity;
        Ok(FaceAuthOutcome {
            visit_id,
            out_biz_no: prepared.out_biz_no.as_str().to_owned(),
            auth_no: who.auth_no.clone(),
            credential: Credential::QrCode,
            identity: IdentityView::of(who, self.now().date()),
        })
    }
}
