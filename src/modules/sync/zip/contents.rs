//! What a zip import keeps of its pages' content, for exports: a workspace from a zip has no
//! Notion to read blocks from, so the import stores each kept page's content (see
//! [`super::content`]) in its own collection, one document per page, beside the entities.
//! The zip is read a second time for it, once the page limit has said which pages stay, and
//! the documents are written a batch at a time, so memory holds one batch, not the zip.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{archive, content, html, names, parse, tree};
use crate::modules::sync::service::SyncError;
use crate::modules::sync::{EntityKind, store};
use crate::storage::{Collection, Index, Store, StoreResult, Typed};

pub static CONTENTS: Collection = Collection {
    name: "zip_page_contents",
    indexes: &[Index::on(&["connection", "notion_id"])],
    ttl_field: None,
    archived: false,
};

/// One page's (or database's) content, in the shape Notion's API gives it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageContent {
    pub connection: String,
    pub notion_id: String,
    pub content: Value,
}

fn contents(store: &Store) -> Typed<PageContent> {
    Typed::new(store.clone(), &CONTENTS)
}

/// Documents written per round trip: pages can be long, so fewer than entities.
const BATCH: usize = 200;

/// The content the import of `connection` stored for `notion_id`.
pub async fn get(store: &Store, connection: &str, notion_id: &str) -> StoreResult<Option<Value>> {
    let record = contents(store)
        .get(&store::entity_id(connection, notion_id))
        .await?;
    Ok(record.map(|r| r.value.content))
}

/// A kept page, row or database, as its content needs it.
struct Kept {
    kind: EntityKind,
    title: String,
    parent: Option<String>,
}

/// The pages of the workspace, to tell a page's children among its links.
struct Pages {
    kept: HashMap<String, Kept>,
}

/// `parent`'s view of the pages.
struct ChildrenOf<'a> {
    pages: &'a Pages,
    parent: &'a str,
}

impl content::Children for ChildrenOf<'_> {
    fn child(&self, id: &str) -> Option<EntityKind> {
        let kept = self.pages.kept.get(id)?;
        (kept.parent.as_deref() == Some(self.parent)).then_some(kept.kind)
    }
}

/// Stores the content of every readable page, row and database of `workspace` from the zip at
/// `path`, for `connection`.
pub async fn save(
    store: &Store,
    path: &Path,
    connection: &str,
    workspace: &tree::Workspace,
    expanded_bytes: u64,
) -> Result<(), SyncError> {
    let pages = Arc::new(Pages {
        kept: workspace
            .entities
            .iter()
            .filter(|e| e.shared && e.kind != EntityKind::Unknown)
            .map(|e| {
                let kept = Kept {
                    kind: e.kind,
                    title: e.title.clone(),
                    parent: e.parent.clone(),
                };
                (e.notion_id.clone(), kept)
            })
            .collect(),
    });
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(String, Value)>(BATCH);
    let (file, read) = (path.to_owned(), pages.clone());
    let walker = tokio::task::spawn_blocking(move || {
        let mut seen = HashSet::new();
        archive::walk(
            &file,
            archive::Limits::new(expanded_bytes),
            &mut |path, bytes| {
                let converted = page_content(&read, &path, &bytes);
                if let Some((id, content)) = converted.filter(|(id, _)| seen.insert(id.clone())) {
                    // The writer stops only on a store error, which the import reports itself.
                    let _ = sender.blocking_send((id, content));
                }
            },
        )
    });
    let databases = pages
        .kept
        .iter()
        .filter(|(_, kept)| kept.kind == EntityKind::Database)
        .map(|(id, kept)| (id.clone(), content::database(id, &kept.title)))
        .collect::<Vec<_>>();
    let mut batch = Vec::with_capacity(BATCH);
    let mut pending = databases.into_iter();
    loop {
        let next = match pending.next() {
            Some(database) => Some(database),
            None => receiver.recv().await,
        };
        let Some((id, content)) = next else { break };
        let document = PageContent {
            connection: connection.to_owned(),
            notion_id: id.clone(),
            content,
        };
        batch.push((store::entity_id(connection, &id), document));
        if batch.len() == BATCH {
            contents(store).bulk_upsert(&batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        contents(store).bulk_upsert(&batch).await?;
    }
    walker.await.map_err(anyhow::Error::from)??;
    Ok(())
}

/// The content of the page file `path` holds, if it is a kept page's or row's.
fn page_content(pages: &Pages, path: &[String], bytes: &[u8]) -> Option<(String, Value)> {
    let name = path.last()?;
    let lower = name.to_lowercase();
    let text = String::from_utf8_lossy(bytes);
    let (id, markdown) = if lower.ends_with(".md") {
        (names::parse(name).id?, text.into_owned())
    } else if lower.ends_with(".html") {
        let id = parse::own_id(&text).or(names::parse(name).id)?;
        (id, html::to_markdown(&text))
    } else {
        return None;
    };
    let kept = pages.kept.get(&id)?;
    if kept.kind == EntityKind::Database {
        return None;
    }
    let children = ChildrenOf { pages, parent: &id };
    let row = kept.kind == EntityKind::Row;
    let content = content::page(&id, &kept.title, &markdown, row, &children);
    Some((id, content))
}
