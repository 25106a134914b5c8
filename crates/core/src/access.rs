//! Who is at the counter: 工号, PIN and role as types, and the seat the
//! signed-in operator occupies (locked when left idle). The journal keeps
//! operators; this module owns the rules.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use facepay_journal::Role;
use nhsa_terminal::protocol::OperatorName;

use crate::error::DeskError;

/// Wrong PINs in a row before an operator is locked out.
pub const PIN_ATTEMPTS: u32 = 5;
/// How long a lockout lasts.
pub const PIN_LOCKOUT: chrono::Duration = chrono::Duration::minutes(5);

/// An argon2id hash with the parameters PINs are hashed with, of a PIN no
/// operator has: what an unknown 工号's PIN is checked against.
const NOBODYS_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZmFjZXBheS11bmtub3duIQ$o5CuyOMf/pY6m5qCkK2m0UQzp12fU6sG72k4Kf8xljg";

/// Attempts counted in this process: for 工号 that do not exist (answered
/// exactly like existing ones) and for every 工号 while the journal cannot
/// be written. Kept with the seat, so a desk replaced by 设置 keeps them.
#[derive(Debug, Default)]
pub(crate) struct Attempts(
    Mutex<std::collections::HashMap<String, (u32, Option<chrono::NaiveDateTime>)>>,
);

impl Attempts {
    /// Count an attempt before its PIN is checked, as the journal does.
    pub(crate) fn count(
        &self,
        id: &str,
        now: chrono::NaiveDateTime,
    ) -> facepay_journal::operators::Attempt {
        use facepay_journal::operators::Attempt;
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a flood of made-up 工号 cannot grow it without end.
        if all.len() > 10_000 {
            all.retain(|_, (_, until)| until.is_some_and(|u| u > now));
        }
        let (failed, locked_until) = all.entry(id.to_owned()).or_default();
        if let Some(until) = locked_until.filter(|u| *u > now) {
            return Attempt::Locked(facepay_journal::clock::stamp(until).into_string());
        }
        *failed += 1;
        if *failed >= PIN_ATTEMPTS {
            *failed = 0;
            *locked_until = Some(now + PIN_LOCKOUT);
            return Attempt::Counted { left: 0 };
        }
        Attempt::Counted {
            left: PIN_ATTEMPTS - *failed,
        }
    }

    pub(crate) fn clear(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    /// Count an attempt in `file` too, shared by every process of this user
    /// (a read-only journal cannot count, and a count in memory alone starts
    /// again with each new process). The stricter of the two answers holds;
    /// when the file cannot be written either, memory alone.
    pub(crate) fn count_shared(
        &self,
        file: &std::path::Path,
        id: &str,
        now: chrono::NaiveDateTime,
    ) -> facepay_journal::operators::Attempt {
        use facepay_journal::operators::Attempt;
        let here = self.count(id, now);
        let shared = match shared_count(file, id, now, false) {
            Ok(shared) => shared,
            Err(e) => {
                tracing::warn!("sign-in attempts not counted in {}: {e}", file.display());
                return here;
            }
        };
        match (&here, &shared) {
            (Attempt::Locked(_), _) => here,
            (_, Attempt::Locked(_)) => shared,
            (Attempt::Counted { left: a }, Attempt::Counted { left: b }) => {
                Attempt::Counted { left: *a.min(b) }
            }
        }
    }

    pub(crate) fn clear_shared(&self, file: &std::path::Path, id: &str) {
        self.clear(id);
        let _ = shared_count(file, id, chrono::NaiveDateTime::MIN, true);
    }
}

/// One line a 工号 in `file`, `id failed locked-until`, under an exclusive
/// lock of the file for the read and the write.
fn shared_count(
    file: &std::path::Path,
    id: &str,
    now: chrono::NaiveDateTime,
    clear: bool,
) -> std::io::Result<facepay_journal::operators::Attempt> {
    use facepay_journal::operators::Attempt;
    use std::io::{Read, Seek, Write};
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(file)?;
    f.lock()?;
    let mut text = String::new();
    (&mut f).take(1 << 20).read_to_string(&mut text)?;
    let mut rows: Vec<(String, u32, Option<chrono::NaiveDateTime>)> = text
        .lines()
        .filter_map(|l| {
            let mut p = l.split('\t');
            let who = p.next()?.to_owned();
            let failed = p.next()?.parse().ok()?;
            let until = p.next().and_then(facepay_journal::clock::parse);
            Some((who, failed, until))
        })
        .filter(|(_, _, until)| until.is_none_or(|u| u > now - chrono::Duration::days(1)))
        .collect();
    rows.retain(|(who, ..)| !(clear && who == id));
    let answer = if clear {
        Attempt::Counted { left: PIN_ATTEMPTS }
    } else {
        let at = match rows.iter().position(|(who, ..)| who == id) {
            Some(at) => at,
            None => {
                rows.push((id.to_owned(), 0, None));
                rows.len() - 1
            }
        };
        let (_, failed, until) = &mut rows[at];
        match until.filter(|u| *u > now) {
            Some(u) => Attempt::Locked(facepay_journal::clock::stamp(u).into_string()),
            None => {
                *failed += 1;
                if *failed >= PIN_ATTEMPTS {
                    *failed = 0;
                    *until = Some(now + PIN_LOCKOUT);
                    Attempt::Counted { left: 0 }
                } else {
                    // Not locked: when it was last tried, so a row idle for a day goes.
                    *until = Some(now);
                    Attempt::Counted {
                        left: PIN_ATTEMPTS - *failed,
                    }
                }
            }
        }
    };
    let text: String = rows
        .iter()
        .take(10_000)
        .map(|(who, failed, until)| {
            let until = until
                .map(|u| facepay_journal::clock::stamp(u).into_string())
                .unwrap_or_default();
            format!("{who}\t{failed}\t{until}\n")
        })
        .collect();
    f.rewind()?;
    f.set_len(0)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(answer)
}

fn invalid(field: &'static str, message: impl Into<String>) -> DeskError {
    DeskError::Invalid {
        field,
        message: message.into(),
    }
}

/// 工号: 1–20 ASCII letters, digits, `-` or `_` (the terminal's operatorId
/// takes at most 20, and it is typed at a keyboard all day).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StaffId(String);

impl StaffId {
    pub fn new(value: impl Into<String>) -> Result<Self, DeskError> {
        let value = value.into();
        let value = value.trim();
        if value.is_empty() {
            return Err(invalid("staffId", "请输入工号"));
        }
        if value.chars().count() > 20
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid("staffId", "工号应为 1–20 位字母、数字、“-”或“_”"));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StaffId {
    type Error = String;
    fn try_from(v: String) -> Result<Self, String> {
        Self::new(v).map_err(|e| e.to_string())
    }
}

impl From<StaffId> for String {
    fn from(v: StaffId) -> String {
        v.0
    }
}

impl std::fmt::Display for StaffId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A PIN: 4–12 digits. Never printed, wiped from memory when dropped.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(value: impl Into<String>) -> Result<Self, DeskError> {
        Self::named(value, "pin")
    }

    /// A PIN checked under another form field's name (`newPin`, `adminPin`…).
    pub fn named(value: impl Into<String>, field: &'static str) -> Result<Self, DeskError> {
        let value = Zeroizing::new(value.into());
        if !(4..=12).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(field, "PIN 应为 4–12 位数字"));
        }
        Ok(Self(value))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The argon2id hash kept in the journal (PHC string, its own random salt).
    pub(crate) fn hash(&self) -> Result<String, DeskError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| DeskError::Internal(format!("系统随机数不可用：{e}")))?;
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| DeskError::Internal(format!("PIN 盐值：{e}")))?;
        argon2::Argon2::default()
            .hash_password(self.bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DeskError::Internal(format!("PIN 无法加密保存：{e}")))
    }

    /// Check this PIN against nobody's hash, with the same work as a real
    /// check: an unknown 工号 takes as long to refuse as a wrong PIN.
    pub(crate) fn waste_a_check(&self) {
        let _ = self.matches(NOBODYS_HASH);
    }

    /// Whether this PIN matches a stored hash. A hash that cannot be read,
    /// or that asks for more work than a PIN's ever did, matches nothing.
    pub(crate) fn matches(&self, stored: &str) -> bool {
        verify(self.bytes(), stored).unwrap_or(false)
    }
}

/// More argon2 memory than this is not a hash the desk wrote (19 MiB).
const MAX_PIN_HASH_BLOCKS: usize = 64 * 1024;
/// The work area of a check is allocated larger than this, which the
/// allocators map fresh for every allocation (glibc never serves 32 MiB from
/// its heap; Windows' heap hands such blocks to VirtualAlloc). Every check
/// then starts on untouched memory: the same work whatever ran before it. A
/// work area reused from the heap made a check after some journal writes
/// 2–3 ms faster or slower than one after others — enough to tell an
/// unknown 工号 from an existing one by the time of the answer.
const FRESH_ALLOCATION_BLOCKS: usize = 33 * 1024;

fn verify(pin: &[u8], stored: &str) -> Option<bool> {
    use argon2::password_hash::Output;
    use argon2::{Algorithm, Argon2, Block, Params, Version};
    let hash = PasswordHash::new(stored).ok()?;
    let params = Params::try_from(&hash).ok()?;
    let blocks = params.block_count();
    if blocks > MAX_PIN_HASH_BLOCKS {
        return None;
    }
    let algorithm = Algorithm::try_from(hash.algorithm).ok()?;
    let version = match hash.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let expected = hash.hash?;
    let mut salt = [0u8; 64];
    let salt = hash.salt?.decode_b64(&mut salt).ok()?;
    let mut work: Vec<Block> = Vec::with_capacity(blocks.max(FRESH_ALLOCATION_BLOCKS));
    work.resize(blocks, Block::default());
    let mut out = Zeroizing::new(vec![0u8; expected.len()]);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(pin, salt, &mut out, &mut work[..])
        .ok()?;
    // Output's equality is constant-time.
    Some(Output::new(&out).ok()? == expected)
}

impl TryFrom<String> for Pin {
    type Error = String;
    fn try_from(v: String) -> Result<Self, String> {
        Self::new(v).map_err(|e| e.to_string())
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(****)")
    }
}

/// A signed-in (or just authenticated) operator. Only the desk makes one,
/// after checking a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub(crate) id: StaffId,
    pub(crate) name: OperatorName,
    pub(crate) role: Role,
}

impl Operator {
    pub fn id(&self) -> &StaffId {
        &self.id
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The administrator's proof, or `forbidden` naming what is missing.
    pub fn admin(&self) -> Result<Admin, DeskError> {
        if may(self.role, Role::Admin) {
            Ok(Admin(self.clone()))
        } else {
            Err(DeskError::Forbidden { needs: Role::Admin })
        }
    }

    /// The proof for the hospital's views and 对账 (财务/信息科 or 管理员).
    pub fn reviewer(&self) -> Result<Reviewer, DeskError> {
        if may(self.role, Role::Finance) {
            Ok(Reviewer(self.clone()))
        } else {
            Err(DeskError::Forbidden {
                needs: Role::Finance,
            })
        }
    }

    pub fn view(&self) -> OperatorView {
        OperatorView {
            id: self.id.as_str().to_owned(),
            name: self.name.as_str().to_owned(),
            role: self.role,
        }
    }
}

/// Proof that an administrator authenticated: what admin-only desk methods
/// take, so none of them can be reached without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin(Operator);

impl Admin {
    pub fn operator(&self) -> &Operator {
        &self.0
    }

    pub fn id(&self) -> &str {
        self.0.id.as_str()
    }
}

/// Proof that someone who may review the hospital (财务/信息科 or 管理员)
/// authenticated: what the 全院 views and 对账 take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer(Operator);

impl Reviewer {
    pub fn id(&self) -> &str {
        self.0.id.as_str()
    }
}

/// Whether `role` may do the work of `needs`: an administrator everything,
/// the others their own (财务/信息科 takes no payments; a cashier reviews
/// no hospital).
pub fn may(role: Role, needs: Role) -> bool {
    role == Role::Admin || role == needs
}

/// The signed-in operator, as the panel shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// Who sits at the counter, for the status bar and the lock screen.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatView {
    pub operator: Option<OperatorView>,
    /// Locked (by 锁定 or idle time): the PIN of `operator` opens it again.
    pub locked: bool,
    /// No operator exists yet: the first start creates the administrator.
    pub needs_first_admin: bool,
    /// Idle minutes before the panel locks (0: never).
    pub idle_lock_minutes: u32,
}

#[derive(Debug)]
struct Sitting {
    operator: Operator,
    shift_id: i64,
    last_active: Instant,
    locked: bool,
}

/// The seat of one panel. The CLI and the HIS bridge never sit: they act
/// with an administrator credential or as the HIS.
#[derive(Debug, Default)]
pub struct Seat {
    sitting: Mutex<Option<Sitting>>,
    idle_after: Mutex<Option<Duration>>,
    /// Sign-in attempts counted in this process: a read-only journal cannot.
    pub(crate) attempts: Attempts,
}

impl Seat {
    fn lock_state(&self) -> std::sync::MutexGuard<'_, Option<Sitting>> {
        self.sitting.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_idle_after(&self, idle: Option<Duration>) {
        *self.idle_after.lock().unwrap_or_else(|p| p.into_inner()) = idle;
    }

    pub(crate) fn idle_after(&self) -> Option<Duration> {
        *self.idle_after.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lock a seat left idle too long (checked whenever anyone looks).
    fn lapse(&self, s: &mut Sitting) {
        if let Some(idle) = self.idle_after()
            && !s.locked
            && s.last_active.elapsed() >= idle
        {
            s.locked = true;
            tracing::info!(operator = %s.operator.id, "panel locked after idle time");
        }
    }

    /// The signed-in operator allowed to do `role`'s work; counts as activity
    /// when `touch` (a click, not a poll).
    pub(crate) fn require(&self, role: Role, touch: bool) -> Result<Operator, DeskError> {
        let operator = self.require_any(touch)?;
        if !may(operator.role, role) {
            return Err(DeskError::Forbidden { needs: role });
        }
        Ok(operator)
    }

    /// The signed-in operator, whatever the role (交班, their own PIN).
    pub(crate) fn require_any(&self, touch: bool) -> Result<Operator, DeskError> {
        let mut state = self.lock_state();
        let Some(s) = state.as_mut() else {
            return Err(DeskError::NotSignedIn);
        };
        self.lapse(s);
        if s.locked {
            return Err(DeskError::SeatLocked);
        }
        if touch {
            s.last_active = Instant::now();
        }
        Ok(s.operator.clone())
    }

    /// Who is signed in, locked or not (the operator actions are attributed to).
    pub(crate) fn occupant(&self) -> Option<Operator> {
        self.lock_state().as_ref().map(|s| s.operator.clone())
    }

    pub(crate) fn shift_id(&self) -> Option<i64> {
        self.lock_state().as_ref().map(|s| s.shift_id)
    }

    pub(crate) fn view(&self) -> (Option<OperatorView>, bool) {
        let mut state = self.lock_state();
        match state.as_mut() {
            Some(s) => {
                self.lapse(s);
                (Some(s.operator.view()), s.locked)
            }
            None => (None, false),
        }
    }

    pub(crate) fn sit(&self, operator: Operator, shift_id: i64) {
        *self.lock_state() = Some(Sitting {
            operator,
            shift_id,
            last_active: Instant::now(),
            locked: false,
        });
    }

    pub(crate) fn lock(&self) -> bool {
        match self.lock_state().as_mut() {
            Some(s) => {
                s.locked = true;
                true
            }
            None => false,
        }
    }

    pub(crate) fn unlock(&self) {
        if let Some(s) = self.lock_state().as_mut() {
            s.locked = false;
            s.last_active = Instant::now();
        }
    }

    pub(crate) fn leave(&self) -> Option<(Operator, i64)> {
        self.lock_state().take().map(|s| (s.operator, s.shift_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_matches_its_own_hash_only() {
        let pin = Pin::new("135790").unwrap();
        let hash = pin.hash().unwrap();
        assert!(pin.matches(&hash));
        assert!(!Pin::new("135791").unwrap().matches(&hash));
        assert!(!pin.matches("not a hash"));
        assert!(!pin.matches(NOBODYS_HASH));
    }

    #[test]
    fn nobodys_hash_costs_what_a_real_one_does() {
        let real = Pin::new("1234").unwrap().hash().unwrap();
        let params = |h: &str| {
            let h = PasswordHash::new(h).unwrap();
            (
                h.algorithm.to_string(),
                h.version,
                argon2::Params::try_from(&h).unwrap(),
                h.salt.unwrap().len(),
                h.hash.unwrap().len(),
            )
        };
        assert_eq!(params(NOBODYS_HASH), params(&real));
    }

    #[test]
    fn a_hash_asking_for_more_memory_than_a_pins_is_refused_unchecked() {
        // 1 GiB: not one the desk wrote; checking it would stall sign-in.
        let greedy = NOBODYS_HASH.replace("m=19456", "m=1048576");
        assert!(verify(b"1234", &greedy).is_none());
    }
}
