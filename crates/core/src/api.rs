//! The one surface of the desk: what the panel's shell, the `facepay` CLI and
//! the HIS bridge use. Requests carry what the caller gives, views what it
//! shows; closed sets are enums and ids newtypes, with TypeScript bindings.
//! Nothing here needs the caller to know the journal or the protocol crates.

pub use crate::access::{
    Admin, Operator, OperatorView, PIN_ATTEMPTS, Pin, Reviewer, Role, SeatView, StaffId,
};
pub use crate::central::{
    CentralInit, CentralStatus, CentralSyncState, CentralSyncView, HEARTBEAT_EVERY, SYNC_PATIENCE,
    SyncReport, central_worker,
};
pub use crate::config::{
    BridgeConfig, CentralConfig, CentralSection, ConfigError, DEFAULT_BRIDGE_LISTEN, DeskConfig,
    FileConfig, HisNotify, bridge_listen,
};
pub use crate::desk::Desk;
pub use crate::error::{DeskError, ErrorCode};
pub use crate::face::{ScanStarted, ScanTrack};
pub use crate::his::{HisActivity, HisIdentity, HisVisit, KeyClaim, VisitState};
pub use crate::keys::{Rekeyed, rekey};
pub use crate::operators::{NewOperatorRequest, OperatorUpdate};
pub use crate::qrcode::ScanFallback;
pub use crate::requests::{ExportRequest, RefundRequest, ScanRequest};
pub use crate::restore::RestoreReport;
pub use crate::settings::{ConnectionTest, SettingsForm, TransportKind};
pub use crate::settle::Submitted;
pub use crate::views::{
    Backlog, DeliveryReport, FaceAuthOutcome, IdentityView, NotifyReceipt, RefundDraft,
    RevealedIdentity,
};
pub use crate::worker::outbox_worker;

// Views and closed sets defined where they are stored or spoken.
pub use facepay_journal::AuditAction;
pub use facepay_journal::audit::{AuditEntry, AuditFilter};
pub use facepay_journal::calls::Call;
pub use facepay_journal::clock::{Clock, SystemClock};
pub use facepay_journal::export::ExportFormat;
pub use facepay_journal::history::{
    HistoryFilter, HistoryPage, MAX_PAGE, SettlementRow, VisitDetail,
};
pub use facepay_journal::operators::OperatorInfo;
pub use facepay_journal::outbox::OutboxEntry;
pub use facepay_journal::retention::Purged;
pub use facepay_journal::summary::{DaySummary, ShiftSummary, StateTotals, Totals};
pub use facepay_journal::visits::Visit;
pub use facepay_journal::{
    CallId, CallStatus, Credential, DeliveryStatus, Resolution, SettlementId, Source, VisitId,
};
pub use nhsa_terminal::Timeouts;
pub use nhsa_terminal::mask::{ScrubbingWriter, scrub_text};
pub use nhsa_terminal::protocol::json::unique_members;
pub use nhsa_terminal::protocol::{
    Amount, BizType, MedicalSettleState, SettleNotifyDraft, TransType,
};
pub use nhsa_terminal::transport::Charset;

/// A checkout as a form or a JSON file gives it: wire names, `selfPay` for 自费.
pub type Checkout = SettleNotifyDraft;

/// Read a JSON document strictly into a request type, naming the field at fault.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DeskError> {
    Ok(nhsa_terminal::protocol::validation::from_json(text)?)
}
pub use facepay_central::reconcile::{
    CounterTally, Difference, DifferenceKind, HisSettlementLine,
    MAX_FILE_BYTES as MAX_HIS_FILE_BYTES, Reconciliation, ReconciliationRequest, Tally,
};
pub use facepay_central::report::{
    CentralSettlement, CounterDay, CounterStatus, GroupBy, HospitalDay, HospitalReport, MAX_SEARCH,
    Net, ReportRow, report_csv,
};
