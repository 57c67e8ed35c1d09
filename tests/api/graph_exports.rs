//! The graph's file formats and commands: GEXF and GraphML checked against their schemas, and
//! the `graph` commands of the binary (exports, bad input, plain edge lists).

use std::collections::HashMap;
use std::process::Command;

use notion_graph::modules::graph::{
    BuildOptions, ExportRequest, Format, GraphService, ViewRequest,
};
use serde_json::Value;

use crate::graph::{CONNECTION, assert_valid_d3, imported, simulator, sqlite_store};
use crate::helpers::binary;

/// Runs `xmllint` on `document` against `schema`.
fn xmllint(document: &[u8], schema: &std::path::Path) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.xml");
    std::fs::write(&file, document).unwrap();
    let mut command = Command::new("xmllint");
    command.arg("--noout").arg("--schema").arg(schema);
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
                let output = xmllint(&bodies.plain, xsd);
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
