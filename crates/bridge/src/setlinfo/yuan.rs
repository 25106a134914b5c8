//! Amounts as the HIS sends them: JSON numbers or strings, converted to 分
//! from their decimal text, never through floating point.

use serde_json::value::RawValue;

use crate::error::ApiError;

use super::invalid;

/// An amount in yuan as the HIS sent it (number or string) → its 分,
/// exactly (the magnitude, where `negative_ok`). `None` for null or `""`.
///
/// A third decimal is refused, except the tails of binary floating point: a
/// HIS that adds 0.1 and 0.2 in a `double` sends 0.30000000000000004, which
/// is 0.30 — such a tail (six or more 0s or 9s after the second decimal, at
/// least 15 decimals in all) is taken as the 分 it is next to.
pub fn fen(field: &str, raw: &RawValue, negative_ok: bool) -> Result<Option<u64>, ApiError> {
    let text = raw.get().trim();
    let text: String = if text == "null" {
        return Ok(None);
    } else if text.starts_with('"') {
        let s: String =
            serde_json::from_str(text).map_err(|_| invalid(field, format!("{field} 不是文本")))?;
        if s.is_empty() {
            return Ok(None);
        }
        s
    } else {
        text.to_owned()
    };
    let bad = |why: &str| invalid(field, format!("{field}“{}”{why}", shorten(&text)));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    if negative && !negative_ok {
        return Err(bad("不能为负数"));
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("不是金额（应为如 120.50 的数字）"));
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (digits.contains('.') && frac.is_empty()) {
        return Err(bad("不是金额（应为如 120.50 的数字，不用科学计数法）"));
    }
    let int = int.trim_start_matches('0');
    if int.len() > 12 {
        return Err(bad("过大"));
    }
    let cents: String = frac.chars().chain("00".chars()).take(2).collect();
    let tail = frac.get(2..).unwrap_or("");
    let mut fen: u64 = format!("{}{cents}", if int.is_empty() { "0" } else { int })
        .parse()
        .map_err(|_| bad("过大"))?;
    let float_noise = frac.len() >= 15;
    if tail.bytes().all(|b| b == b'0') {
        // 120.500 is 120.50.
    } else if float_noise && tail.starts_with("000000") {
        // 0.30000000000000004: the 分 below.
    } else if float_noise && tail.starts_with("999999") {
        // 1.1499999999999999: the 分 above.
        fen += 1;
    } else {
        return Err(bad("超过两位小数，无法精确到分"));
    }
    Ok(Some(fen))
}

/// 分 as the notify sends them: `"120.50"`.
pub fn text(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(32).collect();
    if text.chars().count() > 32 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn amounts_land_on_the_exact_fen() {
        for (input, want) in [
            ("120.5", "120.50"),
            ("\"120.50\"", "120.50"),
            ("0", "0.00"),
            ("0.01", "0.01"),
            ("1.15", "1.15"),
            ("100", "100.00"),
            ("120.500", "120.50"),
            ("\"007.10\"", "7.10"),
            // What a double-based HIS prints for 0.1 + 0.2, 0.7, 1.15.
            ("0.30000000000000004", "0.30"),
            ("0.7000000000000001", "0.70"),
            ("1.1499999999999999", "1.15"),
            ("99999999.99", "99999999.99"),
        ] {
            assert_eq!(
                fen("x", &raw(input), false).unwrap().map(text).as_deref(),
                Some(want),
                "{input}"
            );
        }
    }

    #[test]
    fn a_third_decimal_and_non_amounts_are_refused_with_the_field_named() {
        for input in [
            "1.155",
            "0.125",
            "\"1.5x\"",
            "1e2",
            "\"\u{3000}1\"",
            "-1",
            "\".5\"",
            "\"5.\"",
            "\"1,000\"",
            "true",
            "\"0x10\"",
            "1.0000001",
        ] {
            let e = fen("psn_cash_pay", &raw(input), false).unwrap_err();
            assert_eq!(
                e.body.field.as_deref(),
                Some("setlinfo.psn_cash_pay"),
                "{input}"
            );
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }

    #[test]
    fn nulls_and_empty_strings_are_absent_and_refunds_take_the_magnitude() {
        assert_eq!(fen("x", &raw("null"), false).unwrap(), None);
        assert_eq!(fen("x", &raw("\"\""), false).unwrap(), None);
        assert_eq!(fen("x", &raw("-35.2"), true).unwrap(), Some(3520));
    }
}
