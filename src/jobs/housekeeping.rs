//! The scheduled housekeeping: expired documents of every collection with a TTL are deleted
//! (archived first where the collection is history: `crate::storage::archive`), once an hour
//! finished job records older than a week are dropped from the queue's backend (what they did
//! is in the runs, builds and dead letters), then each module's own housekeeping runs
//! (enqueueing due syncs, for one). One failing part does not keep the others from running.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::state::AppState;
use crate::storage::archive;

/// Finished jobs stay in the queue's backend this long (for `apalis` tooling and debugging).
const FINISHED_JOBS_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);
/// The hour (since the epoch) this process last dropped them in: the Redis backend reads
/// every task of a queue to find the old ones, too much for every tick of a minute.
static FORGOTTEN_IN_HOUR: AtomicI64 = AtomicI64::new(-1);

pub(super) async fn run(state: &AppState) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    if let Err(error) = delete_expired(state).await {
        tracing::warn!(
            error = format!("{error:#}"),
            "cannot delete expired documents"
        );
        failed.push("expired documents");
    }
    if let Err(error) = forget_finished_jobs(state).await {
        tracing::warn!(
            error = format!("{error:#}"),
            "cannot drop finished job records"
        );
        failed.push("finished jobs");
    }
    for module in state.modules.iter() {
        let Some(housekeeping) = module.housekeeping else {
            continue;
        };
        if let Err(error) = housekeeping(state).await {
            tracing::warn!(
                module = module.name,
                error = format!("{error:#}"),
                "housekeeping failed"
            );
            failed.push(module.name);
        }
    }
    match failed.is_empty() {
        true => Ok(()),
        false => anyhow::bail!("housekeeping failed for {}", failed.join(", ")),
    }
}

async fn forget_finished_jobs(state: &AppState) -> anyhow::Result<()> {
    let hour = chrono::Utc::now().timestamp() / 3600;
    if FORGOTTEN_IN_HOUR.swap(hour, Ordering::Relaxed) == hour {
        return Ok(());
    }
    let queues: Vec<&str> = state.modules.jobs().map(|job| job.queue).collect();
    state
        .jobs
        .forget_finished(&queues, FINISHED_JOBS_KEPT)
        .await?;
    Ok(())
}

async fn delete_expired(state: &AppState) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    for collection in state
        .modules
        .collections()
        .filter(|c| c.ttl_field.is_some())
    {
        let deleted = match collection.archived {
            true => archive::archive_expired(&state.store, collection, now).await?,
            false => state.store.delete_expired(collection, now).await?,
        };
        if deleted > 0 {
            tracing::info!(
                collection = collection.name,
                deleted,
                "expired documents deleted"
            );
        }
    }
    Ok(())
}
