//! Vertical slices of the product; each exposes `configure` for its routes.

pub mod auth;
pub mod graph;
pub mod jobs;
pub mod notion;
pub mod ops;
pub mod sync;

use crate::storage::Collection;

/// Every collection of every module, so that both backends create them and their indexes.
pub fn collections() -> Vec<&'static Collection> {
    vec![
        &jobs::DEAD_JOBS,
        &ops::CANARIES,
        &sync::ENTITIES,
        &sync::EDGES,
        &sync::CONNECTIONS,
        &sync::RUNS,
        &sync::FRONTIER,
        &sync::LEASES,
        &sync::webhooks::SUBSCRIPTIONS,
        &sync::webhooks::SEEN_EVENTS,
        &graph::SNAPSHOTS,
        &graph::SNAPSHOT_CHUNKS,
    ]
}
