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

use super::model::{Edge, Origin};
use super::progress::Progress;
use super::store;
use crate::modules::notion::NotionClient;
use crate::modules::notion::links::{Link, LinkKind};
use crate::modules::notion::model::{DataSource, Object, Parent, RichText};
use crate::storage::Store;

/// Something to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Task {
    /// A page or row whose object we do not have yet.
    Page(String),
    /// A link target that may be a page or a database (Notion URLs and `link_to_page` name
    /// either).
    PageOrDatabase(String),
    /// The block tree of a page whose object has been stored.
    Content(String),
    Database(String),
    /// A known page that search did not return: re-read it if it changed.
    Check(String),
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

pub struct Importer {
    pub(super) progress: Arc<Progress>,
    pub(super) client: NotionClient,
    pub(super) store: Store,
    pub(super) connection: String,
    pub(super) concurrency: usize,
    pub(super) claimed: Mutex<HashSet<String>>,
    /// Synced original block → the page holding it.
    pub(super) originals: Mutex<HashMap<String, String>>,
    /// (page holding a reference, original block) pairs not resolved yet.
    pub(super) references: Mutex<Vec<(String, String)>>,
    pub(super) report: Mutex<ImportReport>,
    /// What an incremental sync found stored when it began (empty for a full import).
    pub(super) known: Mutex<HashMap<String, super::model::Entity>>,
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
            known: Mutex::default(),
        })
    }

    /// True the first time an id is claimed: each entity is read once per import.
    pub(super) fn claim(&self, id: &str) -> bool {
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

    pub(super) fn fetched(&self) {
        self.progress.fetched.fetch_add(1, Ordering::Relaxed);
    }

    /// The full import.
    pub async fn run(self: &Arc<Self>) -> anyhow::Result<ImportReport> {
        let seeds = self.seed().await?;
        self.drain(seeds).await
    }

    /// Reads tasks, and the tasks they lead to, with up to `concurrency` in flight; then
    /// resolves synced references.
    pub(super) async fn drain(self: &Arc<Self>, seeds: Vec<Task>) -> anyhow::Result<ImportReport> {
        let mut queue: VecDeque<Task> = seeds.into();
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

    pub(super) fn searched_source(&self, source: DataSource) -> Vec<Task> {
        let database = match source.info.parent {
            Some(Parent::Database(id)) => Some(id),
            _ => None,
        };
        let mut tasks = vec![Task::DataSource {
            id: source.id,
            title: plain(&source.info.title),
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
            Task::Check(id) => self.check(&id).await,
            Task::Database(id) => self.database(&id).await,
            Task::DataSource {
                id,
                title,
                database,
            } => self.data_source(&id, &title, database).await,
        }
    }

    /// Link targets not read yet.
    pub(super) fn targets(&self, found: &[Link]) -> Vec<Task> {
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

    pub(super) fn edge(&self, owner: &str, link: &Link, origin: Origin) -> Edge {
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

    pub(super) async fn write_edges(
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
}

pub(super) fn plain(text: &[RichText]) -> String {
    text.iter().map(|t| t.plain_text.as_str()).collect()
}
