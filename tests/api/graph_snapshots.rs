//! Snapshots over time: community ids carry over from one snapshot to the next, old
//! snapshots are deleted with their chunks, except the newest few and the pinned ones, and a
//! first read builds under the build lease.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use notion_graph::modules::graph::{
    BuildOptions, GraphError, GraphService, SNAPSHOT_CHUNKS, Snapshot,
};
use notion_graph::modules::sync::lease;
use notion_graph::storage::{Filter, Store};

use crate::graph::{CONNECTION, imported, sqlite_store};
use crate::sync_import::{edit, importer_for};

fn community_by_page(snapshot: &Snapshot) -> HashMap<&str, u32> {
    let nodes = snapshot.graph.nodes.iter().map(|n| n.id.as_str());
    nodes
        .zip(snapshot.metrics.community.iter().copied())
        .collect()
}

#[tokio::test]
async fn pages_keep_their_community_id_after_an_edit_and_a_rebuild() {
    let store = sqlite_store().await;
    let started = chrono::Utc::now();
    let sim = imported(56, &store).await;
    let service = GraphService::new(store.clone());
    let before = service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    assert!(before.meta.community_count > 3, "{:?}", before.meta);

    // Link two pages of different communities, the edit most likely to move pages.
    let was = community_by_page(&before);
    let live: Vec<_> = (sim.truth().pages.into_iter())
        .filter(|p| p.shared && !p.trashed && p.kind == "page")
        .collect();
    // Not already linked either way: the graph has one link per pair, whatever its kinds.
    let (_, edges) = crate::sync_import::stored(&store, CONNECTION).await;
    let linked = |a: &str, b: &str| {
        edges
            .iter()
            .any(|(s, t, _)| (s == a && t == b) || (s == b && t == a))
    };
    let (a, b) = live
        .iter()
        .flat_map(|a| live.iter().map(move |b| (a, b)))
        .find(|(a, b)| was.get(a.id.as_str()) != was.get(b.id.as_str()) && !linked(&a.id, &b.id))
        .unwrap();
    let link = serde_json::json!({ "target": b.id, "kind": "page_mention" });
    edit(
        &sim,
        reqwest::Method::POST,
        &format!("/pages/{}/links", a.id),
        link,
    )
    .await;
    importer_for(&sim, &store, CONNECTION)
        .run_incremental(started - chrono::TimeDelta::minutes(5), true)
        .await
        .unwrap();
    let after = service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    assert_eq!(after.graph.links.len(), before.graph.links.len() + 1);

    let now = community_by_page(&after);
    let same = was.iter().filter(|(id, c)| now.get(*id) == Some(c)).count();
    let share = same as f64 / was.len() as f64;
    eprintln!(
        "{same} of {} pages kept their community id ({} communities)",
        was.len(),
        after.meta.community_count
    );
    assert!(share >= 0.95, "only {:.1} % kept their id", share * 100.0);
    sim.stop().await;
}

async fn stored_versions(service: &GraphService, store: &Store) -> (Vec<u64>, u64) {
    let mut versions = Vec::new();
    for version in 1..=12 {
        if service.snapshot(CONNECTION, Some(version)).await.is_ok() {
            versions.push(version);
        }
    }
    let chunks = store.count(&SNAPSHOT_CHUNKS, &Filter::all()).await.unwrap();
    (versions, chunks)
}

async fn build_times(service: &GraphService, times: usize) -> u64 {
    let mut chunks = 0;
    for _ in 0..times {
        let built = service
            .build(CONNECTION, BuildOptions::default())
            .await
            .unwrap();
        chunks = u64::from(built.meta.chunk_count);
    }
    chunks
}

#[tokio::test]
async fn old_snapshots_are_deleted_with_their_chunks_except_the_newest_and_the_pinned() {
    let store = sqlite_store().await;
    let sim = imported(57, &store).await;
    let service = GraphService::new(store.clone()).keeping(3);
    build_times(&service, 2).await;
    service.pin("share:a", CONNECTION, 2, None).await.unwrap();
    let chunks_per_snapshot = build_times(&service, 4).await;
    let (versions, chunks) = stored_versions(&service, &store).await;
    assert_eq!(versions, [2, 4, 5, 6]);
    assert_eq!(chunks, 4 * chunks_per_snapshot);

    // A deleted version cannot be pinned; an expired pin holds nothing; unpinned, 2 goes.
    let refused = service.pin("share:b", CONNECTION, 1, None).await;
    assert!(
        matches!(refused, Err(GraphError::UnknownVersion(_, 1))),
        "{refused:?}"
    );
    service
        .pin("share:c", CONNECTION, 4, Some(1))
        .await
        .unwrap();
    assert!(service.unpin("share:a").await.unwrap());
    assert!(!service.unpin("share:a").await.unwrap());
    build_times(&service, 1).await;
    let (versions, chunks) = stored_versions(&service, &store).await;
    assert_eq!(versions, [5, 6, 7]);
    assert_eq!(chunks, 3 * chunks_per_snapshot);
    sim.stop().await;
}

#[tokio::test]
async fn a_first_read_builds_under_the_build_lease_and_takes_a_snapshot_stored_meanwhile() {
    let store = sqlite_store().await;
    let _sim = imported(57, &store).await;
    let ttl = Duration::from_secs(10);
    let service = Arc::new(GraphService::new(store.clone()).leasing(ttl));
    // A build job holds the workspace's build lease.
    let key = notion_graph::modules::graph::jobs::lease_key(CONNECTION);
    let job = lease::acquire(&store, &key, "a-build-job", ttl)
        .await
        .unwrap()
        .expect("the lease is free");

    let reader = tokio::spawn({
        let service = service.clone();
        async move { service.current(CONNECTION, None).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!reader.is_finished(), "the first read waits for the lease");
    let stored = service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    job.release().await.unwrap();

    let read = reader.await.unwrap();
    assert_eq!(read.meta.version, stored.meta.version, "no second build");
    assert!(matches!(
        service
            .snapshot(CONNECTION, Some(stored.meta.version + 1))
            .await,
        Err(GraphError::UnknownVersion(..))
    ));
}
