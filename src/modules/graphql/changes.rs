//! What changed between two snapshots, and the links between two pages it lists.

use async_graphql::{Object, SimpleObject};

use super::errors::Answer;
use super::graph::Graph;
use super::list::{List, list};
use super::page::Page;
use crate::modules::graph::model::LinkRef;
use crate::modules::graph::{SnapshotDiff, snapshot};

/// A link between two pages.
#[derive(SimpleObject)]
pub struct Edge {
    pub(super) source: Page,
    pub(super) target: Page,
    /// `page_mention`, `link_to_page`, `relation`, `child_page`, ...
    pub(super) kind: String,
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
