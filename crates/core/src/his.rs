//! What the HIS is told through the bridge, and what the panel shows of the
//! HIS at work. The HIS gets identities unmasked — it needs them for 1101 and
//! 2207 — and every such disclosure is audited with the client that asked.

use serde::Serialize;

use facepay_journal::AuditAction;
use facepay_journal::calls::{self, Call};
use facepay_journal::history::{self, SettlementRow};
use facepay_journal::idempotency::{self, Begun};
use facepay_journal::visits::{self, Visit};
use facepay_journal::{CallId, CallStatus, SettlementId, Source, VisitId, audit, outbox};
use nhsa_terminal::protocol::{Identity, TransType};

use crate::desk::Desk;
use crate::error::DeskError;
use crate::views::IdentityView;

/// The insured person as the HIS needs them: unmasked.
pub use facepay_journal::visits::Disclosed as HisIdentity;

/// Where a visit stands, read from its calls.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    /// The terminal is scanning the face.
    Scanning,
    /// The scan succeeded; the identity is being fetched (or fetching failed: retry).
    Authorized,
    /// The identity is known.
    Identified,
    /// The scan ended without an answer: 待确认, never counted as failed.
    Pending,
    /// The scan or the identity check failed with the terminal's code.
    Failed,
}

impl VisitState {
    pub const ALL: &'static [VisitState] = &[
        VisitState::Scanning,
        VisitState::Authorized,
        VisitState::Identified,
        VisitState::Pending,
        VisitState::Failed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            VisitState::Scanning => "刷脸中",
            VisitState::Authorized => "已授权",
            VisitState::Identified => "已识别",
            VisitState::Pending => "待确认",
            VisitState::Failed => "失败",
        }
    }
}

/// How long a visit nobody settled keeps its identity open to the HIS.
const UNSETTLED_OPEN: chrono::Duration = chrono::Duration::hours(24);

/// A visit as the HIS collects it (`GET /v1/visits/{outBizNo}`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HisVisit {
    pub visit_id: VisitId,
    pub out_biz_no: String,
    pub state: VisitState,
    pub source: Source,
    pub auth_no: Option<String>,
    /// Unmasked while the visit is open: until its first settlement has
    /// reached the terminal plus `[bridge] identity_window_minutes` (a visit
    /// never settled: 24 hours after the identity was fetched). After that
    /// masked, as 历史 shows it (`identityMasked`); none after the retention purge.
    pub identity: Option<HisIdentity>,
    /// `identity` is masked: the visit is closed to full disclosure.
    pub identity_masked: bool,
    /// The terminal's code and message when the state is failed or pending.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub settlements: Vec<SettlementRow>,
}

/// The HIS's newest visit as the panel shows it: masked.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HisActivity {
    pub visit_id: VisitId,
    pub out_biz_no: String,
    pub state: VisitState,
    pub started_at: String,
    pub auth_no: Option<String>,
    pub identity: Option<IdentityView>,
    /// The terminal's code and message when the state is failed or pending.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub settlements: Vec<SettlementRow>,
    /// 刷脸, or 医保码 (`POST /v1/qrcode`).
    pub credential: facepay_journal::Credential,
}

/// The state of a visit from its calls, oldest first.
fn state_of<'a>(visit: &Visit, calls: &'a [Call]) -> (VisitState, Option<&'a Call>) {
    let scan = calls
        .iter()
        .find(|c| matches!(c.trans_type, TransType::EcAuth | TransType::QrCodeGet));
    let last_check = calls
        .iter()
        .rev()
        .find(|c| c.trans_type == TransType::AuthCheck);
    if visit.id_no.is_some() {
        return (VisitState::Identified, None);
    }
    match scan.map(|c| c.status) {
        None | Some(CallStatus::InFlight) => (VisitState::Scanning, None),
        Some(CallStatus::Unknown) => (VisitState::Pending, scan),
        Some(CallStatus::Failed) => (VisitState::Failed, scan),
        Some(CallStatus::Ok) => match last_check {
            Some(c) if c.status == CallStatus::Failed => (VisitState::Failed, Some(c)),
            Some(c) if c.status == CallStatus::Unknown => (VisitState::Pending, Some(c)),
            _ => (VisitState::Authorized, None),
        },
    }
}

impl Desk {
    /// A visit for the HIS, identity unmasked; the disclosure is audited
    /// with `client` (what the HIS said it is, and its address).
    pub fn disclose_visit(&self, out_biz_no: &str, client: &str) -> Result<HisVisit, DeskError> {
        let detail = self
            .read(|c| history::visit_detail(c, out_biz_no))
            .map_err(|e| match e {
                DeskError::Journal(facepay_journal::JournalError::NotFound(m)) => {
                    DeskError::NotFound(m)
                }
                e => e,
            })?;
        let visit = detail.visit;
        let (state, cause) = state_of(&visit, &detail.calls);
        let (error_code, error_message) = cause.map_or((None, None), |c| {
            (c.error_code.clone(), c.error_message.clone())
        });
        let open = self.read(|c| self.identity_open(c, &visit))?;
        let (identity, identity_masked) = match state {
            VisitState::Identified if open => (
                self.write(|tx, now, _| {
                    audit::append(
                        tx,
                        now,
                        "his",
                        AuditAction::HisDisclosure,
                        Some(&visit.out_biz_no),
                        Some(client),
                    )?;
                    Ok(visits::disclose(tx, visit.id)?)
                })?,
                false,
            ),
            VisitState::Identified => {
                let masked = self
                    .read(|c| visits::disclose(c, visit.id))?
                    .map(|d| d.masked());
                let any = masked.is_some();
                (masked, any)
            }
            _ => (None, false),
        };
        Ok(HisVisit {
            visit_id: visit.id,
            out_biz_no: visit.out_biz_no,
            state,
            source: visit.source,
            auth_no: visit.auth_no,
            identity,
            identity_masked,
            error_code,
            error_message,
            settlements: detail.settlements,
        })
    }

    /// Whether the HIS may still read `visit`'s identity unmasked: until its
    /// first SUCCESS reached the terminal plus the configured window; a visit
    /// never settled for a day after its identity was fetched.
    pub(crate) fn identity_open(
        &self,
        c: &facepay_journal::Connection,
        visit: &Visit,
    ) -> Result<bool, facepay_journal::JournalError> {
        let now = self.now();
        let delivered = outbox::first_success_delivered(c, visit.id)?;
        Ok(match delivered {
            Some(at) => now <= at + self.config.bridge.identity_window,
            None => visit
                .identified_at
                .as_deref()
                .and_then(facepay_journal::clock::parse)
                .is_none_or(|at| now <= at + UNSETTLED_OPEN),
        })
    }

    /// The HIS's newest visit, for the panel to follow (masked). Reads only.
    pub fn his_activity(&self) -> Result<Option<HisActivity>, DeskError> {
        let today = self.now().date();
        self.read(|c| {
            let Some(visit) = visits::latest_from(c, Source::His)? else {
                return Ok(None);
            };
            let detail = history::visit_detail(c, &visit.out_biz_no)?;
            let (state, cause) = state_of(&visit, &detail.calls);
            let identity = match visits::disclose(c, visit.id)? {
                Some(d) => Some(IdentityView::of(
                    &Identity::stored(
                        &d.user_name,
                        &d.id_no,
                        d.id_type,
                        d.gender,
                        d.birthday,
                        d.insu_org,
                    ),
                    today,
                )),
                None => None,
            };
            Ok(Some(HisActivity {
                visit_id: visit.id,
                out_biz_no: visit.out_biz_no,
                state,
                started_at: visit.created_at,
                auth_no: visit.auth_no,
                identity,
                error_code: cause.and_then(|c| c.error_code.clone()),
                error_message: cause.and_then(|c| c.error_message.clone()),
                settlements: detail.settlements,
                credential: visit.credential,
            }))
        })
    }

    /// How many settlements wait for the cashier's F4.
    pub fn held_count(&self) -> Result<u64, DeskError> {
        self.read(outbox::count_held)
    }
}

/// What an Idempotency-Key says about a request arriving under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// First time: answer it, then [`Desk::settle_key`] (or release it).
    Fresh,
    /// Answered before with the same request: send this again.
    Replay { status: u16, response: String },
    /// The key was used for another endpoint or body.
    Conflict,
    /// The first request runs in a live process; `out_biz_no` is its visit
    /// once one is started (poll it).
    InProgress {
        since: String,
        out_biz_no: Option<String>,
    },
    /// The process answering the first request died before the answer was
    /// stored: what it did is in the journal, under `out_biz_no` if it
    /// started a visit.
    Interrupted {
        since: String,
        out_biz_no: Option<String>,
        /// The settlement it recorded before it died, if it got that far.
        settlement_id: Option<SettlementId>,
    },
}

/// The bridge's bookkeeping: idempotency keys and audit rows of its own.
impl Desk {
    /// Claim an Idempotency-Key for a request (see [`idempotency::begin`]).
    pub fn claim_key(
        &self,
        key: &str,
        endpoint: &str,
        request_hash: &str,
    ) -> Result<KeyClaim, DeskError> {
        let begun = self.write(|tx, now, session| {
            Ok(idempotency::begin(
                tx,
                key,
                endpoint,
                request_hash,
                session,
                now,
            )?)
        })?;
        Ok(match begun {
            Begun::Fresh => KeyClaim::Fresh,
            Begun::Replay { status, response } => KeyClaim::Replay { status, response },
            Begun::Conflict => KeyClaim::Conflict,
            Begun::InProgress {
                since,
                session_id,
                out_biz_no,
                settlement_id,
            } => {
                let alive = session_id
                    .as_deref()
                    .is_some_and(|id| self.with_journal(|j| j.session_alive(id)));
                if alive {
                    KeyClaim::InProgress { since, out_biz_no }
                } else {
                    KeyClaim::Interrupted {
                        since,
                        out_biz_no,
                        settlement_id,
                    }
                }
            }
        })
    }

    /// Tell a claimed key the visit its request works on (a retry that finds
    /// the key in progress is told to poll it).
    pub fn attach_key(&self, key: &str, out_biz_no: &str) -> Result<(), DeskError> {
        self.write(|tx, _, _| Ok(idempotency::attach(tx, key, out_biz_no)?))
    }

    /// Store the answer given under a claimed key.
    pub fn settle_key(&self, key: &str, status: u16, response: &str) -> Result<(), DeskError> {
        self.write(|tx, now, _| Ok(idempotency::finish(tx, key, status, response, now)?))
    }

    /// Free a key whose request changed nothing.
    pub fn release_key(&self, key: &str) -> Result<(), DeskError> {
        self.write(|tx, _, _| Ok(idempotency::abandon(tx, key)?))
    }

    /// Forget keys older than `age` (they are kept at least a day).
    pub fn purge_keys(&self, age: chrono::Duration) -> Result<usize, DeskError> {
        let before = facepay_journal::clock::stamp(self.now() - age);
        self.write(|tx, _, _| Ok(idempotency::purge(tx, &before)?))
    }

    /// An audit row of the bridge's (refused tokens, rotations).
    pub fn audit_bridge(
        &self,
        action: AuditAction,
        subject: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), DeskError> {
        self.write(|tx, now, _| {
            audit::append(tx, now, "his", action, subject, detail)?;
            Ok(())
        })
    }

    /// The outBizNo of the visit a call belongs to (to name it in an error).
    pub fn visit_of_call(&self, call_id: CallId) -> Result<Option<String>, DeskError> {
        self.read(|c| calls::visit_out_biz_no(c, call_id))
    }
}
