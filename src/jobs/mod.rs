//! Job plumbing, shared by every module: the queue (apalis on SQLite or Redis), the workers and
//! their schedule, and the dead-letter list. Jobs themselves live with their module as a serde
//! type implementing [`Job`], declared in the module's manifest with [`JobType::of`].

mod dead_letter;
mod housekeeping;
mod queue;
mod workers;

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::AppState;

pub use dead_letter::{DEAD_JOBS, DeadLetter, discard, list, refresh_metrics, replay};
pub use queue::JobQueue;
pub use workers::Workers;

/// A unit of background work. Delivery is at least once, so `run` must be idempotent:
/// running it twice leaves the same state as running it once.
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// The queue's name; also names the job type in dead letters and metrics.
    const QUEUE: &'static str;

    fn run(self, state: &AppState) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Called once the last attempt failed and the job went to the dead-letter list, so that
    /// what the job tracks (an export's state) can say it failed. Does nothing by default.
    fn dead_lettered(
        self,
        state: &AppState,
        error: &anyhow::Error,
    ) -> impl Future<Output = anyhow::Result<()>> + Send {
        let _ = (state, error);
        async { Ok(()) }
    }
}

/// A job type as a module's manifest declares it: its queue and how to run its workers.
pub struct JobType {
    pub queue: &'static str,
    worker: fn(&AppState) -> workers::RunWorker,
}

impl JobType {
    pub const fn of<J: Job>() -> Self {
        Self {
            queue: J::QUEUE,
            worker: workers::job_worker::<J>,
        }
    }
}
