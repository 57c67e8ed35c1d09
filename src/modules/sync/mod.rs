//! Import and sync of a Notion workspace into the document store: entities and typed edges.
//!
//! Done so far: the full import ([`crawl::Importer::run`]) and incremental sync
//! ([`crawl::Importer::run_incremental`]), driven from the command line. Webhooks, resume
//! checkpoints, import jobs with leases and encrypted connections are the next steps.

pub mod crawl;
mod incremental;
pub mod model;
mod progress;
mod read;
pub mod service;
pub mod store;

pub use crawl::{ImportReport, Importer};
pub use model::{EDGES, ENTITIES, Edge, Entity, EntityKind, Origin};
pub use progress::{Progress, ProgressSnapshot};
pub use service::CONNECTIONS;
