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
            message: format!("日期“{text}”应为 YYYY-MM-DD（如 2026-11-05）"),
        })
}

pub fn parse(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok()
}

pub fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}
