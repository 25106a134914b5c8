//! 结算时间 `yyyy-MM-dd HH:mm:ss`.

use super::text::FieldProblem;
use super::validation::{Problem, ValidationError};

/// A settlement time in the exact form the terminal displays. Calendar-checked
/// (no 2月30日), without a time-zone: it is the hospital's wall-clock time.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct SetlTime(String);

impl SetlTime {
    pub const FIELD: &'static str = "setlTime";
    const EXPECTED: &'static str = "yyyy-MM-dd HH:mm:ss，如 2026-11-25 09:30:00";

    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        if value.trim().is_empty() {
            return Err(ValidationError::new(Self::FIELD, Problem::Missing));
        }
        if parse_parts(&value).is_none() {
            return Err(ValidationError::new(
                Self::FIELD,
                Problem::BadFormat {
                    expected: Self::EXPECTED,
                },
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `yyyy-MM-dd`, the day this settlement belongs to.
    pub fn date(&self) -> &str {
        &self.0[..10]
    }
}

fn parse_parts(s: &str) -> Option<[u32; 6]> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let parts = [
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    ];
    let [y, mo, d, h, mi, se] = parts;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 2000 && (1..=days).contains(&d) && h < 24 && mi < 60 && se < 60).then_some(parts)
}

impl TryFrom<String> for SetlTime {
    type Error = FieldProblem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value).map_err(|e| FieldProblem(e.problem))
    }
}

impl From<SetlTime> for String {
    fn from(value: SetlTime) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_spec_format() {
        assert_eq!(
            SetlTime::new("2026-11-25 09:30:00").unwrap().date(),
            "2026-11-25"
        );
        assert!(SetlTime::new("2024-02-29 23:59:59").is_ok());
    }

    #[test]
    fn rejects_other_shapes_and_impossible_dates() {
        for bad in [
            "2026-11-25T09:30:00",
            "2026/11/25 09:30:00",
            "2026-11-25 9:30:00",
            "2026-11-25",
            "2025-02-29 10:00:00",
            "2026-13-01 10:00:00",
            "2026-11-25 24:00:00",
            "２０２６-11-25 09:30:00",
        ] {
            let err = SetlTime::new(bad).unwrap_err();
            assert_eq!(err.field, "setlTime", "{bad}");
        }
        assert_eq!(SetlTime::new("").unwrap_err().problem, Problem::Missing);
    }
}
