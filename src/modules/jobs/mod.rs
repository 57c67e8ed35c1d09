//! Job plumbing: the queue (apalis on SQLite or Redis), the workers and their schedule, and
//! the dead-letter list an admin can inspect and replay. Jobs themselves live with their module
//! as a serde type implementing [`Job`].

mod dead_letter;
mod queue;
pub mod routes;
mod workers;

use std::future::Future;

use actix_web::web;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::AppState;

pub use dead_letter::{DEAD_JOBS, DeadLetter};
pub use queue::JobQueue;
pub use workers::Workers;

/// A unit of background work. Delivery is at least once, so `run` must be idempotent:
/// running it twice leaves the same state as running it once.
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// The queue's name; also names the job type in dead letters and metrics.
    const QUEUE: &'static str;

    fn run(self, state: &AppState) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Every queue a worker serves; a dead letter can only be replayed onto one of these.
pub const QUEUES: &[&str] = &[
    crate::modules::ops::Canary::QUEUE,
    crate::modules::sync::SyncWorkspace::QUEUE,
    crate::modules::sync::WebhookRefresh::QUEUE,
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::configure(cfg);
}
