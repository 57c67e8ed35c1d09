//! Live progress of an import: what it has discovered and read, and the calls it made.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
        super::service::progress_channel(connection),
        run_id.to_owned(),
        progress,
    ));
    let result = tokio::select! {
        result = import => Some(result),
        () = stop => None,
    };
    publisher.abort();
    result
}

async fn publish(state: AppState, channel: String, run_id: String, progress: Arc<Progress>) {
    let mut ticks = tokio::time::interval(PUBLISH_EVERY);
    for count in 1u32.. {
        ticks.tick().await;
        let now = progress.snapshot();
        let message = serde_json::json!({ "run": run_id, "progress": now }).to_string();
        if let Err(error) = state.cache.publish(&channel, &message).await {
            tracing::debug!(%error, "progress not published");
        }
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
