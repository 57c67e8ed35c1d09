//! The full import: seeded by search (which is incomplete by design), completed by traversal
//! of child pages and databases, data source rows, and every link, mention and relation
//! target. Each id is visited once; synced block originals are read once, and references point
//! at the original's page. Unreadable targets (404) are stored as unshared entities, so their
//! edges stay, dangling.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::stream::{FuturesUnordered, StreamExt, TryStreamExt};
use serde::Serialize;

use super::model::{Edge, Entity, EntityKind, Origin, fingerprint};
use super::store;
use crate::modules::notion::links::{self, Link, LinkKind};
use crate::modules::notion::model::{
    Block, BlockKind, DataSource, Database, Object, Page, Parent, PropertyValue, RichText,
};
use crate::modules::notion::{CallCounters, NotionClient, NotionError};
use crate::storage::Store;

/// Something to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Task {
    /// A page or row whose object we do not have yet.
    Page(String),
    /// A link target that may be a page or a database (Notion URLs and `link_to_page` name
    /// either).
    PageOrDatabase(String),
    /// The block tree of a page whose object has been stored.
    Content(String),
    Database(String),
    /// A data source and its database, whose rows are to be queried.
    DataSource {
        id: String,
        title: String,
        database: Option<String>,
    },
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub entities: u64,
    pub edges: u64,
    pub unshared: u64,
}

/// Live counters of a running import.
pub struct Progress {
    started: Instant,
    discovered: AtomicU64,
    fetched: AtomicU64,
    calls: Arc<CallCounters>,
}

/// A moment of an import, as reported to the user.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProgressSnapshot {
    pub discovered: u64,
    pub fetched: u64,
    pub remaining: u64,
    pub calls: u64,
    pub rate_limited: u64,
    pub retries: u64,
    pub elapsed_secs: u64,
    /// Seconds left at the pace so far, once there is a pace.
    pub eta_secs: Option<u64>,
}

impl Progress {
    pub fn snapshot(&self) -> ProgressSnapshot {
        let discovered = self.discovered.load(Ordering::Relaxed);
        let fetched = self.fetched.load(Ordering::Relaxed);
        let remaining = discovered.saturating_sub(fetched);
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta_secs = (fetched > 0).then(|| (remaining as f64 * elapsed / fetched as f64) as u64);
        ProgressSnapshot {
            discovered,
            fetched,
            remaining,
            calls: self.calls.calls.load(Ordering::Relaxed),
            rate_limited: self.calls.rate_limited.load(Ordering::Relaxed),
            retries: self.calls.retries.load(Ordering::Relaxed),
            elapsed_secs: elapsed as u64,
            eta_secs,
        }
    }
}

pub struct Importer {
    progress: Arc<Progress>,
    client: NotionClient,
    store: Store,
    connection: String,
    concurrency: usize,
    claimed: Mutex<HashSet<String>>,
    /// Synced original block → the page holding it.
    originals: Mutex<HashMap<String, String>>,
    /// (page holding a reference, original block) pairs not resolved yet.
    references: Mutex<Vec<(String, String)>>,
    report: Mutex<ImportReport>,
}

impl Importer {
    /// `concurrency` is how many reads may wait on the rate limiter at once: enough to keep
    /// the budget busy while responses are in flight.
    pub fn new(
        client: NotionClient,
        store: Store,
        connection: &str,
        concurrency: usize,
    ) -> Arc<Self> {
        let progress = Arc::new(Progress {
            started: Instant::now(),
            discovered: AtomicU64::new(0),
            fetched: AtomicU64::new(0),
            calls: client.counters(),
        });
        Arc::new(Self {
            progress,
            client,
            store,
            connection: connection.to_owned(),
            concurrency: concurrency.max(1),
            claimed: Mutex::default(),
            originals: Mutex::default(),
            references: Mutex::default(),
            report: Mutex::default(),
        })
    }

    /// True the first time an id is claimed: each entity is read once per import.
    fn claim(&self, id: &str) -> bool {
        let fresh = self
            .claimed
            .lock()
            .expect("claims poisoned")
            .insert(id.to_owned());
        if fresh {
            self.progress.discovered.fetch_add(1, Ordering::Relaxed);
        }
        fresh
    }

    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    fn fetched(&self) {
        self.progress.fetched.fetch_add(1, Ordering::Relaxed);
    }

    pub async fn run(self: &Arc<Self>) -> anyhow::Result<ImportReport> {
        let mut queue: VecDeque<Task> = self.seed().await?.into();
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < self.concurrency {
                let Some(task) = queue.pop_front() else { break };
                let this = self.clone();
                running.push(async move { this.visit(task).await });
            }
            match running.next().await {
                Some(found) => queue.extend(found?),
                None => break,
            }
        }
        self.resolve_synced().await?;
        Ok(self.report.lock().expect("report poisoned").clone())
    }

    /// Everything search returns: pages and rows are stored at once; their content, and data
    /// sources and their databases, are queued.
    async fn seed(self: &Arc<Self>) -> anyhow::Result<Vec<Task>> {
        let mut tasks = Vec::new();
        let mut results = self.client.search("", None);
        while let Some(object) = results.try_next().await? {
            match object {
                Object::Page(page) if self.claim(&page.id) => {
                    tasks.extend(self.page_object(&page).await?)
                }
                Object::DataSource(source) if self.claim(&source.id) => {
                    tasks.extend(self.searched_source(source))
                }
                _ => {}
            }
        }
        Ok(tasks)
    }

    fn searched_source(&self, source: DataSource) -> Vec<Task> {
        let database = match source.parent {
            Some(Parent::Database(id)) => Some(id),
            _ => None,
        };
        let mut tasks = vec![Task::DataSource {
            id: source.id,
            title: plain(&source.title),
            database: database.clone(),
        }];
        tasks.extend(database.filter(|d| self.claim(d)).map(Task::Database));
        tasks
    }

    async fn visit(&self, task: Task) -> anyhow::Result<Vec<Task>> {
        match task {
            Task::Page(id) => self.page(&id, false).await,
            Task::PageOrDatabase(id) => self.page(&id, true).await,
            Task::Content(id) => self.content(&id).await,
            Task::Database(id) => self.database(&id).await,
            Task::DataSource {
                id,
                title,
                database,
            } => self.data_source(&id, &title, database).await,
        }
    }

    async fn page(&self, id: &str, maybe_database: bool) -> anyhow::Result<Vec<Task>> {
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

    async fn unshared(&self, id: &str, kind: EntityKind) -> anyhow::Result<Vec<Task>> {
        let entity = Entity {
            connection: self.connection.clone(),
            notion_id: id.to_owned(),
            kind,
            title: String::new(),
            url: None,
            icon: None,
            parent: None,
            created_time: None,
            last_edited_time: None,
            in_trash: false,
            shared: false,
            fingerprint: String::new(),
        };
        store::save_entity(&self.store, &entity).await?;
        self.fetched();
        self.report.lock().expect("report poisoned").unshared += 1;
        Ok(Vec::new())
    }

    /// Stores a page or row and the edges of its properties; queues its content and targets.
    async fn page_object(&self, page: &Page) -> anyhow::Result<Vec<Task>> {
        let (kind, parent) = match &page.parent {
            Some(Parent::DataSource {
                database_id,
                data_source_id,
            }) => (
                EntityKind::Row,
                database_id.clone().or_else(|| Some(data_source_id.clone())),
            ),
            Some(Parent::Page(id) | Parent::Database(id) | Parent::Block(id)) => {
                (EntityKind::Page, Some(id.clone()))
            }
            _ => (EntityKind::Page, None),
        };
        let title = page.title();
        let edited = page.last_edited_time.clone().unwrap_or_default();
        let entity = Entity {
            connection: self.connection.clone(),
            notion_id: page.id.clone(),
            kind,
            fingerprint: fingerprint(&[
                &title,
                parent.as_deref().unwrap_or(""),
                &edited,
                &page.in_trash.to_string(),
            ]),
            title,
            url: page.url.clone(),
            icon: page.icon.clone(),
            parent,
            created_time: page.created_time.clone(),
            last_edited_time: page.last_edited_time.clone(),
            in_trash: page.in_trash,
            shared: true,
        };
        store::save_entity(&self.store, &entity).await?;
        self.fetched();
        self.report.lock().expect("report poisoned").entities += 1;
        let mut found = self.property_links(page).await?;
        // A trashed row has left its database.
        found.retain(|l| !(page.in_trash && l.kind == LinkKind::DataSourceRow));
        let mut tasks = self.targets(&found);
        let edges = found
            .iter()
            .map(|l| self.edge(&page.id, l, Origin::Properties))
            .collect();
        self.write_edges(&page.id, Origin::Properties, edges)
            .await?;
        tasks.push(Task::Content(page.id.clone()));
        Ok(tasks)
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

    /// Reads a page's block tree, one level per call, and stores the links in it.
    async fn content(&self, page: &str) -> anyhow::Result<Vec<Task>> {
        let mut found = Vec::new();
        let mut containers = vec![page.to_owned()];
        while let Some(container) = containers.pop() {
            let blocks: Vec<Block> =
                match self.client.block_children(&container).try_collect().await {
                    Ok(blocks) => blocks,
                    Err(NotionError::NotFound(_)) => continue,
                    Err(other) => return Err(other.into()),
                };
            for block in blocks {
                found.extend(links::from_block(&block));
                match &block.kind {
                    BlockKind::ChildPage { .. } | BlockKind::ChildDatabase { .. } => {}
                    BlockKind::SyncedBlock {
                        synced_from: Some(original),
                    } => {
                        self.references
                            .lock()
                            .expect("poisoned")
                            .push((page.to_owned(), original.clone()));
                    }
                    kind => {
                        if matches!(kind, BlockKind::SyncedBlock { synced_from: None }) {
                            self.originals
                                .lock()
                                .expect("poisoned")
                                .insert(block.id.clone(), page.to_owned());
                        }
                        if block.has_children {
                            containers.push(block.id.clone());
                        }
                    }
                }
            }
        }
        found.retain(|l| l.kind != LinkKind::SyncedBlock);
        let tasks = self.targets(&found);
        let edges = found
            .iter()
            .map(|l| self.edge(page, l, Origin::Content))
            .collect();
        self.write_edges(page, Origin::Content, edges).await?;
        Ok(tasks)
    }

    async fn database(&self, id: &str) -> anyhow::Result<Vec<Task>> {
        match self.client.database(id).await {
            Ok(database) => self.database_object(database).await,
            Err(NotionError::NotFound(_)) => self.unshared(id, EntityKind::Database).await,
            Err(other) => Err(other.into()),
        }
    }

    /// Stores a database; queues its data sources.
    async fn database_object(&self, database: Database) -> anyhow::Result<Vec<Task>> {
        let parent = match &database.parent {
            Some(Parent::Page(p) | Parent::Block(p)) => Some(p.clone()),
            _ => None,
        };
        let title = plain(&database.title);
        let edited = database.last_edited_time.clone().unwrap_or_default();
        let in_trash = database.archived || database.in_trash;
        let entity = Entity {
            connection: self.connection.clone(),
            notion_id: database.id.clone(),
            kind: EntityKind::Database,
            fingerprint: fingerprint(&[
                &title,
                parent.as_deref().unwrap_or(""),
                &edited,
                &in_trash.to_string(),
            ]),
            title,
            url: database.url.clone(),
            icon: None,
            parent,
            created_time: database.created_time.clone(),
            last_edited_time: database.last_edited_time.clone(),
            in_trash,
            shared: true,
        };
        store::save_entity(&self.store, &entity).await?;
        self.fetched();
        self.report.lock().expect("report poisoned").entities += 1;
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

    async fn data_source(
        &self,
        id: &str,
        title: &str,
        database: Option<String>,
    ) -> anyhow::Result<Vec<Task>> {
        let entity = Entity {
            connection: self.connection.clone(),
            notion_id: id.to_owned(),
            kind: EntityKind::DataSource,
            title: title.to_owned(),
            url: None,
            icon: None,
            fingerprint: fingerprint(&[title, database.as_deref().unwrap_or("")]),
            parent: database,
            created_time: None,
            last_edited_time: None,
            in_trash: false,
            shared: true,
        };
        store::save_entity(&self.store, &entity).await?;
        self.fetched();
        self.report.lock().expect("report poisoned").entities += 1;
        let mut tasks = Vec::new();
        let mut rows = self.client.query_data_source(id, None);
        while let Some(row) = rows.try_next().await? {
            if self.claim(&row.id) {
                tasks.extend(self.page_object(&row).await?);
            }
        }
        Ok(tasks)
    }

    /// Link targets not read yet.
    fn targets(&self, found: &[Link]) -> Vec<Task> {
        found
            .iter()
            .filter_map(|link| match link.kind {
                LinkKind::SyncedBlock => None,
                LinkKind::DatabaseMention | LinkKind::ChildDatabase | LinkKind::DataSourceRow => {
                    self.claim(&link.target)
                        .then(|| Task::Database(link.target.clone()))
                }
                LinkKind::NotionUrl | LinkKind::LinkToPage => self
                    .claim(&link.target)
                    .then(|| Task::PageOrDatabase(link.target.clone())),
                LinkKind::PageMention | LinkKind::ChildPage | LinkKind::Relation => self
                    .claim(&link.target)
                    .then(|| Task::Page(link.target.clone())),
            })
            .collect()
    }

    fn edge(&self, owner: &str, link: &Link, origin: Origin) -> Edge {
        let (source, target) = match link.kind {
            // Membership points from the database to the row.
            LinkKind::DataSourceRow => (link.target.clone(), owner.to_owned()),
            _ => (owner.to_owned(), link.target.clone()),
        };
        let kind = serde_json::to_value(link.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Edge {
            connection: self.connection.clone(),
            owner: owner.to_owned(),
            source,
            target,
            kind,
            provenance: link.source.clone(),
            origin,
        }
    }

    async fn write_edges(
        &self,
        owner: &str,
        origin: Origin,
        mut edges: Vec<Edge>,
    ) -> anyhow::Result<()> {
        edges.retain(|e| e.source != e.target);
        edges.sort_by_key(Edge::key);
        edges.dedup_by_key(|e| e.key());
        self.report.lock().expect("report poisoned").edges += edges.len() as u64;
        store::replace_edges(&self.store, &self.connection, owner, origin, edges).await?;
        Ok(())
    }

    /// Points each synced reference at the page holding its original, reading an original's
    /// block only when no crawled page held it.
    async fn resolve_synced(&self) -> anyhow::Result<()> {
        let references = std::mem::take(&mut *self.references.lock().expect("poisoned"));
        let mut edges = Vec::new();
        for (page, original) in references {
            let known = self
                .originals
                .lock()
                .expect("poisoned")
                .get(&original)
                .cloned();
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
        self.report.lock().expect("report poisoned").edges += edges.len() as u64;
        store::add_edges(&self.store, edges).await?;
        Ok(())
    }
}

impl Importer {
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

fn plain(text: &[RichText]) -> String {
    text.iter().map(|t| t.plain_text.as_str()).collect()
}
