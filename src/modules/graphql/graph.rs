//! A snapshot's graph as GraphQL objects: the graph and the questions asked of it as a whole.
//! Every object holds the snapshot it came from (an `Arc`) and a page's position in it, so
//! nested fields read memory and never the store; what they look up again and again (links by
//! page, pages by id, ranks, community members, marks) is indexed once per request, when first
//! needed.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::{Context, Object, SimpleObject};

use super::changes::{Changes, Edge};
use super::errors::{Answer, OrProblem, coded};
use super::list::{List, list, within};
use super::page::{Community, Page};
use super::query::Caller;
use crate::error::Code;
use crate::modules::auth::model::rfc3339;
use crate::modules::graph::views::{self, MAX_DEPTH, View, ViewNode};
use crate::modules::graph::{Neighbourhood, Snapshot, ViewRequest, pages, service};

/// The most pages a neighbourhood gives.
const MAX_AROUND: usize = 500;

/// What nested fields look up, built from a snapshot once.
pub(super) struct Index {
    /// Link positions by source page, and by target page.
    pub(super) out: Vec<Vec<u32>>,
    pub(super) into: Vec<Vec<u32>>,
    pub(super) by_id: HashMap<String, u32>,
    /// 1 for the highest PageRank.
    pub(super) rank: Vec<u32>,
    /// The pages of each community id, highest PageRank first.
    pub(super) members: Vec<Vec<u32>>,
    pub(super) hub: Vec<bool>,
    pub(super) orphan: Vec<bool>,
    pub(super) articulation_point: Vec<bool>,
}

impl Index {
    fn of(snapshot: &Snapshot) -> Self {
        let (nodes, metrics) = (&snapshot.graph.nodes, &snapshot.metrics);
        let (mut out, mut into) = (vec![Vec::new(); nodes.len()], vec![Vec::new(); nodes.len()]);
        for (at, link) in snapshot.graph.links.iter().enumerate() {
            out[link.source as usize].push(at as u32);
            into[link.target as usize].push(at as u32);
        }
        let mut by_rank: Vec<u32> = (0..nodes.len() as u32).collect();
        let pagerank = |at: u32| metrics.pagerank.get(at as usize).copied().unwrap_or(0.0);
        by_rank.sort_by(|&a, &b| pagerank(b).total_cmp(&pagerank(a)).then(a.cmp(&b)));
        let mut rank = vec![0; nodes.len()];
        let mut members = vec![Vec::new(); metrics.communities.len()];
        for (place, &at) in by_rank.iter().enumerate() {
            // Pages of equal PageRank share the rank of the first of them, as REST ranks them.
            let tied = place > 0 && pagerank(by_rank[place - 1]) == pagerank(at);
            rank[at as usize] = if tied {
                rank[by_rank[place - 1] as usize]
            } else {
                place as u32 + 1
            };
            let community = metrics.community.get(at as usize).copied();
            if let Some(list) = community.and_then(|c| members.get_mut(c as usize)) {
                list.push(at);
            }
        }
        let by_id = (0..nodes.len()).map(|at| (nodes[at].id.clone(), at as u32));
        Self {
            out,
            into,
            by_id: by_id.collect(),
            rank,
            members,
            hub: marked(nodes.len(), &metrics.hubs),
            orphan: marked(nodes.len(), &metrics.orphans),
            articulation_point: marked(nodes.len(), &metrics.articulation_points),
        }
    }
}

/// For each of `n` pages, whether `pages` lists it.
fn marked(n: usize, pages: &[u32]) -> Vec<bool> {
    let mut marks = vec![false; n];
    for &at in pages {
        if let Some(mark) = marks.get_mut(at as usize) {
            *mark = true;
        }
    }
    marks
}

/// One snapshot of a workspace's graph.
#[derive(Clone)]
pub struct Graph {
    pub(super) snapshot: Arc<Snapshot>,
    index: Arc<OnceLock<Index>>,
}

impl Graph {
    pub fn new(snapshot: Arc<Snapshot>) -> Self {
        Self {
            snapshot,
            index: Arc::default(),
        }
    }

    pub(super) fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::of(&self.snapshot))
    }

    pub(super) fn page_at(&self, at: u32) -> Page {
        Page {
            graph: self.clone(),
            at,
        }
    }

    pub(super) fn page_by_id(&self, id: &str) -> Option<Page> {
        self.index().by_id.get(id).map(|&at| self.page_at(at))
    }

    pub(super) fn pages(
        &self,
        at: &[u32],
        first: usize,
        after: Option<&str>,
    ) -> Answer<List<Page>> {
        list(at, first, after, |&at| self.page_at(at))
    }

    fn find(&self, text: &str) -> Answer<Page> {
        Ok(self.page_at(views::find_page(&self.snapshot, text).or_problem()?))
    }

    /// A view's pages (the first `first`) and the links among those.
    fn subgraph(&self, view: &View, first: usize) -> Subgraph {
        let at: Vec<u32> = view
            .nodes
            .iter()
            .filter_map(|n| match n {
                ViewNode::Page(at) => Some(*at),
                ViewNode::Community(_) => None,
            })
            .collect();
        let shown = at.len().min(first);
        let edges = view
            .links
            .iter()
            .filter(|l| (l.source as usize) < shown && (l.target as usize) < shown)
            .map(|l| self.edge(at[l.source as usize], at[l.target as usize], l.kind));
        Subgraph {
            total_pages: at.len(),
            truncated: at.len() > shown,
            pages: at[..shown].iter().map(|&at| self.page_at(at)).collect(),
            links: edges.collect(),
        }
    }

    pub(super) fn edge(&self, source: u32, target: u32, kind: &str) -> Edge {
        Edge {
            source: self.page_at(source),
            target: self.page_at(target),
            kind: kind.to_owned(),
        }
    }
}

/// One snapshot of a workspace's graph: its pages, their links and what was computed over them.
#[Object]
impl Graph {
    /// The snapshot's version (1 for a workspace's first).
    async fn version(&self) -> u64 {
        self.snapshot.meta.version
    }

    /// When it was built (RFC 3339).
    async fn created_at(&self) -> String {
        rfc3339(self.snapshot.meta.created_at)
    }

    async fn page_count(&self) -> usize {
        self.snapshot.graph.nodes.len()
    }

    async fn link_count(&self) -> usize {
        self.snapshot.graph.links.len()
    }

    /// Weakly connected components.
    async fn component_count(&self) -> u32 {
        self.snapshot.metrics.component_count
    }

    /// Of the community partition (Leiden).
    async fn modularity(&self) -> f64 {
        self.snapshot.metrics.modularity
    }

    /// The page `page` names: a Notion id (with or without dashes), a Notion URL or an exact
    /// title.
    async fn page(&self, page: String) -> Answer<Page> {
        self.find(&page)
    }

    /// Pages whose title contains `text` (any case; every page for ""), highest PageRank first.
    #[graphql(complexity = "first * child_complexity")]
    async fn search(
        &self,
        text: String,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        let found = pages::matching(&self.snapshot, &text);
        let at: Vec<u32> = found.into_iter().map(|at| at as u32).collect();
        self.pages(&at, first, after.as_deref())
    }

    /// The pages within `depth` (1 to 3) links of a page, either direction, nearest first, and
    /// the links among them.
    #[graphql(complexity = "first * child_complexity")]
    async fn neighbourhood(
        &self,
        page: String,
        #[graphql(default = 1)] depth: u8,
        #[graphql(default = 100)] first: usize,
    ) -> Answer<Subgraph> {
        let first = within("first", first, MAX_AROUND)?;
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(coded(
                Code::InvalidDepth,
                format!("`depth` is {depth}: give 1 to {MAX_DEPTH}"),
            ));
        }
        let request = ViewRequest::Neighbourhood(Neighbourhood {
            root: page,
            depth,
            ..Neighbourhood::default()
        });
        let view = views::view(&self.snapshot, &request).or_problem()?;
        Ok(self.subgraph(&view, first))
    }

    /// The fewest links from one page to another (`directed`: only from source to target);
    /// no pages when there is no path.
    async fn shortest_path(
        &self,
        from: String,
        to: String,
        #[graphql(default = false)] directed: bool,
    ) -> Answer<Subgraph> {
        let request = ViewRequest::Path { from, to, directed };
        let view = views::view(&self.snapshot, &request).or_problem()?;
        Ok(self.subgraph(&view, usize::MAX))
    }

    /// The communities (Leiden), largest first.
    #[graphql(complexity = "first * child_complexity")]
    async fn communities(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Community>> {
        let mut live: Vec<u32> = self
            .snapshot
            .metrics
            .live_communities()
            .map(|c| c.id)
            .collect();
        let size = |id: u32| self.snapshot.metrics.communities[id as usize].size;
        live.sort_by(|&a, &b| size(b).cmp(&size(a)).then(a.cmp(&b)));
        list(&live, first, after.as_deref(), |&id| Community {
            graph: self.clone(),
            id,
        })
    }

    /// The pages of highest total degree, highest first.
    #[graphql(complexity = "first * child_complexity")]
    async fn hubs(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        self.pages(&self.snapshot.metrics.hubs, first, after.as_deref())
    }

    /// Pages with no reference link in or out (hierarchy links do not count).
    #[graphql(complexity = "first * child_complexity")]
    async fn orphans(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        self.pages(&self.snapshot.metrics.orphans, first, after.as_deref())
    }

    /// What changed from snapshot `since` (by default the one before this) to this one.
    async fn changes(&self, ctx: &Context<'_>, since: Option<u64>) -> Answer<Changes> {
        let meta = &self.snapshot.meta;
        let since = since.unwrap_or(meta.version.saturating_sub(1).max(1));
        let state = &ctx.data_unchecked::<Caller>().state;
        let before = service(state).snapshot(&meta.workspace, Some(since)).await;
        Ok(Changes::new(Graph::new(before.or_problem()?), self.clone()))
    }
}

/// Some pages and the links among them.
#[derive(SimpleObject)]
pub struct Subgraph {
    /// Pages in the subgraph, of which `pages` lists up to `first`.
    total_pages: usize,
    truncated: bool,
    pages: Vec<Page>,
    /// Links between the pages listed.
    links: Vec<Edge>,
}
