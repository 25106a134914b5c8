//! A stand-in for the face-scan terminal: answers the four transactions with
//! realistic Yangjiang data (children among its people, for the 医保码 path), validates requests like a strict terminal, can be
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
pub use people::{Guardian, Person, YANGJIANG_REGIONS, birth_date_for_age, today_in_china};
pub use script::{Behaviour, Script};

use crate::protocol::notify::SettleNotifyDraft;
use crate::protocol::qrcode::FAMILY_ACCOUNT_TYPE;
use crate::protocol::validation::from_value;
use crate::protocol::{AuthCheck, EcAuth, QrCodeGet, SettleNotify, TransType};

/// Reply codes of the simulator. No official table is public; these only
/// need to be non-zero and stable so tests and training material can name them.
pub mod codes {
    pub const INVALID_REQUEST: i64 = 1001;
    pub const UNKNOWN_TRANS_TYPE: i64 = 1002;
    pub const DUPLICATE_OUT_BIZ_NO: i64 = 1003;
    /// A script named a person the roster does not have.
    pub const UNKNOWN_PERSON: i64 = 1004;
    pub const UNKNOWN_AUTH_NO: i64 = 2001;
    /// ec.auth: the face could not be used — not recognised, never enrolled,
    /// hidden by a mask or glasses, bad light, an infant. This is the code
    /// the panel treats as "offer 改用医保码 (F3)". PROTOCOL.md §3 defines no
    /// reply codes and no public table exists, so a real terminal's code for
    /// this must be configured beside it; `-2` (cancelled) is not this.
    pub const FACE_UNUSABLE: i64 = 2002;
    pub const FACE_UNUSABLE_MESSAGE: &str = "人脸识别失败：无法识别人脸，请改用医保码";
    /// qrcode.get: no 医保码 was shown before the terminal gave up.
    pub const QR_CODE_NOT_SCANNED: i64 = 2003;
    /// qrcode.get: the 中台 could not decode the code, or it expired.
    pub const QR_CODE_INVALID: i64 = 2004;
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
    /// The simulator's today, when fixed; otherwise the clock's (UTC+8).
    today: Option<(u32, u32, u32)>,
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
                today: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fix the simulator's today (reproducible ages in tests and
    /// screenshots), or go back to the clock with `None`.
    pub fn set_today(&self, day: Option<(u32, u32, u32)>) {
        self.state().today = day;
    }

    /// The day the roster's ages are counted on: fixed, or today in China.
    pub fn today(&self) -> (u32, u32, u32) {
        self.state().today()
    }

    /// The fixed roster on [`Simulator::today`]: children from 5 months to
    /// teens, each with a valid 居民身份证号 and a 亲情账户 guardian.
    pub fn roster(&self) -> Vec<Person> {
        people::roster(self.today())
    }

    /// One person of the roster by key, e.g. `child-1y5m`.
    pub fn person(&self, key: &str) -> Option<Person> {
        self.roster().into_iter().find(|p| p.key == Some(key))
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

    /// The `data` of the last `trans` request received, if any came.
    pub fn last_data(&self, trans: TransType) -> Option<Value> {
        let st = self.state();
        st.received
            .iter()
            .rev()
            .find(|r| r.trans_type.as_deref() == Some(trans.as_str()))
            .and_then(Received::data)
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
            normal => ok(
                match st.answer(request.as_ref(), scripted_person(&normal)) {
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
                },
            ),
        };
        SimReply { delay, outcome }
    }
}

fn scripted_person(behaviour: &Behaviour) -> Option<&str> {
    match behaviour {
        Behaviour::AsPerson { person } => Some(person),
        _ => None,
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
    fn today(&self) -> (u32, u32, u32) {
        self.today.unwrap_or_else(today_in_china)
    }

    /// The scripted person, or one the simulator picks: for a 医保码 scan a
    /// roster child half of the time (a 妇幼 hospital's patients), otherwise a
    /// random adult.
    fn pick_person(&mut self, scripted: Option<&str>, children: bool) -> Result<Person, Refusal> {
        let roster = people::roster(self.today());
        if let Some(key) = scripted {
            return roster
                .into_iter()
                .find(|p| p.key == Some(key))
                .ok_or_else(|| {
                    (
                        codes::UNKNOWN_PERSON,
                        format!("模拟器没有编号为 {key} 的人员"),
                    )
                });
        }
        if children && self.rng.bool() {
            let i = self.rng.usize(..roster.len());
            return Ok(roster[i].clone());
        }
        Ok(people::random_person(&mut self.rng))
    }

    /// The identity fields of a reply (auth.check and qrcode.get).
    fn identity(&mut self, person: &Person) -> serde_json::Map<String, Value> {
        let region = &person.insu_org[..4];
        let fields = json!({
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
        });
        match fields {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        }
    }

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

    fn answer(
        &mut self,
        request: Option<&Value>,
        scripted: Option<&str>,
    ) -> Result<Value, Refusal> {
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
                let person = self.pick_person(scripted, false)?;
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
                let Some(issued) = self.issued.get(req.auth_no.as_str()).cloned() else {
                    return Err((
                        codes::UNKNOWN_AUTH_NO,
                        "实人认证业务流水号无效或已过期，请重新刷脸".into(),
                    ));
                };
                // A script may make a faulty terminal answer with someone else.
                let person = match scripted {
                    Some(_) => self.pick_person(scripted, false)?,
                    None => issued,
                };
                self.claim(req.out_biz_no.as_str())?;
                let mut data = self.identity(&person);
                data.insert("authNo".into(), json!(req.auth_no.as_str()));
                data.insert("ecQrCode".into(), json!(""));
                data.insert("extData".into(), json!("{}"));
                Ok(Value::Object(data))
            }
            TransType::QrCodeGet => {
                let req: QrCodeGet = from_value(data).map_err(bad)?;
                if req.org_id.as_str() != org_id {
                    return Err(invalid("data.orgId 与报文头 orgId 不一致".into()));
                }
                self.claim(req.out_biz_no.as_str())?;
                let person = self.pick_person(scripted, true)?;
                let auth_no = format!("ano{}", people::digits(&mut self.rng, 25));
                let mut data = self.identity(&person);
                data.insert("outBizNo".into(), json!(req.out_biz_no.as_str()));
                data.insert("orgId".into(), json!(req.org_id.as_str()));
                data.insert("authNo".into(), json!(auth_no));
                let code = format!(
                    "{}ecqr{}",
                    person.insu_org,
                    people::alnum_lower(&mut self.rng, 54)
                );
                data.insert("ecQrCode".into(), json!(code));
                // 亲情账户: documented in protocol::qrcode::FamilyAccount. As
                // extData, a JSON object sent as a string; "null" otherwise.
                let extra = match &person.guardian {
                    Some(g) => json!({
                        "accountType": FAMILY_ACCOUNT_TYPE,
                        "guardianName": g.name,
                        "guardianRelation": g.relation,
                    })
                    .to_string(),
                    None => "null".to_owned(),
                };
                data.insert("extra".into(), json!(extra));
                data.insert("extData".into(), json!("{}"));
                // The code's authNo identifies the person to a later
                // auth.check too, should a caller send one.
                self.issued.insert(auth_no, person);
                Ok(Value::Object(data))
            }
            TransType::SettleNotify => {
                let mut draft: SettleNotifyDraft = from_value(data).map_err(bad)?;
                draft.infer_self_pay();
                let req = SettleNotify::try_from(draft).map_err(bad)?;
                Ok(json!({"outBizNo": req.out_biz_no.as_str(), "extData": "{}"}))
            }
        }
    }

    /// The spec wants every request's outBizNo unique (ec.auth, auth.check,
    /// qrcode.get; a notify reuses its visit's).
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
