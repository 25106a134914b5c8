//! A desk wired to the simulator over real HTTP, a real SQLite file and a clock the test controls.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use facepay_core::{Desk, DeskConfig};
use facepay_journal::FixedClock;
use facepay_sim::{Received, SimServer};
use nhsa_terminal::Timeouts;
use nhsa_terminal::protocol::TransType;
use nhsa_terminal::protocol::notify::SettleNotifyDraft;
use nhsa_terminal::transport::{HttpTransport, TransportConfig};

#[derive(Debug)]
pub struct Harness {
    pub sim: SimServer,
    pub clock: Arc<FixedClock>,
    pub dir: tempfile::TempDir,
    pub desk: Arc<Desk>,
}

impl Harness {
    /// The requests of `trans` the terminal received, in order.
    pub fn received(&self, trans: TransType) -> Vec<Received> {
        let all = self.sim.sim.received();
        let of = |r: &Received| r.trans_type.as_deref() == Some(trans.as_str());
        all.into_iter().filter(of).collect()
    }

    /// The data of every settle.notify the terminal received, in order.
    pub fn notifies(&self) -> Vec<serde_json::Value> {
        let sent = self.received(TransType::SettleNotify);
        sent.iter().map(|r| r.data().unwrap()).collect()
    }

    /// The transType of every request the terminal received, in order.
    pub fn trans_types(&self) -> Vec<String> {
        let all = self.sim.sim.received();
        all.into_iter().filter_map(|r| r.trans_type).collect()
    }

    /// The one integer `sql` selects from the desk's journal (a count, mostly).
    pub fn count(&self, sql: &str) -> i64 {
        self.desk
            .with_journal(|j| j.conn().query_row(sql, [], |r| r.get(0)).unwrap())
    }
}

pub fn config(db: &std::path::Path, url: &str) -> DeskConfig {
    let mut file = facepay_testkit::counter(db.parent().unwrap(), url);
    file.journal.path = Some(db.to_path_buf());
    file.timeouts = Some(Timeouts {
        face_auth: Duration::from_secs(2),
        other: Duration::from_secs(1),
    });
    file.outbox.first_retry_ms = Some(1000);
    file.outbox.max_attempts = Some(5);
    file.validate().unwrap()
}

pub async fn harness(now: &str) -> Harness {
    let sim = SimServer::loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(now));
    let cfg = config(&dir.path().join("facepay.db"), &sim.url());
    let TransportConfig::Http { url, .. } = &cfg.transport else {
        unreachable!()
    };
    let transport = Arc::new(HttpTransport::new(url).unwrap());
    let desk = Arc::new(Desk::with_parts(cfg, transport, clock.clone(), "test").unwrap());
    Harness {
        sim,
        clock,
        dir,
        desk,
    }
}

/// A SUCCESS of 120.50 for a visit; operator and hospital come from the desk.
pub fn success(out_biz_no: &str) -> SettleNotifyDraft {
    let s = |v: &str| Some(v.to_owned());
    SettleNotifyDraft {
        out_biz_no: out_biz_no.into(),
        medical_settle_state: "SUCCESS".into(),
        total_fee: "120.50".into(),
        medical_settle_no: Some(nhsa_terminal::samples::setl_id_for(out_biz_no)),
        own_amt: s("20.50"),
        hif_amt: s("80.00"),
        acct_amt: s("20.00"),
        hifp_amt: s("80.00"),
        ..SettleNotifyDraft::default()
    }
}

pub fn never() -> std::future::Pending<()> {
    std::future::pending()
}

pub const ADMIN_PIN: &str = "246810";

/// The counter's first administrator, 0107 林晓燕 (the configured operator),
/// created on demand; their credential as the CLI would present it.
pub fn admin(desk: &Desk) -> facepay_core::api::Admin {
    use facepay_core::api::{NewOperatorRequest, Pin, Role, StaffId};
    let id = StaffId::new("0107").unwrap();
    let pin = Pin::new(ADMIN_PIN).unwrap();
    if desk.seat_view().unwrap().needs_first_admin {
        desk.create_first_admin(NewOperatorRequest {
            id: id.clone(),
            name: "林晓燕".into(),
            role: Role::Admin,
            pin: pin.clone(),
        })
        .unwrap();
    }
    desk.authenticate_admin(&id, &pin).unwrap()
}

/// A desk with one SUCCESS on 2026-11-28, and the export request of that day.
#[allow(dead_code)] // not every test binary exports
pub async fn one_settled_day(unmasked: bool) -> (Harness, facepay_core::api::ExportRequest) {
    let h = harness("2026-11-28 09:00:00").await;
    let visit = h.desk.face_auth(never()).await.unwrap();
    h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
    let request = facepay_core::api::ExportRequest {
        from: "2026-11-28".into(),
        to: "2026-11-28".into(),
        format: facepay_core::api::ExportFormat::Csv,
        unmasked,
    };
    (h, request)
}
