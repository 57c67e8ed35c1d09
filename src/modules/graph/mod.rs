//! The graph of a workspace: built from the imported pages and edges, measured (degrees,
//! PageRank, components, communities, orphans, hubs, bridges), laid out, stored as versioned
//! snapshots, and rendered as D3 JSON, GEXF or GraphML views.
//!
//! The arithmetic lives in the `graph-engine` crate; this module is about the product: which
//! pages, which snapshot, which view. [`service::GraphService`] is the one entry point, one per
//! state ([`service()`], its caches live in it); a route serves a view with one `export` call,
//! choosing the body with [`Encoding::negotiate`].
//!
//! Snapshots beyond the newest `graph_snapshots_kept` are deleted after each build, except
//! the versions a holder (a share link) pins through [`GraphService::pin`].
//!
//! The graph API (`routes`, under `/api/v1/workspaces/{id}`): views with precompressed bodies
//! and strong ETags ([`http`]), parameters read by [`query`], snapshot versions and diffs,
//! pages ([`pages`]), and builds: after a sync that stored something, or on request, a
//! debounced job builds the next snapshot, one per workspace at a time ([`builds`]).

pub mod analysis;
pub mod bin;
mod bodies;
pub mod build;
pub mod builds;
mod communities;
pub mod d3;
pub mod export;
mod facts;
pub mod formats;
pub mod http;
pub mod import;
pub mod jobs;
pub mod layout;
pub mod metrics;
pub mod model;
pub mod pages;
pub mod query;
pub mod retention;
mod routes;
pub mod service;
pub mod snapshot;
pub mod store;
pub mod summary;
pub mod views;

pub use bodies::{Bodies, Encoding};
pub use export::{ExportRequest, Format};
pub use model::{BuildOptions, Graph, LinkKind, Metrics, Snapshot, SnapshotDiff, SnapshotMeta};
pub use retention::SNAPSHOT_PINS;
pub use service::{GraphError, GraphService, service};
pub use store::{SNAPSHOT_CHUNKS, SNAPSHOTS};
pub use views::{Neighbourhood, ViewRequest};

use futures::FutureExt;

use crate::jobs::JobType;
use crate::manifest::{Access, Mount, Routes};
use utoipa::OpenApi;

pub static MODULE: crate::manifest::Module = crate::manifest::Module {
    name: "graph",
    collections: &[
        &SNAPSHOTS,
        &SNAPSHOT_CHUNKS,
        &SNAPSHOT_PINS,
        &builds::BUILDS,
    ],
    jobs: &[JobType::of::<jobs::BuildGraph>()],
    routes: &[Routes {
        mount: Mount::Api,
        access: Access::SignedIn,
        configure: routes::configure,
        openapi: routes::Api::openapi,
    }],
    housekeeping: None,
    after_sync: Some(|state, workspace| builds::after_sync(state, workspace).boxed()),
    on_workspace_removed: Some(|state, workspace| jobs::delete_workspace(state, workspace).boxed()),
};
