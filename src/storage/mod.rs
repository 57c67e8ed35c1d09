//! The document store: one small API that both backends (SQLite for the embedded default,
//! MongoDB for production) implement the same way, so that module stores are written once.
//!
//! A document is a JSON object with a string `id` and a `version` that every write bumps, which
//! gives optimistic concurrency through [`DocumentStore::replace`]. Queries are equality filters
//! on *declared* index fields with an optional sort and a keyset cursor; anything else is refused
//! with [`StoreError::Unindexed`], so that no slow scan slips into the product.

pub mod archive;
mod mongo;
mod query;
mod sqlite;
mod typed;

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use serde_json::{Map, Value};

pub use mongo::MongoStore;
pub use query::{Cursor, Filter, Order, Page, Query};
pub use sqlite::SqliteStore;
pub use typed::{Record, Typed};

/// A stored document: its id, its version (1 after the first write) and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub version: i64,
    pub body: Map<String, Value>,
}

impl Document {
    pub fn new(id: impl Into<String>, body: Map<String, Value>) -> Self {
        Self {
            id: id.into(),
            version: 0,
            body,
        }
    }
}

/// A collection and the indexes queries may use; both backends create them at start-up.
#[derive(Debug)]
pub struct Collection {
    pub name: &'static str,
    pub indexes: &'static [Index],
    /// A body field holding an expiry time in epoch milliseconds; housekeeping deletes
    /// documents whose time has passed.
    pub ttl_field: Option<&'static str>,
    /// Expired documents are history worth keeping: housekeeping writes them, compressed, to
    /// an archive ([`archive`]) before it deletes them, and an operator can bring them back.
    pub archived: bool,
}

#[derive(Debug)]
pub struct Index {
    pub fields: &'static [&'static str],
    pub unique: bool,
}

impl Index {
    pub const fn on(fields: &'static [&'static str]) -> Self {
        Self {
            fields,
            unique: false,
        }
    }

    pub const fn unique(fields: &'static [&'static str]) -> Self {
        Self {
            fields,
            unique: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("document not found")]
    NotFound,
    /// A duplicate id or unique key, or a stale version on replace.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A query that no declared index serves.
    #[error("query not served by an index: {0}")]
    Unindexed(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<StoreError> for crate::error::AppError {
    fn from(error: StoreError) -> Self {
        use crate::error::{AppError, Code};
        match error {
            StoreError::NotFound => AppError::not_found("no such document"),
            StoreError::Conflict(detail) => AppError::new(Code::Conflict, detail),
            StoreError::Unindexed(detail) => AppError::Internal(anyhow::anyhow!(detail)),
            StoreError::Unavailable(detail) => AppError::new(Code::StoreUnavailable, detail),
            StoreError::Other(error) => AppError::Internal(error),
        }
    }
}

/// What both backends offer. Every method takes the collection declaration so that the backend
/// can check queries against its indexes.
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Creates tables or collections and their indexes; safe to call at every start.
    async fn prepare(&self, collections: &[&'static Collection]) -> StoreResult<()>;
    /// Inserts a new document at version 1; an existing id or unique key is a conflict.
    async fn insert(&self, collection: &Collection, doc: Document) -> StoreResult<Document>;
    async fn get(&self, collection: &Collection, id: &str) -> StoreResult<Option<Document>>;
    /// Writes `doc` if the stored version still equals `doc.version`; returns the new version.
    async fn replace(&self, collection: &Collection, doc: Document) -> StoreResult<Document>;
    /// Inserts or overwrites, whatever the stored version.
    async fn upsert(&self, collection: &Collection, doc: Document) -> StoreResult<Document>;
    /// Returns whether a document was deleted.
    async fn delete(&self, collection: &Collection, id: &str) -> StoreResult<bool>;
    /// Deletes the documents with these ids in as few round trips as the backend allows;
    /// returns how many there were (absent ids are no error).
    async fn delete_many(&self, collection: &Collection, ids: &[String]) -> StoreResult<u64>;
    async fn find(&self, collection: &Collection, query: &Query) -> StoreResult<Page>;
    async fn count(&self, collection: &Collection, filter: &Filter) -> StoreResult<u64>;
    /// Upserts many documents in as few round trips as the backend allows.
    async fn bulk_upsert(&self, collection: &Collection, docs: Vec<Document>) -> StoreResult<u64>;
    /// Deletes documents whose TTL field is before `now_ms`; returns how many.
    async fn delete_expired(&self, collection: &Collection, now_ms: i64) -> StoreResult<u64>;
    /// Up to `limit` documents whose TTL field is before `now_ms`, the longest expired first.
    async fn find_expired(
        &self,
        collection: &Collection,
        now_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<Document>>;
    /// Every document of `collection` in id order, read through one query (a SQLite statement,
    /// a MongoDB cursor) rather than a page per round trip: for backups, whose pages through
    /// the whole collection cost a seek each.
    fn scan<'a>(&'a self, collection: &'a Collection) -> BoxStream<'a, StoreResult<Document>>;
    /// Cheap round trip for readiness.
    async fn ping(&self) -> StoreResult<()>;
}

pub type Store = Arc<dyn DocumentStore>;

/// Deletes every document `filter` matches, a page at a time through the filter's index; both
/// backends serve it with the calls they already have.
pub async fn delete_matching(
    store: &Store,
    collection: &Collection,
    filter: &Filter,
) -> StoreResult<u64> {
    let mut deleted = 0;
    loop {
        let page = store
            .find(collection, &Query::new(filter.clone()).limit(500))
            .await?;
        if page.items.is_empty() {
            return Ok(deleted);
        }
        let ids: Vec<String> = page.items.into_iter().map(|doc| doc.id).collect();
        deleted += store.delete_many(collection, &ids).await?;
    }
}

/// Names become SQL identifiers and Mongo field paths: keep them to a safe alphabet.
pub(crate) fn check_name(name: &str) -> StoreResult<()> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !name.starts_with('_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Other(anyhow::anyhow!(
            "invalid field or collection name `{name}`"
        )))
    }
}

/// Body fields may not shadow the stored envelope.
pub(crate) fn check_body(doc: &Document) -> StoreResult<()> {
    if doc.id.is_empty() {
        return Err(StoreError::Other(anyhow::anyhow!(
            "a document id may not be empty"
        )));
    }
    match doc.body.keys().find(|k| k.starts_with('_')) {
        Some(key) => Err(StoreError::Other(anyhow::anyhow!(
            "body field `{key}` is reserved (fields may not start with `_`)"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_safe_alphabet_are_refused() {
        assert!(check_name("tenant_id").is_ok());
        assert!(check_name("meta.kind").is_ok());
        assert!(check_name("x'); DROP TABLE").is_err());
        assert!(check_name("_id").is_err());
    }
}
