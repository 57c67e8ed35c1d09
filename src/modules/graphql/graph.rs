//! A snapshot's graph as GraphQL objects: the graph, its pages, their links and communities.
//! Every object holds the snapshot it came from (an `Arc`) and a page's position in it, so
//! nested fields read memory and never the store; what they look up again and again (links by
//! page, pages by id, ranks, community members) is indexed once per request, when first needed.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::{Context, Object, OutputType, SimpleObject};

use super::errors::{Answer, OrProblem, coded};
use super::query::Caller;
use crate::error::Code;
use crate::modules::auth::model::rfc3339;
use crate::modules::graph::metrics::display_title;
use crate::modules::graph::model::LinkRef;
use crate::modules::graph::views::{self, MAX_DEPTH, View, ViewNode};
use crate::modules::graph::{
    Neighbourhood, Snapshot, SnapshotDiff, ViewRequest, pages, service, snapshot,
};

/// The most items one list field gives (`first`).
pub const MAX_FIRST: usize = 100;
/// The most pages a neighbourhood gives.
const MAX_AROUND: usize = 500;

/// A list cut to `first` items, with the cursor to pass as `after` for the rest.
#[derive(SimpleObject)]
#[graphql(concrete(name = "PageList", params(Page)))]
#[graphql(concrete(name = "LinkList", params(Link)))]
#[graphql(concrete(name = "EdgeList", params(Edge)))]
#[graphql(concrete(name = "CommunityList", params(Community)))]
pub struct List<T: OutputType> {
    /// How many there are in all.
    pub total: usize,
    pub items: Vec<T>,
    /// `null` on the last part.
    pub next_cursor: Option<String>,
}

/// `all` from the cursor `after`, `first` of them, each made by `item`.
fn list<T, U: OutputType>(
    all: &[T],
    first: usize,
    after: Option<&str>,
    item: impl Fn(&T) -> U,
) -> Answer<List<U>> {
    let first = within("first", first, MAX_FIRST)?;
    let start: usize = match after {
        None => 0,
        Some(cursor) => cursor.parse().map_err(|_| {
            coded(
                Code::InvalidCursor,
                format!("`after` `{cursor}` is not a cursor this API gave"),
            )
        })?,
    };
    let end = start.saturating_add(first).min(all.len());
    let items = all.get(start.min(end)..end).unwrap_or_default();
    Ok(List {
        total: all.len(),
        items: items.iter().map(item).collect(),
        next_cursor: (end < all.len()).then(|| end.to_string()),
    })
}

pub fn within(name: &str, given: usize, max: usize) -> Answer<usize> {
    if (1..=max).contains(&given) {
        Ok(given)
    } else {
        Err(coded(
            Code::InvalidLimit,
            format!("`{name}` is {given}: give 1 to {max}"),
        ))
    }
}

/// What nested fields look up, built from a snapshot once.
struct Index {
    /// Link positions by source page, and by target page.
    out: Vec<Vec<u32>>,
    into: Vec<Vec<u32>>,
    by_id: HashMap<String, u32>,
    /// 1 for the highest PageRank.
    rank: Vec<u32>,
    /// The pages of each community id, highest PageRank first.
    members: Vec<Vec<u32>>,
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
        }
    }
}

/// One snapshot of a workspace's graph.
#[derive(Clone)]
pub struct Graph {
    snapshot: Arc<Snapshot>,
    index: Arc<OnceLock<Index>>,
}

impl Graph {
    pub fn new(snapshot: Arc<Snapshot>) -> Self {
        Self {
            snapshot,
            index: Arc::default(),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::of(&self.snapshot))
    }

    fn page_at(&self, at: u32) -> Page {
        Page {
            graph: self.clone(),
            at,
        }
    }

    fn page_by_id(&self, id: &str) -> Option<Page> {
        self.index().by_id.get(id).map(|&at| self.page_at(at))
    }

    fn pages(&self, at: &[u32], first: usize, after: Option<&str>) -> Answer<List<Page>> {
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

    fn edge(&self, source: u32, target: u32, kind: &str) -> Edge {
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
        let found = pages::search(&self.snapshot, &text, usize::MAX);
        let index = self.index();
        let at: Vec<u32> = found.iter().map(|p| index.by_id[&p.id]).collect();
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

/// A link between two pages.
#[derive(SimpleObject)]
pub struct Edge {
    source: Page,
    target: Page,
    /// `page_mention`, `link_to_page`, `relation`, `child_page`, ...
    kind: String,
}

/// A link seen from one of its pages: the page at its other end.
#[derive(SimpleObject)]
pub struct Link {
    page: Page,
    /// `page_mention`, `link_to_page`, `relation`, `child_page`, ...
    kind: String,
    /// The block (or page) the link was found in.
    provenance: String,
}

/// A page, row, database or data source of the workspace.
#[derive(Clone)]
pub struct Page {
    graph: Graph,
    at: u32,
}

impl Page {
    fn node(&self) -> &crate::modules::graph::model::Node {
        &self.graph.snapshot.graph.nodes[self.at as usize]
    }

    fn metric<T: Copy + Default>(&self, values: &[T]) -> T {
        values.get(self.at as usize).copied().unwrap_or_default()
    }

    /// `links` (positions in the snapshot's links) as seen from this page.
    fn links(
        &self,
        at: &[u32],
        first: usize,
        after: Option<String>,
        outgoing: bool,
    ) -> Answer<List<Link>> {
        let links = &self.graph.snapshot.graph.links;
        list(at, first, after.as_deref(), |&at| {
            let link = &links[at as usize];
            let other = if outgoing { link.target } else { link.source };
            Link {
                page: self.graph.page_at(other),
                kind: link.kind.name().to_owned(),
                provenance: link.provenance.clone(),
            }
        })
    }
}

/// A page, row, database or data source of the workspace.
#[Object]
impl Page {
    /// The Notion id.
    async fn id(&self) -> &str {
        &self.node().id
    }

    async fn title(&self) -> &str {
        let node = self.node();
        display_title(&node.title, &node.id)
    }

    /// `page`, `row`, `database`, `data_source` or `unknown`.
    async fn kind(&self) -> &str {
        self.node().kind.name()
    }

    async fn url(&self) -> Option<&str> {
        self.node().url.as_deref()
    }

    async fn icon(&self) -> Option<&str> {
        self.node().icon.as_deref()
    }

    /// The page, database or data source it sits in, when that is in the graph.
    async fn parent(&self) -> Option<Page> {
        self.graph.page_by_id(self.node().parent.as_deref()?)
    }

    /// RFC 3339, as Notion gave it.
    async fn last_edited_time(&self) -> Option<&str> {
        self.node().last_edited_time.as_deref()
    }

    async fn trashed(&self) -> bool {
        self.node().trashed
    }

    /// A link target the integration cannot read.
    async fn unreadable(&self) -> bool {
        self.node().dangling
    }

    async fn pagerank(&self) -> f64 {
        self.metric(&self.graph.snapshot.metrics.pagerank)
    }

    /// 1 for the workspace's highest PageRank.
    async fn rank(&self) -> u32 {
        self.graph.index().rank[self.at as usize]
    }

    async fn betweenness(&self) -> f64 {
        self.metric(&self.graph.snapshot.metrics.betweenness)
    }

    async fn community(&self) -> Community {
        Community {
            graph: self.graph.clone(),
            id: self.metric(&self.graph.snapshot.metrics.community),
        }
    }

    async fn hub(&self) -> bool {
        self.graph.snapshot.metrics.hubs.contains(&self.at)
    }

    async fn orphan(&self) -> bool {
        self.graph.snapshot.metrics.orphans.contains(&self.at)
    }

    /// Removing it disconnects part of the graph.
    async fn articulation_point(&self) -> bool {
        self.graph
            .snapshot
            .metrics
            .articulation_points
            .contains(&self.at)
    }

    /// Links from this page, in the order they were imported.
    #[graphql(complexity = "first * child_complexity")]
    async fn links_out(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Link>> {
        self.links(
            &self.graph.index().out[self.at as usize],
            first,
            after,
            true,
        )
    }

    /// Links to this page.
    #[graphql(complexity = "first * child_complexity")]
    async fn links_in(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Link>> {
        self.links(
            &self.graph.index().into[self.at as usize],
            first,
            after,
            false,
        )
    }
}

/// A community of pages (Leiden); ids carry over from one snapshot to the next.
pub struct Community {
    graph: Graph,
    id: u32,
}

/// A community of pages (Leiden); ids carry over from one snapshot to the next.
#[Object]
impl Community {
    async fn id(&self) -> u32 {
        self.id
    }

    /// The title of its most central page.
    async fn label(&self) -> &str {
        let community = self
            .graph
            .snapshot
            .metrics
            .communities
            .get(self.id as usize);
        community.map_or("", |c| c.label.as_str())
    }

    async fn size(&self) -> u32 {
        let community = self
            .graph
            .snapshot
            .metrics
            .communities
            .get(self.id as usize);
        community.map_or(0, |c| c.size)
    }

    /// The page its label comes from.
    async fn central(&self) -> Option<Page> {
        let community = self
            .graph
            .snapshot
            .metrics
            .communities
            .get(self.id as usize)?;
        Some(self.graph.page_at(community.central))
    }

    /// Its pages, highest PageRank first.
    #[graphql(complexity = "first * child_complexity")]
    async fn pages(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        let members = self.graph.index().members.get(self.id as usize);
        self.graph.pages(
            members.map_or(&[][..], Vec::as_slice),
            first,
            after.as_deref(),
        )
    }
}

/// What changed between two snapshots: pages and links added and removed, pages that became
/// orphans, links whose target was trashed or became unreadable. Added pages and links are of
/// the newer snapshot, removed ones of the older.
pub struct Changes {
    before: Graph,
    after: Graph,
    diff: SnapshotDiff,
}

impl Changes {
    pub fn new(before: Graph, after: Graph) -> Self {
        let diff = snapshot::diff(&before.snapshot, &after.snapshot);
        Self {
            before,
            after,
            diff,
        }
    }
}

/// What changed between two snapshots. Added pages and links are of the newer one, removed
/// ones of the older.
#[Object]
impl Changes {
    /// The older version.
    async fn from(&self) -> u64 {
        self.before.snapshot.meta.version
    }

    /// The newer version.
    async fn to(&self) -> u64 {
        self.after.snapshot.meta.version
    }

    #[graphql(complexity = "first * child_complexity")]
    async fn added_pages(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        pages_named(&self.after, &self.diff.added_nodes, first, after)
    }

    #[graphql(complexity = "first * child_complexity")]
    async fn removed_pages(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        pages_named(&self.before, &self.diff.removed_nodes, first, after)
    }

    #[graphql(complexity = "first * child_complexity")]
    async fn new_orphans(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Page>> {
        pages_named(&self.after, &self.diff.new_orphans, first, after)
    }

    #[graphql(complexity = "first * child_complexity")]
    async fn added_links(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Edge>> {
        edges_named(&self.after, &self.diff.added_links, first, after)
    }

    #[graphql(complexity = "first * child_complexity")]
    async fn removed_links(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Edge>> {
        edges_named(&self.before, &self.diff.removed_links, first, after)
    }

    #[graphql(complexity = "first * child_complexity")]
    async fn broken_links(
        &self,
        #[graphql(default = 20)] first: usize,
        after: Option<String>,
    ) -> Answer<List<Edge>> {
        edges_named(&self.after, &self.diff.broken_links, first, after)
    }
}

/// The pages of `graph` with these ids (a diff names pages by id).
fn pages_named(
    graph: &Graph,
    ids: &[String],
    first: usize,
    after: Option<String>,
) -> Answer<List<Page>> {
    let index = graph.index();
    let at: Vec<u32> = ids
        .iter()
        .filter_map(|id| index.by_id.get(id).copied())
        .collect();
    graph.pages(&at, first, after.as_deref())
}

/// The links of `graph` a diff names by their pages' ids.
fn edges_named(
    graph: &Graph,
    links: &[LinkRef],
    first: usize,
    after: Option<String>,
) -> Answer<List<Edge>> {
    let index = graph.index();
    let ends = |l: &LinkRef| Some((*index.by_id.get(&l.source)?, *index.by_id.get(&l.target)?));
    let known: Vec<(u32, u32, &str)> = links
        .iter()
        .filter_map(|l| ends(l).map(|(s, t)| (s, t, l.kind.name())))
        .collect();
    list(
        &known,
        first,
        after.as_deref(),
        |&(source, target, kind)| graph.edge(source, target, kind),
    )
}
