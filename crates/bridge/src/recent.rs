//! The last requests the bridge answered, for 设置 → HIS 接口: what IT looks
//! at when the HIS vendor says "we called you". Paths only: a query string
//! may hold a name.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

const KEEP: usize = 50;

#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentRequest {
    pub at: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub millis: u64,
    /// The caller's address and User-Agent.
    pub client: String,
    /// The error code, when the answer was an error.
    pub code: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Recent(Mutex<VecDeque<RecentRequest>>);

impl Recent {
    pub(crate) fn push(&self, r: RecentRequest) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() == KEEP {
            q.pop_front();
        }
        q.push_back(r);
    }

    /// Newest first.
    pub(crate) fn list(&self) -> Vec<RecentRequest> {
        let q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        q.iter().rev().cloned().collect()
    }
}
