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

pub fn parse(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok()
}

pub fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}
