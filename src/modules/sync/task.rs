//! What the importer does, one call (or one paginated list) at a time, and the frontier of
//! tasks still to run.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::crawl::Importer;

/// Something to read, or (the last two) a fact a read found that the end of the import needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "task", content = "of", rename_all = "snake_case")]
pub enum Task {
    /// A page or row whose object we do not have yet.
    Page(String),
    /// A link target that may be a page or a database (Notion URLs and `link_to_page` name
    /// either).
    PageOrDatabase(String),
    /// A child page known from its `child_page` block. Search may return its page object;
    /// if not, the block says enough (all but the icon) without a call.
    ChildPage {
        id: String,
        title: String,
        parent: String,
        created_time: Option<String>,
        last_edited_time: Option<String>,
        in_trash: bool,
    },
    /// The block tree of a page whose object has been stored: its top level.
    Content(String),
    /// A nested container of a page's block tree.
    Blocks {
        page: String,
        container: String,
    },
    Database(String),
    /// A known page that search did not return: re-read it if it changed.
    Check(String),
    /// A page a webhook named: re-read it, and its old and new parents' content.
    Refresh(String),
    /// A data source and its database, whose rows are to be queried.
    DataSource {
        id: String,
        title: String,
        database: Option<String>,
    },
    /// A synced original block and the page holding it.
    SyncedOriginal {
        block: String,
        page: String,
    },
    /// A page holding a reference to a synced original.
    SyncedReference {
        page: String,
        original: String,
    },
    /// A waiting read that something else answered: done without a call.
    Answered(Box<Task>),
}

impl Task {
    /// Unique per task within a run: its variant and ids.
    pub fn key(&self) -> String {
        match self {
            Task::Page(id) => format!("page:{id}"),
            Task::PageOrDatabase(id) => format!("page_or_database:{id}"),
            Task::ChildPage { id, .. } => format!("child_page:{id}"),
            Task::Content(id) => format!("content:{id}"),
            Task::Blocks { container, .. } => format!("blocks:{container}"),
            Task::Database(id) => format!("database:{id}"),
            Task::Check(id) => format!("check:{id}"),
            Task::Refresh(id) => format!("refresh:{id}"),
            Task::DataSource { id, .. } => format!("data_source:{id}"),
            Task::SyncedOriginal { block, .. } => format!("synced_original:{block}"),
            Task::SyncedReference { page, original } => {
                format!("synced_reference:{page}:{original}")
            }
            Task::Answered(read) => format!("answered:{}", read.key()),
        }
    }

    /// Facts are remembered, not run.
    pub fn is_fact(&self) -> bool {
        matches!(
            self,
            Task::SyncedOriginal { .. } | Task::SyncedReference { .. } | Task::Answered(_)
        )
    }

    /// Whether the task reads an entity (one discovered, to be counted as fetched), rather
    /// than a page's content or a fact.
    pub(super) fn reads_entity(&self) -> bool {
        matches!(
            self,
            Task::Page(_)
                | Task::PageOrDatabase(_)
                | Task::ChildPage { .. }
                | Task::Database(_)
                | Task::Check(_)
                | Task::Refresh(_)
                | Task::DataSource { .. }
        )
    }

    /// The entity a recorded task shows was stored: a finished read's, or the page whose
    /// content was queued (only once the page was stored; search stores pages without a task).
    pub(super) fn shows_stored(&self, done: bool) -> Option<&str> {
        match self {
            Task::Content(page) => Some(page),
            _ if done && self.reads_entity() => self.claimed_id(),
            _ => None,
        }
    }

    /// The entity a recorded task shows was claimed (a page's content implies its page).
    pub(super) fn claimed_id(&self) -> Option<&str> {
        match self {
            Task::Page(id)
            | Task::PageOrDatabase(id)
            | Task::ChildPage { id, .. }
            | Task::Content(id)
            | Task::Database(id)
            | Task::Check(id)
            | Task::DataSource { id, .. } => Some(id),
            Task::Blocks { .. }
            | Task::Refresh(_)
            | Task::SyncedOriginal { .. }
            | Task::SyncedReference { .. }
            | Task::Answered(_) => None,
        }
    }
}

/// The tasks to run. Reads of link targets (a page or database by id, one call that the bound
/// on calls does not count) wait until nothing else is ready: by then search, data source
/// queries or a parent's `child_page` block may have brought the page for free. While search
/// is still seeding, child pages wait too (search's copy of a page has its icon). Everything
/// else runs at once, so the budget is used from the start.
pub(super) struct Frontier {
    ready: VecDeque<Task>,
    /// Ids of waiting tasks, oldest first; the tasks are in the importer's `awaiting` map,
    /// where whoever brings the page takes them out.
    held: VecDeque<String>,
    seeding: bool,
}

impl Frontier {
    pub(super) fn new(seeding: bool) -> Self {
        Self {
            ready: VecDeque::new(),
            held: VecDeque::new(),
            seeding,
        }
    }

    pub(super) fn extend(&mut self, importer: &Importer, tasks: Vec<Task>) {
        for task in tasks {
            let waits = match &task {
                Task::Page(id) | Task::PageOrDatabase(id) => Some(id.clone()),
                Task::ChildPage { id, .. } if self.seeding => Some(id.clone()),
                _ => None,
            };
            match waits {
                Some(id) => {
                    self.held.push_back(id.clone());
                    importer.ledger().awaiting.insert(id, task);
                }
                None => self.ready.push_back(task),
            }
        }
    }

    /// Search is complete: held child pages it did not return are stored from their blocks.
    pub(super) fn seeded(&mut self, importer: &Importer) {
        self.seeding = false;
        let mut ledger = importer.ledger();
        let awaiting = &mut ledger.awaiting;
        self.held.retain(|id| match awaiting.get(id) {
            Some(Task::ChildPage { .. }) => {
                self.ready.extend(awaiting.remove(id));
                false
            }
            Some(_) => true,
            None => false,
        });
    }

    /// The next task: a ready one, else (once search is done) the oldest waiting read that
    /// nothing has answered.
    pub(super) fn next(&mut self, importer: &Importer) -> Option<Task> {
        if let Some(task) = self.ready.pop_front() {
            return Some(task);
        }
        if self.seeding {
            return None;
        }
        let mut ledger = importer.ledger();
        while let Some(id) = self.held.pop_front() {
            if let Some(task) = ledger.awaiting.remove(&id) {
                return Some(task);
            }
        }
        None
    }
}
