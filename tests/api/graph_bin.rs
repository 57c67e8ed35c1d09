//! The `bin` format against the D3 JSON of the same snapshot and view: the same nodes in the
//! same order with the same positions, sizes, communities and kinds, and the same links.

use notion_graph::modules::graph::bin::{LINK_HIERARCHY, NODE_KINDS, Packed, link_kind_names};
use notion_graph::modules::graph::{
    BuildOptions, ExportRequest, Format, GraphService, Neighbourhood, ViewRequest,
};
use serde_json::Value;

use crate::graph::{CONNECTION, imported, sqlite_store};

async fn both(service: &GraphService, view: &ViewRequest) -> (Value, Packed) {
    let export = |format| ExportRequest {
        view: view.clone(),
        format,
        by_id: false,
        version: None,
    };
    let d3 = service
        .export(CONNECTION, &export(Format::D3))
        .await
        .unwrap();
    let bin = service
        .export(CONNECTION, &export(Format::Bin))
        .await
        .unwrap();
    assert_eq!(bin.content_type, "application/vnd.notion-graph.bin");
    (
        serde_json::from_slice(&d3.plain).unwrap(),
        Packed::from_bytes(&bin.plain).unwrap(),
    )
}

fn assert_same_nodes(d3: &Value, packed: &Packed) {
    let nodes = d3["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), packed.positions.len());
    for (i, node) in nodes.iter().enumerate() {
        let number = |key: &str| node[key].as_f64().unwrap();
        // D3 writes f32 coordinates in their shortest decimal form, which reads back exactly.
        assert_eq!(
            packed.positions[i],
            [number("x") as f32, number("y") as f32]
        );
        assert!((f64::from(packed.sizes[i]) - number("size")).abs() < 0.006);
        assert!((f64::from(packed.ranks[i]) - number("pagerank")).abs() < 1e-6);
        assert_eq!(f64::from(packed.communities[i]), number("community"));
        assert_eq!(NODE_KINDS[packed.kinds[i] as usize], node["kind"]);
    }
}

fn assert_same_links(d3: &Value, packed: &Packed) {
    let names = link_kind_names();
    let mut from_d3: Vec<(u64, u64, String)> = d3["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let end = |key: &str| l[key].as_u64().unwrap();
            let kind = l["kind"].as_str().unwrap().to_owned();
            (end("source"), end("target"), kind)
        })
        .collect();
    let mut from_bin: Vec<(u64, u64, String)> = packed
        .links
        .iter()
        .zip(&packed.link_kinds)
        .map(|(&[s, t], &kind)| {
            let name = names[(kind & !LINK_HIERARCHY) as usize].to_owned();
            (u64::from(s), u64::from(t), name)
        })
        .collect();
    from_d3.sort();
    from_bin.sort();
    assert_eq!(from_bin, from_d3);
}

#[tokio::test]
async fn the_binary_format_round_trips_against_the_d3_json_of_the_same_snapshot() {
    let store = sqlite_store().await;
    let sim = imported(61, &store).await;
    let service = GraphService::new(store.clone());
    let snapshot = service
        .build(CONNECTION, BuildOptions::default())
        .await
        .unwrap();
    let hub = &snapshot.graph.nodes[snapshot.metrics.hubs[0] as usize].id;
    let views = [
        ViewRequest::Full,
        ViewRequest::Summary { top: 10 },
        ViewRequest::Neighbourhood(Neighbourhood {
            root: hub.clone(),
            depth: 2,
            ..Default::default()
        }),
    ];
    for view in views {
        let (d3, packed) = both(&service, &view).await;
        assert_same_nodes(&d3, &packed);
        assert_same_links(&d3, &packed);
        assert_eq!(u64::from(packed.snapshot_version), snapshot.meta.version);
        assert_eq!(packed.created_at as i64, snapshot.meta.created_at);
    }
    let (_, full) = both(&service, &ViewRequest::Full).await;
    let hierarchy = full.link_kinds.iter().filter(|&&k| k & LINK_HIERARCHY != 0);
    assert!(hierarchy.count() > 0, "the sample has child pages");
    let orphans = full.flags.iter().filter(|&&f| f & 1 != 0).count();
    assert_eq!(orphans, snapshot.metrics.orphans.len());
    sim.stop().await;
}
