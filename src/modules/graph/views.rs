//! Views of a snapshot: the whole graph, a summary by community, a page's neighbourhood, the
//! shortest path between two pages and a title search. Every view is a list of nodes and links
//! between them (by position in the list), so every view renders as a valid D3 document.

use std::collections::{HashMap, VecDeque};

use graph_engine::Csr;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::model::Snapshot;
use crate::error::{AppError, Code};

/// The deepest neighbourhood a view expands.
pub const MAX_DEPTH: u8 = 3;

/// Which view of a snapshot to render.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum ViewRequest {
    Full,
    /// Communities as super-nodes, the links between them with counts, and the top pages.
    Summary {
        top: usize,
    },
    Neighbourhood(Neighbourhood),
    /// Breadth-first: fewest links; `directed` follows links only from source to target.
    Path {
        from: String,
        to: String,
        directed: bool,
    },
    /// Case-insensitive substring of the title, ranked by PageRank.
    Search {
        text: String,
        limit: usize,
    },
}

/// A page and what lies within `depth` links of it (either direction), filtered: a node the
/// filters reject is neither shown nor passed through (the root always is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Neighbourhood {
    pub root: String,
    pub depth: u8,
    /// Entity kinds to keep (`page`, `row`, ...); empty keeps all.
    pub kinds: Vec<String>,
    pub community: Option<u32>,
    /// Case-insensitive substring of the title.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViewError {
    #[error("no page `{0}` in this workspace (give a Notion id or URL, or an exact title)")]
    UnknownPage(String),
    #[error("`{0}` names {1} pages; give a Notion id instead")]
    AmbiguousPage(String, usize),
    #[error("depth {0} is out of range: give 1 to {MAX_DEPTH}")]
    DepthOutOfRange(u8),
}

impl From<ViewError> for AppError {
    fn from(error: ViewError) -> Self {
        let code = match error {
            ViewError::UnknownPage(_) => Code::UnknownPage,
            ViewError::AmbiguousPage(..) => Code::AmbiguousPage,
            ViewError::DepthOutOfRange(_) => Code::InvalidDepth,
        };
        AppError::new(code, error.to_string())
    }
}

/// A node of a view: a page of the snapshot, or a community standing for its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewNode {
    Page(u32),
    Community(u32),
}

/// A link between two view nodes (positions in [`View::nodes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewLink {
    pub source: u32,
    pub target: u32,
    pub kind: &'static str,
    /// How many links it stands for (summary views); 1 otherwise.
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: &'static str,
    pub nodes: Vec<ViewNode>,
    pub links: Vec<ViewLink>,
    /// What the view adds to the document's meta (root, depth, whether a path was found ...).
    pub meta: Map<String, Value>,
}

/// Renders `request` over `snapshot`.
pub fn view(snapshot: &Snapshot, request: &ViewRequest) -> Result<View, ViewError> {
    match request {
        ViewRequest::Full => Ok(full(snapshot)),
        ViewRequest::Summary { top } => Ok(super::summary::summary(snapshot, *top)),
        ViewRequest::Neighbourhood(n) => neighbourhood(snapshot, n),
        ViewRequest::Path { from, to, directed } => path(snapshot, from, to, *directed),
        ViewRequest::Search { text, limit } => Ok(search(snapshot, text, *limit)),
    }
}

fn full(snapshot: &Snapshot) -> View {
    let links = snapshot
        .graph
        .links
        .iter()
        .map(|l| ViewLink {
            source: l.source,
            target: l.target,
            kind: l.kind.name(),
            count: 1,
        })
        .collect();
    View {
        name: "full",
        nodes: (0..snapshot.graph.nodes.len() as u32)
            .map(ViewNode::Page)
            .collect(),
        links,
        meta: Map::new(),
    }
}

/// The node a user means by `text`: a Notion id (with or without dashes), a Notion URL or an
/// exact title.
pub fn find_page(snapshot: &Snapshot, text: &str) -> Result<u32, ViewError> {
    let plain = |s: &str| s.replace('-', "").to_ascii_lowercase();
    let linked = crate::modules::notion::ids::from_notion_url(text);
    let wanted = plain(linked.as_deref().unwrap_or(text).trim());
    let nodes = &snapshot.graph.nodes;
    if let Some(at) = nodes.iter().position(|n| plain(&n.id) == wanted) {
        return Ok(at as u32);
    }
    let titled: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].title.trim().eq_ignore_ascii_case(text.trim()))
        .collect();
    match titled.as_slice() {
        [] => Err(ViewError::UnknownPage(text.to_owned())),
        [one] => Ok(*one as u32),
        many => Err(ViewError::AmbiguousPage(text.to_owned(), many.len())),
    }
}

/// The subgraph of `pages` (snapshot indexes, in view order) with every link among them.
pub fn induced(snapshot: &Snapshot, name: &'static str, pages: Vec<u32>) -> View {
    let position: HashMap<u32, u32> = pages
        .iter()
        .enumerate()
        .map(|(at, &page)| (page, at as u32))
        .collect();
    let links = snapshot
        .graph
        .links
        .iter()
        .filter_map(|l| {
            Some(ViewLink {
                source: *position.get(&l.source)?,
                target: *position.get(&l.target)?,
                kind: l.kind.name(),
                count: 1,
            })
        })
        .collect();
    View {
        name,
        nodes: pages.into_iter().map(ViewNode::Page).collect(),
        links,
        meta: Map::new(),
    }
}

fn neighbourhood(snapshot: &Snapshot, request: &Neighbourhood) -> Result<View, ViewError> {
    if !(1..=MAX_DEPTH).contains(&request.depth) {
        return Err(ViewError::DepthOutOfRange(request.depth));
    }
    let root = find_page(snapshot, &request.root)?;
    let keeps = |i: u32| i == root || passes_filters(snapshot, request, i);
    let graph = Csr::undirected(snapshot.graph.nodes.len(), &snapshot.graph.pairs(true));
    let mut depth_of: HashMap<u32, u8> = HashMap::from([(root, 0)]);
    let mut order = vec![root];
    let mut queue = VecDeque::from([root]);
    while let Some(node) = queue.pop_front() {
        let depth = depth_of[&node];
        if depth == request.depth {
            continue;
        }
        for &next in graph.neighbours(node) {
            if !depth_of.contains_key(&next) && keeps(next) {
                depth_of.insert(next, depth + 1);
                order.push(next);
                queue.push_back(next);
            }
        }
    }
    let mut view = induced(snapshot, "neighbourhood", order);
    view.meta
        .insert("root".into(), json!(snapshot.graph.nodes[root as usize].id));
    view.meta.insert("depth".into(), json!(request.depth));
    Ok(view)
}

fn passes_filters(snapshot: &Snapshot, request: &Neighbourhood, i: u32) -> bool {
    let node = &snapshot.graph.nodes[i as usize];
    let kind_ok = request.kinds.is_empty() || request.kinds.iter().any(|k| k == node.kind.name());
    let community_ok = request
        .community
        .is_none_or(|c| snapshot.metrics.community.get(i as usize) == Some(&c));
    let text_ok = request
        .text
        .as_deref()
        .is_none_or(|t| node.title.to_lowercase().contains(&t.to_lowercase()));
    kind_ok && community_ok && text_ok
}

fn path(snapshot: &Snapshot, from: &str, to: &str, directed: bool) -> Result<View, ViewError> {
    let (start, goal) = (find_page(snapshot, from)?, find_page(snapshot, to)?);
    let n = snapshot.graph.nodes.len();
    let pairs = snapshot.graph.pairs(true);
    let graph = if directed {
        Csr::directed(n, &pairs)
    } else {
        Csr::undirected(n, &pairs)
    };
    let found = shortest_path(&graph, start, goal);
    let pages = found.clone().unwrap_or_else(|| vec![start, goal]);
    let mut view = induced(snapshot, "path", pages.clone());
    // Only the links along the path: between neighbours on it (and forward when directed).
    view.links.retain(|l| {
        let forward = l.target == l.source + 1;
        let along = forward || (!directed && l.source == l.target + 1);
        found.is_some() && along
    });
    view.meta.insert("found".into(), json!(found.is_some()));
    view.meta.insert("directed".into(), json!(directed));
    view.meta
        .insert("hops".into(), json!(found.map(|p| p.len() - 1)));
    Ok(view)
}

/// Breadth-first shortest path from `start` to `goal`, both ends included.
pub fn shortest_path(graph: &Csr, start: u32, goal: u32) -> Option<Vec<u32>> {
    let mut came_from = vec![u32::MAX; graph.node_count()];
    came_from[start as usize] = start;
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        if node == goal {
            let mut path = vec![goal];
            while *path.last()? != start {
                path.push(came_from[*path.last()? as usize]);
            }
            path.reverse();
            return Some(path);
        }
        for &next in graph.neighbours(node) {
            if came_from[next as usize] == u32::MAX {
                came_from[next as usize] = node;
                queue.push_back(next);
            }
        }
    }
    None
}

fn search(snapshot: &Snapshot, text: &str, limit: usize) -> View {
    let wanted = text.to_lowercase();
    let rank = &snapshot.metrics.pagerank;
    let mut hits: Vec<u32> = (0..snapshot.graph.nodes.len() as u32)
        .filter(|&i| {
            snapshot.graph.nodes[i as usize]
                .title
                .to_lowercase()
                .contains(&wanted)
        })
        .collect();
    hits.sort_by(|&a, &b| {
        rank[b as usize]
            .total_cmp(&rank[a as usize])
            .then(a.cmp(&b))
    });
    hits.truncate(limit);
    let mut view = induced(snapshot, "search", hits);
    view.meta.insert("query".into(), json!(text));
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_path_follows_direction_only_when_asked() {
        let pairs = [(0, 1), (2, 1), (2, 3)];
        let undirected = Csr::undirected(4, &pairs);
        assert_eq!(shortest_path(&undirected, 0, 3), Some(vec![0, 1, 2, 3]));
        let directed = Csr::directed(4, &pairs);
        assert_eq!(shortest_path(&directed, 0, 3), None);
        assert_eq!(shortest_path(&directed, 2, 3), Some(vec![2, 3]));
        assert_eq!(shortest_path(&directed, 1, 1), Some(vec![1]));
    }
}
