//! Operations: liveness, readiness and the Prometheus endpoint at the root, the canary job an
//! admin enqueues to prove the job pipeline end to end, and backup and restore of the store.

mod admin;
pub mod backup;
mod canary;
mod routes;

use utoipa::OpenApi;

use crate::jobs::JobType;
use crate::manifest::{Access, Module, Mount, Routes};

pub use canary::{CANARIES, Canary, CanaryState};

/// `/livez`, `/readyz` and `/metrics` alone: what a `worker` serves on `worker_metrics_addr`.
pub fn probes(cfg: &mut actix_web::web::ServiceConfig) {
    routes::configure(cfg);
}

pub static MODULE: Module = Module {
    name: "ops",
    collections: &[&CANARIES],
    jobs: &[JobType::of::<Canary>()],
    routes: &[
        Routes {
            mount: Mount::Root,
            access: Access::Public,
            configure: routes::configure,
            openapi: routes::Api::openapi,
        },
        Routes {
            mount: Mount::Admin,
            access: Access::Admin,
            configure: admin::configure,
            openapi: admin::Api::openapi,
        },
    ],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};
