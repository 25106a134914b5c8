//! Amounts as the wire and the cashier's forms give them.
//!
//! Invariants: parsing never panics and agrees with an independent reading of
//! the rule (`^[0-9]+(\.[0-9]{1,2})?$`, at most 64 characters, at most
//! 99999999.99); a parsed amount prints in canonical form and parses back to
//! itself; serde and `parse_field` agree with `FromStr`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nhsa_terminal::protocol::Amount;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = text.parse::<Amount>();
    assert_eq!(
        parsed.ok().map(Amount::fen),
        reference(text),
        "{text:?} parsed as {parsed:?}"
    );
    if let Ok(amount) = parsed {
        assert!(amount <= Amount::MAX);
        let printed = amount.to_string();
        assert_eq!(printed.parse::<Amount>(), Ok(amount), "printed {printed:?}");
        let (yuan, cents) = printed.split_once('.').expect("two decimals");
        assert_eq!(cents.len(), 2, "{printed:?}");
        assert!(yuan == "0" || !yuan.starts_with('0'), "{printed:?}");
    }
    let via_serde = serde_json::from_value::<Amount>(serde_json::Value::String(text.to_owned()));
    assert_eq!(via_serde.ok(), parsed.ok());
    match Amount::parse_field("totalFee", text) {
        Ok(a) => assert_eq!(Ok(a), parsed),
        Err(e) => {
            assert!(parsed.is_err());
            assert_eq!(e.field, "totalFee");
            let _ = e.to_string();
        }
    }
});

/// The amount in 分, read digit by digit without the crate's code.
fn reference(text: &str) -> Option<u64> {
    const MAX_FEN: u128 = 9_999_999_999;
    if text.chars().count() > 64 {
        return None;
    }
    let mut yuan: u128 = 0;
    let mut yuan_digits = 0;
    let mut cents: Vec<u8> = Vec::new();
    let mut seen_dot = false;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' if !seen_dot => {
                yuan = (yuan * 10 + u128::from(b - b'0')).min(MAX_FEN + 1);
                yuan_digits += 1;
            }
            b'0'..=b'9' => cents.push(b - b'0'),
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if yuan_digits == 0 || (seen_dot && !(1..=2).contains(&cents.len())) {
        return None;
    }
    let fen = yuan * 100
        + cents
            .iter()
            .zip([10u128, 1])
            .map(|(d, w)| u128::from(*d) * w)
            .sum::<u128>();
    (fen <= MAX_FEN).then(|| u64::try_from(fen).expect("bounded"))
}
