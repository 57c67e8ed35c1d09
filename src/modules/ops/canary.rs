//! The canary: a harmless job an operator enqueues to prove the job pipeline end to end
//! (queue, workers, retries, dead letters, crash recovery). It can be told to take its time and
//! to fail its first attempts. Its one effect, `completed`, happens once however often it runs.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::jobs::Job;
use crate::state::AppState;
use crate::storage::{Collection, StoreError, Typed};

/// Canary results expire after a day; housekeeping deletes them.
const KEEP_FOR_MS: i64 = 24 * 3600 * 1000;

pub static CANARIES: Collection = Collection {
    name: "canaries",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: false,
};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Canary {
    pub id: String,
    /// How long each attempt takes, in milliseconds.
    #[serde(default)]
    pub sleep_ms: u64,
    /// How many attempts fail before one succeeds.
    #[serde(default)]
    pub fail_times: u32,
}

/// What the canary's runs left behind.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CanaryState {
    /// Attempts that started, including ones cut short by a crash.
    pub attempts: u32,
    /// When each attempt started (epoch milliseconds; the first hundred).
    pub started_at: Vec<i64>,
    /// Times the effect was applied: 1 once done, whatever the number of deliveries.
    pub completions: u32,
    /// Epoch milliseconds of the completion.
    pub completed_at: Option<i64>,
    /// Which attempt applied the effect (1 is the first). A later one means an earlier
    /// attempt was cut short, by a crash or an outage.
    pub completed_by: Option<u32>,
    pub expires_at: i64,
}

fn canaries(state: &AppState) -> Typed<CanaryState> {
    Typed::new(state.store.clone(), &CANARIES)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Job for Canary {
    const QUEUE: &'static str = "canary";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        let attempts = start_attempt(state, &self.id).await?;
        tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        if attempts <= self.fail_times {
            anyhow::bail!(
                "canary {} fails attempt {attempts} of its {} planned failures",
                self.id,
                self.fail_times
            );
        }
        complete(state, &self.id, attempts).await?;
        Ok(())
    }
}

/// Records a canary as queued (no attempt yet), so that it can be fetched as soon as it was
/// accepted; a canary known already keeps what its runs left.
pub async fn record_queued(state: &AppState, id: &str) -> Result<(), StoreError> {
    let queued = CanaryState {
        expires_at: now_ms() + KEEP_FOR_MS,
        ..Default::default()
    };
    match canaries(state).insert(id, &queued).await {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

async fn start_attempt(state: &AppState, id: &str) -> Result<u32, StoreError> {
    let store = canaries(state);
    let now = now_ms();
    let fresh = CanaryState {
        attempts: 1,
        started_at: vec![now],
        expires_at: now + KEEP_FOR_MS,
        ..Default::default()
    };
    match store.insert(id, &fresh).await {
        Ok(_) => Ok(1),
        Err(StoreError::Conflict(_)) => {
            let updated = store.update(id, |s| {
                s.attempts += 1;
                if s.started_at.len() < 100 {
                    s.started_at.push(now);
                }
                Some(())
            });
            Ok(updated.await?.map_or(1, |r| r.value.attempts))
        }
        Err(other) => Err(other),
    }
}

/// Applies the effect unless it was applied already (an optimistic update, so two concurrent
/// deliveries still complete once).
async fn complete(state: &AppState, id: &str, attempt: u32) -> Result<(), StoreError> {
    canaries(state)
        .update(id, |s| {
            s.completed_at.is_none().then(|| {
                s.completed_at = Some(now_ms());
                s.completed_by = Some(attempt);
                s.completions += 1;
            })
        })
        .await
        .map(|_| ())
}

/// The canary's state, if it was queued.
pub async fn status(state: &AppState, id: &str) -> Result<Option<CanaryState>, StoreError> {
    Ok(canaries(state).get(id).await?.map(|r| r.value))
}
