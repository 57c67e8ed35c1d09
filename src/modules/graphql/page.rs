//! A page of the graph, its links seen from it, and its community.

use async_graphql::{Object, SimpleObject};

use super::errors::Answer;
use super::graph::Graph;
use super::list::{List, list};
use crate::modules::graph::metrics::display_title;
use crate::modules::graph::model::Node;

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
    pub(super) graph: Graph,
    pub(super) at: u32,
}

impl Page {
    fn node(&self) -> &Node {
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
        self.graph.index().hub[self.at as usize]
    }

    async fn orphan(&self) -> bool {
        self.graph.index().orphan[self.at as usize]
    }

    /// Removing it disconnects part of the graph.
    async fn articulation_point(&self) -> bool {
        self.graph.index().articulation_point[self.at as usize]
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
    pub(super) graph: Graph,
    pub(super) id: u32,
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
