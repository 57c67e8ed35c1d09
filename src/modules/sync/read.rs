//! How the importer reads each kind of entity: pages and rows (object, properties, block
//! tree), databases, data sources and their rows, and synced originals.

use futures::stream::TryStreamExt;

use super::crawl::{Importer, Task, plain};
use super::incremental::parent_of;
use super::model::{Edge, Entity, EntityKind, Origin};
use super::store;
use crate::modules::notion::NotionError;
use crate::modules::notion::links::{self, Link, LinkKind};
use crate::modules::notion::model::{
    Block, BlockKind, Database, LinkTarget, Page, Parent, PropertyValue,
};

impl Importer {
    /// Stores an entity and counts it, as read or as unreadable.
    async fn keep(&self, entity: &Entity) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        store::save_entity(&self.store, entity).await?;
        self.stored_for(started);
        self.fetched(&entity.notion_id);
        let mut ledger = self.ledger();
        if entity.shared {
            ledger.report.entities += 1;
        } else {
            ledger.report.unshared += 1;
        }
        Ok(())
    }

    pub(super) async fn page(&self, id: &str, maybe_database: bool) -> anyhow::Result<Vec<Task>> {
        match self.client.page(id).await {
            Ok(page) => self.page_object(&page).await,
            Err(NotionError::NotFound(_)) if !maybe_database => {
                self.unshared(id, EntityKind::Unknown).await
            }
            Err(NotionError::NotFound(_)) => match self.client.database(id).await {
                Ok(database) => self.database_object(database).await,
                Err(NotionError::NotFound(_)) => self.unshared(id, EntityKind::Unknown).await,
                Err(other) => Err(other.into()),
            },
            Err(other) => Err(other.into()),
        }
    }

    /// An id the integration cannot read (any more): what it linked to before is gone too.
    pub(super) async fn unshared(&self, id: &str, kind: EntityKind) -> anyhow::Result<Vec<Task>> {
        let entity = Entity::blank(&self.connection, id, kind);
        self.keep(&entity).await?;
        self.without_links(id).await
    }

    /// Stores a page or row and the edges of its properties; queues its content and targets.
    pub(super) async fn page_object(&self, page: &Page) -> anyhow::Result<Vec<Task>> {
        let kind = match page.parent {
            Some(Parent::DataSource { .. }) => EntityKind::Row,
            _ => EntityKind::Page,
        };
        let entity = Entity {
            title: page.title(),
            url: page.url.clone(),
            icon: page.icon.clone(),
            parent: parent_of(page),
            created_time: page.created_time.clone(),
            last_edited_time: page.last_edited_time.clone(),
            in_trash: page.in_trash,
            ..Entity::blank(&self.connection, &page.id, kind)
        }
        .read();
        self.keep(&entity).await?;
        if page.in_trash {
            return self.without_links(&page.id).await;
        }
        let found = self.property_links(page).await?;
        let mut tasks = self.targets(&found);
        let edges = found
            .iter()
            .map(|l| self.edge(&page.id, l, Origin::Properties))
            .collect();
        self.write_edges(&page.id, Origin::Properties, edges)
            .await?;
        tasks.extend(self.content_task(&page.id));
        Ok(tasks)
    }

    /// A trashed or unreadable page keeps no links of its own (links to it stay, to a node
    /// flagged trashed or unreadable): whatever it held before is removed, and its content is
    /// not read. Search never returns a trashed page, so a trashed page ends up this one way
    /// whichever link, block, check or webhook reached it.
    async fn without_links(&self, page: &str) -> anyhow::Result<Vec<Task>> {
        for origin in [Origin::Properties, Origin::Content] {
            self.write_edges(page, origin, Vec::new()).await?;
        }
        Ok(Vec::new())
    }

    /// The links of a page's properties, with truncated ones read in full.
    async fn property_links(&self, page: &Page) -> anyhow::Result<Vec<Link>> {
        let mut found: Vec<Link> = links::from_page(page)
            .into_iter()
            .filter(|l| !l.truncated)
            .collect();
        for property in page.properties.values() {
            let (id, truncated) = match property {
                PropertyValue::Relation { id, has_more, .. }
                | PropertyValue::Title { id, has_more, .. }
                | PropertyValue::RichText { id, has_more, .. } => (id, *has_more),
                PropertyValue::Other { .. } => continue,
            };
            if truncated {
                let items: Vec<_> = self
                    .client
                    .page_property(&page.id, id)
                    .try_collect()
                    .await?;
                found.extend(
                    items
                        .iter()
                        .flat_map(|item| links::from_property_item(item, &page.id)),
                );
            }
        }
        Ok(found)
    }

    /// Reads the top level of a page's block tree; nested containers become tasks of their
    /// own (one call each, so that they run in parallel and an interrupted import loses
    /// little). See [`Importer::write_content`] for how the page's edges are replaced.
    pub(super) async fn content(&self, page: &str) -> anyhow::Result<Vec<Task>> {
        self.container(page, page).await
    }

    /// Reads one nested container of `page`'s block tree and adds its links.
    pub(super) async fn blocks(&self, page: &str, container: &str) -> anyhow::Result<Vec<Task>> {
        self.container(page, container).await
    }

    /// Synced originals and references a container holds come back as facts for the end of
    /// the import.
    async fn container(&self, page: &str, container: &str) -> anyhow::Result<Vec<Task>> {
        let blocks: Vec<Block> = match self.client.block_children(container).try_collect().await {
            Ok(blocks) => blocks,
            // Deleted since it was found (or since its parent was read): its links are gone.
            Err(NotionError::NotFound(_)) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        let mut found = Vec::new();
        let mut more = Vec::new();
        for block in blocks {
            found.extend(links::from_block(&block));
            more.extend(self.block_task(container, &block));
            more.extend(nested(page, &block));
        }
        found.retain(|l| l.kind != LinkKind::SyncedBlock);
        let mut tasks = self.targets(&found);
        let edges = found.iter().map(|l| self.edge(page, l, Origin::Content));
        let nested = more
            .iter()
            .filter(|t| matches!(t, Task::Blocks { .. }))
            .count();
        self.write_content(page, page == container, edges, nested)
            .await?;
        tasks.extend(more);
        Ok(tasks)
    }

    /// Stores the content edges one container of `page` holds. Where the run replaces earlier
    /// edges, the page's old content edges that no container brought again are removed only
    /// once its last container is read: until then a reader (a graph build, a progress view)
    /// sees the old links beside the new, never a page missing links it still has, and a
    /// read cut short by a failed or stopped run removes nothing.
    async fn write_content(
        &self,
        page: &str,
        top: bool,
        edges: impl Iterator<Item = Edge>,
        nested: usize,
    ) -> anyhow::Result<()> {
        let edges = self.keyed(edges);
        let complete = {
            let mut ledger = self.ledger();
            let replaces = ledger.replaces();
            replaces
                .then(|| ledger.container_read(page, top, edges.keys(), nested))
                .flatten()
        };
        let started = std::time::Instant::now();
        store::add_edges(&self.store, edges).await?;
        if let Some(brought) = complete {
            let stale = |key: &str| !brought.contains(key);
            store::remove_edges(&self.store, &self.connection, page, Origin::Content, stale)
                .await?;
        }
        self.stored_for(started);
        Ok(())
    }

    /// A block that says what it leads to, not seen before, becomes the right task at once: a
    /// `child_page` block names its page well enough to store it, and a `link_to_page` block
    /// says whether it points at a database (a Notion URL does not).
    fn block_task(&self, container: &str, block: &Block) -> Vec<Task> {
        match &block.kind {
            BlockKind::ChildPage { title } => {
                let (fresh, answered) = self.brought(&block.id);
                let child = fresh.then(|| Task::ChildPage {
                    id: block.id.clone(),
                    title: title.clone(),
                    parent: container.to_owned(),
                    created_time: block.created_time.clone(),
                    last_edited_time: block.last_edited_time.clone(),
                    in_trash: block.in_trash,
                });
                child.into_iter().chain(answered).collect()
            }
            BlockKind::LinkToPage(LinkTarget::Database(id)) if self.claim(id) => {
                vec![Task::Database(id.clone())]
            }
            _ => Vec::new(),
        }
    }

    /// Whether `id` is to be stored from what was just read: it was never seen, or only a
    /// waiting read of it was queued (which is dropped, and comes back answered).
    fn brought(&self, id: &str) -> (bool, Option<Task>) {
        if self.claim(id) {
            return (true, None);
        }
        let answered = self.arrived(id);
        (answered.is_some(), answered)
    }

    /// Stores a child page from its block (search did not return it) and queues its content.
    pub(super) async fn child_page(&self, task: Task) -> anyhow::Result<Vec<Task>> {
        let Task::ChildPage {
            id,
            title,
            parent,
            created_time,
            last_edited_time,
            in_trash,
        } = task
        else {
            return Ok(Vec::new());
        };
        let entity = Entity {
            title,
            url: Some(format!("https://www.notion.so/{}", id.replace('-', ""))),
            parent: Some(parent),
            created_time,
            last_edited_time,
            in_trash,
            ..Entity::blank(&self.connection, &id, EntityKind::Page)
        }
        .read();
        self.keep(&entity).await?;
        if entity.in_trash {
            return self.without_links(&id).await;
        }
        Ok(self.content_task(&id).into_iter().collect())
    }

    /// A read of `page`'s content, unless this run already has one: two at once would each
    /// count the other's containers as their own.
    pub(super) fn content_task(&self, page: &str) -> Option<Task> {
        self.ledger()
            .claim_content(page)
            .then(|| Task::Content(page.to_owned()))
    }

    pub(super) async fn database(&self, id: &str) -> anyhow::Result<Vec<Task>> {
        match self.client.database(id).await {
            Ok(database) => self.database_object(database).await,
            Err(NotionError::NotFound(_)) => self.unshared(id, EntityKind::Database).await,
            Err(other) => Err(other.into()),
        }
    }

    /// Stores a database; queues its data sources.
    async fn database_object(&self, database: Database) -> anyhow::Result<Vec<Task>> {
        let parent = match &database.info.parent {
            Some(Parent::Page(p) | Parent::Block(p)) => Some(p.clone()),
            _ => None,
        };
        let entity = Entity {
            title: plain(&database.info.title),
            url: database.url.clone(),
            parent,
            created_time: database.info.created_time.clone(),
            last_edited_time: database.info.last_edited_time.clone(),
            in_trash: database.info.archived || database.info.in_trash,
            ..Entity::blank(&self.connection, &database.id, EntityKind::Database)
        }
        .read();
        self.keep(&entity).await?;
        // Its rows went to the trash with it.
        if entity.in_trash {
            return Ok(Vec::new());
        }
        Ok(database
            .data_sources
            .into_iter()
            .filter(|source| self.claim(&source.id))
            .map(|source| Task::DataSource {
                id: source.id,
                title: source.name,
                database: Some(database.id.clone()),
            })
            .collect())
    }

    pub(super) async fn data_source(
        &self,
        id: &str,
        title: &str,
        database: Option<String>,
    ) -> anyhow::Result<Vec<Task>> {
        let entity = Entity {
            title: title.to_owned(),
            parent: database,
            ..Entity::blank(&self.connection, id, EntityKind::DataSource)
        }
        .read();
        self.keep(&entity).await?;
        let mut tasks = Vec::new();
        let mut rows = self.client.query_data_source(id, None);
        while let Some(row) = rows.try_next().await? {
            let (fresh, answered) = self.brought(&row.id);
            tasks.extend(answered);
            if fresh {
                tasks.extend(self.page_object(&row).await?);
            }
        }
        Ok(tasks)
    }

    /// Points each synced reference at the page holding its original, reading an original's
    /// block only when no crawled page held it.
    pub(super) async fn resolve_synced(&self) -> anyhow::Result<()> {
        let references = std::mem::take(&mut self.ledger().references);
        let mut edges = Vec::new();
        for (page, original) in references {
            let known = self.ledger().originals.get(&original).cloned();
            let target = match known {
                Some(holder) => holder,
                None => self.holder_of(&original).await?,
            };
            if target != page {
                let link = Link {
                    kind: LinkKind::SyncedBlock,
                    target,
                    source: original,
                    truncated: false,
                };
                edges.push(self.edge(&page, &link, Origin::Content));
            }
        }
        let edges = Edge::keyed(edges);
        self.ledger().report.edges += edges.len() as u64;
        store::add_edges(&self.store, edges).await?;
        Ok(())
    }

    /// The page holding a block no crawled page held, by walking up its parents; the block's
    /// own id when it cannot be read.
    async fn holder_of(&self, block: &str) -> anyhow::Result<String> {
        let mut current = block.to_owned();
        for _ in 0..MAX_NESTING {
            match self.client.block(&current).await {
                Ok(Block {
                    parent: Some(Parent::Page(page)),
                    ..
                }) => return Ok(page),
                Ok(Block {
                    parent: Some(Parent::Block(parent)),
                    ..
                }) => current = parent,
                Ok(_) | Err(NotionError::NotFound(_)) => break,
                Err(other) => return Err(other.into()),
            }
        }
        Ok(block.to_owned())
    }
}

/// Deeper block nesting than Notion allows in practice.
const MAX_NESTING: usize = 16;

/// What a block leads to within its page: a synced original or reference (facts), or its
/// children to read. Child pages and databases are pages of their own.
fn nested(page: &str, block: &Block) -> Vec<Task> {
    let children = block.has_children.then(|| Task::Blocks {
        page: page.to_owned(),
        container: block.id.clone(),
    });
    match &block.kind {
        BlockKind::ChildPage { .. } | BlockKind::ChildDatabase { .. } => Vec::new(),
        BlockKind::SyncedBlock {
            synced_from: Some(original),
        } => vec![Task::SyncedReference {
            page: page.to_owned(),
            original: original.clone(),
        }],
        BlockKind::SyncedBlock { synced_from: None } => {
            let original = Task::SyncedOriginal {
                block: block.id.clone(),
                page: page.to_owned(),
            };
            std::iter::once(original).chain(children).collect()
        }
        _ => children.into_iter().collect(),
    }
}
