//! A snapshot's compact body (postcard, then zstd, cut into chunks small enough for any
//! document store) and the diff between two snapshots.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::model::{Graph, LinkRef, Metrics, Snapshot, SnapshotDiff};

/// Raw bytes per chunk: base64 makes 4 MiB of it, far below MongoDB's 16 MB document limit.
pub const CHUNK_BYTES: usize = 3 * 1024 * 1024;
const ZSTD_LEVEL: i32 = 3;

#[derive(Serialize, Deserialize)]
struct Body {
    graph: Graph,
    metrics: Metrics,
    positions: Vec<[f32; 2]>,
}

#[derive(Serialize)]
struct BodyRef<'a> {
    graph: &'a Graph,
    metrics: &'a Metrics,
    positions: &'a [[f32; 2]],
}

/// The compressed body of `snapshot`, cut into chunks of at most [`CHUNK_BYTES`].
pub fn encode(snapshot: &Snapshot) -> anyhow::Result<Vec<Vec<u8>>> {
    encode_in(snapshot, CHUNK_BYTES)
}

fn encode_in(snapshot: &Snapshot, chunk_bytes: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let body = BodyRef {
        graph: &snapshot.graph,
        metrics: &snapshot.metrics,
        positions: &snapshot.positions,
    };
    let plain = postcard::to_stdvec(&body)?;
    let packed = zstd::bulk::compress(&plain, ZSTD_LEVEL)?;
    Ok(packed.chunks(chunk_bytes).map(<[u8]>::to_vec).collect())
}

/// The graph, metrics and positions from chunks in order.
pub fn decode(chunks: &[Vec<u8>]) -> anyhow::Result<(Graph, Metrics, Vec<[f32; 2]>)> {
    let packed = chunks.concat();
    let plain = zstd::stream::decode_all(packed.as_slice())?;
    let body: Body = postcard::from_bytes(&plain)?;
    anyhow::ensure!(
        body.positions.len() == body.graph.nodes.len(),
        "a snapshot body has {} positions for {} nodes",
        body.positions.len(),
        body.graph.nodes.len()
    );
    Ok((body.graph, body.metrics, body.positions))
}

fn link_refs(snapshot: &Snapshot) -> BTreeSet<LinkRef> {
    let nodes = &snapshot.graph.nodes;
    snapshot
        .graph
        .links
        .iter()
        .map(|l| LinkRef {
            source: nodes[l.source as usize].id.clone(),
            target: nodes[l.target as usize].id.clone(),
            kind: l.kind,
        })
        .collect()
}

fn node_ids(snapshot: &Snapshot) -> BTreeSet<&str> {
    snapshot.graph.nodes.iter().map(|n| n.id.as_str()).collect()
}

fn orphan_ids(snapshot: &Snapshot) -> BTreeSet<&str> {
    let nodes = &snapshot.graph.nodes;
    snapshot
        .metrics
        .orphans
        .iter()
        .map(|&i| nodes[i as usize].id.as_str())
        .collect()
}

/// Ids of trashed or unreadable nodes.
fn broken_targets(snapshot: &Snapshot) -> HashMap<&str, bool> {
    snapshot
        .graph
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.trashed || n.dangling))
        .collect()
}

/// What changed from `before` to `after`.
pub fn diff(before: &Snapshot, after: &Snapshot) -> SnapshotDiff {
    let (old_nodes, new_nodes) = (node_ids(before), node_ids(after));
    let (old_links, new_links) = (link_refs(before), link_refs(after));
    let old_orphans = orphan_ids(before);
    let (was_broken, is_broken) = (broken_targets(before), broken_targets(after));
    let broken_links = new_links
        .iter()
        .filter(|l| is_broken.get(l.target.as_str()) == Some(&true))
        .filter(|l| !old_links.contains(*l) || was_broken.get(l.target.as_str()) != Some(&true))
        .cloned()
        .collect();
    SnapshotDiff {
        from: before.meta.version,
        to: after.meta.version,
        added_nodes: owned(new_nodes.difference(&old_nodes)),
        removed_nodes: owned(old_nodes.difference(&new_nodes)),
        added_links: new_links.difference(&old_links).cloned().collect(),
        removed_links: old_links.difference(&new_links).cloned().collect(),
        new_orphans: owned(orphan_ids(after).difference(&old_orphans)),
        broken_links,
    }
}

fn owned<'a>(ids: impl Iterator<Item = &'a &'a str>) -> Vec<String> {
    ids.map(|id| (*id).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::graph::model::{BuildOptions, Link, LinkKind, Node, SnapshotMeta};

    pub fn snapshot(
        version: u64,
        ids: &[&str],
        links: &[(u32, u32)],
        trashed: &[&str],
    ) -> Snapshot {
        let nodes: Vec<Node> = ids
            .iter()
            .map(|id| Node {
                dangling: false,
                trashed: trashed.contains(id),
                ..Node::unknown(id)
            })
            .collect();
        let links = links
            .iter()
            .map(|&(source, target)| Link {
                source,
                target,
                kind: LinkKind::PageMention,
                provenance: "blk".into(),
            })
            .collect::<Vec<_>>();
        let pairs: Vec<_> = links.iter().map(|l: &Link| (l.source, l.target)).collect();
        let metrics = Metrics {
            orphans: crate::modules::graph::metrics::orphans(ids.len(), &pairs),
            ..Metrics::default()
        };
        Snapshot {
            meta: SnapshotMeta {
                workspace: "w".into(),
                version,
                created_at: 0,
                options: BuildOptions::default(),
                node_count: ids.len() as u64,
                link_count: links.len() as u64,
                community_count: 0,
                modularity: 0.0,
                mean_displacement: None,
                stored_bytes: 0,
                chunk_count: 0,
                body: String::new(),
            },
            positions: vec![[1.5, -2.0]; ids.len()],
            graph: Graph { nodes, links },
            metrics,
        }
    }

    #[test]
    fn a_body_survives_encoding_in_small_chunks() {
        let s = snapshot(1, &["a", "b", "c"], &[(0, 1), (1, 2)], &["c"]);
        let chunks = encode_in(&s, 16).unwrap();
        assert!(chunks.len() > 2 && chunks.iter().all(|c| c.len() <= 16));
        let (graph, metrics, positions) = decode(&chunks).unwrap();
        assert_eq!(
            (graph, metrics, positions),
            (s.graph, s.metrics, s.positions)
        );
    }

    #[test]
    fn a_diff_names_added_and_removed_links_new_orphans_and_broken_links() {
        let before = snapshot(1, &["a", "b", "c"], &[(0, 1), (1, 2)], &[]);
        let after = snapshot(2, &["a", "b", "c", "d"], &[(0, 1), (0, 2)], &["c"]);
        let d = diff(&before, &after);
        assert_eq!(d.added_nodes, ["d"]);
        assert_eq!(d.removed_links.len(), 1);
        assert_eq!(d.removed_links[0].source, "b");
        assert_eq!(d.added_links[0].target, "c");
        assert_eq!(d.new_orphans, ["d"]);
        assert_eq!(d.broken_links, d.added_links);
    }
}
