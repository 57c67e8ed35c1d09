//! The summary view: each community as one super-node (sized by its pages, placed at their
//! centre), one link per pair of communities with the number of links between them, and the
//! top pages by PageRank, each linked to its community by a `member` link.

use std::collections::BTreeMap;

use serde_json::{Map, json};

use super::model::Snapshot;
use super::views::{View, ViewLink, ViewNode};

pub fn summary(snapshot: &Snapshot, top: usize) -> View {
    let metrics = &snapshot.metrics;
    // Community ids may have gaps (ids kept free for stability): view positions differ.
    let mut position = vec![u32::MAX; metrics.communities.len()];
    let mut nodes: Vec<ViewNode> = Vec::new();
    for community in metrics.live_communities() {
        position[community.id as usize] = nodes.len() as u32;
        nodes.push(ViewNode::Community(community.id));
    }
    let mut links = between_communities(snapshot, &position);
    for page in top_pages(&metrics.pagerank, top) {
        let at = nodes.len() as u32;
        nodes.push(ViewNode::Page(page));
        if let Some(&community) = metrics.community.get(page as usize) {
            links.push(ViewLink {
                source: at,
                target: position[community as usize],
                kind: "member",
                count: 1,
            });
        }
    }
    let mut meta = Map::new();
    meta.insert("top".into(), json!(top));
    View {
        name: "summary",
        nodes,
        links,
        meta,
    }
}

/// One link per ordered pair of different communities, with how many links it stands for,
/// between the communities' view positions.
fn between_communities(snapshot: &Snapshot, position: &[u32]) -> Vec<ViewLink> {
    let community = &snapshot.metrics.community;
    let mut counts: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for link in &snapshot.graph.links {
        let (a, b) = (
            community[link.source as usize],
            community[link.target as usize],
        );
        if a != b {
            *counts.entry((a, b)).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((source, target), count)| ViewLink {
            source: position[source as usize],
            target: position[target as usize],
            kind: "community",
            count,
        })
        .collect()
}

/// The `top` nodes of highest PageRank, highest first.
pub fn top_pages(pagerank: &[f64], top: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..pagerank.len() as u32).collect();
    order.sort_by(|&a, &b| {
        pagerank[b as usize]
            .total_cmp(&pagerank[a as usize])
            .then(a.cmp(&b))
    });
    order.truncate(top);
    order
}

/// The mean position of each community's pages.
pub fn community_centres(snapshot: &Snapshot) -> Vec<[f32; 2]> {
    let count = snapshot.metrics.communities.len();
    let mut sums = vec![[0f64; 3]; count];
    for (node, &c) in snapshot.metrics.community.iter().enumerate() {
        let [x, y] = snapshot.positions[node];
        let sum = &mut sums[c as usize];
        sum[0] += f64::from(x);
        sum[1] += f64::from(y);
        sum[2] += 1.0;
    }
    sums.iter()
        .map(|[x, y, n]| {
            let n = n.max(1.0);
            [(x / n) as f32, (y / n) as f32]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_pages_are_ordered_by_pagerank_then_index() {
        assert_eq!(top_pages(&[0.1, 0.4, 0.1, 0.4], 3), vec![1, 3, 0]);
    }
}
