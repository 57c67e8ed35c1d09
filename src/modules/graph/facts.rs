//! What every output format says about a view node: one place that turns a page or a
//! community super-node into an id, a label, a position and a size.

use super::metrics::display_title;
use super::model::Snapshot;
use super::summary::community_centres;
use super::views::{View, ViewNode};

/// The facts of one view node, borrowed from the snapshot where they can be.
pub struct NodeFacts<'a> {
    pub id: std::borrow::Cow<'a, str>,
    pub title: &'a str,
    pub url: Option<&'a str>,
    pub kind: &'static str,
    pub community: u32,
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub pagerank: f64,
    pub in_degree: u32,
    pub out_degree: u32,
    pub trashed: bool,
    pub dangling: bool,
    /// The Notion icon object as JSON text.
    pub icon: Option<&'a str>,
}

/// Looks up facts for the nodes of one view of one snapshot.
pub struct Facts<'a> {
    snapshot: &'a Snapshot,
    max_pagerank: f64,
    centres: Vec<[f32; 2]>,
}

impl<'a> Facts<'a> {
    pub fn new(snapshot: &'a Snapshot, view: &View) -> Self {
        let has_communities = view
            .nodes
            .iter()
            .any(|n| matches!(n, ViewNode::Community(_)));
        let centres = if has_communities {
            community_centres(snapshot)
        } else {
            Vec::new()
        };
        let max_pagerank = snapshot
            .metrics
            .pagerank
            .iter()
            .copied()
            .fold(f64::MIN_POSITIVE, f64::max);
        Self {
            snapshot,
            max_pagerank,
            centres,
        }
    }

    pub fn node(&self, node: ViewNode) -> NodeFacts<'a> {
        match node {
            ViewNode::Page(i) => self.page(i as usize),
            ViewNode::Community(c) => self.community(c as usize),
        }
    }

    /// Pages are sized 4 to 20 by the square root of their share of the top PageRank.
    fn page(&self, i: usize) -> NodeFacts<'a> {
        let s = self.snapshot;
        let node = &s.graph.nodes[i];
        let pagerank = s.metrics.pagerank.get(i).copied().unwrap_or(0.0);
        let [x, y] = s.positions[i];
        NodeFacts {
            id: node.id.as_str().into(),
            title: display_title(&node.title, &node.id),
            url: node.url.as_deref(),
            kind: node.kind.name(),
            community: s.metrics.community.get(i).copied().unwrap_or(0),
            x,
            y,
            size: 4.0 + 16.0 * (pagerank / self.max_pagerank).sqrt() as f32,
            pagerank,
            in_degree: s.metrics.in_degree.get(i).copied().unwrap_or(0),
            out_degree: s.metrics.out_degree.get(i).copied().unwrap_or(0),
            trashed: node.trashed,
            dangling: node.dangling,
            icon: node.icon.as_deref(),
        }
    }

    /// Communities are sized 4 and up by the square root of their page count.
    fn community(&self, c: usize) -> NodeFacts<'a> {
        let community = &self.snapshot.metrics.communities[c];
        let [x, y] = self.centres[c];
        NodeFacts {
            id: format!("community:{c}").into(),
            title: &community.label,
            url: None,
            kind: "community",
            community: c as u32,
            x,
            y,
            size: 4.0 + 2.0 * (community.size as f32).sqrt(),
            pagerank: 0.0,
            in_degree: 0,
            out_degree: 0,
            trashed: false,
            dangling: false,
            icon: None,
        }
    }
}
