//! 刷脸 → 身份: the face scan on the terminal, then the identity it unlocks.

use std::future::Future;

use facepay_journal::calls::{self, Outcome};
use facepay_journal::visits::{self, NewVisit};
use facepay_journal::{CallId, Credential, JournalError, Transaction, VisitId, sequence};
use nhsa_terminal::client::Numbered;
use nhsa_terminal::protocol::{AuthCheck, AuthNo, EcAuth, ExtData, OutBizNo};
use nhsa_terminal::{Prepared, Reply, TerminalError};

use crate::desk::Desk;
use crate::error::DeskError;
use crate::requests::ScanRequest;
use crate::views::{FaceAuthOutcome, IdentityView};
use facepay_journal::clock::Stamp;

/// A scan sent: its visit, its call, what was sent and what came back.
pub(crate) type ScanSent<T> = (
    VisitId,
    CallId,
    Prepared<T>,
    Result<Reply<<T as nhsa_terminal::protocol::Transaction>::Reply>, TerminalError>,
);

/// What a caller that does not wait for the terminal learns of a scan it
/// starts (the HIS bridge: a client that hung up, `Prefer: respond-async`).
#[derive(Debug, Default)]
pub struct ScanTrack {
    /// The Idempotency-Key the scan answers: the key learns the visit in the
    /// intent's own commit, so a retry finds it even if this process dies.
    pub idempotency_key: Option<String>,
    /// Told the visit once its intent is committed, before the terminal answers.
    pub started: Option<tokio::sync::oneshot::Sender<ScanStarted>>,
}

/// A scan whose intent is committed: the visit to poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanStarted {
    pub visit_id: VisitId,
    pub out_biz_no: String,
}

impl Desk {
    /// This counter's face-scan request under a fresh number, with what the
    /// caller named in place of the configured values.
    pub(crate) fn scan_request(&self, out_biz_no: OutBizNo, r: &ScanRequest) -> EcAuth {
        let c = &self.config;
        let (operator_id, operator_name) = self.operator_fields();
        EcAuth {
            org_id: c.org_id.clone(),
            out_biz_no,
            business_type: r.business_type.unwrap_or(c.business_type),
            operator_id: r.operator_id.clone().unwrap_or(operator_id),
            operator_name: r.operator_name.clone().unwrap_or(operator_name),
            office_id: r.office_id.clone().unwrap_or_else(|| c.office_id.clone()),
            office_name: r
                .office_name
                .clone()
                .unwrap_or_else(|| c.office_name.clone()),
            ext_data: ExtData::empty(),
        }
    }

    pub(crate) fn next_out_biz_no(
        &self,
        tx: &Transaction<'_>,
        now: &Stamp,
    ) -> Result<OutBizNo, DeskError> {
        let c = &self.config;
        Ok(sequence::next_out_biz_no(
            tx,
            c.org_id.as_str(),
            &c.counter_id,
            now,
        )?)
    }

    /// 刷脸 from the panel, with this counter's settings.
    pub async fn face_auth(
        &self,
        cancel: impl Future<Output = ()>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        self.face_auth_for(ScanRequest::by(facepay_journal::Source::Panel), cancel)
            .await
    }

    /// 刷脸: start face authorization on the terminal, then fetch the
    /// identity. `cancel` resolving stops the wait (the outcome is recorded
    /// as unknown: the terminal may still be scanning). One scan at a time
    /// per counter, whoever starts it: a second is refused with the
    /// number of the one under way.
    pub async fn face_auth_for(
        &self,
        scan: ScanRequest,
        cancel: impl Future<Output = ()>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        self.face_auth_tracked(scan, cancel, ScanTrack::default())
            .await
    }

    /// [`Desk::face_auth_for`], telling `track` of the visit as it starts.
    pub async fn face_auth_tracked(
        &self,
        scan: ScanRequest,
        cancel: impl Future<Output = ()>,
        track: ScanTrack,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let (visit_id, call_id, scanned, result) = self
            .scan(&scan, Credential::Face, |request| request, cancel, track)
            .await?;
        // The outcome of the scan and the intent of the identity check: one commit.
        let (auth_no, check_id, check) = match result {
            Ok(reply) => self.write(|tx, now, session| {
                let auth_no = reply.data.auth_no.clone();
                calls::finish(tx, call_id, &Outcome::ok(&reply.raw), now)?;
                visits::set_auth_no(tx, visit_id, auth_no.as_str())?;
                let (check_id, prepared) =
                    self.journal_check(tx, now, session, visit_id, &auth_no)?;
                Ok((auth_no, check_id, prepared))
            })?,
            Err(error) => return Err(self.failed(call_id, error)),
        };
        self.send_check(
            visit_id,
            scanned.out_biz_no.as_str(),
            &auth_no,
            check_id,
            check,
        )
        .await
    }

    /// Start a scan — of a face, or of a 医保码 (`make` turns the counter's
    /// scan request into the transaction) — and wait for the terminal: the
    /// visit and the call's intent in one commit before sending; 取消 leaves
    /// the call unknown (待确认). One scan at a time per counter: a second is
    /// refused with the number of the one under way.
    pub(crate) async fn scan<T: Numbered>(
        &self,
        scan: &ScanRequest,
        credential: Credential,
        make: impl FnOnce(EcAuth) -> T,
        cancel: impl Future<Output = ()>,
        track: ScanTrack,
    ) -> Result<ScanSent<T>, DeskError> {
        let c = &self.config;
        let started = self.write(|tx, now, session| {
            let no = self.next_out_biz_no(tx, now)?;
            if let Some(key) = &track.idempotency_key {
                facepay_journal::idempotency::attach(tx, key, no.as_str())?;
            }
            let request = self.scan_request(no.clone(), scan);
            let visit_id = visits::insert(
                tx,
                &NewVisit {
                    out_biz_no: no.as_str(),
                    counter_id: &c.counter_id,
                    operator_id: request.operator_id.as_str(),
                    operator_name: request.operator_name.as_str(),
                    office_id: request.office_id.as_str(),
                    office_name: request.office_name.as_str(),
                    business_type: request.business_type.code(),
                    source: scan.source,
                    credential,
                },
                now,
            )?;
            let prepared = self.terminal.prepare(&make(request));
            let call_id = self.journal_intent(tx, now, session, &prepared, Some(visit_id), None)?;
            Ok((visit_id, call_id, prepared))
        });
        let (visit_id, call_id, prepared) = match started {
            Err(DeskError::Journal(JournalError::Busy(why))) => {
                return Err(
                    match self.read(|conn| calls::scan_in_flight(conn, &c.counter_id))? {
                        Some(out_biz_no) => DeskError::ScanInProgress { out_biz_no },
                        None => DeskError::Journal(JournalError::Busy(why)),
                    },
                );
            }
            other => other?,
        };
        if let Some(started) = track.started {
            let _ = started.send(ScanStarted {
                visit_id,
                out_biz_no: prepared.out_biz_no.as_str().to_owned(),
            });
        }
        let result = tokio::select! {
            result = self.terminal.send(&prepared) => result,
            () = cancel => {
                let outcome = Outcome::Unknown {
                    kind: "cancelled".into(),
                    message: "收银员取消了等待，终端上的刷脸或扫码可能仍在进行".into(),
                    reply: None,
                };
                self.write(|tx, now, _| Ok(calls::finish(tx, call_id, &outcome, now)?))?;
                return Err(DeskError::Cancelled { call_id });
            }
        };
        Ok((visit_id, call_id, prepared, result))
    }

    /// Fetch (again) the identity of a visit whose face scan succeeded, e.g.
    /// after auth.check failed: no second scan needed.
    pub async fn fetch_identity(
        &self,
        visit_out_biz_no: &str,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let visit = self
            .read(|c| visits::by_out_biz_no(c, visit_out_biz_no))?
            .ok_or_else(|| {
                DeskError::NotFound(format!("没有流水号为 {visit_out_biz_no} 的刷脸记录"))
            })?;
        let auth_no = visit
            .auth_no
            .ok_or_else(|| DeskError::NotFound("该次刷脸没有成功的授权，请重新刷脸".into()))?;
        let auth_no = AuthNo::new(auth_no)?;
        let (call_id, prepared) = self
            .write(|tx, now, session| self.journal_check(tx, now, session, visit.id, &auth_no))?;
        self.send_check(visit.id, &visit.out_biz_no, &auth_no, call_id, prepared)
            .await
    }

    /// The refusal of an identity that is not the person the visit already
    /// knows (from an earlier check, or from the settlements made on it).
    fn another_person(
        &self,
        visit_id: VisitId,
        who: &nhsa_terminal::protocol::Identity,
        raw: &str,
    ) -> Result<Option<TerminalError>, DeskError> {
        use nhsa_terminal::mask::{Kind, mask};
        let known = self.read(|c| {
            Ok(match visits::reveal(c, visit_id)? {
                Some(person) => Some(person),
                None => facepay_journal::settlements::person_of_visit(c, visit_id)?,
            })
        })?;
        let Some((name, id_no)) = known else {
            return Ok(None);
        };
        let got_id = who.id_no.reveal();
        // A settlement keeps only the 证件号's last 4 (and the name until its retention ends).
        let same_id = if id_no.chars().count() == 4 {
            facepay_journal::visits::last4(got_id) == id_no
        } else {
            got_id.eq_ignore_ascii_case(&id_no)
        };
        let same_name = name.contains('*') || name == who.user_name.reveal();
        if same_id && same_name {
            return Ok(None);
        }
        let (field, sent, got) = if same_id {
            (
                "userName",
                mask(Kind::Name, &name),
                mask(Kind::Name, who.user_name.reveal()),
            )
        } else {
            ("idNo", mask(Kind::IdNo, &id_no), mask(Kind::IdNo, got_id))
        };
        Ok(Some(TerminalError::Mismatch {
            field,
            sent,
            got,
            raw: nhsa_terminal::error::RawText(raw.to_owned()),
        }))
    }

    /// Allocate a number and journal the intent of an auth.check.
    fn journal_check(
        &self,
        tx: &Transaction<'_>,
        now: &Stamp,
        session: &str,
        visit_id: VisitId,
        auth_no: &AuthNo,
    ) -> Result<(CallId, Prepared<AuthCheck>), DeskError> {
        let no = self.next_out_biz_no(tx, now)?;
        let visit = visits::by_id(tx, visit_id)?;
        let scan = ScanRequest::by(facepay_journal::Source::Panel);
        let mut scan_request = self.scan_request(no.clone(), &scan);
        // The check speaks for the same operator and office as the scan.
        if let Some(v) = visit {
            scan_request.operator_id = nhsa_terminal::protocol::OperatorId::new(v.operator_id)?;
            scan_request.operator_name =
                nhsa_terminal::protocol::OperatorName::new(v.operator_name)?;
            scan_request.office_id = nhsa_terminal::protocol::OfficeId::new(v.office_id)?;
            scan_request.office_name = nhsa_terminal::protocol::OfficeName::new(v.office_name)?;
        }
        let request = AuthCheck::after(scan_request, no, auth_no.clone());
        let prepared = self.terminal.prepare(&request);
        let call_id = self.journal_intent(tx, now, session, &prepared, Some(visit_id), None)?;
        Ok((call_id, prepared))
    }

    /// Send the identity check. Its reply is stored only if it is about the
    /// authNo asked for (the client refuses any other as a mismatch), and
    /// about the person the visit already knows, if it knows one: a visit's
    /// identity, once fetched, is frozen — its settlements and refunds were
    /// made for that person.
    async fn send_check(
        &self,
        visit_id: VisitId,
        visit_out_biz_no: &str,
        auth_no: &AuthNo,
        call_id: CallId,
        prepared: Prepared<AuthCheck>,
    ) -> Result<FaceAuthOutcome, DeskError> {
        let mut result = self.terminal.send(&prepared).await;
        if let Ok(reply) = &result
            && let Some(mismatch) = self.another_person(visit_id, &reply.data, &reply.raw)?
        {
            self.write(|tx, now, _| {
                facepay_journal::audit::append(
                    tx,
                    now,
                    &self.operator(),
                    facepay_journal::AuditAction::IdentityMismatch,
                    Some(visit_out_biz_no),
                    Some(&mismatch.to_string()),
                )?;
                Ok(())
            })?;
            result = Err(mismatch);
        }
        self.finish(call_id, result, |tx, reply, now| {
            visits::set_identity(tx, visit_id, &reply.data, now)
        })?;
        // As the journal keeps the person (frozen once settled).
        let kept = self
            .read(|c| visits::disclose(c, visit_id))?
            .ok_or_else(|| DeskError::Internal(format!("就诊 {visit_id} 的身份未能保存")))?;
        let who = nhsa_terminal::protocol::Identity::stored(
            &kept.user_name,
            &kept.id_no,
            kept.id_type,
            kept.gender,
            kept.birthday,
            kept.insu_org,
        );
        Ok(FaceAuthOutcome {
            visit_id,
            out_biz_no: visit_out_biz_no.to_owned(),
            auth_no: Some(auth_no.as_str().to_owned()),
            credential: facepay_journal::Credential::Face,
            identity: IdentityView::of(&who, self.now().date()),
        })
    }
}
