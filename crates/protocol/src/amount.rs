//! Money: integer 分 inside, `"120.50"` on the wire. No floating point anywhere.

use std::fmt;
use std::str::FromStr;

use super::text::FieldProblem;
use super::validation::{Problem, ValidationError};

/// A non-negative amount of money in 分 (1/100 yuan).
///
/// Parsing accepts `"120"`, `"120.5"` and `"120.50"`; it rejects signs, spaces,
/// exponents, more than two decimals and anything over the spec's 64 characters.
/// Printing always gives two decimals.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u64);

/// Why a string is not an amount; shown to the cashier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("不能为空")]
    Empty,
    #[error("超过 64 个字符")]
    TooLong,
    #[error("不能为负数")]
    Negative,
    #[error("最多两位小数")]
    TooManyDecimals,
    #[error("应为数字，如 120.50")]
    NotANumber,
    #[error("超过上限 99999999.99")]
    Overflow,
}

impl AmountError {
    /// Why, in words for the field it is shown beside.
    pub fn reason(self) -> &'static str {
        match self {
            AmountError::Empty => "不能为空",
            AmountError::TooLong => "超过 64 个字符",
            AmountError::Negative => "不能为负数",
            AmountError::TooManyDecimals => "最多两位小数",
            AmountError::NotANumber => "应为数字，如 120.50",
            AmountError::Overflow => "超过上限 99999999.99",
        }
    }
}

impl Amount {
    pub const ZERO: Amount = Amount(0);
    /// One bound for every amount: 99 999 999.99 元, far above any visit,
    /// so sums of a day's amounts stay far from any integer limit.
    pub const MAX: Amount = Amount(9_999_999_999);
    const MAX_CHARS: usize = 64;

    pub const fn from_fen(fen: u64) -> Self {
        Amount(fen)
    }

    pub const fn fen(self) -> u64 {
        self.0
    }

    /// Parse the value of a named field, so the error says which field.
    pub fn parse_field(field: &str, text: &str) -> Result<Self, ValidationError> {
        text.parse().map_err(|e: AmountError| {
            ValidationError::new(field, Problem::BadAmount { reason: e.reason() })
        })
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// What is left of `self` after `other`, never below zero.
    pub fn saturating_sub(self, other: Amount) -> Amount {
        Amount(self.0.saturating_sub(other.0))
    }
}

impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(AmountError::TooLong);
        }
        if text.starts_with('-') {
            return Err(AmountError::Negative);
        }
        let (yuan, cents) = match text.split_once('.') {
            Some((yuan, cents)) => (yuan, Some(cents)),
            None => (text, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(yuan) {
            return Err(AmountError::NotANumber);
        }
        let cents = match cents {
            None => 0,
            Some(c) if !all_digits(c) => return Err(AmountError::NotANumber),
            Some(c) if c.len() > 2 => return Err(AmountError::TooManyDecimals),
            Some(c) if c.len() == 1 => u64::from(c.as_bytes()[0] - b'0') * 10,
            Some(c) => u64::from(c.as_bytes()[0] - b'0') * 10 + u64::from(c.as_bytes()[1] - b'0'),
        };
        let yuan: u64 = yuan.parse().map_err(|_| AmountError::Overflow)?;
        yuan.checked_mul(100)
            .and_then(|f| f.checked_add(cents))
            .map(Amount)
            .filter(|a| *a <= Amount::MAX)
            .ok_or(AmountError::Overflow)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Amounts are strings on the wire; a JSON number would already have
        // passed through a float in somebody's code, so it is refused.
        let text = String::deserialize(d)?;
        text.parse().map_err(|e: AmountError| {
            serde::de::Error::custom(FieldProblem(Problem::BadAmount { reason: e.reason() }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_spec_forms() {
        for (text, fen) in [
            ("120.50", 12050),
            ("120.5", 12050),
            ("120", 12000),
            ("0.01", 1),
            ("0", 0),
            ("0.00", 0),
            ("007.10", 710),
            ("99999999.99", 9_999_999_999),
        ] {
            assert_eq!(text.parse::<Amount>(), Ok(Amount::from_fen(fen)), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_money() {
        let long = "1".repeat(65);
        for (text, why) in [
            ("1.234", AmountError::TooManyDecimals),
            ("abc", AmountError::NotANumber),
            ("-1.00", AmountError::Negative),
            ("", AmountError::Empty),
            (long.as_str(), AmountError::TooLong),
            ("+1.00", AmountError::NotANumber),
            (" 1.00", AmountError::NotANumber),
            ("1.00 ", AmountError::NotANumber),
            ("1e3", AmountError::NotANumber),
            ("1.", AmountError::NotANumber),
            (".5", AmountError::NotANumber),
            ("1,000.00", AmountError::NotANumber),
            ("１２", AmountError::NotANumber),
            ("99999999999999999999", AmountError::Overflow),
            ("100000000.00", AmountError::Overflow),
            ("99999999.991", AmountError::TooManyDecimals),
        ] {
            assert_eq!(text.parse::<Amount>(), Err(why), "{text:?}");
        }
    }

    #[test]
    fn prints_two_decimals() {
        assert_eq!(Amount::from_fen(12050).to_string(), "120.50");
        assert_eq!(Amount::from_fen(7).to_string(), "0.07");
        assert_eq!(Amount::ZERO.to_string(), "0.00");
    }

    #[test]
    fn serde_uses_strings_only() {
        assert_eq!(
            serde_json::to_string(&Amount::from_fen(12050)).unwrap(),
            "\"120.50\""
        );
        assert_eq!(
            serde_json::from_str::<Amount>("\"3.5\"").unwrap().fen(),
            350
        );
        assert!(serde_json::from_str::<Amount>("120.5").is_err());
        let err = serde_json::from_str::<Amount>("\"1.234\"").unwrap_err();
        assert!(err.to_string().contains("最多两位小数"), "{err}");
    }

    #[test]
    fn a_field_error_names_the_field() {
        let err = Amount::parse_field("hifAmt", "abc").unwrap_err();
        assert_eq!(err.field, "hifAmt");
        assert!(err.to_string().contains("hifAmt"));
        assert!(err.to_string().contains("医保报销费用"));
    }

    proptest! {
        #[test]
        fn print_then_parse_is_identity(fen in 0u64..=Amount::MAX.fen()) {
            let a = Amount::from_fen(fen);
            prop_assert_eq!(a.to_string().parse::<Amount>(), Ok(a));
        }

        #[test]
        fn never_panics_on_any_text(text in ".{0,80}") {
            let _ = text.parse::<Amount>();
        }
    }
}
