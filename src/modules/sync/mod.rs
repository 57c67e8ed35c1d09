//! Import and sync of a Notion workspace into the document store: entities and typed edges.
//!
//! - [`connection`]: connected workspaces, tokens sealed at rest, status and sync settings.
//! - [`crawl`], `read`, `incremental`: the full import (search seeds, traversal completes it),
//!   incremental sync, and webhook-driven re-reads.
//! - [`run`]: run history and the checkpoints an interrupted import resumes from.
//! - [`lease`]: one sync per workspace at a time, across every worker.
//! - [`service`]: a sync as jobs and the command line run it; [`jobs`]: the jobs and the
//!   schedule; [`webhooks`]: Notion's webhook endpoint.

mod connect;
pub mod connection;
pub mod crawl;
mod incremental;
pub mod jobs;
pub mod lease;
pub mod model;
mod progress;
mod read;
pub mod run;
pub mod service;
pub mod store;
mod task;
pub mod webhooks;

use actix_web::web;

pub use connection::CONNECTIONS;
pub use crawl::{ImportReport, Importer};
pub use jobs::{SyncWorkspace, WebhookRefresh};
pub use lease::LEASES;
pub use model::{EDGES, ENTITIES, Edge, Entity, EntityKind, Origin};
pub use progress::{Progress, ProgressSnapshot};
pub use run::{FRONTIER, RUNS};

/// Epoch milliseconds, the unit every sync document stores times in.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    webhooks::configure(cfg);
}
