//! The full import: seeded by search (which is incomplete by design), completed by traversal
//! of child pages and databases, data source rows, and every link, mention and relation
//! target. Each id is visited once; synced block originals are read once, and references point
//! at the original's page. Unreadable targets (404) are stored as unshared entities, so their
//! edges stay, dangling. Trashed pages are treated one way however they are reached: stored,
//! flagged, with no links of their own (search never returns them, so only links lead to them,
//! and a page's links are its own business only while it lives).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::try_join_all;
use futures::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};

use super::ledger::{Ledger, Mode};
use super::model::{Edge, Origin};
use super::progress::{Phase, Progress};
use super::run::Checkpoint;
use super::store;
use super::task::Frontier;
pub use super::task::Task;
use crate::modules::notion::links::{Link, LinkKind};
use crate::modules::notion::model::{DataSource, Object, Parent, RichText};
use crate::modules::notion::{NotionClient, NotionError};
use crate::storage::Store;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub entities: u64,
    /// After a full import, the links the workspace holds (what `workspaces` lists); after
    /// an incremental sync or a re-read, the links written.
    pub edges: u64,
    pub unshared: u64,
    /// The plan's pages per workspace, when the run stopped there: what it reached is stored
    /// (a partial graph), the rest is left until the limit is lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_limit: Option<u64>,
}

impl ImportReport {
    /// Whether the run wrote any entity or edge (what it wrote may equal what was stored).
    pub fn stored_anything(&self) -> bool {
        self.entities + self.edges + self.unshared > 0
    }
}

pub struct Importer {
    pub(super) progress: Arc<Progress>,
    pub(super) client: NotionClient,
    pub(super) store: Store,
    pub(super) connection: String,
    concurrency: usize,
    /// Where a full import keeps its frontier, when it is to survive a crash.
    checkpoint: Option<Checkpoint>,
    /// What the run's tasks share.
    ledger: Mutex<Ledger>,
    /// Time tasks spend storing what they read, and how many tasks finished.
    storing_micros: AtomicU64,
    tasks_done: AtomicU64,
}

/// What finished in the crawl loop.
enum Step {
    /// The tasks a finished task led to, recorded.
    Visited(anyhow::Result<Vec<Task>>),
    /// One page of search results and the cursor of the next.
    Searched(anyhow::Result<(Vec<Task>, Option<String>)>),
}

impl Importer {
    /// `concurrency` is the most tasks ever under way at once; within it, the importer keeps
    /// as many as the rate and the measured task time call for.
    pub fn new(
        client: NotionClient,
        store: Store,
        connection: &str,
        concurrency: usize,
    ) -> Arc<Self> {
        Arc::new(Self::build(client, store, connection, concurrency, None))
    }

    /// An importer whose full import records its frontier in `checkpoint` and resumes from it.
    /// `first` says nothing was imported for the connection before: there are no earlier
    /// edges to replace, which saves a query per page.
    pub fn resumable(
        client: NotionClient,
        store: Store,
        connection: &str,
        concurrency: usize,
        checkpoint: Checkpoint,
        first: bool,
    ) -> Arc<Self> {
        let mut importer = Self::build(client, store, connection, concurrency, Some(checkpoint));
        importer.ledger = Mutex::new(Ledger::new(Mode::Full { first }));
        Arc::new(importer)
    }

    fn build(
        client: NotionClient,
        store: Store,
        connection: &str,
        concurrency: usize,
        checkpoint: Option<Checkpoint>,
    ) -> Self {
        let progress = Arc::new(Progress::new(client.counters()));
        Self {
            progress,
            client,
            store,
            connection: connection.to_owned(),
            concurrency: concurrency.max(1),
            checkpoint,
            ledger: Mutex::new(Ledger::new(Mode::Full { first: false })),
            storing_micros: AtomicU64::new(0),
            tasks_done: AtomicU64::new(0),
        }
    }

    pub(super) fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().expect("crawl ledger poisoned")
    }

    /// True the first time an entity not stored before is met: it is read once per run, and
    /// counts as discovered.
    pub(super) fn claim(&self, id: &str) -> bool {
        let fresh = self.ledger().claim(id);
        self.discovered(fresh)
    }

    /// True the first time this run decides to read a stored entity again.
    pub(super) fn claim_again(&self, id: &str) -> bool {
        let fresh = self.ledger().claim_again(id);
        self.discovered(fresh)
    }

    fn discovered(&self, fresh: bool) -> bool {
        if fresh {
            self.progress.discovered.fetch_add(1, Ordering::Relaxed);
        }
        fresh
    }

    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Holds the connection to at most `cap` entities (the plan's pages per workspace).
    pub fn limit_entities(&self, cap: u64) {
        self.ledger().cap = Some(cap);
    }

    /// A discovered entity has been read (stored, found unreadable, or found unchanged):
    /// counted the first time, so that a read done again (in flight when an interrupted run
    /// stopped) counts once.
    pub(super) fn fetched(&self, id: &str) {
        if self.ledger().fetched(id) {
            self.progress.fetched.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The full import: search seeds the crawl while traversal already runs. With a
    /// checkpoint, it continues from what an interrupted run recorded.
    pub async fn run(self: &Arc<Self>) -> anyhow::Result<ImportReport> {
        let (pending, search_from) = match &self.checkpoint {
            Some(checkpoint) => self.restore(checkpoint).await?,
            None => (Vec::new(), Some(None)),
        };
        let mut report = self.drain(pending, search_from).await?;
        // What the workspace holds: a link written twice (from two containers of one page) is
        // stored once, and a resumed import wrote only the rest.
        report.edges = store::count_edges(&self.store, &self.connection).await?;
        Ok(report)
    }

    /// Claims everything an interrupted run recorded, and counts what it stored as fetched;
    /// returns its unfinished tasks and where its search stood.
    async fn restore(
        &self,
        checkpoint: &Checkpoint,
    ) -> anyhow::Result<(Vec<Task>, Option<Option<String>>)> {
        let mut pending = Vec::new();
        for (task, done) in checkpoint.restore().await? {
            if let Some(id) = task.claimed_id() {
                self.claim(id);
            }
            if let Task::Content(page) = &task {
                self.ledger().claim_content(page);
            }
            if let Some(id) = task.shows_stored(done) {
                self.fetched(id);
            }
            let finished = done && !task.is_fact();
            if !finished && !self.remember(&task) {
                pending.push(task);
            }
        }
        Ok((pending, checkpoint.search_from().await?))
    }

    /// Keeps a fact for the end of the import; false for a task to run.
    fn remember(&self, task: &Task) -> bool {
        match task {
            Task::SyncedOriginal { block, page } => {
                let mut ledger = self.ledger();
                ledger.originals.insert(block.clone(), page.clone());
                true
            }
            Task::SyncedReference { page, original } => {
                let mut ledger = self.ledger();
                ledger.references.push((page.clone(), original.clone()));
                true
            }
            // Only the checkpoint needs it.
            Task::Answered(_) => true,
            _ => false,
        }
    }

    /// Runs tasks, and the tasks they lead to, with up to `concurrency` in flight, while
    /// search (from `search_from`, when given) keeps adding seeds; then resolves synced
    /// references.
    pub(super) async fn drain(
        self: &Arc<Self>,
        seeds: Vec<Task>,
        search_from: Option<Option<String>>,
    ) -> anyhow::Result<ImportReport> {
        let mut queue = Frontier::new(search_from.is_some());
        queue.extend(self, seeds);
        let mut running = FuturesUnordered::new();
        match search_from {
            Some(cursor) => running.push(self.clone().search_step(cursor).boxed()),
            None => self.progress.enter(Phase::Reading),
        }
        loop {
            while running.len() < self.in_flight_target() {
                let Some(task) = queue.next(self) else { break };
                let this = self.clone();
                running.push(
                    async move {
                        let found = match this.visit(task.clone()).await {
                            Ok(found) => this.finished(Some(&task), found).await,
                            Err(error) => Err(error),
                        };
                        Step::Visited(found)
                    }
                    .boxed(),
                );
            }
            // Nothing but polling here: a future parked mid-write holds a store connection,
            // so a write awaited in this loop could wait on them forever.
            match running.next().await {
                None => break,
                Some(Step::Visited(found)) => queue.extend(self, found?),
                Some(Step::Searched(page)) => {
                    let (found, next) = page?;
                    queue.extend(self, found);
                    match next {
                        Some(next) => running.push(self.clone().search_step(Some(next)).boxed()),
                        None => {
                            queue.seeded(self);
                            self.progress.enter(Phase::Reading);
                        }
                    }
                }
            }
        }
        self.progress.enter(Phase::Finishing);
        self.resolve_synced().await?;
        let ledger = self.ledger();
        let mut report = ledger.report.clone();
        report.page_limit = ledger.cap.filter(|_| ledger.capped);
        Ok(report)
    }

    /// How many tasks to keep under way: by Little's law, enough to cover the rate for as
    /// long as a task takes (one exchange with Notion plus storing its results), twice over.
    /// More would only queue at the rate limiter or the store, and every task whose results
    /// are not yet recorded is work an interrupted import does again.
    fn in_flight_target(&self) -> usize {
        let done = self.tasks_done.load(Ordering::Relaxed);
        let Some(latency) = self.progress.calls.mean_latency().filter(|_| done > 0) else {
            return self.concurrency.min(16);
        };
        let storing = Duration::from_micros(self.storing_micros.load(Ordering::Relaxed) / done);
        let per_task = (latency + storing).as_secs_f64();
        let target = (self.client.rate() * per_task * 2.0).ceil() as usize + 2;
        target.clamp(2, self.concurrency)
    }

    /// Adds the time a task spent storing.
    pub(super) fn stored_for(&self, started: Instant) {
        let micros = started.elapsed().as_micros() as u64;
        self.storing_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// A page search, a data source or a parent block has just brought that a link also led
    /// to: that copy is used, and the waiting read (returned, to be marked done) is dropped.
    pub(super) fn arrived(&self, id: &str) -> Option<Task> {
        let waiting = self.ledger().awaiting.remove(id)?;
        Some(Task::Answered(Box::new(waiting)))
    }

    /// Records a finished task's results (with a checkpoint) and keeps its facts; returns the
    /// tasks to run.
    async fn finished(&self, task: Option<&Task>, found: Vec<Task>) -> anyhow::Result<Vec<Task>> {
        let started = Instant::now();
        if let Some(checkpoint) = &self.checkpoint {
            checkpoint.record(task, &found).await?;
        }
        self.stored_for(started);
        self.tasks_done.fetch_add(1, Ordering::Relaxed);
        let found = found.into_iter().filter(|t| !self.remember(t)).collect();
        if self.ledger().mode == Mode::Refresh {
            return self.not_stored(found).await;
        }
        Ok(found)
    }

    /// Drops reads of entities already stored: a targeted re-read follows links only to what
    /// it has never seen (the rest is current, or has its own webhook event coming).
    async fn not_stored(&self, found: Vec<Task>) -> anyhow::Result<Vec<Task>> {
        let entities = store::entities(&self.store);
        let mut kept = Vec::with_capacity(found.len());
        for task in found {
            let stored = match task.claimed_id().filter(|_| task.reads_entity()) {
                Some(id) => entities
                    .get(&store::entity_id(&self.connection, id))
                    .await?
                    .is_some(),
                None => false,
            };
            if !stored {
                kept.push(task);
            }
        }
        Ok(kept)
    }

    /// One page of search results: pages and rows are stored at once; their content, and
    /// data sources and their databases, become tasks. A cursor Notion no longer accepts (a
    /// resumed run's) restarts the search; claims skip what was already seen.
    async fn search_step(self: Arc<Self>, cursor: Option<String>) -> Step {
        let page = match self.client.search_page(cursor.as_deref()).await {
            Err(NotionError::InvalidCursor) if cursor.is_some() => {
                self.client.search_page(None).await
            }
            other => other,
        };
        let result = async {
            let (objects, next) = page?;
            let mut pages = Vec::new();
            let mut tasks = Vec::new();
            for object in objects {
                match object {
                    Object::Page(page) if self.claim(&page.id) => pages.push(page),
                    Object::Page(page) => {
                        if let Some(answered) = self.arrived(&page.id) {
                            pages.push(page);
                            tasks.push(answered);
                        }
                    }
                    Object::DataSource(source) if self.claim(&source.id) => {
                        tasks.extend(self.searched_source(source))
                    }
                    _ => {}
                }
            }
            // Stored side by side: the next search page waits for these.
            let stored = try_join_all(pages.iter().map(|page| self.page_object(page))).await?;
            tasks.extend(stored.into_iter().flatten());
            let tasks = self.finished(None, tasks).await?;
            if let Some(checkpoint) = &self.checkpoint {
                checkpoint.seeded_to(next.as_deref()).await?;
            }
            Ok((tasks, next))
        };
        Step::Searched(result.await)
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
            Task::ChildPage { .. } => self.child_page(task).await,
            Task::Content(id) => self.content(&id).await,
            Task::Blocks { page, container } => self.blocks(&page, &container).await,
            Task::Check(id) => self.check(&id).await,
            Task::Refresh(id) => self.refresh(&id).await,
            Task::Database(id) => self.database(&id).await,
            Task::DataSource {
                id,
                title,
                database,
            } => self.data_source(&id, &title, database).await,
            Task::SyncedOriginal { .. } | Task::SyncedReference { .. } | Task::Answered(_) => {
                Ok(Vec::new())
            }
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
                // Claimed with what its block says (see `Task::ChildPage`).
                LinkKind::ChildPage => None,
                LinkKind::PageMention | LinkKind::Relation => self
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
        Edge {
            connection: self.connection.clone(),
            owner: owner.to_owned(),
            source,
            target,
            kind: link.kind,
            provenance: link.source.clone(),
            origin,
        }
    }

    /// The edges by key, without links of a page to itself, counted in the report.
    pub(super) fn keyed(&self, edges: impl IntoIterator<Item = Edge>) -> BTreeMap<String, Edge> {
        let edges = Edge::keyed(edges.into_iter().filter(|e| e.source != e.target));
        self.ledger().report.edges += edges.len() as u64;
        edges
    }

    /// Stores the edges `owner` produced from `origin`, in place of its earlier ones unless
    /// there are none to replace (a first import).
    pub(super) async fn write_edges(
        &self,
        owner: &str,
        origin: Origin,
        edges: Vec<Edge>,
    ) -> anyhow::Result<()> {
        let edges = self.keyed(edges);
        let started = Instant::now();
        if self.ledger().replaces() {
            store::replace_edges(&self.store, &self.connection, owner, origin, edges).await?;
        } else {
            store::add_edges(&self.store, edges).await?;
        }
        self.stored_for(started);
        Ok(())
    }
}

pub(super) fn plain(text: &[RichText]) -> String {
    text.iter().map(|t| t.plain_text.as_str()).collect()
}
