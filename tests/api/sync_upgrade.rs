//! Data an earlier version stored keeps working. `tests/fixtures/previous-version.sqlite` is
//! the SQLite file the version before typed edges (commit c22e8c7, when `Edge.kind` was a
//! string and edge ids were built from `Debug` text) wrote for a full import of the
//! simulator's workspace seed 31 with 60 pages (no rate limit) as connection `conn-1`; only its
//! two import tables are kept. It holds every link kind and both origins.

use std::collections::BTreeSet;
use std::sync::Arc;

use notion_graph::modules::graph::{BuildOptions, build};
use notion_graph::modules::sync::EDGES;
use notion_graph::storage::{Filter, Query, SqliteStore, Store, Typed};
use notion_sim::SimConfig;
use serde_json::Value;

use crate::sync_import::{all_edges, all_entities, assert_connection_equals_truth, importer};

const CONNECTION: &str = "conn-1";

/// The fixture, copied (the test writes to it) and opened by this version.
async fn previous_version_store() -> (Store, tempfile::TempDir) {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/previous-version.sqlite"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("import.sqlite");
    std::fs::copy(fixture, &path).unwrap();
    let store: Store = Arc::new(SqliteStore::open(&path).await.unwrap());
    store
        .prepare(&notion_graph::modules::collections())
        .await
        .unwrap();
    (store, dir)
}

/// The ids of the stored edge documents, read untyped.
async fn edge_ids(store: &Store) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let query = Query::new(Filter::all().eq("connection", CONNECTION)).limit(500);
    Typed::<Value>::new(store.clone(), &EDGES)
        .for_each(&query, |r| {
            ids.insert(r.id);
        })
        .await
        .unwrap();
    ids
}

#[tokio::test]
async fn a_database_written_by_the_previous_version_reads_builds_and_reimports_in_place() {
    let (store, _dir) = previous_version_store().await;
    let written = edge_ids(&store).await;
    assert_eq!(written.len(), 253, "the fixture's edges");

    // Every stored edge reads as a typed edge whose key is the id it was stored under.
    let edges = all_edges(&store, CONNECTION).await;
    let keys: BTreeSet<String> = edges.iter().map(|e| e.key()).collect();
    assert_eq!(keys, written);
    assert_eq!(all_entities(&store, CONNECTION).await.len(), 62);
    let graph = build::from_store(&store, CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    assert_eq!(graph.links.len(), 253);

    // A full import of the same workspace over it overwrites each edge in place. The previous
    // version kept the links of a trashed page, which this one drops.
    let config = SimConfig {
        rate_limit: None,
        ..SimConfig::new(31, 60)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    importer(&sim, &store).run().await.unwrap();
    let rewritten = edge_ids(&store).await;
    assert!(rewritten.is_subset(&written));
    assert_eq!(
        written.len() - rewritten.len(),
        2,
        "the trashed page's links"
    );
    assert_connection_equals_truth(&sim, &store, CONNECTION).await;
    sim.stop().await;
}
