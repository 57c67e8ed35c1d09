//! Pages of a snapshot as the API lists them: a title search ranked by PageRank, and one page
//! with its metrics and every link in and out, with the link's kind and where it was found.

use serde::Serialize;
use utoipa::ToSchema;

use super::metrics::display_title;
use super::model::Snapshot;
use super::views::{ViewError, find_page};

/// A page in a list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PageSummary {
    pub id: String,
    pub title: String,
    /// `page`, `row`, `database`, `data_source` or `unknown`.
    pub kind: &'static str,
    pub url: Option<String>,
    pub pagerank: f64,
    pub community: u32,
    pub links_in: u32,
    pub links_out: u32,
}

/// What one page is in the graph.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PageDetail {
    #[serde(flatten)]
    pub page: PageSummary,
    pub icon: Option<String>,
    pub parent: Option<String>,
    pub last_edited_time: Option<String>,
    pub trashed: bool,
    /// A link target the integration cannot read.
    pub dangling: bool,
    pub metrics: PageMetrics,
    /// Links from this page, in the order they were imported.
    pub links_out: Vec<PageLink>,
    /// Links to this page.
    pub links_in: Vec<PageLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PageMetrics {
    pub pagerank: f64,
    /// 1 is the highest PageRank of the workspace.
    pub rank: u32,
    pub community: u32,
    pub component: u32,
    pub betweenness: f64,
    /// No reference link in or out (hierarchy links do not count).
    pub orphan: bool,
    pub hub: bool,
    /// Removing it disconnects part of the graph.
    pub articulation_point: bool,
}

/// One link of a page: the page at its other end, its kind and its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PageLink {
    /// The page at the other end.
    pub id: String,
    pub title: String,
    /// `page_mention`, `child_page`, `relation`, ... (the link kinds of the D3 document).
    pub kind: &'static str,
    /// The block (or page) the link was found in.
    pub provenance: String,
}

fn summary(snapshot: &Snapshot, at: usize) -> PageSummary {
    let node = &snapshot.graph.nodes[at];
    let metrics = &snapshot.metrics;
    PageSummary {
        id: node.id.clone(),
        title: display_title(&node.title, &node.id).to_owned(),
        kind: node.kind.name(),
        url: node.url.clone(),
        pagerank: metrics.pagerank.get(at).copied().unwrap_or_default(),
        community: metrics.community.get(at).copied().unwrap_or_default(),
        links_in: metrics.in_degree.get(at).copied().unwrap_or_default(),
        links_out: metrics.out_degree.get(at).copied().unwrap_or_default(),
    }
}

/// Up to `limit` pages whose title (or id, for a page without one) contains `text` (any
/// case; every page for an empty text), highest PageRank first.
pub fn search(snapshot: &Snapshot, text: &str, limit: usize) -> Vec<PageSummary> {
    let mut hits = matching(snapshot, text);
    hits.truncate(limit);
    hits.into_iter().map(|at| summary(snapshot, at)).collect()
}

/// The positions of the pages [`search`] finds, all of them, in its order.
pub fn matching(snapshot: &Snapshot, text: &str) -> Vec<usize> {
    let wanted = text.trim().to_lowercase();
    let nodes = &snapshot.graph.nodes;
    let mut hits: Vec<usize> = (0..nodes.len())
        .filter(|&at| {
            let title = display_title(&nodes[at].title, &nodes[at].id);
            wanted.is_empty() || title.to_lowercase().contains(&wanted)
        })
        .collect();
    let rank = &snapshot.metrics.pagerank;
    hits.sort_by(|&a, &b| rank[b].total_cmp(&rank[a]).then(a.cmp(&b)));
    hits
}

/// The page `text` names (a Notion id or URL, or an exact title) with its metrics and links.
pub fn detail(snapshot: &Snapshot, text: &str) -> Result<PageDetail, ViewError> {
    let at = find_page(snapshot, text)? as usize;
    let node = &snapshot.graph.nodes[at];
    let metrics = &snapshot.metrics;
    let index = at as u32;
    let pagerank = metrics.pagerank.get(at).copied().unwrap_or_default();
    let higher = metrics.pagerank.iter().filter(|&&p| p > pagerank).count();
    let link = |other: u32, kind: &'static str, provenance: &str| {
        let other = &snapshot.graph.nodes[other as usize];
        PageLink {
            id: other.id.clone(),
            title: display_title(&other.title, &other.id).to_owned(),
            kind,
            provenance: provenance.to_owned(),
        }
    };
    let (mut links_out, mut links_in) = (Vec::new(), Vec::new());
    for l in &snapshot.graph.links {
        if l.source == index {
            links_out.push(link(l.target, l.kind.name(), &l.provenance));
        }
        if l.target == index {
            links_in.push(link(l.source, l.kind.name(), &l.provenance));
        }
    }
    Ok(PageDetail {
        page: summary(snapshot, at),
        icon: node.icon.clone(),
        parent: node.parent.clone(),
        last_edited_time: node.last_edited_time.clone(),
        trashed: node.trashed,
        dangling: node.dangling,
        metrics: PageMetrics {
            pagerank,
            rank: higher as u32 + 1,
            community: metrics.community.get(at).copied().unwrap_or_default(),
            component: metrics.component.get(at).copied().unwrap_or_default(),
            betweenness: metrics.betweenness.get(at).copied().unwrap_or_default(),
            orphan: metrics.orphans.contains(&index),
            hub: metrics.hubs.contains(&index),
            articulation_point: metrics.articulation_points.contains(&index),
        },
        links_out,
        links_in,
    })
}
