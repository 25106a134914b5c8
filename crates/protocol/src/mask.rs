//! Personal data (证件号, 姓名, ecToken) never appears in full on screen, in
//! logs or in exports unless the cashier reveals it. [`Personal`] makes the
//! masked form the default: its `Debug` and `Display` are masked, and the full
//! value must be asked for by name.

use serde::{Deserialize, Serialize};

/// Which masking rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 证件号码: 3 characters before the last (an 18-digit number's
    /// sequence code), nothing else. The region is 参保地's neighbour, the
    /// birth date is bounded by the age shown, and the last character is the
    /// check digit: shown, it would cut the birth dates left by 11 (an adult
    /// shown as `012X`, 30岁 and 441721 was one of 36 numbers). Hidden, every
    /// day of the age's year remains: at least 365 numbers per person.
    IdNo,
    /// 姓名: the surname kept, the rest starred.
    Name,
    /// Tokens: first 4 and last 4 kept.
    Token,
    /// Nothing kept (a birth date, an e-mail address).
    Whole,
}

/// Mask `value` by `kind`. Short values are starred whole rather than half shown.
pub fn mask(kind: Kind, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let keep = |head: usize, tail: usize| -> String {
        if n <= head + tail {
            return "*".repeat(n);
        }
        let mut out: String = chars[..head].iter().collect();
        out.extend(std::iter::repeat_n('*', n - head - tail));
        out.extend(&chars[n - tail..]);
        out
    };
    match kind {
        // A short number would be mostly shown by its last 4.
        Kind::IdNo if n < 8 => "*".repeat(n),
        Kind::IdNo => masked_from_last4(&chars[n - 4..].iter().collect::<String>(), n),
        Kind::Token => keep(4, 4),
        Kind::Whole => "*".repeat(n),
        Kind::Name if n <= 1 => "*".repeat(n),
        Kind::Name => {
            let mut out: String = chars[..1].iter().collect();
            out.extend(std::iter::repeat_n('*', n - 1));
            out
        }
    }
}

/// The masked form of an ID number of `len` characters known only by its
/// last 4 (what 历史 keeps beside each settlement): the same as [`mask`] of
/// the whole number, so no two views of one person differ.
pub fn masked_from_last4(last4: &str, len: usize) -> String {
    let shown = shown_of_last4(last4);
    let stars = len.saturating_sub(shown.chars().count() + 1);
    format!("{}{shown}*", "*".repeat(stars))
}

/// What of an ID number's last 4 may be shown or matched: the first 3. A
/// search by the last 4 matches on these alone, or 11 searches would tell
/// the check digit the screen hides.
pub fn shown_of_last4(last4: &str) -> String {
    let chars: Vec<char> = last4.chars().collect();
    chars[..chars.len().saturating_sub(1).min(3)]
        .iter()
        .collect()
}

/// Replace every ID number in free text (raw replies, log lines, a
/// terminal's message) with its masked form. A belt to go with
/// [`Personal`]'s braces. An ID number is 18 characters (17 digits and a
/// digit or X) or 15 digits, whose birth date is a date, written in ASCII or
/// full-width digits, whole or in its groups (`441721 19951207 012X`,
/// `441721-1995-1207-012X`); a longer or shorter run of digits (a
/// timestamp inside an outBizNo, an amount) is left as it is.
pub fn scrub_id_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !id_char(chars[i - 1]);
        if boundary
            && digit(chars[i]).is_some()
            && let Some(end) = id_number_at(&chars, i)
        {
            let found: String = chars[i..end].iter().collect();
            let digits: String = found.chars().filter(|c| id_char(*c)).collect();
            out.push_str(&mask(Kind::IdNo, &digits));
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// An ASCII or full-width digit's value.
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn id_char(c: char) -> bool {
    digit(c).is_some() || matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')
}

/// The end of an ID number starting at `start`, if one does: its groups may
/// be set apart by one space or hyphen, in the shapes people write them.
fn id_number_at(chars: &[char], start: usize) -> Option<usize> {
    const SHAPES: [&[usize]; 5] = [&[18], &[6, 8, 4], &[6, 4, 4, 4], &[15], &[6, 6, 3]];
    'shape: for shape in SHAPES {
        let mut i = start;
        let mut digits = String::new();
        for (g, len) in shape.iter().enumerate() {
            if g > 0 {
                if !matches!(chars.get(i), Some(' ' | '-')) {
                    continue 'shape;
                }
                i += 1;
            }
            for _ in 0..*len {
                let Some(&c) = chars.get(i) else {
                    continue 'shape;
                };
                let last = digits.len() == 17;
                match digit(c) {
                    Some(d) => digits.push(char::from_digit(d, 10).unwrap_or('0')),
                    None if last && matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ') => digits.push('X'),
                    None => continue 'shape,
                }
                i += 1;
            }
        }
        // Not a part of a longer run of digits.
        if chars.get(i).is_some_and(|c| id_char(*c)) {
            continue;
        }
        let birth = match digits.len() {
            18 => &digits[6..14],
            15 => &digits[6..12],
            _ => continue,
        };
        if plausible_birth_date(birth) {
            return Some(i);
        }
    }
    None
}

/// `YYYYMMDD` (or `YYMMDD` of an old 15-digit number) that could be a birth date.
fn plausible_birth_date(digits: &str) -> bool {
    let n = |r: std::ops::Range<usize>| digits.get(r).and_then(|d| d.parse::<u32>().ok());
    let (year_ok, month, day) = match digits.len() {
        8 => (
            n(0..4).is_some_and(|y| (1880..=2100).contains(&y)),
            n(4..6),
            n(6..8),
        ),
        6 => (true, n(2..4), n(4..6)),
        _ => return false,
    };
    year_ok
        && month.is_some_and(|m| (1..=12).contains(&m))
        && day.is_some_and(|d| (1..=31).contains(&d))
}

/// Mask credential-like runs in free text: 32 or more letters and digits
/// mixed (an ecToken, an ecIndexNo) that a terminal may quote back. A
/// SHA-256 digest of our own (64 lowercase hex) is left for support.
fn scrub_tokens(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let mixed = run.chars().any(|c| c.is_ascii_digit())
                && run.chars().any(|c| c.is_ascii_alphabetic());
            let digest = run.len() == 64
                && run
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            if run.len() >= 32 && mixed && !digest {
                out.push_str(&mask(Kind::Token, &run));
            } else {
                out.push_str(&run);
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Wire fields that carry personal data, and how each is masked.
const PERSONAL_FIELDS: &[(&str, Kind)] = &[
    ("idNo", Kind::IdNo),
    ("userName", Kind::Name),
    ("ecToken", Kind::Token),
    ("fToken", Kind::Token),
    // The 医保码 value is a credential like ecToken: whoever holds it can
    // present the patient's 电子凭证 until it expires.
    ("ecQrCode", Kind::Token),
    // A 亲情账户's guardian (inside qrcode.get's `extra`).
    ("guardianName", Kind::Name),
    ("ecIndexNo", Kind::Token),
    ("birthday", Kind::Whole),
    ("email", Kind::Whole),
];

/// Names of people who are not patients: staff and places, kept as sent.
const NOT_A_PATIENT: &[&str] = &[
    "operatorname",
    "officename",
    "hospitalname",
    "doctorname",
    "orgname",
    "deptname",
    "fixmedinsname",
    "fixmedins_name",
    "dept_name",
];

/// How a field a terminal sends beyond the spec is masked, by its name: any
/// name (`psnName`, `certName`, `name`) and any certificate number
/// (`certNo`, `psnCertNo`, `idCard`) a vendor may add — a copy kept for
/// support must not become a second, unmasked register of patients.
fn kind_of(key: &str) -> Option<Kind> {
    if let Some((_, kind)) = PERSONAL_FIELDS.iter().find(|(k, _)| *k == key) {
        return Some(*kind);
    }
    let k = key.to_ascii_lowercase();
    if NOT_A_PATIENT.contains(&k.as_str()) {
        return None;
    }
    if k.ends_with("name") {
        return Some(Kind::Name);
    }
    let id_like = [
        "idno",
        "id_no",
        "certno",
        "cert_no",
        "idcard",
        "id_card",
        "sfzh",
        "mdtrt_cert_no",
    ];
    if id_like.iter().any(|p| k.ends_with(p)) {
        return Some(Kind::IdNo);
    }
    if k.ends_with("token") {
        return Some(Kind::Token);
    }
    None
}

/// A copy of a raw request or reply fit for the journal and logs: personal
/// fields masked wherever they sit (including inside `data` sent as a JSON
/// string), and any stray ID number scrubbed. Unparseable text is scrubbed.
pub fn mask_raw(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            mask_value(&mut value);
            scrub_names_beside_ids(&value.to_string())
        }
        // What cannot be parsed cannot be masked field by field: it may hold
        // a name anywhere. Kept as its size and fingerprint, for support.
        Err(_) => fingerprint(text),
    }
}

/// `<未能解析：N 字节，SHA-256 …>` — what support can match against the
/// vendor's logs without the journal keeping the text.
pub fn fingerprint(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("<未能解析：{} 字节，SHA-256 {hash}>", text.len())
}

/// Free text from outside (an error message, a log line): ID numbers and
/// the names beside them masked, and any JSON it carries masked field by field.
pub fn scrub_text(text: &str) -> String {
    match text.find('{') {
        Some(start) => {
            let (head, tail) = text.split_at(start);
            match serde_json::from_str::<serde_json::Value>(tail) {
                Ok(mut value) => {
                    mask_value(&mut value);
                    scrub_names_beside_ids(&format!("{head}{value}"))
                }
                Err(_) => scrub_names_beside_ids(text),
            }
        }
        None => scrub_names_beside_ids(text),
    }
}

fn mask_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if let Some(kind) = kind_of(key)
                    && let Value::String(s) = v
                {
                    *s = mask(kind, s);
                    continue;
                }
                mask_value(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_value),
        Value::String(s) if s.trim_start().starts_with(['{', '[', '"']) => {
            if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                mask_value(&mut inner);
                *s = inner.to_string();
            }
        }
        // A message such as "梁晓燕（441702199003152347）的医保电子凭证已失效".
        Value::String(s) => *s = scrub_names_beside_ids(s),
        _ => {}
    }
}

/// Whether `c` can be part of a Chinese name (including the middle dot of
/// minority names, 阿卜杜·热合曼).
fn name_char(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c) || c == '·'
}

/// The labels a name follows in free text, as characters: compared at every
/// position of every journaled message, so never rebuilt there (issue 19's
/// profile: building them per character was a tenth of a visit's CPU).
const NAME_LABELS: [&[char]; 5] = [
    &['姓', '名', '：'],
    &['姓', '名', ':'],
    &['姓', '名', ' '],
    &['患', '者', '：'],
    &['患', '者', ':'],
];

/// Mask the name a free text puts beside an ID number ("梁晓燕（4417…）",
/// "梁晓燕 4417…", "姓名：梁晓燕"), and every ID number. Terminal messages
/// are written for people, so that is where a name shows up in them.
pub fn scrub_names_beside_ids(text: &str) -> String {
    let ids = scrub_tokens(&scrub_id_numbers(text));
    let chars: Vec<char> = ids.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        // "姓名：X" / "姓名:X" / "患者X": the name after the label.
        let label = NAME_LABELS.iter().find(|l| chars[i..].starts_with(l));
        if let Some(l) = label {
            let n = l.len();
            out.extend(&chars[i..i + n]);
            i += n;
            let start = i;
            while i < chars.len() && name_char(chars[i]) && i - start < 6 {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            out.extend(mask(Kind::Name, &name).chars());
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    // A name run right before a masked ID number (its stars), maybe across a
    // bracket or a space.
    let text: String = out.into_iter().collect();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if name_char(chars[i]) {
            let start = i;
            while i < chars.len() && name_char(chars[i]) {
                i += 1;
            }
            let mut j = i;
            while j < chars.len()
                && matches!(
                    chars[j],
                    '（' | '(' | ' ' | '：' | ':' | '，' | ',' | '[' | '【'
                )
            {
                j += 1;
            }
            // "证件号 ****", "身份证 ****": a label, not a name.
            let label = matches!(chars[i - 1], '号' | '码' | '证');
            let before_id = !label
                && j - i <= 2
                && chars.get(j) == Some(&'*')
                && chars[j..].iter().take(8).all(|c| *c == '*');
            let run: String = chars[start..i].iter().collect();
            // Only the last (at most 4) characters before the number are the
            // name: "的医保电子凭证：梁晓燕 ****" keeps its words.
            if before_id {
                let run_chars: Vec<char> = run.chars().collect();
                let keep = run_chars.len().saturating_sub(4);
                out.extend(&run_chars[..keep]);
                let name: String = run_chars[keep..].iter().collect();
                out.push_str(&mask(Kind::Name, &name));
            } else {
                out.push_str(&run);
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Mask every occurrence of the known personal values of a visit (its
/// name, 证件号, ecToken) in `text`, then what [`scrub_text`] masks.
pub fn scrub_known(text: &str, known: &[(Kind, &str)]) -> String {
    let mut out = text.to_owned();
    for (kind, value) in known {
        if value.chars().count() >= 2 && out.contains(value) {
            out = out.replace(value, &mask(*kind, value));
        }
    }
    scrub_text(&out)
}

/// A log writer that scrubs what it writes ([`scrub_text`]): the logs of the
/// panel, the CLI and the host never keep an ID number or the name beside it,
/// whatever a terminal put in a message that ends up in a log line.
#[derive(Debug, Clone)]
pub struct ScrubbingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // tracing writes one whole event per call.
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(scrub_text(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A personal value: serialized in full (the wire and the HIS need it), but
/// masked whenever it is formatted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Personal<const K: u8>(String);

pub type IdNo = Personal<0>;
pub type PersonName = Personal<1>;
pub type Token = Personal<2>;

impl<const K: u8> Personal<K> {
    const KIND: Kind = match K {
        0 => Kind::IdNo,
        1 => Kind::Name,
        _ => Kind::Token,
    };

    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The full value. Call sites are the places personal data leaves the masked world.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask(Self::KIND, &self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const K: u8> std::fmt::Debug for Personal<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.masked())
    }
}

impl<const K: u8> std::fmt::Display for Personal<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_message_loses_the_name_beside_the_id_number() {
        for (text, name) in [
            ("梁晓燕（441702199003152347）的医保电子凭证已失效", "梁晓燕"),
            (
                "用户 阿卜杜·热合曼 441702199003152347 未授权",
                "阿卜杜·热合曼",
            ),
            ("电子凭证已失效：姓名：欧阳娜娜，请重新激活", "欧阳娜娜"),
            ("参保人陈思妤:44170220260625024X 状态异常", "陈思妤"),
        ] {
            let scrubbed = scrub_text(text);
            assert!(!scrubbed.contains(name), "{name} in {scrubbed}");
            assert!(!scrubbed.contains("199003152347"), "{scrubbed}");
        }
        // Words that are not beside a number stay.
        assert_eq!(scrub_text("医保电子凭证已失效"), "医保电子凭证已失效");
    }

    #[test]
    fn fields_beyond_the_spec_that_name_a_person_are_masked_in_raw_copies() {
        let inner = r#"{"psnName":"张伟","psn_name":"张伟","extData":"{\"certName\":\"张伟\",\"certNo\":\"441781197503150010\"}","operatorName":"林晓燕","message":"张伟（441781197503150010）已授权"}"#;
        let raw = serde_json::json!({"code": 0, "data": inner}).to_string();
        let masked = mask_raw(&raw);
        assert!(!masked.contains("张伟"), "{masked}");
        assert!(!masked.contains("441781197503150010"), "{masked}");
        assert!(masked.contains("林晓燕"), "staff names stay: {masked}");
    }

    #[test]
    fn known_values_of_the_visit_are_masked_wherever_they_appear() {
        let text = "请核对患者王芳的凭证，令牌 441700ec7ioqup8p1o0761820a0000f1f8b13d 已失效";
        let scrubbed = scrub_known(
            text,
            &[
                (Kind::Name, "王芳"),
                (Kind::Token, "441700ec7ioqup8p1o0761820a0000f1f8b13d"),
            ],
        );
        assert!(!scrubbed.contains("王芳"), "{scrubbed}");
        assert!(
            !scrubbed.contains("ec7ioqup8p1o0761820a0000f1f8"),
            "{scrubbed}"
        );
    }

    #[test]
    fn id_numbers_show_the_sequence_code_but_not_the_check_digit() {
        assert_eq!(mask(Kind::IdNo, "44170219980101123X"), "**************123*");
        assert_eq!(mask(Kind::IdNo, "441702980101123"), "***********112*");
        assert_eq!(mask(Kind::IdNo, "1234567"), "*******");
        assert_eq!(
            masked_from_last4("123X", 18),
            mask(Kind::IdNo, "44170219980101123X")
        );
        assert_eq!(shown_of_last4("123x"), "123");
    }

    #[test]
    fn id_numbers_in_text_are_found_in_every_way_people_write_them() {
        for (text, gone) in [
            ("证件号 441721199512070128 已失效", "441721199512070128"),
            ("证件号 44172119951207012X。", "44172119951207012X"),
            (
                "４４１７２１１９９５１２０７０１２Ｘ",
                "４４１７２１１９９５１２０７０１２Ｘ",
            ),
            ("441721 19951207 012X", "19951207"),
            ("441721-1995-1207-012X", "1995-1207"),
            ("ID441721199512070128", "441721199512070128"),
            ("老证 441721951207012", "441721951207012"),
        ] {
            let scrubbed = scrub_id_numbers(text);
            assert!(!scrubbed.contains(gone), "{text} → {scrubbed}");
        }
        let named = scrub_text("梁晓燕（441702199003152347）的医保电子凭证已失效");
        assert!(!named.contains("晓燕"), "{named}");
    }

    #[test]
    fn what_only_looks_like_an_id_number_is_left_alone() {
        for text in [
            // An outBizNo: its millisecond stamp is 17 digits.
            "流水号 H44170200001-W99-20261205212345678-MG 请求失败",
            // 18 digits whose "birth date" is no date.
            "订单 123456789012345678",
            // A longer run.
            "4417211995120701281",
            "字段 outBizNo 缺失",
        ] {
            assert_eq!(scrub_text(text), text);
        }
    }

    #[test]
    fn a_label_before_an_id_number_is_kept() {
        let scrubbed = scrub_text("证件号 441721199512070128 已失效");
        assert!(scrubbed.starts_with("证件号 "), "{scrubbed}");
    }

    #[test]
    fn tokens_quoted_in_a_message_are_masked_and_our_digests_kept() {
        let token = "630000ec7ioqup8p1o0761820a0000f1f8b13d";
        let scrubbed = scrub_text(&format!("ecToken {token} 已过期"));
        assert!(
            !scrubbed.contains(token) && scrubbed.contains("6300"),
            "{scrubbed}"
        );
        let digest = fingerprint("x");
        assert_eq!(scrub_text(&digest), digest);
    }

    #[test]
    fn names_keep_the_surname() {
        assert_eq!(mask(Kind::Name, "阿炳"), "阿*");
        assert_eq!(mask(Kind::Name, "欧阳娜娜"), "欧***");
        assert_eq!(mask(Kind::Name, "王"), "*");
    }

    #[test]
    fn tokens_keep_both_ends() {
        assert_eq!(
            mask(Kind::Token, "630000ec7ioqup8p1o0761820a0000f1f8b13d"),
            "6300******************************b13d"
        );
    }

    #[test]
    fn formatting_a_personal_value_masks_it() {
        let id = IdNo::new("44170219980101123X");
        assert_eq!(format!("{id}"), "**************123*");
        assert_eq!(format!("{id:?}"), "\"**************123*\"");
        assert_eq!(id.reveal(), "44170219980101123X");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"44170219980101123X\""
        );
    }

    #[test]
    fn raw_copies_mask_personal_fields_even_inside_string_data() {
        let inner = r#"{"userName":"阿炳","idNo":"44170219980101123X","ecToken":"630000ec7ioqup8p1o0761820a0000f1f8b13d","gender":"男"}"#;
        let raw = serde_json::json!({"code": 0, "data": inner}).to_string();
        let masked = mask_raw(&raw);
        for secret in [
            "阿炳",
            "44170219980101123X",
            "630000ec7ioqup8p1o0761820a0000f1f8b13d",
        ] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(masked.contains("男"), "non-personal fields stay: {masked}");
        assert!(
            masked.contains("123*"),
            "the sequence code stays, the check digit goes: {masked}"
        );
        let broken = r#"{"idNo":"44170219980101123X","#;
        assert!(!mask_raw(broken).contains("44170219980101123X"));
    }

    #[test]
    fn a_qr_code_reply_loses_the_code_value_the_guardian_and_the_child() {
        let extra = r#"{"accountType":"family","guardianName":"林晓敏","guardianRelation":"母亲"}"#;
        let inner = serde_json::json!({
            "userName": "陈思妤",
            "idNo": "44170220260625024X",
            "birthday": "2026.06.25",
            "ecToken": "441700ec7ioqup8p1o0761820a0000f1f8b13d",
            "ecQrCode": "441702ecqr0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z",
            "extra": extra,
        })
        .to_string();
        let raw = serde_json::json!({"code": 0, "data": inner}).to_string();
        let masked = mask_raw(&raw);
        for secret in [
            "陈思妤",
            "林晓敏",
            "2026.06.25",
            "44170220260625024X",
            "ecqr0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4",
            "ec7ioqup8p1o0761820a0000f1f8",
        ] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(
            masked.contains("母亲") && masked.contains("family"),
            "{masked}"
        );
        // The code keeps both ends, like a token: support can still match it.
        assert!(masked.contains("4417") && masked.contains("5z"), "{masked}");
    }

    #[test]
    fn scrubbing_free_text() {
        let raw =
            r#"{"idNo":"44170219980101123X","authNo":"ano3728680187894374401630000","n":"12345"}"#;
        let scrubbed = scrub_id_numbers(raw);
        assert!(!scrubbed.contains("44170219980101123X"));
        assert!(scrubbed.contains("**************123*"));
        // authNo digits run 25 long: not an ID number, left alone.
        assert!(scrubbed.contains("ano3728680187894374401630000"));
        assert!(scrubbed.contains("12345"));
    }

    #[test]
    fn a_reply_that_cannot_be_parsed_is_kept_as_its_size_and_hash() {
        let broken = r#"{"userName":"阿炳","idNo":"44170219980101123X","#;
        let kept = mask_raw(broken);
        assert!(!kept.contains("阿炳") && !kept.contains("123X"), "{kept}");
        assert!(
            kept.starts_with("<未能解析：") && kept.contains("SHA-256"),
            "{kept}"
        );
        assert_eq!(
            kept,
            mask_raw(broken),
            "the same text, the same fingerprint"
        );
    }

    #[test]
    fn error_texts_lose_names_tokens_and_birth_dates_carried_as_json() {
        let text = r#"终端返回错误：{"userName":"阿炳","birthday":"1998.01.01","ecToken":"630000ec7ioqup8p1o0761820a0000f1f8b13d","idNo":"44170219980101123X"}"#;
        let scrubbed = scrub_text(text);
        for secret in [
            "阿炳",
            "1998.01.01",
            "ec7ioqup8p1o0761820a0000f1f8",
            "441702199801",
        ] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.starts_with("终端返回错误："));
    }
}
