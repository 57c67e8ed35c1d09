//! A typed view of one collection, which is how module stores use the document store:
//! documents go in and out as Rust values instead of JSON maps.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Collection, Cursor, Document, Filter, Query, Store, StoreError, StoreResult};

/// A value with its id and the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    pub id: String,
    pub version: i64,
    pub value: T,
}

pub struct Typed<T> {
    store: Store,
    collection: &'static Collection,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for Typed<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            collection: self.collection,
            _value: PhantomData,
        }
    }
}

impl<T: Serialize + DeserializeOwned> Typed<T> {
    pub fn new(store: Store, collection: &'static Collection) -> Self {
        Self {
            store,
            collection,
            _value: PhantomData,
        }
    }

    pub async fn insert(&self, id: &str, value: &T) -> StoreResult<Record<T>> {
        let doc = self
            .store
            .insert(self.collection, to_document(id, 0, value)?)
            .await?;
        from_document(doc)
    }

    pub async fn get(&self, id: &str) -> StoreResult<Option<Record<T>>> {
        self.store
            .get(self.collection, id)
            .await?
            .map(from_document)
            .transpose()
    }

    pub async fn replace(&self, record: &Record<T>) -> StoreResult<Record<T>> {
        let doc = to_document(&record.id, record.version, &record.value)?;
        from_document(self.store.replace(self.collection, doc).await?)
    }

    pub async fn upsert(&self, id: &str, value: &T) -> StoreResult<Record<T>> {
        from_document(
            self.store
                .upsert(self.collection, to_document(id, 0, value)?)
                .await?,
        )
    }

    /// Writes many values in one round trip (see [`super::DocumentStore::bulk_upsert`]).
    pub async fn bulk_upsert(&self, values: &[(String, T)]) -> StoreResult<u64> {
        let docs = values
            .iter()
            .map(|(id, value)| to_document(id, 0, value))
            .collect::<StoreResult<Vec<_>>>()?;
        self.store.bulk_upsert(self.collection, docs).await
    }

    pub async fn delete(&self, id: &str) -> StoreResult<bool> {
        self.store.delete(self.collection, id).await
    }

    /// Deletes many ids in few round trips (see [`super::DocumentStore::delete_many`]).
    pub async fn delete_many(&self, ids: &[String]) -> StoreResult<u64> {
        self.store.delete_many(self.collection, ids).await
    }

    pub async fn count(&self, filter: &Filter) -> StoreResult<u64> {
        self.store.count(self.collection, filter).await
    }

    /// Every record `query` matches, page after page (the query's limit is the page size),
    /// handed to `each` as it arrives: nothing beyond one page is held here.
    pub async fn for_each(
        &self,
        query: &Query,
        mut each: impl FnMut(Record<T>),
    ) -> StoreResult<()> {
        let mut after = None;
        loop {
            let (page, next) = self.find(&query.clone().after(after)).await?;
            page.into_iter().for_each(&mut each);
            match next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    pub async fn find(&self, query: &Query) -> StoreResult<(Vec<Record<T>>, Option<Cursor>)> {
        let page = self.store.find(self.collection, query).await?;
        let items = page
            .items
            .into_iter()
            .map(from_document)
            .collect::<StoreResult<_>>()?;
        Ok((items, page.next))
    }

    /// Reads, applies `change`, and writes back, retrying when another writer got there first.
    /// `change` returns `None` to leave the document as it is.
    pub async fn update<F>(&self, id: &str, mut change: F) -> StoreResult<Option<Record<T>>>
    where
        F: FnMut(&mut T) -> Option<()>,
    {
        loop {
            let Some(mut record) = self.get(id).await? else {
                return Ok(None);
            };
            if change(&mut record.value).is_none() {
                return Ok(Some(record));
            }
            match self.replace(&record).await {
                Err(StoreError::Conflict(_)) => continue,
                other => return other.map(Some),
            }
        }
    }
}

fn to_document<T: Serialize>(id: &str, version: i64, value: &T) -> StoreResult<Document> {
    match serde_json::to_value(value).map_err(anyhow::Error::from)? {
        Value::Object(body) => Ok(Document {
            id: id.to_owned(),
            version,
            body,
        }),
        _ => Err(StoreError::Other(anyhow::anyhow!(
            "a stored value must serialize to an object"
        ))),
    }
}

fn from_document<T: DeserializeOwned>(doc: Document) -> StoreResult<Record<T>> {
    let value = serde_json::from_value(Value::Object(doc.body)).map_err(|e| {
        StoreError::Other(anyhow::anyhow!(
            "document {} does not match its type: {e}",
            doc.id
        ))
    })?;
    Ok(Record {
        id: doc.id,
        version: doc.version,
        value,
    })
}
