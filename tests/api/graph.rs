//! The graph of an imported workspace: what a build takes from the store, its metrics, stored
//! snapshots and their diffs, and every view as D3 JSON (plain and compressed). GEXF, GraphML
//! and the `graph` commands of the binary are in `graph_exports`.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use notion_graph::modules::graph::{
    BuildOptions, Encoding, ExportRequest, Format, GraphService, LinkKind, Neighbourhood,
    ViewRequest, build,
};
use notion_graph::modules::sync::EntityKind;
use notion_graph::storage::{MongoStore, Store};
use notion_sim::{RunningSim, SimConfig};
use serde_json::Value;

use crate::helpers::{service, unique};
use crate::sync_import::{all_edges, all_entities, edit, importer_for};

pub const CONNECTION: &str = "conn-graph";
const PAGES: usize = 200;

pub async fn sqlite_store() -> Store {
    crate::sync_import::empty_store().await
}

pub async fn mongo_store() -> Option<Store> {
    let uri = service("TEST_MONGODB_URI")?;
    let store: Store = Arc::new(MongoStore::connect(&uri, &unique("graph")).await.unwrap());
    store
        .prepare(&notion_graph::modules::collections())
        .await
        .unwrap();
    Some(store)
}

pub async fn simulator(seed: u64) -> RunningSim {
    let config = SimConfig {
        rate_limit: None,
        ..SimConfig::new(seed, PAGES)
    };
    notion_sim::start(config, "127.0.0.1:0").await.unwrap()
}

/// A simulated workspace imported into `store`.
pub async fn imported(seed: u64, store: &Store) -> RunningSim {
    let sim = simulator(seed).await;
    importer_for(&sim, store, CONNECTION).run().await.unwrap();
    sim
}

/// Node ids and (source, target, kind) links a build with `options` must hold, from the store.
pub async fn expected(
    store: &Store,
    options: BuildOptions,
) -> (BTreeSet<String>, Vec<(String, String, String)>) {
    let entities = all_entities(store, CONNECTION).await;
    let keeps = |e: &notion_graph::modules::sync::Entity| {
        (options.rows || e.kind != EntityKind::Row)
            && (options.dangling || e.shared)
            && (options.trashed || !e.in_trash)
    };
    let excluded: HashSet<String> = entities
        .iter()
        .filter(|e| !keeps(e))
        .map(|e| e.notion_id.clone())
        .collect();
    let mut nodes: BTreeSet<String> = entities
        .iter()
        .filter(|e| keeps(e))
        .map(|e| e.notion_id.clone())
        .collect();
    let edges = all_edges(store, CONNECTION).await;
    let mut links = Vec::new();
    for e in edges {
        let hierarchy = e.kind.is_hierarchy();
        let usable =
            |id: &String| !excluded.contains(id) && (options.dangling || nodes.contains(id));
        if (hierarchy && !options.hierarchy) || !usable(&e.source) || !usable(&e.target) {
            continue;
        }
        nodes.insert(e.source.clone());
        nodes.insert(e.target.clone());
        links.push((e.source, e.target, e.kind.name().to_owned()));
    }
    links.sort();
    (nodes, links)
}

#[tokio::test]
async fn a_build_holds_the_stored_pages_and_edges_under_every_option() {
    let store = sqlite_store().await;
    let sim = imported(51, &store).await;
    let all = BuildOptions::default();
    let variants = [
        all,
        BuildOptions {
            hierarchy: false,
            ..all
        },
        BuildOptions { rows: false, ..all },
        BuildOptions {
            dangling: false,
            ..all
        },
        BuildOptions {
            trashed: false,
            ..all
        },
    ];
    for options in variants {
        let graph = build::from_store(&store, CONNECTION, options)
            .await
            .unwrap();
        let (nodes, links) = expected(&store, options).await;
        let ids: BTreeSet<String> = graph.nodes.iter().map(|n| n.id.clone()).collect();
        assert_eq!(ids.len(), graph.nodes.len(), "node ids are unique");
        assert_eq!(ids, nodes, "nodes with {options:?}");
        let mut built: Vec<_> = graph
            .links
            .iter()
            .map(|l| {
                let id = |i: u32| graph.nodes[i as usize].id.clone();
                (id(l.source), id(l.target), l.kind.name().to_owned())
            })
            .collect();
        built.sort();
        assert_eq!(built, links, "links with {options:?}");
    }
    sim.stop().await;
}

#[tokio::test]
async fn metrics_are_sane_and_communities_are_labelled_by_their_most_central_page() {
    let store = sqlite_store().await;
    let sim = imported(52, &store).await;
    let service = GraphService::new(store.clone());
    let snapshot = service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    let (graph, m) = (&snapshot.graph, &snapshot.metrics);
    let total: f64 = m.pagerank.iter().sum();
    assert!((total - 1.0).abs() < 1e-6, "PageRank sums to {total}");
    for &orphan in &m.orphans {
        let touching = graph
            .links
            .iter()
            .filter(|l| !l.kind.is_hierarchy() && l.source != l.target)
            .any(|l| l.source == orphan || l.target == orphan);
        assert!(!touching, "orphan {orphan} has a reference link");
    }
    let degree = |i: u32| m.in_degree[i as usize] + m.out_degree[i as usize];
    assert!(m.hubs.windows(2).all(|w| degree(w[0]) >= degree(w[1])));
    assert_eq!(m.in_degree.iter().sum::<u32>() as usize, graph.links.len());
    for community in &m.communities {
        let members = (0..graph.nodes.len()).filter(|&i| m.community[i] == community.id);
        let best = members.map(|i| m.pagerank[i]).fold(0.0, f64::max);
        assert_eq!(m.pagerank[community.central as usize], best);
        assert_eq!(m.community[community.central as usize], community.id);
    }
    assert!(snapshot.meta.community_count > 1 && m.modularity > 0.0);
    sim.stop().await;
}

async fn snapshots_round_trip(store: Store) {
    let sim = imported(53, &store).await;
    let first = GraphService::new(store.clone())
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    let second = GraphService::new(store.clone())
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    assert_eq!((first.meta.version, second.meta.version), (1, 2));
    assert_eq!(first.meta.mean_displacement, None);
    let moved = second
        .meta
        .mean_displacement
        .expect("a relayout records its displacement");
    assert!(moved.is_finite() && moved < 0.5, "relayout moved {moved}");
    // A fresh service has nothing in memory: this reads the chunks back.
    let loaded = GraphService::new(store.clone())
        .snapshot(CONNECTION, Some(1))
        .await
        .unwrap();
    assert_eq!(loaded.meta, first.meta);
    assert_eq!(loaded.graph, first.graph);
    assert_eq!(loaded.metrics, first.metrics);
    assert_eq!(loaded.positions, first.positions);
    sim.stop().await;
}

#[tokio::test]
async fn snapshots_round_trip_through_sqlite_with_increasing_versions() {
    snapshots_round_trip(sqlite_store().await).await;
}

#[tokio::test]
async fn snapshots_round_trip_through_mongodb_with_increasing_versions() {
    if let Some(store) = mongo_store().await {
        snapshots_round_trip(store).await;
    }
}

#[tokio::test]
async fn a_diff_after_an_edit_and_a_resync_names_the_added_and_removed_links() {
    use reqwest::Method;
    let store = sqlite_store().await;
    let started = chrono::Utc::now();
    let sim = imported(54, &store).await;
    let service = GraphService::new(store.clone());
    service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();

    let truth = sim.truth();
    let live: Vec<_> = truth
        .pages
        .iter()
        .filter(|p| p.shared && !p.trashed && p.kind == "page")
        .collect();
    let linked: HashSet<(&str, &str)> = truth
        .edges
        .iter()
        .map(|e| (e.source.as_str(), e.target.as_str()))
        .collect();
    let (a, b) = live
        .iter()
        .flat_map(|a| live.iter().map(move |b| (a, b)))
        .find(|(a, b)| a.id != b.id && !linked.contains(&(a.id.as_str(), b.id.as_str())))
        .unwrap();
    let body = serde_json::json!({ "target": b.id, "kind": "page_mention" });
    edit(&sim, Method::POST, &format!("/pages/{}/links", a.id), body).await;
    let gone = truth
        .edges
        .iter()
        .find(|e| {
            e.kind == "page_mention" && live.iter().any(|p| p.id == e.source) && e.source != a.id
        })
        .unwrap();
    let path = format!("/pages/{}/links/{}", gone.source, gone.target);
    edit(&sim, Method::DELETE, &path, serde_json::json!({})).await;
    importer_for(&sim, &store, CONNECTION)
        .run_incremental(started - chrono::TimeDelta::minutes(5), true)
        .await
        .unwrap();

    service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    let diff = service.diff(CONNECTION, None, None).await.unwrap();
    assert_eq!((diff.from, diff.to), (1, 2));
    let named = |links: &[notion_graph::modules::graph::model::LinkRef], s: &str, t: &str| {
        links
            .iter()
            .any(|l| l.source == s && l.target == t && l.kind == LinkKind::PageMention)
    };
    assert!(named(&diff.added_links, &a.id, &b.id), "{diff:?}");
    assert!(
        named(&diff.removed_links, &gone.source, &gone.target),
        "{diff:?}"
    );
    sim.stop().await;
}

/// Every link of a D3 document names an existing node, by index or by id.
pub fn assert_valid_d3(document: &Value, by_id: bool) -> usize {
    let nodes = document["nodes"].as_array().expect("nodes");
    let links = document["links"].as_array().expect("links");
    let ids: HashSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), nodes.len(), "node ids are unique");
    for link in links {
        for end in ["source", "target"] {
            if by_id {
                assert!(ids.contains(link[end].as_str().unwrap()), "{link}");
            } else {
                assert!(
                    (link[end].as_u64().unwrap() as usize) < nodes.len(),
                    "{link}"
                );
            }
        }
    }
    assert_eq!(document["meta"]["node_count"], nodes.len());
    nodes.len()
}

fn decompress(encoding: Encoding, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        Encoding::Gzip => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .map(|_| ())
            .unwrap(),
        Encoding::Brotli => brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap(),
        Encoding::Zstd => out = zstd::stream::decode_all(body).unwrap(),
        Encoding::Identity => out = body.to_vec(),
    }
    out
}

#[tokio::test]
async fn every_view_is_valid_d3_json_and_its_compressed_bodies_match() {
    let store = sqlite_store().await;
    let sim = imported(55, &store).await;
    let service = GraphService::new(store.clone());
    let snapshot = service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    let hub = snapshot.graph.nodes[snapshot.metrics.hubs[0] as usize]
        .id
        .clone();
    let other = snapshot.graph.nodes[snapshot.metrics.hubs[3] as usize]
        .id
        .clone();
    let word = snapshot.graph.nodes[snapshot.metrics.hubs[1] as usize]
        .title
        .split_whitespace()
        .next()
        .unwrap_or("a")
        .to_owned();
    let mut views = vec![
        ViewRequest::Full,
        ViewRequest::Summary { top: 10 },
        ViewRequest::Path {
            from: hub.clone(),
            to: other.clone(),
            directed: false,
        },
        ViewRequest::Path {
            from: hub.clone(),
            to: other,
            directed: true,
        },
        ViewRequest::Search {
            text: word.to_lowercase(),
            limit: 20,
        },
    ];
    for depth in 1..=3 {
        views.push(ViewRequest::Neighbourhood(Neighbourhood {
            root: hub.clone(),
            depth,
            ..Default::default()
        }));
    }
    views.push(ViewRequest::Neighbourhood(Neighbourhood {
        root: hub.clone(),
        depth: 2,
        kinds: vec!["page".into()],
        community: Some(snapshot.metrics.community[snapshot.metrics.hubs[0] as usize]),
        text: None,
    }));
    for view in views {
        for by_id in [false, true] {
            let request = ExportRequest {
                view: view.clone(),
                format: Format::D3,
                by_id,
                version: None,
            };
            let bodies = service.export(CONNECTION, &request).await.unwrap();
            let document: Value = serde_json::from_slice(&bodies.plain).unwrap();
            let count = assert_valid_d3(&document, by_id);
            assert!(count > 0, "{view:?} is empty");
            for encoding in [Encoding::Gzip, Encoding::Brotli, Encoding::Zstd] {
                let plain = decompress(encoding, bodies.body(encoding));
                assert_eq!(plain, bodies.plain, "{encoding:?}");
            }
        }
    }
    let full = service
        .export(
            CONNECTION,
            &ExportRequest {
                view: ViewRequest::Full,
                format: Format::D3,
                by_id: false,
                version: None,
            },
        )
        .await
        .unwrap();
    let document: Value = serde_json::from_slice(&full.plain).unwrap();
    assert_eq!(
        document["nodes"].as_array().unwrap().len(),
        snapshot.graph.nodes.len()
    );
    assert_eq!(
        document["links"].as_array().unwrap().len(),
        snapshot.graph.links.len()
    );
    sim.stop().await;
}
