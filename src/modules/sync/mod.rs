//! Import and sync of a Notion workspace into the document store: entities and typed edges.
//!
//! - [`connection`]: connected workspaces, tokens sealed at rest, status and sync settings.
//! - [`crawl`], `read`, `incremental`: the full import (search seeds, traversal completes it),
//!   incremental sync, and webhook-driven re-reads.
//! - [`run`]: run history and the checkpoints an interrupted import resumes from.
//! - [`lease`]: one sync per workspace at a time, across every worker.
//! - [`local`]: workspaces stored from elsewhere (an edge list), never synced.
//! - [`service`]: a sync as jobs and the command line run it, and `workspace_for`, the one
//!   membership check of workspace routes; [`jobs`]: the jobs and the schedule; [`webhooks`]:
//!   Notion's webhook endpoint.
//! - [`workspaces`] and `routes`: the workspace API under `/api/v1/workspaces`.
//! - [`failing`] and `admin_routes`: failing and stuck syncs of every tenant, for admins.

mod admin_routes;
mod connect;
pub mod connection;
pub mod crawl;
pub mod failing;
mod incremental;
pub mod jobs;
pub mod lease;
mod ledger;
pub mod local;
pub mod model;
mod pending;
mod progress;
mod read;
mod routes;
pub mod run;
pub mod service;
mod store;
mod task;
pub mod webhooks;
pub mod workspaces;
pub mod zip;

use futures::FutureExt;
use futures::future::BoxFuture;
use utoipa::OpenApi;

use crate::jobs::JobType;
use crate::manifest::{Access, Module, Mount, Routes};
use crate::state::AppState;

pub use connection::{Api, CONNECTIONS};
pub use crawl::{ImportReport, Importer};
pub use jobs::{SyncWorkspace, WebhookRefresh};
pub use lease::LEASES;
pub use model::{EDGES, ENTITIES, Edge, Entity, EntityKind, Origin};
pub use progress::{Phase, Progress, ProgressSnapshot};
pub use run::{FRONTIER, RUNS};

/// Epoch milliseconds, the unit every sync document stores times in.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `minutes` from now, in epoch milliseconds: when the schedule syncs next.
pub(crate) fn minutes_from_now(minutes: u32) -> i64 {
    now_ms() + i64::from(minutes) * 60_000
}

pub static MODULE: Module = Module {
    name: "sync",
    collections: &[
        &ENTITIES,
        &EDGES,
        &CONNECTIONS,
        &RUNS,
        &FRONTIER,
        &LEASES,
        &pending::PENDING,
        &webhooks::SUBSCRIPTIONS,
        &webhooks::SEEN_EVENTS,
        &zip::contents::CONTENTS,
    ],
    jobs: &[
        JobType::of::<SyncWorkspace>(),
        JobType::of::<WebhookRefresh>(),
    ],
    routes: &[
        Routes {
            mount: Mount::Api,
            access: Access::SignedIn,
            configure: routes::configure,
            openapi: routes::Api::openapi,
        },
        Routes {
            mount: Mount::Webhooks,
            access: Access::Public,
            configure: webhooks::configure,
            openapi: webhooks::Api::openapi,
        },
        Routes {
            mount: Mount::Admin,
            access: Access::Admin,
            configure: webhooks::configure_admin,
            openapi: webhooks::AdminApi::openapi,
        },
        Routes {
            mount: Mount::Admin,
            access: Access::Admin,
            configure: admin_routes::configure,
            openapi: admin_routes::Api::openapi,
        },
    ],
    housekeeping: Some(enqueue_due_syncs),
    after_sync: None,
    on_workspace_removed: None,
};

/// At each housekeeping tick: the scheduled syncs that are due.
fn enqueue_due_syncs(state: &AppState) -> BoxFuture<'_, anyhow::Result<()>> {
    jobs::enqueue_due(state)
        .map(|enqueued| enqueued.map(drop))
        .boxed()
}
