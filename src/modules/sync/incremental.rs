//! Incremental sync: re-read only what changed since the last sync.
//!
//! - Search, most recently edited first, stops at the watermark (`since`, which already
//!   includes an overlap: `last_edited_time` is rounded to the minute); a page is re-read when
//!   its time, trash state or parent differs from what is stored, or when its time falls
//!   inside the overlap window.
//! - A reconciliation (periodic: it costs a call per page search never returns) reads all of
//!   search, then checks every known page search did not return (hidden from search, or
//!   trashed, which search omits): that is how deletions and changes to hidden pages are found
//!   when no webhook reported them.
//! - Known data sources are queried for rows edited since the window opened.
//! - A page that moved, was trashed or restored, or is new, also has its old and new parent's
//!   content re-read, since that is where the child-page block appears or disappears.
//! - Links to pages never seen before lead to them, as in the full import.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::TryStreamExt;

use super::crawl::{ImportReport, Importer, Task};
use super::model::{Entity, EntityKind};
use super::store;
use crate::modules::notion::NotionError;
use crate::modules::notion::model::{Object, Page, Parent};

impl Importer {
    /// Brings the stored workspace up to date with what changed on or after `since`; with
    /// `reconcile`, also with what search does not show (deletions, hidden pages).
    pub async fn run_incremental(
        self: &Arc<Self>,
        since: DateTime<Utc>,
        reconcile: bool,
    ) -> anyhow::Result<ImportReport> {
        let mut stored = Vec::new();
        store::for_each_entity(&self.store, &self.connection, |e| stored.push(e)).await?;
        // Only the kinds stay here; the entities move to the ledger, where `changed` reads
        // them. Everything stored counts as seen: links to it lead nowhere new. (Unreadable
        // targets are not retried on every sync; a full import or a webhook finds them shared.)
        let kinds: HashMap<String, EntityKind> = stored
            .iter()
            .filter(|e| e.shared)
            .map(|e| (e.notion_id.clone(), e.kind))
            .collect();
        self.ledger().begin_incremental(stored);
        let (mut tasks, searched) = self.search_changes(since, reconcile).await?;
        for (id, kind) in &kinds {
            match kind {
                EntityKind::Page | EntityKind::Row if reconcile && !searched.contains(id) => {
                    tasks.extend(self.claim_again(id).then(|| Task::Check(id.clone())))
                }
                EntityKind::DataSource => tasks.extend(self.rows_since(id, since).await?),
                _ => {}
            }
        }
        self.drain(tasks, None).await
    }

    /// Reads search, most recently edited first, down to `since` (all of it to reconcile):
    /// new and changed pages are read again. Returns what to do next and the ids seen.
    async fn search_changes(
        &self,
        since: DateTime<Utc>,
        reconcile: bool,
    ) -> anyhow::Result<(Vec<Task>, HashSet<String>)> {
        let mut tasks = Vec::new();
        let mut searched = HashSet::new();
        let mut results = self.client.search("", None);
        while let Some(object) = results.try_next().await? {
            if !reconcile && edited_before(&object, since) {
                break;
            }
            match object {
                Object::Page(page)
                    if searched.insert(page.id.clone()) && self.to_reread(&page, since) =>
                {
                    tasks.extend(self.reread(&page).await?)
                }
                Object::DataSource(source) if self.claim(&source.id) => {
                    tasks.extend(self.searched_source(source))
                }
                _ => {}
            }
        }
        Ok((tasks, searched))
    }

    /// Whether a page search or a query returned is to be read: it is new, or it differs
    /// from what is stored, or was edited inside the overlap window. Claims it.
    fn to_reread(&self, page: &Page, since: DateTime<Utc>) -> bool {
        let changed = (self.ledger().known.get(&page.id))
            .map(|stored| differs(stored, page) || edited_since(page, since));
        match changed {
            None => self.claim(&page.id),
            Some(changed) => changed && self.claim_again(&page.id),
        }
    }

    /// Re-reads a page, and the content of its old and new parents when it moved, was
    /// trashed or restored, or is new.
    async fn reread(&self, page: &Page) -> anyhow::Result<Vec<Task>> {
        let before = self.ledger().known.get(&page.id).cloned();
        let mut tasks = self.page_object(page).await?;
        let placement_changed = before
            .as_ref()
            .is_none_or(|b| b.parent != parent_of(page) || b.in_trash != page.in_trash);
        if placement_changed {
            for parent in [before.and_then(|b| b.parent), parent_of(page)] {
                tasks.extend(self.parent_content(parent).await?);
            }
        }
        Ok(tasks)
    }

    /// Whether `id` is a stored page or row: only those have content holding child-page
    /// blocks (a database's rows belong to it through their own properties).
    async fn is_page(&self, id: &str) -> anyhow::Result<bool> {
        let known = self.ledger().known.get(id).map(|e| e.kind);
        let kind = match known {
            Some(kind) => Some(kind),
            None => store::entities(&self.store)
                .get(&store::entity_id(&self.connection, id))
                .await?
                .map(|r| r.value.kind),
        };
        Ok(matches!(kind, Some(EntityKind::Page | EntityKind::Row)))
    }

    /// A known page search did not return: read it again; re-read it if it changed.
    pub(super) async fn check(&self, id: &str) -> anyhow::Result<Vec<Task>> {
        match self.client.page(id).await {
            Ok(page) => {
                let changed = self
                    .ledger()
                    .known
                    .get(id)
                    .is_none_or(|s| differs(s, &page));
                if changed {
                    return self.reread(&page).await;
                }
                self.fetched(id);
                Ok(Vec::new())
            }
            Err(NotionError::NotFound(_)) => self.unshared(id, EntityKind::Unknown).await,
            Err(other) => Err(other.into()),
        }
    }

    /// Re-reads the pages webhooks named, and whatever their reads lead to. Events carry ids
    /// only and may arrive late, merged or out of order, so each page is read as it is now:
    /// any order of re-reads ends in the same state. With a `cap` (the plan's pages per
    /// workspace), what is stored is read again, and new entities only while there is room.
    pub async fn run_refresh(
        self: &Arc<Self>,
        pages: Vec<String>,
        databases: Vec<String>,
        cap: Option<u64>,
    ) -> anyhow::Result<ImportReport> {
        let held = match cap {
            Some(_) => store::count_entities(&self.store, &self.connection).await?,
            None => 0,
        };
        self.ledger().begin_refresh(cap, held);
        let mut tasks = Vec::with_capacity(pages.len() + databases.len());
        for (id, database) in pages
            .into_iter()
            .map(|id| (id, false))
            .chain(databases.into_iter().map(|id| (id, true)))
        {
            if !self.claim_named(&id).await? {
                continue;
            }
            tasks.push(if database {
                Task::Database(id)
            } else {
                Task::Refresh(id)
            });
        }
        self.drain(tasks, None).await
    }

    /// Claims an entity a webhook named: again when it is stored, as new (within the cap)
    /// when it is not.
    async fn claim_named(&self, id: &str) -> anyhow::Result<bool> {
        let key = store::entity_id(&self.connection, id);
        let stored = store::entities(&self.store).get(&key).await?.is_some();
        Ok(if stored {
            self.claim_again(id)
        } else {
            self.claim(id)
        })
    }

    /// A page a webhook named: read it; a stored page that moved, was trashed or restored, or
    /// is new also has its parents' content re-read.
    pub(super) async fn refresh(&self, id: &str) -> anyhow::Result<Vec<Task>> {
        let key = store::entity_id(&self.connection, id);
        if let Some(stored) = store::entities(&self.store).get(&key).await? {
            self.ledger().known.insert(id.to_owned(), stored.value);
        }
        match self.client.page(id).await {
            Ok(page) => {
                let mut tasks = self.reread(&page).await?;
                // The event may be a creation another re-read already stored the page for:
                // its parent's child-page block is read either way.
                tasks.extend(self.parent_content(parent_of(&page)).await?);
                Ok(tasks)
            }
            Err(NotionError::NotFound(_)) => self.unshared(id, EntityKind::Unknown).await,
            Err(other) => Err(other.into()),
        }
    }

    /// A re-read of `parent`'s content, once per run, when it is a page.
    async fn parent_content(&self, parent: Option<String>) -> anyhow::Result<Option<Task>> {
        let Some(parent) = parent else {
            return Ok(None);
        };
        if !self.is_page(&parent).await? {
            return Ok(None);
        }
        Ok(self.content_task(&parent))
    }

    /// Rows of a data source edited on or after `since` that are new or changed and have not
    /// been read this sync.
    async fn rows_since(&self, source: &str, since: DateTime<Utc>) -> anyhow::Result<Vec<Task>> {
        let mut tasks = Vec::new();
        let from = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut rows = self.client.query_data_source(source, Some(&from));
        loop {
            match rows.try_next().await {
                Ok(Some(row)) if self.to_reread(&row, since) => {
                    tasks.extend(self.reread(&row).await?)
                }
                Ok(Some(_)) => {}
                Ok(None) => return Ok(tasks),
                // The data source is gone or no longer shared; its rows are checked one by one.
                Err(NotionError::NotFound(_)) => return Ok(tasks),
                Err(other) => return Err(other.into()),
            }
        }
    }
}

/// Whether a page differs from what is stored in what a sync compares.
fn differs(stored: &Entity, page: &Page) -> bool {
    stored.last_edited_time != page.last_edited_time
        || stored.in_trash != page.in_trash
        || stored.parent != parent_of(page)
}

/// Whether a page's edit time falls on or after `since` (or is unknown).
fn edited_since(page: &Page, since: DateTime<Utc>) -> bool {
    page.last_edited_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_none_or(|t| t >= since)
}

/// Whether a search result was last edited before `since`: search is sorted by that time, so
/// nothing after it changed either.
fn edited_before(object: &Object, since: DateTime<Utc>) -> bool {
    let edited = match object {
        Object::Page(page) => page.last_edited_time.as_deref(),
        Object::DataSource(source) => source.info.last_edited_time.as_deref(),
        _ => None,
    };
    edited
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t < since)
}

/// Where a page hangs, as stored: the page, block or database (for rows) above it.
pub(super) fn parent_of(page: &Page) -> Option<String> {
    match &page.parent {
        Some(Parent::DataSource {
            database_id,
            data_source_id,
        }) => database_id.clone().or_else(|| Some(data_source_id.clone())),
        Some(Parent::Page(id) | Parent::Database(id) | Parent::Block(id)) => Some(id.clone()),
        _ => None,
    }
}
