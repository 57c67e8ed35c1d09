//! The graph of a workspace: built from the imported pages and edges, measured (degrees,
//! PageRank, components, communities, orphans, hubs, bridges), laid out, stored as versioned
//! snapshots, and rendered as D3 JSON, GEXF or GraphML views.
//!
//! The arithmetic lives in the `graph-engine` crate; this module is about the product: which
//! pages, which snapshot, which view. [`service::GraphService`] is the one entry point: a route
//! keeps one (its caches live in it) and serves a view with one `export` call, choosing the body
//! with [`Encoding::negotiate`].
//!
//! Not yet: HTTP routes (the embed issue), level of detail, deleting old snapshots.

pub mod bin;
mod bodies;
pub mod build;
pub mod d3;
mod facts;
pub mod formats;
pub mod layout;
pub mod metrics;
pub mod model;
pub mod service;
pub mod snapshot;
pub mod store;
mod summary;
pub mod views;

pub use bodies::{Bodies, Encoding};
pub use model::{BuildOptions, Graph, LinkKind, Metrics, Snapshot, SnapshotDiff, SnapshotMeta};
pub use service::{ExportRequest, Format, GraphError, GraphService};
pub use store::{SNAPSHOT_CHUNKS, SNAPSHOTS};
pub use views::{Neighbourhood, ViewRequest};

pub static MODULE: crate::manifest::Module = crate::manifest::Module {
    name: "graph",
    collections: &[&SNAPSHOTS, &SNAPSHOT_CHUNKS],
    jobs: &[],
    routes: &[],
    housekeeping: None,
};
