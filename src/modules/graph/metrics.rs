//! Metrics of a built graph, through the engine's algorithms: degrees, PageRank, components,
//! Leiden communities with labels, orphans, hubs, bridges, articulation points, betweenness.
//!
//! Directed metrics (degrees, PageRank) count every link; undirected ones (components,
//! communities, bridges) see each pair of linked nodes once, whichever way and however often.
//! An orphan is a node with no reference link in or out: hierarchy links (child pages, child
//! databases, rows) do not count, since every page has a parent and a page only its parent
//! points to is exactly the page nobody links to.

use graph_engine::metrics;

use super::analysis::Structure;
use super::communities::{self, COMMUNITY_SEED};
use super::model::{Community, Graph, Metrics, Snapshot};

/// How many hubs a snapshot names.
pub const HUB_COUNT: usize = 20;
/// Up to this many nodes, betweenness is exact (every node a source); beyond, sampled.
const EXACT_BETWEENNESS_UP_TO: usize = 2000;
const BETWEENNESS_SAMPLES: usize = 64;

/// Every metric of `graph` over its `structure`; communities keep their ids from `previous`.
pub fn compute(graph: &Graph, structure: &Structure, previous: Option<&Snapshot>) -> Metrics {
    let n = graph.nodes.len();
    let undirected = &structure.undirected;
    let (in_degree, out_degree) = degrees(n, &structure.pairs);
    let component = metrics::connected_components(undirected);
    let partition = communities::detect(undirected, graph, previous);
    let pagerank = metrics::pagerank(&structure.directed, 0.85, 1e-9, 100);
    let communities = label_communities(graph, &partition.membership, &pagerank);
    let samples = if n <= EXACT_BETWEENNESS_UP_TO {
        n
    } else {
        BETWEENNESS_SAMPLES
    };
    let cuts = metrics::cut_structure(undirected);
    Metrics {
        hubs: hubs(&in_degree, &out_degree, HUB_COUNT),
        orphans: orphans(n, &graph.pairs(false)),
        component_count: component.iter().max().map_or(0, |&c| c + 1),
        component,
        modularity: partition.modularity,
        community: partition.membership,
        communities,
        bridges: cuts.bridges,
        articulation_points: cuts.articulation_points,
        betweenness: metrics::approximate_betweenness(undirected, samples, COMMUNITY_SEED),
        pagerank,
        in_degree,
        out_degree,
    }
}

/// In and out degree counting every link (parallel links of different kinds count apart).
pub fn degrees(n: usize, pairs: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
    let mut in_degree = vec![0u32; n];
    let mut out_degree = vec![0u32; n];
    for &(u, v) in pairs {
        out_degree[u as usize] += 1;
        in_degree[v as usize] += 1;
    }
    (in_degree, out_degree)
}

/// Nodes that no pair touches (self links aside).
pub fn orphans(n: usize, pairs: &[(u32, u32)]) -> Vec<u32> {
    let mut linked = vec![false; n];
    for &(u, v) in pairs.iter().filter(|(u, v)| u != v) {
        linked[u as usize] = true;
        linked[v as usize] = true;
    }
    (0..n as u32).filter(|&i| !linked[i as usize]).collect()
}

/// The `count` nodes of highest total degree, ties broken by index.
pub fn hubs(in_degree: &[u32], out_degree: &[u32], count: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..in_degree.len() as u32).collect();
    let total = |i: u32| in_degree[i as usize] + out_degree[i as usize];
    order.sort_by_key(|&i| (std::cmp::Reverse(total(i)), i));
    order.truncate(count);
    order.retain(|&i| total(i) > 0);
    order
}

/// One entry per community id, labelled by its member of highest PageRank (an id no node
/// holds any more, kept free so that ids stay stable, has size 0 and no label).
pub fn label_communities(graph: &Graph, membership: &[u32], pagerank: &[f64]) -> Vec<Community> {
    let count = membership.iter().max().map_or(0, |&c| c as usize + 1);
    let mut communities: Vec<Community> = (0..count as u32)
        .map(|id| Community {
            id,
            size: 0,
            label: String::new(),
            central: u32::MAX,
        })
        .collect();
    for (node, &c) in membership.iter().enumerate() {
        let community = &mut communities[c as usize];
        community.size += 1;
        let better =
            community.central == u32::MAX || pagerank[node] > pagerank[community.central as usize];
        if better {
            community.central = node as u32;
        }
    }
    for community in &mut communities {
        if let Some(node) = graph.nodes.get(community.central as usize) {
            community.label = display_title(&node.title, &node.id).to_owned();
        }
    }
    communities
}

/// A title to show: the page's, or its id when it has none.
pub fn display_title<'a>(title: &'a str, id: &'a str) -> &'a str {
    if title.trim().is_empty() { id } else { title }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::graph::model::Node;

    #[test]
    fn orphans_are_untouched_by_any_pair_and_self_links_do_not_count() {
        assert_eq!(orphans(4, &[(0, 1), (2, 2)]), vec![2, 3]);
    }

    #[test]
    fn hubs_rank_by_total_degree_and_skip_isolated_nodes() {
        let (i, o) = degrees(4, &[(0, 1), (2, 1), (1, 3)]);
        assert_eq!(hubs(&i, &o, 2), vec![1, 0]);
        assert_eq!(hubs(&[0], &[0], 5), Vec::<u32>::new());
    }

    #[test]
    fn a_community_is_labelled_by_its_highest_pagerank_member() {
        let graph = Graph {
            nodes: ["a", "b", "c"]
                .iter()
                .map(|id| Node {
                    title: format!("T{id}"),
                    ..Node::unknown(id)
                })
                .collect(),
            links: vec![],
        };
        let labelled = label_communities(&graph, &[0, 0, 1], &[0.2, 0.5, 0.3]);
        assert_eq!(labelled[0].label, "Tb");
        assert_eq!(labelled[0].size, 2);
        assert_eq!(labelled[1].central, 2);
    }
}
