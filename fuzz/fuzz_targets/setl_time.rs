//! 结算时间 `yyyy-MM-dd HH:mm:ss`.
//!
//! Invariants: `SetlTime::new` never panics and accepts exactly the texts an
//! independent reading accepts (shape, then chrono's calendar, year ≥ 2000);
//! `date()` never panics and is the first ten characters; serde agrees.

#![no_main]

use chrono::{NaiveDate, NaiveTime};
use libfuzzer_sys::fuzz_target;
use nhsa_terminal::protocol::SetlTime;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expected = reference(text);
    match SetlTime::new(text) {
        Ok(t) => {
            assert!(expected, "{text:?} accepted");
            assert_eq!(t.as_str(), text);
            let date = t.date();
            assert_eq!(date.len(), 10);
            assert!(text.starts_with(date));
            let json = serde_json::to_value(&t).expect("serializes");
            assert_eq!(serde_json::from_value::<SetlTime>(json).ok(), Some(t));
        }
        Err(e) => {
            assert!(!expected, "{text:?} refused: {e}");
            assert_eq!(e.field, "setlTime");
            let _ = e.to_string();
            assert!(
                serde_json::from_value::<SetlTime>(serde_json::Value::String(text.to_owned()))
                    .is_err()
            );
        }
    }
});

fn reference(text: &str) -> bool {
    const SHAPE: &[u8; 19] = b"dddd-dd-dd dd:dd:dd";
    let b = text.as_bytes();
    if b.len() != 19
        || !b.iter().zip(SHAPE).all(|(c, s)| {
            if *s == b'd' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        })
    {
        return false;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<u32>().expect("digits");
    let year = i32::try_from(n(0..4)).expect("4 digits");
    year >= 2000
        && NaiveDate::from_ymd_opt(year, n(5..7), n(8..10)).is_some()
        && NaiveTime::from_hms_opt(n(11..13), n(14..16), n(17..19)).is_some()
}
