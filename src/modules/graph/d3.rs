//! D3 JSON: `{"nodes":[...],"links":[...],"meta":{...}}`, written straight into a byte buffer
//! (no intermediate `Value` tree) because the whole graph of a large workspace is a million
//! links. Links name their ends by node index by default, or by node id.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::facts::{Facts, NodeFacts};
use super::model::Snapshot;
use super::views::View;

/// A node as D3 sees it; `url`, `trashed` and `dangling` are left out when absent or false.
#[derive(Serialize)]
struct NodeOut<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    kind: &'static str,
    community: u32,
    x: f32,
    y: f32,
    size: f32,
    pagerank: f64,
    #[serde(rename = "in")]
    in_degree: u32,
    out: u32,
    #[serde(skip_serializing_if = "is_false")]
    trashed: bool,
    #[serde(skip_serializing_if = "is_false")]
    dangling: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The D3 document of `view`; `by_id` names link ends by node id instead of index.
pub fn render(snapshot: &Snapshot, view: &View, by_id: bool) -> Vec<u8> {
    let facts = Facts::new(snapshot, view);
    // Generous: pages never touched are never faulted in, while a reallocation copies it all.
    let mut out = Vec::with_capacity(view.nodes.len() * 320 + view.links.len() * 64 + 4096);
    out.extend_from_slice(b"{\"nodes\":[");
    let mut ids = Vec::with_capacity(if by_id { view.nodes.len() } else { 0 });
    for (at, &node) in view.nodes.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        let node = facts.node(node);
        write_node(&mut out, &node);
        if by_id {
            // Quoted and escaped once, copied as bytes for every link end.
            ids.push(serde_json::to_vec(node.id.as_ref()).expect("a string serializes"));
        }
    }
    out.extend_from_slice(b"],\"links\":[");
    write_links(&mut out, view, by_id.then_some(ids.as_slice()));
    out.extend_from_slice(b"],\"meta\":");
    let meta = Value::Object(meta(snapshot, view, by_id));
    serde_json::to_writer(&mut out, &meta).expect("writing to a Vec cannot fail");
    out.push(b'}');
    out
}

fn write_node(out: &mut Vec<u8>, node: &NodeFacts<'_>) {
    let record = NodeOut {
        id: &node.id,
        title: node.title,
        url: node.url,
        kind: node.kind,
        community: node.community,
        x: node.x,
        y: node.y,
        size: (node.size * 100.0).round() / 100.0,
        pagerank: node.pagerank,
        in_degree: node.in_degree,
        out: node.out_degree,
        trashed: node.trashed,
        dangling: node.dangling,
    };
    serde_json::to_writer(&mut *out, &record).expect("writing to a Vec cannot fail");
    if let Some(icon) = node.icon {
        // The icon is JSON text already: splice it in before the closing brace.
        out.pop();
        out.extend_from_slice(b",\"icon\":");
        out.extend_from_slice(icon.as_bytes());
        out.push(b'}');
    }
}

/// Links by hand: integers through `itoa`, kinds are fixed names that need no escaping.
fn write_links(out: &mut Vec<u8>, view: &View, ids: Option<&[Vec<u8>]>) {
    let mut numbers = itoa::Buffer::new();
    for (at, link) in view.links.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"source\":");
        end(out, &mut numbers, link.source, ids);
        out.extend_from_slice(b",\"target\":");
        end(out, &mut numbers, link.target, ids);
        out.extend_from_slice(b",\"kind\":\"");
        out.extend_from_slice(link.kind.as_bytes());
        out.push(b'"');
        if link.count != 1 || link.kind == "community" {
            out.extend_from_slice(b",\"count\":");
            out.extend_from_slice(numbers.format(link.count).as_bytes());
        }
        out.push(b'}');
    }
}

fn end(out: &mut Vec<u8>, numbers: &mut itoa::Buffer, index: u32, ids: Option<&[Vec<u8>]>) {
    match ids {
        None => out.extend_from_slice(numbers.format(index).as_bytes()),
        Some(ids) => out.extend_from_slice(&ids[index as usize]),
    }
}

fn meta(snapshot: &Snapshot, view: &View, by_id: bool) -> Map<String, Value> {
    let m = &snapshot.meta;
    let communities: Vec<Value> = snapshot
        .metrics
        .live_communities()
        .map(|c| json!({"id": c.id, "label": c.label, "size": c.size}))
        .collect();
    let mut meta = Map::new();
    meta.insert("workspace".into(), json!(m.workspace));
    meta.insert("version".into(), json!(m.version));
    meta.insert("created_at".into(), json!(m.created_at));
    meta.insert("view".into(), json!(view.name));
    meta.insert("links_by".into(), json!(if by_id { "id" } else { "index" }));
    meta.insert("node_count".into(), json!(view.nodes.len()));
    meta.insert("link_count".into(), json!(view.links.len()));
    meta.insert("graph_node_count".into(), json!(m.node_count));
    meta.insert("graph_link_count".into(), json!(m.link_count));
    meta.insert("modularity".into(), json!(m.modularity));
    meta.insert("mean_displacement".into(), json!(m.mean_displacement));
    meta.insert("communities".into(), Value::Array(communities));
    meta.extend(view.meta.clone());
    meta
}
