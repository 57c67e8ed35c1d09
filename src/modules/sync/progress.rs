//! Live progress of an import: what it has discovered and read, and the calls it made.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::modules::notion::CallCounters;

/// Live counters of a running import.
pub struct Progress {
    pub(super) started: Instant,
    pub(super) discovered: AtomicU64,
    pub(super) fetched: AtomicU64,
    pub(super) calls: Arc<CallCounters>,
}

/// A moment of an import, as reported to the user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgressSnapshot {
    pub discovered: u64,
    pub fetched: u64,
    pub remaining: u64,
    pub calls: u64,
    pub rate_limited: u64,
    pub retries: u64,
    pub elapsed_secs: u64,
    /// Seconds left at the pace so far, once there is a pace.
    pub eta_secs: Option<u64>,
}

impl Progress {
    pub fn snapshot(&self) -> ProgressSnapshot {
        let discovered = self.discovered.load(Ordering::Relaxed);
        let fetched = self.fetched.load(Ordering::Relaxed);
        let remaining = discovered.saturating_sub(fetched);
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta_secs = (fetched > 0).then(|| (remaining as f64 * elapsed / fetched as f64) as u64);
        ProgressSnapshot {
            discovered,
            fetched,
            remaining,
            calls: self.calls.calls.load(Ordering::Relaxed),
            rate_limited: self.calls.rate_limited.load(Ordering::Relaxed),
            retries: self.calls.retries.load(Ordering::Relaxed),
            elapsed_secs: elapsed as u64,
            eta_secs,
        }
    }
}
