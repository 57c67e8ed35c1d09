//! The full import against the simulator: what is stored equals the simulator's ground truth.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use notion_graph::cache::{MemoryCache, RateLimit};
use notion_graph::modules::notion::{ClientConfig, Credentials, NotionClient};
use notion_graph::modules::sync::service::{for_each_edge, for_each_entity};
use notion_graph::modules::sync::{Edge, Entity, Importer, ProgressSnapshot};
use notion_graph::storage::{SqliteStore, Store};
use notion_sim::{Fault, RunningSim, SimConfig, Truth};
use secrecy::SecretString;

const CONNECTION: &str = "conn-1";

type EdgeSet = BTreeSet<(String, String, String)>;

/// The edges a complete import must hold: those of readable, live pages. A synced reference to
/// an original in an unreadable page cannot be resolved through the API, so it is left out.
pub fn expected(truth: &Truth) -> (BTreeSet<String>, EdgeSet) {
    let pages: HashMap<_, _> = truth.pages.iter().map(|p| (p.id.as_str(), p)).collect();
    let live = |id: &str| pages.get(id).is_some_and(|p| p.shared && !p.trashed);
    let entities = truth
        .pages
        .iter()
        .filter(|p| live(&p.id))
        .map(|p| p.id.clone())
        .collect();
    let edges = truth
        .edges
        .iter()
        .filter(|e| live(&e.source))
        .filter(|e| {
            e.kind != "synced_block" || pages.get(e.target.as_str()).is_some_and(|p| p.shared)
        })
        .map(|e| (e.source.clone(), e.target.clone(), e.kind.clone()))
        .collect();
    (entities, edges)
}

/// Every entity stored for `connection`.
pub async fn all_entities(store: &Store, connection: &str) -> Vec<Entity> {
    let mut all = Vec::new();
    for_each_entity(store, connection, |e| all.push(e))
        .await
        .unwrap();
    all
}

/// Every edge stored for `connection`.
pub async fn all_edges(store: &Store, connection: &str) -> Vec<Edge> {
    let mut all = Vec::new();
    for_each_edge(store, connection, |e| all.push(e))
        .await
        .unwrap();
    all
}

/// The live (readable, untrashed) entities stored, and every stored edge: a trashed or
/// unreadable page keeps no links of its own, so each edge must be one of a live page.
pub async fn stored(store: &Store, connection: &str) -> (BTreeSet<String>, EdgeSet) {
    let entities = all_entities(store, connection).await;
    let live: BTreeSet<String> = entities
        .iter()
        .filter(|e| e.shared && !e.in_trash)
        .map(|e| e.notion_id.clone())
        .collect();
    let edges = all_edges(store, connection)
        .await
        .into_iter()
        .map(|e| (e.source, e.target, e.kind.name().to_owned()))
        .collect();
    (live, edges)
}

pub fn assert_same<T: Ord + std::fmt::Debug>(
    what: &str,
    expected: &BTreeSet<T>,
    actual: &BTreeSet<T>,
) {
    let missing: Vec<_> = expected.difference(actual).take(8).collect();
    let extra: Vec<_> = actual.difference(expected).take(8).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} expected, {} stored; missing {missing:?}; extra {extra:?}",
        expected.len(),
        actual.len()
    );
}

pub async fn empty_store() -> Store {
    let dir = tempfile::tempdir().unwrap().keep();
    let store: Store = Arc::new(SqliteStore::open(&dir.join("import.sqlite")).await.unwrap());
    store
        .prepare(&notion_graph::modules::collections())
        .await
        .unwrap();
    store
}

pub fn importer(sim: &RunningSim, store: &Store) -> Arc<Importer> {
    importer_for(sim, store, CONNECTION)
}

/// An importer for `connection` with a rate no test waits on.
pub fn importer_for(sim: &RunningSim, store: &Store, connection: &str) -> Arc<Importer> {
    let config = ClientConfig {
        base_url: sim.url.clone(),
        rate: RateLimit::new(5000.0, 200),
        backoff_base: std::time::Duration::from_millis(5),
        ..ClientConfig::default()
    };
    let token = Credentials::Token(SecretString::from(sim.token.clone()));
    let client = NotionClient::new(config, connection, token, Arc::new(MemoryCache::default()));
    Importer::new(client, store.clone(), connection, 16)
}

async fn assert_store_equals_truth(sim: &RunningSim, store: &Store) {
    assert_connection_equals_truth(sim, store, CONNECTION).await
}

/// What `connection` holds in `store` equals the simulator's ground truth.
pub async fn assert_connection_equals_truth(sim: &RunningSim, store: &Store, connection: &str) {
    let truth = sim.truth();
    let (entities, edges) = expected(&truth);
    let (stored_entities, mut stored_edges) = stored(store, connection).await;
    // A reference whose original cannot be read stays as a dangling edge to the original
    // block; the truth names the unreadable page instead. Neither side can be compared.
    let pages: BTreeSet<&str> = truth.pages.iter().map(|p| p.id.as_str()).collect();
    stored_edges
        .retain(|(_, target, kind)| kind != "synced_block" || pages.contains(target.as_str()));
    assert_same("entities", &entities, &stored_entities);
    assert_same("edges", &edges, &stored_edges);
}

/// A full import stores the truth, and reports the links it stored.
async fn assert_import_equals_truth(sim: &RunningSim) -> Store {
    let store = empty_store().await;
    let importer = importer(sim, &store);
    let report = importer.run().await.unwrap();
    assert_store_equals_truth(sim, &store).await;
    assert_everything_discovered_was_fetched(&importer.progress().snapshot());
    assert_eq!(
        report.edges,
        all_edges(&store, CONNECTION).await.len() as u64
    );
    store
}

/// The progress of a finished run: nothing left, each entity counted once on both sides (a
/// page's content, read again or resumed, is no entity of its own).
pub fn assert_everything_discovered_was_fetched(progress: &ProgressSnapshot) {
    assert!(progress.discovered > 0, "{progress:?}");
    assert_eq!(progress.fetched, progress.discovered, "{progress:?}");
    assert_eq!(progress.remaining, 0);
}

/// Trashed pages that live pages link to are stored, flagged (the links to them stay), and
/// hold no links of their own: the same as the trashed pages nothing reaches. (A synced
/// reference points at the page holding its original without reading that page.)
async fn assert_trashed_targets_are_flagged(sim: &RunningSim, store: &Store) {
    let truth = sim.truth();
    let (live, _) = expected(&truth);
    let trashed: BTreeSet<&str> = truth
        .pages
        .iter()
        .filter(|p| p.shared && p.trashed)
        .map(|p| p.id.as_str())
        .collect();
    let linked: BTreeSet<(&str, &str)> = truth
        .edges
        .iter()
        .filter(|e| live.contains(&e.source) && trashed.contains(e.target.as_str()))
        .filter(|e| e.kind != "synced_block")
        .map(|e| (e.target.as_str(), e.kind.as_str()))
        .collect();
    assert!(linked.len() >= 3, "trashed pages that live ones link to");
    let entities = all_entities(store, CONNECTION).await;
    for (id, kind) in linked {
        assert!(
            entities.iter().any(|e| e.notion_id == id && e.in_trash),
            "{id} (linked by {kind}) is stored as trashed"
        );
    }
}

#[tokio::test]
async fn a_full_import_stores_exactly_the_ground_truth() {
    let config = SimConfig {
        rate_limit: None,
        search_hidden_fraction: 0.2,
        ..SimConfig::new(21, 2000)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    let store = assert_import_equals_truth(&sim).await;
    assert_trashed_targets_are_flagged(&sim, &store).await;
    let (calls, bound) = (sim.stats().total, sim.lower_bound().calls as u64);
    eprintln!(
        "import: {calls} calls for a lower bound of {bound} ({:.3}x)\n  calls: {:?}\n  bound: {:?}",
        calls as f64 / bound as f64,
        sim.stats().calls,
        sim.lower_bound()
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_full_import_through_faults_and_rate_limits_stores_the_same() {
    let limit = notion_sim::RateLimit {
        per_second: 400.0,
        burst: 20,
    };
    let config = SimConfig {
        rate_limit: Some(limit),
        ..SimConfig::new(22, 2000)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    sim.set_faults(0.05, Fault::ALL.to_vec());
    assert_import_equals_truth(&sim).await;
    assert!(sim.stats().faults > 20, "faults were injected");
    sim.stop().await;
}

/// Changes a page through the simulator's control API.
pub async fn edit(
    sim: &RunningSim,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = reqwest::Client::new()
        .request(method, format!("{}/_sim{path}", sim.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or_default()
}

#[tokio::test]
async fn one_incremental_sync_converges_after_every_kind_of_edit() {
    let config = SimConfig {
        rate_limit: None,
        ..SimConfig::new(23, 600)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    let store = empty_store().await;
    let started = chrono::Utc::now();
    importer(&sim, &store).run().await.unwrap();

    let truth = edit_every_kind(&sim).await;

    let before = sim.stats();
    let incremental = importer(&sim, &store);
    incremental
        .run_incremental(started - chrono::TimeDelta::minutes(5), true)
        .await
        .unwrap();
    assert_store_equals_truth(&sim, &store).await;
    assert_everything_discovered_was_fetched(&incremental.progress().snapshot());
    let reconciled = sim.stats();
    let quiet_since = chrono::Utc::now() - chrono::TimeDelta::minutes(5);
    importer(&sim, &store)
        .run_incremental(quiet_since, false)
        .await
        .unwrap();
    let searched = sim.stats().calls_to("POST /v1/search") - reconciled.calls_to("POST /v1/search");
    assert_eq!(searched, 1, "search stops at the watermark");
    let after = sim.stats();
    let by_endpoint: Vec<_> = after
        .calls
        .iter()
        .map(|(k, v)| (k, v - before.calls.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    eprintln!(
        "incremental sync: {} calls after 10 edits in a {}-page workspace: {by_endpoint:?}",
        after.total - before.total,
        truth.pages.len()
    );
    sim.stop().await;
}

/// Applies one edit of every kind the sync must follow: add a link (also on a search-hidden
/// page), remove a link, rename, move, trash, restore, a new page linked from another, a new
/// relation. Returns the truth from before the edits.
pub async fn edit_every_kind(sim: &RunningSim) -> Truth {
    use reqwest::Method;
    use serde_json::json;
    let truth = sim.truth();
    let live: Vec<_> = truth
        .pages
        .iter()
        .filter(|p| p.shared && !p.trashed && p.kind == "page")
        .collect();
    let hidden = truth
        .pages
        .iter()
        .find(|p| p.shared && !p.trashed && !p.in_search && p.kind == "page")
        .unwrap();
    let (a, b, c, d) = (&live[3].id, &live[7].id, &live[11].id, &live[15].id);
    edit(
        sim,
        Method::POST,
        &format!("/pages/{a}/links"),
        json!({ "target": b, "kind": "page_mention" }),
    )
    .await;
    edit(
        sim,
        Method::POST,
        &format!("/pages/{}/links", hidden.id),
        json!({ "target": c, "kind": "notion_url" }),
    )
    .await;
    let mention = truth
        .edges
        .iter()
        .find(|e| e.kind == "page_mention" && live.iter().any(|p| p.id == e.source))
        .unwrap();
    edit(
        sim,
        Method::DELETE,
        &format!("/pages/{}/links/{}", mention.source, mention.target),
        json!({}),
    )
    .await;
    edit(
        sim,
        Method::PATCH,
        &format!("/pages/{c}"),
        json!({ "title": "Renamed" }),
    )
    .await;
    edit(
        sim,
        Method::PATCH,
        &format!("/pages/{d}"),
        json!({ "parent_id": a }),
    )
    .await;
    edit(
        sim,
        Method::PATCH,
        &format!("/pages/{}", live[19].id),
        json!({ "trashed": true }),
    )
    .await;
    if let Some(trashed) = truth
        .pages
        .iter()
        .find(|p| p.shared && p.trashed && p.kind == "page")
    {
        edit(
            sim,
            Method::PATCH,
            &format!("/pages/{}", trashed.id),
            json!({ "trashed": false }),
        )
        .await;
    }
    let created = edit(
        sim,
        Method::POST,
        "/pages",
        json!({ "parent_id": b, "title": "Fresh page" }),
    )
    .await;
    edit(
        sim,
        Method::POST,
        &format!("/pages/{a}/links"),
        json!({ "target": created["id"], "kind": "link_to_page" }),
    )
    .await;
    let row = truth
        .edges
        .iter()
        .find(|e| e.kind == "relation")
        .unwrap()
        .source
        .clone();
    let property = notion_property(sim, &row).await;
    edit(
        sim,
        Method::POST,
        &format!("/pages/{row}/relations"),
        json!({ "property": property, "target": b }),
    )
    .await;

    truth
}

/// A GET on the simulator's Notion API with its token, waiting out its rate limit (an import
/// may be spending the same token's budget).
pub async fn notion_get(sim: &RunningSim, path: &str) -> serde_json::Value {
    for _ in 0..100 {
        let response = reqwest::Client::new()
            .get(format!("{}/v1{path}", sim.url))
            .bearer_auth(&sim.token)
            .header("Notion-Version", "2025-09-03")
            .send()
            .await
            .unwrap();
        if response.status() != reqwest::StatusCode::TOO_MANY_REQUESTS {
            return response.json().await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path}: still rate-limited after 10 s")
}

/// The name of a row's relation property, read through the API.
async fn notion_property(sim: &RunningSim, row: &str) -> String {
    let response = notion_get(sim, &format!("/pages/{row}")).await;
    let properties = response["properties"].as_object().unwrap();
    properties
        .iter()
        .find(|(_, v)| v["type"] == "relation")
        .map(|(name, _)| name.clone())
        .unwrap()
}
