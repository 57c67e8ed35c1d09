//! The scheduled housekeeping: expired documents of every collection with a TTL are deleted
//! (archived first where the collection is history: `crate::storage::archive`), finished job
//! records older than a week are dropped from the queue's backend (what they did is in the
//! runs, builds and dead letters), then each module's own housekeeping runs (enqueueing due
//! syncs, for one). One failing part does not keep the others from running.

use std::time::Duration;

use crate::state::AppState;
use crate::storage::archive;

/// Finished jobs stay in the queue's backend this long (for `apalis` tooling and debugging).
const FINISHED_JOBS_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

pub(super) async fn run(state: &AppState) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    if let Err(error) = delete_expired(state).await {
        tracing::warn!(
            error = format!("{error:#}"),
            "cannot delete expired documents"
        );
        failed.push("expired documents");
    }
    let queues: Vec<&str> = state.modules.jobs().map(|job| job.queue).collect();
    if let Err(error) = state
        .jobs
        .forget_finished(&queues, FINISHED_JOBS_KEPT)
        .await
    {
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
