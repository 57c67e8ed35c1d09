//! Jobs that failed every attempt, kept in the document store (the same in both modes) until
//! an admin replays or discards them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::storage::{Collection, Cursor, Filter, Index, Order, Query, Record, StoreError, Typed};

pub static DEAD_JOBS: Collection = Collection {
    name: "dead_jobs",
    indexes: &[Index::on(&["failed_at"]), Index::on(&["queue"])],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeadLetter {
    pub queue: String,
    /// The job as it was enqueued.
    pub payload: Value,
    /// The last attempt's error, with its cause chain.
    pub error: String,
    pub attempts: usize,
    /// Epoch milliseconds.
    pub failed_at: i64,
}

fn letters(state: &AppState) -> Typed<DeadLetter> {
    Typed::new(state.store.clone(), &DEAD_JOBS)
}

/// Records a job's final failure under its task id (idempotent: a repeat overwrites).
pub(super) async fn record<J: Serialize>(
    state: &AppState,
    queue: &str,
    task_id: &str,
    job: &J,
    attempts: usize,
    error: &anyhow::Error,
) -> anyhow::Result<()> {
    let letter = DeadLetter {
        queue: queue.to_owned(),
        payload: serde_json::to_value(job)?,
        error: format!("{error:#}"),
        attempts,
        failed_at: chrono::Utc::now().timestamp_millis(),
    };
    letters(state).upsert(task_id, &letter).await?;
    tracing::error!(queue, task_id, attempts, "job dead-lettered");
    Ok(())
}

/// Sets the dead-letter gauge of every queue (0 for a queue without any, so that an alert sees
/// the count fall back after a replay).
pub async fn refresh_metrics(state: &AppState) {
    for queue in state.modules.jobs().map(|job| job.queue) {
        let filter = Filter::all().eq("queue", queue);
        match state.store.count(&DEAD_JOBS, &filter).await {
            Ok(count) => state.metrics.set_dead_letters(queue, count as i64),
            Err(error) => {
                tracing::warn!(queue, %error, "cannot count dead letters");
                return;
            }
        }
    }
}

/// Newest first, a page at a time.
pub async fn list(
    state: &AppState,
    limit: usize,
    after: Option<Cursor>,
) -> Result<(Vec<Record<DeadLetter>>, Option<Cursor>), StoreError> {
    let query = Query::new(Filter::all())
        .sort("failed_at", Order::Desc)
        .limit(limit)
        .after(after);
    letters(state).find(&query).await
}

/// Enqueues the job again and removes its dead letter; returns the new task id.
pub async fn replay(state: &AppState, id: &str) -> Result<Option<String>, anyhow::Error> {
    let Some(letter) = letters(state).get(id).await? else {
        return Ok(None);
    };
    let task_id = state
        .jobs
        .push_raw(&letter.value.queue, &letter.value.payload)
        .await?;
    letters(state).delete(id).await?;
    tracing::info!(
        queue = letter.value.queue,
        dead = id,
        task_id,
        "dead letter replayed"
    );
    Ok(Some(task_id))
}

/// Deletes a dead letter without replaying it.
pub async fn discard(state: &AppState, id: &str) -> Result<bool, StoreError> {
    letters(state).delete(id).await
}
