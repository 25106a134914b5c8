//! The real bridge on loopback, over a desk on the simulator (real HTTP) and
//! a real SQLite file; a plain HTTP client plays the HIS.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facepay_bridge::{Bridge, TokenSource};
use facepay_core::api::{Desk, DeskConfig, FileConfig, HisNotify};
use facepay_sim::SimServer;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const TOKEN: &str = "test-token-0123456789abcdef0123456789";

pub struct His {
    pub sim: SimServer,
    pub dir: tempfile::TempDir,
    pub desk: Arc<Desk>,
    pub bridge: Option<Bridge>,
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

pub fn config(dir: &std::path::Path, url: &str, his_notify: HisNotify) -> DeskConfig {
    config_with(dir, url, |f| f.bridge.his_notify = Some(his_notify))
}

/// The test counter's settings, changed by `adjust` before validation.
pub fn config_with(
    dir: &std::path::Path,
    url: &str,
    adjust: impl FnOnce(&mut FileConfig),
) -> DeskConfig {
    let mut file = facepay_testkit::counter(dir, url);
    file.timeouts = Some(nhsa_timeouts());
    adjust(&mut file);
    file.validate().unwrap()
}

fn nhsa_timeouts() -> facepay_core::api::Timeouts {
    facepay_core::api::Timeouts {
        face_auth: Duration::from_secs(2),
        other: Duration::from_secs(2),
    }
}

impl His {
    pub async fn start() -> Self {
        Self::with(HisNotify::AtOnce, Some(TOKEN)).await
    }

    /// A counter whose token lives in its file (`None`) or is fixed.
    pub async fn with(his_notify: HisNotify, token: Option<&str>) -> Self {
        Self::configured(token, |f| f.bridge.his_notify = Some(his_notify)).await
    }

    /// A counter with settings of its own (`adjust`), its token fixed or in its file.
    pub async fn configured(token: Option<&str>, adjust: impl FnOnce(&mut FileConfig)) -> Self {
        let sim = SimServer::loopback().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let desk =
            Arc::new(Desk::open(config_with(dir.path(), &sim.url(), adjust), "test").unwrap());
        let mut his = Self {
            sim,
            dir,
            desk,
            bridge: None,
            base: String::new(),
            http: reqwest::Client::new(),
            token: String::new(),
        };
        his.serve(token).await;
        his
    }

    /// (Re)start the bridge over the current desk.
    pub async fn serve(&mut self, token: Option<&str>) {
        let path = self.dir.path().join("bridge.token");
        let source = Arc::new(TokenSource::open(&path, token).unwrap());
        self.token = source.current().reveal().to_owned();
        let desk = Arc::clone(&self.desk);
        let bridge = facepay_bridge::start(
            Arc::new(move || Arc::clone(&desk)),
            SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
        )
        .await
        .unwrap();
        self.base = format!("http://{}", bridge.addr());
        self.bridge = Some(bridge);
    }

    /// Stop the bridge and close the desk, as a killed or restarted process does.
    pub async fn restart(&mut self, his_notify: HisNotify) {
        if let Some(b) = self.bridge.take() {
            b.stop().await;
        }
        let cfg = config(self.dir.path(), &self.sim.url(), his_notify);
        self.desk = Arc::new(Desk::open(cfg, "test").unwrap());
        self.serve(Some(TOKEN)).await;
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let r = request.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            body,
            headers,
        }
    }

    pub fn authed(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        r.bearer_auth(&self.token)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.authed(self.http.get(format!("{}{path}", self.base))))
            .await
    }

    /// The bridge's port.
    pub fn port(&self) -> u16 {
        self.bridge.as_ref().unwrap().addr().port()
    }

    /// Send raw bytes on a new connection and read what comes back until the
    /// bridge closes it (or `wait` passes).
    pub async fn raw(&self, bytes: &[u8], wait: Duration) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.port()))
            .await
            .unwrap();
        s.write_all(bytes).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    pub async fn post(&self, path: &str, body: &str, key: Option<&str>) -> Answer {
        let mut r = self
            .authed(self.http.post(format!("{}{path}", self.base)))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        self.send(r).await
    }

    /// The settle.notify requests the terminal received.
    pub fn notifies(&self) -> Vec<Value> {
        self.sim
            .sim
            .received()
            .into_iter()
            .filter(|r| r.trans_type.as_deref() == Some("cn.nhsa.settle.notify"))
            .filter_map(|r| r.data())
            .collect()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.desk
            .with_journal(|j| j.conn().query_row(sql, [], |r| r.get(0)).unwrap())
    }
}

/// A 2207 result as a HIS receives it: numbers and strings mixed, nulls,
/// fields we do not map.
/// A 2207 result for the visit `out_biz_no`; its setl_id is the visit's
/// own (one setl_id, one settlement).
pub fn setlinfo_2207(out_biz_no: &str, setl_time: &str) -> String {
    let setl_id = nhsa_terminal::samples::setl_id_for(out_biz_no);
    format!(
        r#"{{"outBizNo":"{out_biz_no}","medicalSettleState":"SUCCESS","setlinfo":{{
            "setl_id":"{setl_id}","mdtrt_id":"441700M0000000001","psn_no":"44000000000000000001",
            "psn_name":"should-not-matter","insutype":"310","setl_time":"{setl_time}",
            "medfee_sumamt":120.5,"fulamt_ownpay_amt":0,"psn_cash_pay":"20.50",
            "fund_pay_sumamt":80.00,"acct_pay":20,"hifp_pay":"80.00","hifmi_pay":null,
            "cvlserv_pay":0.0,"maf_pay":null,"hosp_part_amt":"","balc":1234.56,
            "acct_mulaid_pay":0,"clr_type":"11","medins_setl_id":"H-0001"}}}}"#
    )
}

/// The wall clock as a HIS writes setl_time.
pub fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}
