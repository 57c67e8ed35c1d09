//! The graph of an imported workspace: what a build takes from the store, its metrics, stored
//! snapshots and their diffs, every view as D3 JSON (plain and compressed), GEXF and GraphML,
//! and the `graph` commands of the binary.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::process::Command;
use std::sync::Arc;

use notion_graph::modules::graph::{
    BuildOptions, Encoding, ExportRequest, Format, GraphService, LinkKind, Neighbourhood,
    ViewRequest, build,
};
use notion_graph::modules::sync::{EntityKind, store as sync_store};
use notion_graph::storage::{MongoStore, Store};
use notion_sim::{RunningSim, SimConfig};
use serde_json::Value;

use crate::helpers::{binary, service, unique};
use crate::sync_import::importer_for;

const CONNECTION: &str = "conn-graph";
const PAGES: usize = 200;

async fn sqlite_store() -> Store {
    crate::sync_import::empty_store().await
}

async fn mongo_store() -> Option<Store> {
    let uri = service("TEST_MONGODB_URI")?;
    let store: Store = Arc::new(MongoStore::connect(&uri, &unique("graph")).await.unwrap());
    store
        .prepare(&notion_graph::modules::collections())
        .await
        .unwrap();
    Some(store)
}

async fn simulator(seed: u64) -> RunningSim {
    let config = SimConfig {
        rate_limit: None,
        ..SimConfig::new(seed, PAGES)
    };
    notion_sim::start(config, "127.0.0.1:0").await.unwrap()
}

/// A simulated workspace imported into `store`.
async fn imported(seed: u64, store: &Store) -> RunningSim {
    let sim = simulator(seed).await;
    importer_for(&sim, store, CONNECTION).run().await.unwrap();
    sim
}

/// Node ids and (source, target, kind) links a build with `options` must hold, from the store.
async fn expected(
    store: &Store,
    options: BuildOptions,
) -> (BTreeSet<String>, Vec<(String, String, String)>) {
    let entities = sync_store::all(
        &sync_store::entities(store),
        CONNECTION,
        "kind",
        &EntityKind::ALL,
    )
    .await
    .unwrap();
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
    let edges = sync_store::all(
        &sync_store::edges(store),
        CONNECTION,
        "kind",
        &notion_sim::EDGE_KINDS,
    )
    .await
    .unwrap();
    let mut links = Vec::new();
    for e in edges {
        let hierarchy = LinkKind::parse(&e.kind).is_hierarchy();
        let usable =
            |id: &String| !excluded.contains(id) && (options.dangling || nodes.contains(id));
        if (hierarchy && !options.hierarchy) || !usable(&e.source) || !usable(&e.target) {
            continue;
        }
        nodes.insert(e.source.clone());
        nodes.insert(e.target.clone());
        links.push((e.source, e.target, e.kind));
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

async fn sim_edit(sim: &RunningSim, method: reqwest::Method, path: &str, body: Value) {
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
    sim_edit(&sim, Method::POST, &format!("/pages/{}/links", a.id), body).await;
    let gone = truth
        .edges
        .iter()
        .find(|e| {
            e.kind == "page_mention" && live.iter().any(|p| p.id == e.source) && e.source != a.id
        })
        .unwrap();
    let path = format!("/pages/{}/links/{}", gone.source, gone.target);
    sim_edit(&sim, Method::DELETE, &path, serde_json::json!({})).await;
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
fn assert_valid_d3(document: &Value, by_id: bool) -> usize {
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

/// Runs `xmllint` on `document`; against `schema` when given.
fn xmllint(document: &[u8], schema: Option<&std::path::Path>) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.xml");
    std::fs::write(&file, document).unwrap();
    let mut command = Command::new("xmllint");
    command.arg("--noout");
    if let Some(schema) = schema {
        command.arg("--schema").arg(schema);
    }
    command
        .arg(&file)
        .output()
        .expect("xmllint runs (Debian: libxml2-utils)")
}

/// The schemas to check a format against: ours, written from the specifications (always
/// here), and the official ones when a checkout has them (see
/// tests/fixtures/schemas/README.md).
fn schemas(written: &str, official: &str) -> Vec<std::path::PathBuf> {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas");
    let base = std::env::var_os("GRAPH_XSD_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| fixtures.clone());
    let official = base.join(official);
    let mut found = vec![fixtures.join("from-spec").join(written)];
    if official.exists() {
        found.push(official);
    } else {
        eprintln!("official schema {} is not here", official.display());
    }
    found
}

/// Whether `xmllint` is here; under `scripts/test` (which installs it) it must be.
fn has_xmllint() -> bool {
    let found = Command::new("xmllint").arg("--version").output().is_ok();
    if !found && std::env::var("TEST_SERVICES").as_deref() == Ok("required") {
        panic!("xmllint is missing but TEST_SERVICES=required");
    }
    if !found {
        eprintln!("skipped: xmllint is missing (Debian: libxml2-utils; scripts/test installs it)");
    }
    found
}

#[tokio::test]
async fn gexf_and_graphml_exports_are_well_formed_and_schema_valid() {
    if !has_xmllint() {
        return;
    }
    let store = sqlite_store().await;
    let sim = imported(56, &store).await;
    let service = GraphService::new(store.clone());
    service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    let cases = [
        (Format::Gexf, schemas("gexf-1.3.xsd", "gexf-1.3/gexf.xsd")),
        (
            Format::Graphml,
            schemas("graphml-1.0.xsd", "graphml-1.0/graphml.xsd"),
        ),
    ];
    for (format, xsds) in cases {
        for view in [ViewRequest::Full, ViewRequest::Summary { top: 5 }] {
            let request = ExportRequest {
                view,
                format,
                by_id: false,
                version: None,
            };
            let bodies = service.export(CONNECTION, &request).await.unwrap();
            for xsd in &xsds {
                let output = xmllint(&bodies.plain, Some(xsd));
                assert!(
                    output.status.success(),
                    "{format:?} against {}: {}",
                    xsd.display(),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
    }
    sim.stop().await;
}

fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(binary())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("MONGODB_URI")
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn assert_refused(output: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
}

#[tokio::test]
async fn the_binary_builds_and_exports_a_synced_workspace_and_refuses_bad_input_with_status_2() {
    let sim = simulator(57).await;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    let sync = {
        let (dir, url, token) = (dir.clone(), sim.url.clone(), sim.token.clone());
        let args = [
            "sync",
            "--token",
            &token,
            "--notion-url",
            &url,
            "--rate",
            "500",
        ]
        .map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            run(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .await
        .unwrap()
    };
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let blocking = |args: Vec<String>| {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            run(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
        })
    };
    let argv = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();

    let built = blocking(argv("graph build")).await.unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(String::from_utf8_lossy(&built.stdout).contains("snapshot 1"));

    let out = dir.join("graph.json");
    let export = blocking(argv(&format!(
        "graph export --format d3 --ids --out {}",
        out.display()
    )))
    .await
    .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let document: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_valid_d3(&document, true);
    let root = document["nodes"][0]["id"].as_str().unwrap().to_owned();

    let near = blocking(argv(&format!(
        "graph export --view neighbourhood --root {root} --depth 2"
    )))
    .await
    .unwrap();
    assert!(
        near.status.success(),
        "{}",
        String::from_utf8_lossy(&near.stderr)
    );
    let near: Value = serde_json::from_slice(&near.stdout).unwrap();
    assert_valid_d3(&near, false);
    assert_eq!(near["meta"]["root"], root.as_str());

    let gexf = blocking(argv("graph export --format gexf")).await.unwrap();
    assert!(gexf.status.success() && gexf.stdout.starts_with(b"<?xml"));

    let refused = [
        ("graph export --workspace nowhere", "no workspace `nowhere`"),
        ("graph build --workspace nowhere", "no workspace `nowhere`"),
        (
            "graph export --view neighbourhood --root no-such-page",
            "no page `no-such-page`",
        ),
        (
            &format!("graph export --view neighbourhood --root {root} --depth 7"),
            "depth 7",
        ),
        ("graph export --view neighbourhood", "--root"),
        ("graph diff --from 9", "no snapshot 9"),
    ];
    for (args, needle) in refused {
        assert_refused(&blocking(argv(args)).await.unwrap(), needle);
    }
    let bad = dir.join("bad.edges");
    std::fs::write(&bad, "0 1\n1 two\n").unwrap();
    let edges = blocking(argv(&format!("graph export --edges {}", bad.display())))
        .await
        .unwrap();
    assert_refused(&edges, "line 2");
    sim.stop().await;
}

#[test]
fn an_edge_list_exports_with_a_timing_breakdown() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ring.edges");
    let ring: String = (0..50).map(|i| format!("{i} {}\n", (i + 1) % 50)).collect();
    std::fs::write(&file, ring).unwrap();
    let output = run(
        dir.path(),
        &["graph", "export", "--edges", file.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for stage in ["build_s=", "metrics_s=", "layout_s=", "json_s="] {
        assert!(stderr.contains(stage), "{stderr}");
    }
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(assert_valid_d3(&document, false), 50);
    assert_eq!(document["links"].as_array().unwrap().len(), 50);
    let by_index: HashMap<u64, u64> = document["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["source"].as_u64().unwrap(), l["target"].as_u64().unwrap()))
        .collect();
    assert_eq!(by_index[&49], 0);
}
