//! Live progress of an import: what it has discovered and read, and the calls it made.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::run::runs;
use crate::modules::notion::CallCounters;
use crate::state::AppState;

/// Live counters of a running import.
pub struct Progress {
    pub(super) started: Instant,
    pub(super) discovered: AtomicU64,
    pub(super) fetched: AtomicU64,
    pub(super) calls: Arc<CallCounters>,
    phase: AtomicU8,
}

/// Where an import stands, in the order an import goes through them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Search is still listing what the integration can read (the total is not known yet, so
    /// neither is the time left); pages found are read meanwhile.
    #[default]
    Searching,
    /// Search has listed everything; what remains is reading pages and following their links.
    Reading,
    /// Everything is read; links are being counted and references resolved.
    Finishing,
}

impl Phase {
    const ALL: [Phase; 3] = [Phase::Searching, Phase::Reading, Phase::Finishing];
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
    /// Runs stored before phases were reported read as `searching`.
    #[serde(default)]
    pub phase: Phase,
}

impl Progress {
    pub(super) fn new(calls: Arc<CallCounters>) -> Self {
        Self {
            started: Instant::now(),
            discovered: AtomicU64::new(0),
            fetched: AtomicU64::new(0),
            calls,
            phase: AtomicU8::new(Phase::Searching as u8),
        }
    }

    pub(super) fn enter(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

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
            phase: Phase::ALL[usize::from(self.phase.load(Ordering::Relaxed))],
        }
    }
}

/// How often a running sync publishes its progress, and how often (in ticks) it stores it with
/// the run.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);
const STORE_EVERY: u32 = 5;

/// Runs `import` while a task of its own publishes its progress every second and stores it
/// with the run every few seconds; `None` when `stop` came first.
pub(super) async fn publishing<T>(
    state: &AppState,
    connection: &str,
    run_id: &str,
    progress: Arc<Progress>,
    import: impl Future<Output = anyhow::Result<T>>,
    stop: impl Future<Output = ()>,
) -> Option<anyhow::Result<T>> {
    let publisher = tokio::spawn(publish(
        state.clone(),
        connection.to_owned(),
        run_id.to_owned(),
        progress.clone(),
    ));
    let result = tokio::select! {
        result = import => Some(result),
        () = stop => None,
    };
    publisher.abort();
    let end = match &result {
        None => "stopped",
        Some(Ok(_)) => "completed",
        Some(Err(_)) => "failed",
    };
    state.metrics.observe_sync_run(end);
    let message = serde_json::json!({ "run": run_id, "end": end, "progress": progress.snapshot() });
    announce(state, connection, &message).await;
    result
}

/// Publishes a message on the workspace's progress channel; a lost message costs only a
/// moment of a progress bar, so failures are logged, not returned.
async fn announce(state: &AppState, connection: &str, message: &serde_json::Value) {
    let channel = super::service::progress_channel(connection);
    if let Err(error) = state.cache.publish(&channel, &message.to_string()).await {
        tracing::debug!(%error, "progress not published");
    }
}

async fn publish(state: AppState, connection: String, run_id: String, progress: Arc<Progress>) {
    let mut ticks = tokio::time::interval(PUBLISH_EVERY);
    for count in 1u32.. {
        ticks.tick().await;
        let now = progress.snapshot();
        let message = serde_json::json!({ "run": run_id, "progress": now });
        announce(&state, &connection, &message).await;
        if count % STORE_EVERY == 0 {
            let stored = runs(&state.store)
                .update(&run_id, |run| {
                    run.progress = now.clone();
                    Some(())
                })
                .await;
            if let Err(error) = stored {
                tracing::warn!(%error, "progress not stored");
            }
        }
    }
}
