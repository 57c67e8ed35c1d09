//! The admin's view of the job pipeline: jobs that failed every attempt, to list, replay or
//! discard. The pipeline itself (queue, workers, dead-letter list, housekeeping and the archive
//! of expired history) is platform: `crate::jobs`, `crate::storage::archive`.

mod routes;

use utoipa::OpenApi;

use crate::manifest::{Access, Module, Mount, Routes};

pub static MODULE: Module = Module {
    name: "jobs",
    collections: &[&crate::jobs::DEAD_JOBS, &crate::storage::archive::ARCHIVES],
    jobs: &[],
    routes: &[Routes {
        mount: Mount::Admin,
        access: Access::Admin,
        configure: routes::configure,
        openapi: routes::Api::openapi,
    }],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};
