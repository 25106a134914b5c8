//! The wall clock decides settlement days and retry times, and counter PCs'
//! clocks get set wrong and corrected. A jump of more than five minutes is
//! noticed: at start against the journal's last entry (the clock is behind
//! what was already written), and while running between two writes (wall
//! time moved differently from the monotonic clock). It is audited and shown
//! in the status bar until the panel restarts.

use std::sync::Mutex;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};

const JUMP: Duration = Duration::minutes(5);

#[derive(Debug, Default)]
pub(crate) struct ClockWatch {
    last: Mutex<Option<(Instant, NaiveDateTime)>>,
    warning: Mutex<Option<String>>,
}

impl ClockWatch {
    /// At start: the clock reads `now`, the journal's last entry is `latest`.
    pub(crate) fn at_start(
        &self,
        now: NaiveDateTime,
        latest: Option<NaiveDateTime>,
    ) -> Option<String> {
        let latest = latest?;
        (now + JUMP < latest).then(|| {
            self.warn(format!(
                "系统时间 {} 早于记录中最后的时间 {}：电脑时间可能被调回，请核对",
                now.format("%Y-%m-%d %H:%M:%S"),
                latest.format("%Y-%m-%d %H:%M:%S")
            ))
        })
    }

    /// Before a write: the wall clock reads `now`. A message when it jumped.
    pub(crate) fn observe(&self, now: NaiveDateTime) -> Option<String> {
        let mono = Instant::now();
        let previous = self
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace((mono, now));
        let (then_mono, then_wall) = previous?;
        let elapsed = Duration::from_std(mono - then_mono).ok()?;
        let drift = (now - then_wall) - elapsed;
        (drift > JUMP || drift < -JUMP).then(|| {
            let minutes = drift.num_minutes();
            self.warn(format!(
                "系统时间{}了约 {} 分钟（现为 {}）：请核对电脑时间，结算日期以 HIS 结算时间为准",
                if minutes > 0 {
                    "向前跳"
                } else {
                    "向后调"
                },
                minutes.abs(),
                now.format("%Y-%m-%d %H:%M:%S")
            ))
        })
    }

    fn warn(&self, message: String) -> String {
        tracing::warn!("{message}");
        *self.warning.lock().unwrap_or_else(|p| p.into_inner()) = Some(message.clone());
        message
    }

    /// The last jump noticed, for the status bar.
    pub(crate) fn warning(&self) -> Option<String> {
        self.warning
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
