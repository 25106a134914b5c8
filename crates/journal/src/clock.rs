//! The hospital's wall clock, injectable so tests can cross midnight.

use std::sync::Mutex;

use chrono::{Local, NaiveDateTime};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Local wall-clock time (China has one zone and no DST).
    fn now(&self) -> NaiveDateTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        Local::now().naive_local()
    }
}

/// A clock that stands still until told otherwise.
#[derive(Debug)]
pub struct FixedClock(Mutex<NaiveDateTime>);

impl FixedClock {
    pub fn at(text: &str) -> Self {
        Self(Mutex::new(
            parse(text).unwrap_or_else(|| panic!("bad time {text}")),
        ))
    }

    pub fn set(&self, text: &str) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) =
            parse(text).unwrap_or_else(|| panic!("bad time {text}"));
    }
}

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A business day as written everywhere here, `2026-11-28`: exactly that
/// shape (`2026-11-5` would compare as a string with no stored day, and a
/// 日结 of it would come back silently empty), or a field-named refusal.
pub fn business_day(
    field: &'static str,
    text: &str,
) -> Result<chrono::NaiveDate, crate::JournalError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text)
        .ok_or_else(|| crate::JournalError::Invalid {
            field,
            // 2026-02-30 has the shape and is no day: say which of the two.
            message: format!(
                "日期“{text}”{}",
                if text.len() == 10
                    && text.bytes().enumerate().all(|(i, b)| {
                        if i == 4 || i == 7 {
                            b == b'-'
                        } else {
                            b.is_ascii_digit()
                        }
                    })
                {
                    "不是日历上的日期"
                } else {
                    "应为 YYYY-MM-DD（如 2026-11-05）"
                }
            ),
        })
}

pub fn parse(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok()
}

/// A moment as the journal stores it, `2026-11-28 11:57:08.123`: made from a
/// clock reading only, so every stored time has the one form, and times
/// compare as text in SQL exactly as they do as times.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    at: NaiveDateTime,
    text: String,
}

impl Stamp {
    /// The time, to reckon from (a day before, a lockout's end).
    pub fn at(&self) -> NaiveDateTime {
        self.at
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The business day it falls on, `2026-11-28`.
    pub fn day(&self) -> &str {
        &self.text[..10]
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl rusqlite::ToSql for Stamp {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.text.to_sql()
    }
}

pub fn stamp(at: NaiveDateTime) -> Stamp {
    Stamp {
        at,
        text: at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
    }
}
