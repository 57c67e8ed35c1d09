//! The raw Notion content of an exported entity: a page's object and block tree, a
//! database's object and data sources. Kept as `json/<id>.json`; a stored copy whose edit time
//! matches the import's is used as it is, so an unchanged page costs no call to Notion. Other
//! content comes from a [`Reader`]: Notion, or what a zip import stored.

use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::files;
use super::layout::{Node, NodeKind};
use crate::modules::notion::{NotionClient, NotionError};
use crate::modules::sync::service as sync;
use crate::state::AppState;

/// Where raw content is read from and written to.
pub struct Cache {
    /// Where this export keeps its copies (`OUT/json`, or a hidden folder when JSON is not
    /// one of the formats).
    pub dir: PathBuf,
    /// An earlier export's copies (the previous export of the workspace), read only.
    pub earlier: Option<PathBuf>,
}

/// Where content that has no fresh stored copy is read from.
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    /// Notion's API, through the workspace's connection.
    Notion(&'a NotionClient),
    /// What the import of a Notion export zip stored: such a workspace has no Notion to ask.
    Zip {
        state: &'a AppState,
        connection: &'a str,
    },
    /// Nowhere: the workspace's connection cannot read Notion.
    Unavailable,
}

/// Where a copy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Stored,
    Notion,
}

impl Cache {
    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// The stored content of `node`, if a copy exists and is as recent as the import says.
    pub fn fresh(&self, node: &Node) -> Option<Value> {
        let edited = node.entry.last_edited.as_deref()?;
        let file = format!("{}.json", node.entry.id);
        let dirs = std::iter::once(self.dir.as_path()).chain(self.earlier.as_deref());
        dirs.filter_map(|dir| read(&dir.join(&file)))
            .find(|content| content["object"]["last_edited_time"].as_str() == Some(edited))
    }

    /// The content of `node`: the stored copy when fresh, else read from `reader` and stored.
    pub async fn content(
        &self,
        node: &Node,
        reader: Reader<'_>,
    ) -> anyhow::Result<(Value, Source)> {
        if let Some(content) = self.fresh(node) {
            if !self.path(&node.entry.id).exists() {
                files::write_atomic(&self.path(&node.entry.id), &pretty(&content))?;
            }
            return Ok((content, Source::Stored));
        }
        let (content, source) = match reader {
            Reader::Notion(client) => (fetch(client, node).await?, Source::Notion),
            Reader::Zip { state, connection } => {
                let stored = sync::zip_content(state, connection, &node.entry.id).await?;
                let content = stored.ok_or_else(|| {
                    anyhow::anyhow!("the Notion export zip held no file with this page's content")
                })?;
                (content, Source::Stored)
            }
            Reader::Unavailable => {
                anyhow::bail!("the workspace has no Notion connection to read the content from")
            }
        };
        files::write_atomic(&self.path(&node.entry.id), &pretty(&content))?;
        Ok((content, source))
    }
}

fn read(path: &Path) -> Option<Value> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Pretty JSON with sorted keys (serde_json's maps are ordered), so that equal content is
/// equal bytes.
pub fn pretty(content: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(content).expect("JSON values serialize");
    bytes.push(b'\n');
    bytes
}

/// Reads `node`'s content from Notion.
async fn fetch(client: &NotionClient, node: &Node) -> Result<Value, NotionError> {
    let id = &node.entry.id;
    if node.entry.kind == NodeKind::Database {
        let database = without_request_id(client.database_json(id).await?);
        let mut sources = Vec::new();
        let refs = database["data_sources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for source in refs {
            if let Some(source_id) = source["id"].as_str() {
                sources.push(without_request_id(
                    client.data_source_json(source_id).await?,
                ));
            }
        }
        return Ok(json!({ "object": database, "data_sources": sources }));
    }
    let mut page = without_request_id(client.page_json(id).await?);
    complete_properties(client, id, &mut page).await?;
    let blocks = tree(client, id.clone()).await?;
    Ok(json!({ "object": page, "blocks": blocks }))
}

/// Replaces every relation, title and rich-text value that Notion cut at 25 entries (its
/// `has_more`) with the full list from the property endpoint.
async fn complete_properties(
    client: &NotionClient,
    id: &str,
    page: &mut Value,
) -> Result<(), NotionError> {
    let Some(properties) = page.get_mut("properties").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for property in properties.values_mut() {
        let kind = property["type"].as_str().unwrap_or_default().to_owned();
        if !matches!(kind.as_str(), "relation" | "title" | "rich_text") || !is_cut(property, &kind)
        {
            continue;
        }
        let Some(property_id) = property["id"].as_str().map(str::to_owned) else {
            continue;
        };
        let items: Vec<Value> = client
            .page_property_json(id, &property_id)
            .try_collect()
            .await?;
        let full: Vec<Value> = items.into_iter().map(|item| item[&kind].clone()).collect();
        property[&kind] = Value::Array(full);
        property["has_more"] = Value::Bool(false);
    }
    Ok(())
}

/// Notion says when it cut a relation, but cuts title and rich text at 25 mentions without a
/// word: a value holding that many may hold more.
fn is_cut(property: &Value, kind: &str) -> bool {
    if property["has_more"].as_bool() == Some(true) {
        return true;
    }
    let runs = property[kind]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    kind != "relation" && runs.iter().filter(|r| r["type"] == "mention").count() >= MENTION_CAP
}

/// How many mentions Notion returns in a title or rich-text value of a page object.
const MENTION_CAP: usize = 25;

/// A block's children, each with its own children in a `children` array; the content of a
/// child page or database is its own export, not this one's.
fn tree(client: &NotionClient, id: String) -> BoxFuture<'_, Result<Vec<Value>, NotionError>> {
    Box::pin(async move {
        let mut blocks: Vec<Value> = client.block_children_json(&id).try_collect().await?;
        for block in &mut blocks {
            let kind = block["type"].as_str().unwrap_or_default();
            let nested = block["has_children"].as_bool() == Some(true)
                && !matches!(kind, "child_page" | "child_database");
            if let (true, Some(child)) = (nested, block["id"].as_str()) {
                match tree(client, child.to_owned()).await {
                    Ok(children) => block["children"] = Value::Array(children),
                    // A synced reference whose original is not shared: the block stays, marked.
                    Err(NotionError::NotFound(_)) => block[UNREADABLE] = Value::Bool(true),
                    Err(other) => return Err(other),
                }
            }
            strip_volatile(block);
        }
        Ok(blocks)
    })
}

/// Set on a block whose children Notion would not give (not shared with the integration).
pub const UNREADABLE: &str = "children_unreadable";

/// Response metadata that is not content and differs between two reads of the same object.
fn without_request_id(mut object: Value) -> Value {
    strip_volatile(&mut object);
    object
}

fn strip_volatile(object: &mut Value) {
    if let Some(map) = object.as_object_mut() {
        map.remove("request_id");
    }
}
