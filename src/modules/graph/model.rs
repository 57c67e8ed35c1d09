//! The graph as the product sees it: pages with their attributes, typed links, the metrics
//! computed over them and the snapshot that keeps all of it with a layout.

use serde::{Deserialize, Serialize};

use crate::modules::sync::EntityKind;

/// What a build takes from the store. The default takes everything, flagged per node, so that a
/// diff can see links that now point to trashed or unreadable pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildOptions {
    /// Child page, child database and data source row edges.
    pub hierarchy: bool,
    /// Database rows (and every link touching one).
    pub rows: bool,
    /// Link targets the integration cannot read (and every link touching one).
    pub dangling: bool,
    /// Trashed pages (and every link touching one).
    pub trashed: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            hierarchy: true,
            rows: true,
            dangling: true,
            trashed: true,
        }
    }
}

pub use crate::modules::notion::links::LinkKind;

/// A page, row, database or data source (or an unreadable link target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub kind: EntityKind,
    /// The Notion icon object as JSON text.
    pub icon: Option<String>,
    pub parent: Option<String>,
    pub last_edited_time: Option<String>,
    pub trashed: bool,
    /// A target the integration cannot read, or an id no stored entity has.
    pub dangling: bool,
}

impl Node {
    /// A node known only by its id.
    pub fn unknown(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            title: String::new(),
            url: None,
            kind: EntityKind::Unknown,
            icon: None,
            parent: None,
            last_edited_time: None,
            trashed: false,
            dangling: true,
        }
    }
}

/// A typed, directed link between two nodes (indexes into [`Graph::nodes`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub source: u32,
    pub target: u32,
    pub kind: LinkKind,
    /// The block (or page) the link was found in.
    pub provenance: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
}

impl Graph {
    /// Directed `(source, target)` pairs, optionally without hierarchy links.
    pub fn pairs(&self, hierarchy: bool) -> Vec<(u32, u32)> {
        self.links
            .iter()
            .filter(|l| hierarchy || !l.kind.is_hierarchy())
            .map(|l| (l.source, l.target))
            .collect()
    }
}

/// A community and its label: the title of its page with the highest PageRank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Community {
    pub id: u32,
    pub size: u32,
    pub label: String,
    /// The node the label comes from.
    pub central: u32,
}

/// Everything computed over a graph; per-node vectors are indexed like [`Graph::nodes`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub in_degree: Vec<u32>,
    pub out_degree: Vec<u32>,
    /// Sums to 1 over the nodes (directed, all links).
    pub pagerank: Vec<f64>,
    /// Weakly connected component of each node.
    pub component: Vec<u32>,
    pub component_count: u32,
    /// Community id of each node; ids carry over from the previous snapshot.
    pub community: Vec<u32>,
    /// Indexed by community id (see [`Metrics::live_communities`]).
    pub communities: Vec<Community>,
    pub modularity: f64,
    /// Nodes with no reference link in or out (hierarchy links do not count).
    pub orphans: Vec<u32>,
    /// The nodes of highest total degree, highest first.
    pub hubs: Vec<u32>,
    /// Undirected links whose removal disconnects part of the graph, `(u, v)` with `u < v`.
    pub bridges: Vec<(u32, u32)>,
    pub articulation_points: Vec<u32>,
    /// Betweenness (each unordered pair once, not normalised): exact up to a few thousand
    /// nodes, estimated from sampled sources beyond.
    pub betweenness: Vec<f64>,
}

impl Metrics {
    /// The communities some node belongs to, by id. `communities` is indexed by id and keeps
    /// an empty entry for an id that stays free so that the others keep theirs.
    pub fn live_communities(&self) -> impl Iterator<Item = &Community> {
        self.communities.iter().filter(|c| c.size > 0)
    }
}

/// What identifies a snapshot and what it holds, stored apart from its (large) body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub workspace: String,
    pub version: u64,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub options: BuildOptions,
    pub node_count: u64,
    pub link_count: u64,
    pub community_count: u64,
    pub modularity: f64,
    /// Mean displacement relative to the layout's extent, when a previous snapshot seeded it.
    pub mean_displacement: Option<f64>,
    /// Size of the compressed body and how many chunk documents hold it.
    pub stored_bytes: u64,
    pub chunk_count: u32,
    /// The id of the chunk documents holding the body.
    pub body: String,
}

/// A built graph with its metrics and layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub meta: SnapshotMeta,
    pub graph: Graph,
    pub metrics: Metrics,
    pub positions: Vec<[f32; 2]>,
}

/// One link named by its endpoints' ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LinkRef {
    pub source: String,
    pub target: String,
    pub kind: LinkKind,
}

/// What changed between two snapshots of one workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDiff {
    pub from: u64,
    pub to: u64,
    pub added_nodes: Vec<String>,
    pub removed_nodes: Vec<String>,
    pub added_links: Vec<LinkRef>,
    pub removed_links: Vec<LinkRef>,
    /// Orphans in `to` that were not orphans (or not there) in `from`.
    pub new_orphans: Vec<String>,
    /// Links in `to` whose target is trashed or unreadable and was not so (for that link) before.
    pub broken_links: Vec<LinkRef>,
}
