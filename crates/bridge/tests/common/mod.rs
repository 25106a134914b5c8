//! The real bridge on loopback, over a desk on the simulator (real HTTP) and
//! a real SQLite file; a plain HTTP client plays the HIS.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facepay_bridge::{Bridge, TokenSource};
use facepay_core::api::{Desk, DeskConfig, FileConfig, HisNotify};
use facepay_sim::{Received, SimServer};
use facepay_testkit::Http;
use nhsa_terminal::protocol::TransType;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

pub const TOKEN: &str = "test-token-0123456789abcdef0123456789";

pub struct His {
    pub sim: SimServer,
    pub dir: tempfile::TempDir,
    pub desk: Arc<Desk>,
    pub bridge: Option<Bridge>,
    pub base: String,
    /// The HIS's client of the bridge, with its token.
    pub api: Http,
    pub token: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Answer {
    /// The visit the answer names (a scan's, or the one a refusal is about).
    pub fn out_biz_no(&self) -> String {
        self.body["outBizNo"].as_str().unwrap().to_owned()
    }
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
            api: Http::new(String::new()),
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
        self.api = Http::new(self.base.clone()).bearer(self.token.clone());
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

    pub async fn send(&self, request: RequestBuilder) -> Answer {
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

    /// A request to `path` with the token, for a test that sets more.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.api.request(method, path)
    }

    /// A request to `path` from a caller without the token.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        Http::new(self.base.clone()).request(method, path)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
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
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        self.send(r).await
    }

    /// A face scan for a HIS that cannot wait (`Prefer: respond-async`),
    /// for the test to add to and send.
    pub fn async_scan(&self) -> RequestBuilder {
        let scan = self.request(Method::POST, "/v1/face-auth");
        scan.header("Prefer", "respond-async")
    }

    /// A face scan as most HISes start it: no body, no key.
    pub async fn scan(&self) -> Answer {
        self.post("/v1/face-auth", "", None).await
    }

    /// The visit's 2207 SUCCESS of 120.50 ([`setlinfo_2207`]), without a key.
    pub async fn settle(&self, out_biz_no: &str, setl_time: &str) -> Answer {
        let body = setlinfo_2207(out_biz_no, setl_time);
        self.post("/v1/settlements", &body, None).await
    }

    /// The settle.notify requests the terminal received.
    pub fn notifies(&self) -> Vec<Value> {
        let sent = self.received(TransType::SettleNotify);
        sent.iter().filter_map(Received::data).collect()
    }

    /// How many face scans reached the terminal.
    pub fn scans(&self) -> usize {
        self.received(TransType::EcAuth).len()
    }

    /// The transType of every request the terminal received, in order.
    pub fn trans_types(&self) -> Vec<String> {
        let all = self.sim.sim.received();
        all.into_iter().filter_map(|r| r.trans_type).collect()
    }

    /// The requests of `trans` the terminal received, in order.
    pub fn received(&self, trans: TransType) -> Vec<Received> {
        let all = self.sim.sim.received();
        let of = |r: &Received| r.trans_type.as_deref() == Some(trans.as_str());
        all.into_iter().filter(of).collect()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.desk
            .with_journal(|j| j.conn().query_row(sql, [], |r| r.get(0)).unwrap())
    }
}

/// A 2207 result for the visit `out_biz_no` as a HIS receives it: numbers
/// and strings mixed, nulls, fields we do not map; its setl_id is the
/// visit's own (one setl_id, one settlement).
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
