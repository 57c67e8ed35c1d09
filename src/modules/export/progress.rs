//! Live counters of a running export, and the moment they describe.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

#[derive(Debug)]
pub struct Progress {
    started: Instant,
    total: AtomicU64,
    done: AtomicU64,
    failed: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
}

/// Where an export stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressSnapshot {
    /// Pages, rows and databases to export.
    pub total: u64,
    pub done: u64,
    pub failed: u64,
    pub files_written: u64,
    pub bytes_written: u64,
    pub elapsed_secs: u64,
    /// Seconds left at the pace so far, once there is a pace.
    pub eta_secs: Option<u64>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }
}

impl Progress {
    pub fn begin(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    pub fn done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn wrote(&self, files: u64, bytes: u64) {
        self.files.fetch_add(files, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> ProgressSnapshot {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let elapsed = self.started.elapsed().as_secs_f64();
        let remaining = total.saturating_sub(done);
        let eta_secs = (done > 0).then(|| (remaining as f64 * elapsed / done as f64) as u64);
        ProgressSnapshot {
            total,
            done,
            failed: self.failed.load(Ordering::Relaxed),
            files_written: self.files.load(Ordering::Relaxed),
            bytes_written: self.bytes.load(Ordering::Relaxed),
            elapsed_secs: elapsed as u64,
            eta_secs,
        }
    }
}
