//! Vertical slices of the product. Each module declares itself in one place, a
//! [`Module`](crate::manifest::Module) manifest, and is listed once in [`ALL`]; nothing else in
//! the tree names it. The platform reads the manifests to create collections and indexes, start
//! job workers, mount routes under their prefixes and write the OpenAPI document.
//!
//! # Adding a module
//!
//! Adding a module touches its own folder and one line here. In `src/modules/<name>/mod.rs`:
//!
//! ```ignore
//! pub static MODULE: Module = Module {
//!     name: "billing",                                  // logs and OpenAPI tag
//!     collections: &[&PLANS, &SUBSCRIPTIONS],           // `storage::Collection` statics
//!     jobs: &[JobType::of::<StripeEvent>()],            // types implementing `jobs::Job`
//!     routes: &[
//!         Routes { mount: Mount::Api, access: Access::SignedIn, configure: routes::configure, openapi: routes::Api::openapi },
//!         Routes { mount: Mount::Webhooks, access: Access::Public, configure: webhooks::configure, openapi: webhooks::Api::openapi },
//!     ],
//!     housekeeping: None,                               // or a fn run at each housekeeping tick
//!     after_sync: None,                                 // or a fn run after a sync stored something
//!     on_workspace_removed: None,                       // or a fn deleting what it keeps of one
//! };
//! ```
//!
//! and one line, `billing,`, in the `modules!` list below (which declares the Rust module and
//! adds its manifest to [`ALL`]).
//!
//! - **Collections** declare their indexes; both backends create them at start-up. A collection
//!   with a `ttl_field` is swept by housekeeping.
//! - **Jobs** are a serde type implementing [`Job`](crate::jobs::Job) (queue name, idempotent
//!   `run`), enqueued with `state.jobs.push(&job)`. Listing it in `jobs` is the one place it is
//!   registered: workers start for it and its dead letters can be replayed.
//! - **Routes** come in groups, one per [`Mount`](crate::manifest::Mount). The parent
//!   (`app.rs`) owns every prefix: `Mount::Api` is `/api/v1`, `Mount::Webhooks` is
//!   `/api/webhooks`, `Mount::Admin` is `/api/admin` (guarded once, for the whole scope, by
//!   `AdminUser`: a handler there never checks it again), `Mount::Root` is `/`. A group's
//!   `configure` registers paths *relative* to its prefix (`#[get("/workspaces/{id}/graph")]`
//!   under `Mount::Api` serves `/api/v1/workspaces/{id}/graph`) and registers resources only,
//!   never a `web::scope`, so that modules can share a path prefix such as `/workspaces/{id}`.
//! - **OpenAPI**: one style everywhere. Each group has a `#[derive(OpenApi)]` struct listing
//!   its handlers and schemas. Each handler has `#[utoipa::path(...)]` directly above its actix
//!   route macro, with *no* `path`, method or `tag`: path and method come from the route macro,
//!   the prefix from the mount and the tag from the module's name, so they cannot disagree.
//!   Document the statuses the handler itself answers (`responses(...)`). The platform adds, in
//!   `app/openapi.rs`, what the group's [`Access`](crate::manifest::Access) implies (its
//!   security, 401 and 403) and what the extractors may answer (400 for malformed input, 404
//!   under a path parameter, 413 and 415 for a body), each error with a problem+json body; a
//!   group's routes share one access, so split a module's routes into groups by who may call
//!   them (as `auth` does). The contract test (`tests/api/contract.rs`) holds the document to
//!   what the app answers.
//! - **Workspace hooks**: `after_sync` and `on_workspace_removed` take the workspace's id; the
//!   platform runs every module's, in the order of [`ALL`], when sync reports a sync that stored
//!   something or a removed workspace (`Modules::after_sync`, `Modules::workspace_removed`). A
//!   module that keeps anything per workspace deletes it in `on_workspace_removed`, so that
//!   nothing of a removed workspace remains; sync never names the modules that listen.
//! - **Errors**: a module's error enum converts into `AppError` with `From`, beside its
//!   definition, mapping each variant to a [`Code`](crate::error::Code); add codes there.

use crate::manifest::Modules;

/// Declares each module and lists its manifest in [`ALL`], so that a module is named once.
macro_rules! modules {
    ($($name:ident,)+) => {
        $(pub mod $name;)+

        /// Every module this binary runs, in the order their routes are mounted.
        pub const ALL: Modules = Modules(&[$(&$name::MODULE,)+]);
    };
}

modules! {
    ops,
    jobs,
    auth,
    sync,
    graph,
    embed,
    payments,
    analytics,
    dashboard,
    export,
    assistant,
    mcp,
    graphql,
    alerts,
}

/// A library the modules share (the Notion API client, models and link extraction), with no
/// collections, jobs or routes of its own.
pub mod notion;

/// Every collection of every module, e.g. for a tool or test that prepares a store itself.
pub fn collections() -> Vec<&'static crate::storage::Collection> {
    ALL.collections().collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_collection_and_job_queue_is_declared_once() {
        let mut names = HashSet::new();
        for collection in ALL.collections() {
            assert!(names.insert(collection.name), "{} twice", collection.name);
        }
        let mut queues = HashSet::new();
        for job in ALL.jobs() {
            assert!(queues.insert(job.queue), "queue {} twice", job.queue);
        }
        assert!(queues.contains("sync") && queues.contains("canary"));
    }
}
