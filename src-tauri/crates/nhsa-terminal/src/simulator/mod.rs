//! A stand-in for the face-scan terminal: answers the three transactions with
//! realistic Yangjiang data, validates requests like a strict terminal, can be
//! scripted to misbehave, and records every request it received.
//!
//! This is the brain only; the in-process transport and the `facepay-sim`
//! HTTP server both drive it.

mod people;
mod script;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use fastrand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use crate::protocol::id_card::{id_check_char, is_valid_resident_id};
pub use people::YANGJIANG_REGIONS;
pub use script::{Behaviour, Script};

use crate::protocol::notify::SettleNotifyDraft;
use crate::protocol::validation::from_value;
use crate::protocol::{AuthCheck, EcAuth, SettleNotify, TransType};

/// Reply codes of the simulator. No official table is public; these only
/// need to be non-zero and stable so tests and training material can name them.
pub mod codes {
    pub const INVALID_REQUEST: i64 = 1001;
    pub const UNKNOWN_TRANS_TYPE: i64 = 1002;
    pub const DUPLICATE_OUT_BIZ_NO: i64 = 1003;
    pub const UNKNOWN_AUTH_NO: i64 = 2001;
}

/// What the simulator answers, before any transport applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReply {
    pub delay: Duration,
    pub outcome: SimOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimOutcome {
    Reply { status: u16, body: String },
    Hang,
}

/// A request as the simulator received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub seq: u64,
    pub trans_type: Option<String>,
    pub body: String,
}

impl Received {
    /// The `data` object of the request, if it had one.
    pub fn data(&self) -> Option<Value> {
        serde_json::from_str::<Value>(&self.body)
            .ok()?
            .get("data")
            .cloned()
    }
}

#[derive(Debug)]
pub struct Simulator {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    rng: Rng,
    scripts: VecDeque<Script>,
    received: Vec<Received>,
    issued: HashMap<String, people::Person>,
    used_out_biz_nos: HashSet<String>,
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new()
    }
}

type Refusal = (i64, String);

impl Simulator {
    pub fn new() -> Self {
        Self::with_seed(fastrand::u64(..))
    }

    /// Same seed, same people and numbers: for reproducible training material.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            state: Mutex::new(State {
                rng: Rng::with_seed(seed),
                scripts: VecDeque::new(),
                received: Vec::new(),
                issued: HashMap::new(),
                used_out_biz_nos: HashSet::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push_script(&self, script: Script) {
        self.state().scripts.push_back(script);
    }

    pub fn clear_scripts(&self) {
        self.state().scripts.clear();
    }

    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    pub fn clear_received(&self) {
        self.state().received.clear();
    }

    /// Answer one request body.
    pub fn handle(&self, body: &str) -> SimReply {
        let mut st = self.state();
        let request = serde_json::from_str::<Value>(body).ok();
        let trans_type = request
            .as_ref()
            .and_then(|r| r.get("transType"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let seq = st.received.len() as u64 + 1;
        st.received.push(Received {
            seq,
            trans_type: trans_type.clone(),
            body: body.to_owned(),
        });
        let script = st.take_script(trans_type.as_deref());
        let delay = Duration::from_millis(script.as_ref().map_or(0, |s| s.delay_ms));
        let behaviour = script.map(|s| s.reply).unwrap_or_default();
        let org_id = request
            .as_ref()
            .and_then(|r| r.get("orgId"))
            .cloned()
            .unwrap_or(Value::Null);
        let ok = |body: String| SimOutcome::Reply { status: 200, body };
        let outcome = match behaviour {
            Behaviour::Hang => SimOutcome::Hang,
            Behaviour::HttpStatus { status, body } => SimOutcome::Reply {
                status,
                body: if body.is_empty() {
                    "Internal Server Error".into()
                } else {
                    body
                },
            },
            Behaviour::Malformed { body } => {
                ok(body
                    .unwrap_or_else(|| r#"{"code":0,"message":"成功","data":"{\"authNo\":"#.into()))
            }
            Behaviour::Error { code, message } => ok(refusal(code, &message, &org_id)),
            normal => ok(match st.answer(request.as_ref()) {
                Err((code, message)) => refusal(code, &message, &org_id),
                Ok(mut data) => {
                    if normal == Behaviour::WrongEcho {
                        for field in ["outBizNo", "authNo"] {
                            if let Some(v) = data.get_mut(field) {
                                *v = Value::String(format!("{}X", v.as_str().unwrap_or("")));
                            }
                        }
                    }
                    success(data, &org_id, &normal)
                }
            }),
        };
        SimReply { delay, outcome }
    }
}

fn refusal(code: i64, message: &str, org_id: &Value) -> String {
    json!({"code": code, "message": message, "orgId": org_id, "data": null}).to_string()
}

fn success(data: Value, org_id: &Value, style: &Behaviour) -> String {
    let data = match style {
        Behaviour::DataAsObject => data,
        _ => Value::String(data.to_string()),
    };
    let reply = json!({"code": 0, "message": "成功", "orgId": org_id, "data": data}).to_string();
    match style {
        Behaviour::DoubleEncoded => Value::String(reply).to_string(),
        _ => reply,
    }
}

impl State {
    fn take_script(&mut self, trans_type: Option<&str>) -> Option<Script> {
        let index = self
            .scripts
            .iter()
            .position(|s| s.trans_type.is_none() || s.trans_type.as_deref() == trans_type)?;
        let script = &mut self.scripts[index];
        script.times = script.times.saturating_sub(1);
        if script.times == 0 {
            self.scripts.remove(index)
        } else {
            Some(script.clone())
        }
    }

    fn answer(&mut self, request: Option<&Value>) -> Result<Value, Refusal> {
        let invalid = |msg: String| (codes::INVALID_REQUEST, format!("请求参数错误：{msg}"));
        let request = request.ok_or_else(|| invalid("不是有效的 JSON".into()))?;
        let org_id = request.get("orgId").and_then(Value::as_str).unwrap_or("");
        if org_id.trim().is_empty() {
            return Err(invalid("缺少 orgId".into()));
        }
        let trans = request
            .get("transType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let trans = TransType::parse(trans).ok_or_else(|| {
            (
                codes::UNKNOWN_TRANS_TYPE,
                format!("不支持的交易类型：{trans}"),
            )
        })?;
        let data = request.get("data").cloned().unwrap_or(Value::Null);
        // Some callers send data as a string holding JSON; a tolerant terminal reads both.
        let data = match data {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        };
        let bad = |e: crate::ValidationError| invalid(e.to_string());
        match trans {
            TransType::EcAuth => {
                let req: EcAuth = from_value(data).map_err(bad)?;
                if req.org_id.as_str() != org_id {
                    return Err(invalid("data.orgId 与报文头 orgId 不一致".into()));
                }
                self.claim(req.out_biz_no.as_str())?;
                let person = people::random_person(&mut self.rng);
                let auth_no = format!("ano{}", people::digits(&mut self.rng, 25));
                self.issued.insert(auth_no.clone(), person);
                Ok(json!({
                    "authNo": auth_no,
                    "fToken": format!("ft{}", people::alnum_lower(&mut self.rng, 62)),
                    "outBizNo": req.out_biz_no.as_str(),
                    "extData": "{}",
                }))
            }
            TransType::AuthCheck => {
                let req: AuthCheck = from_value(data).map_err(bad)?;
                if req.org_id.as_str() != org_id {
                    return Err(invalid("data.orgId 与报文头 orgId 不一致".into()));
                }
                let Some(person) = self.issued.get(req.auth_no.as_str()).cloned() else {
                    return Err((
                        codes::UNKNOWN_AUTH_NO,
                        "实人认证业务流水号无效或已过期，请重新刷脸".into(),
                    ));
                };
                self.claim(req.out_biz_no.as_str())?;
                let region = &person.insu_org[..4];
                Ok(json!({
                    "authNo": req.auth_no.as_str(),
                    "userName": person.name,
                    "idNo": person.id_no,
                    "idType": "01",
                    "gender": person.gender,
                    "birthday": person.birthday,
                    "insuOrg": person.insu_org,
                    "ecToken": format!("{region}00ec{}", people::alnum_lower(&mut self.rng, 30)),
                    "ecIndexNo": people::hex_upper(&mut self.rng, 32),
                    "nationality": "null",
                    "email": "",
                    "chnlId": "null",
                    "ecQrCode": "",
                    "extData": "{}",
                }))
            }
            TransType::SettleNotify => {
                let mut draft: SettleNotifyDraft = from_value(data).map_err(bad)?;
                draft.infer_self_pay();
                let req = SettleNotify::try_from(draft).map_err(bad)?;
                Ok(json!({"outBizNo": req.out_biz_no.as_str(), "extData": "{}"}))
            }
        }
    }

    /// The spec wants every ec.auth / auth.check outBizNo unique.
    fn claim(&mut self, out_biz_no: &str) -> Result<(), Refusal> {
        if self.used_out_biz_nos.insert(out_biz_no.to_owned()) {
            Ok(())
        } else {
            Err((
                codes::DUPLICATE_OUT_BIZ_NO,
                format!("业务流水号 {out_biz_no} 重复，每次请求都需要唯一"),
            ))
        }
    }
}
