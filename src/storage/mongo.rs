//! The production backend: one MongoDB collection per collection. A document is stored as
//! `{_id, _v, b}` with the body under `b`, so that a single `$set`/`$inc` update replaces the
//! whole body and bumps the version atomically, for replace, upsert and bulk upsert alike.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures::stream::{self, BoxStream};
use futures::{FutureExt, StreamExt, TryStreamExt};
use mongodb::bson::{self, Bson, Document as BsonDoc, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions, ReturnDocument, WriteConcern};
use mongodb::{Client, Database, IndexModel};
use serde_json::{Map, Value};

use super::query::Order;
use super::{
    Collection, Document, DocumentStore, Filter, Page, Query, StoreError, StoreResult, check_body,
    check_name,
};

const DUPLICATE_KEY: i32 = 11000;
/// Statements per `update` command in a bulk upsert.
const BULK_CHUNK: usize = 1000;
/// Documents a scan's cursor fetches per round trip.
const SCAN_BATCH: u32 = 500;

#[derive(Clone)]
pub struct MongoStore {
    db: Database,
}

impl MongoStore {
    /// Connects lazily: the driver reconnects by itself, so an outage only fails the calls
    /// made during it, and readiness reports it.
    pub async fn connect(uri: &str, database: &str) -> anyhow::Result<Self> {
        let mut options = ClientOptions::parse(uri)
            .await
            .context("MONGODB_URI is not a valid MongoDB URI")?;
        options.app_name = Some("notion-graph".into());
        options.server_selection_timeout = Some(Duration::from_secs(5));
        options.connect_timeout = Some(Duration::from_secs(5));
        // An acknowledged write must survive the server's crash, so unless the URI says
        // otherwise writes wait for the journal (with the server's default, a Stripe event
        // answered 200 was gone after a kill -9 in `scripts/faults`).
        options
            .write_concern
            .get_or_insert_with(|| WriteConcern::builder().journal(true).build());
        let client = Client::with_options(options).context("cannot create the MongoDB client")?;
        Ok(Self {
            db: client.database(database),
        })
    }

    fn coll(&self, collection: &Collection) -> StoreResult<mongodb::Collection<BsonDoc>> {
        check_name(collection.name)?;
        Ok(self.db.collection(collection.name))
    }
}

fn body_path(field: &str) -> StoreResult<String> {
    check_name(field)?;
    Ok(format!("b.{field}"))
}

fn to_bson(value: &Value) -> StoreResult<Bson> {
    bson::to_bson(value).map_err(|e| StoreError::Other(e.into()))
}

fn body_bson(doc: &Document) -> StoreResult<Bson> {
    to_bson(&Value::Object(doc.body.clone()))
}

fn read(raw: BsonDoc) -> StoreResult<Document> {
    let id = raw
        .get_str("_id")
        .map_err(|e| StoreError::Other(e.into()))?
        .to_owned();
    let version = match raw.get("_v") {
        Some(Bson::Int64(v)) => *v,
        Some(Bson::Int32(v)) => i64::from(*v),
        _ => 0,
    };
    let body = match raw.get("b") {
        Some(b) => b.clone().into_relaxed_extjson(),
        None => Value::Object(Map::new()),
    };
    let Value::Object(body) = body else {
        return Err(StoreError::Other(anyhow::anyhow!(
            "document {id} has no body object"
        )));
    };
    Ok(Document { id, version, body })
}

/// Duplicate keys are conflicts; an unreachable server is unavailability.
fn classify(error: mongodb::error::Error, what: &str) -> StoreError {
    let duplicate = match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(e) => e
            .write_errors
            .as_ref()
            .is_some_and(|errs| errs.iter().any(|w| w.code == DUPLICATE_KEY)),
        ErrorKind::Command(e) => e.code == DUPLICATE_KEY,
        _ => false,
    };
    if duplicate {
        return StoreError::Conflict(format!("{what} already exists"));
    }
    match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. } => StoreError::Unavailable(error.to_string()),
        _ => StoreError::Other(anyhow::Error::new(error)),
    }
}

fn filter_doc(filter: &Filter) -> StoreResult<BsonDoc> {
    let mut out = BsonDoc::new();
    for (name, value) in &filter.0 {
        out.insert(body_path(name)?, to_bson(value)?);
    }
    Ok(out)
}

/// `{$set: {b}, $inc: {_v: 1}}`: replaces the body and bumps the version in one update.
fn write_update(doc: &Document) -> StoreResult<BsonDoc> {
    Ok(doc! { "$set": { "b": body_bson(doc)? }, "$inc": { "_v": 1_i64 } })
}

/// The keyset condition: strictly after the cursor in sort order.
fn keyset(query: &Query) -> StoreResult<Option<BsonDoc>> {
    let Some(cursor) = &query.after else {
        return Ok(None);
    };
    let cmp = match query.order {
        Order::Asc => "$gt",
        Order::Desc => "$lt",
    };
    Ok(Some(match &query.sort {
        None => doc! { "_id": { cmp: &cursor.id } },
        Some(sort) => {
            let path = body_path(sort)?;
            let value = to_bson(cursor.sort_value.as_ref().unwrap_or(&Value::Null))?;
            doc! { "$or": [
                { &path: { cmp: value.clone() } },
                { &path: value, "_id": { cmp: &cursor.id } },
            ] }
        }
    }))
}

#[async_trait]
impl DocumentStore for MongoStore {
    async fn prepare(&self, collections: &[&'static Collection]) -> StoreResult<()> {
        for collection in collections {
            let coll = self.coll(collection)?;
            let ttl = collection.ttl_field.map(|f| (vec![f], false));
            let declared = collection
                .indexes
                .iter()
                .map(|i| (i.fields.to_vec(), i.unique));
            for (fields, unique) in declared.chain(ttl) {
                let mut keys = BsonDoc::new();
                for f in &fields {
                    keys.insert(body_path(f)?, 1);
                }
                if !unique {
                    keys.insert("_id", 1);
                }
                let name = format!("ix_{}", fields.join("__").replace('.', "_"));
                let options = IndexOptions::builder().name(name).unique(unique).build();
                let model = IndexModel::builder().keys(keys).options(options).build();
                coll.create_index(model)
                    .await
                    .map_err(|e| classify(e, collection.name))?;
            }
        }
        Ok(())
    }

    async fn insert(&self, collection: &Collection, doc: Document) -> StoreResult<Document> {
        check_body(&doc)?;
        let raw = doc! { "_id": &doc.id, "_v": 1_i64, "b": body_bson(&doc)? };
        self.coll(collection)?
            .insert_one(raw)
            .await
            .map_err(|e| classify(e, &format!("document {}", doc.id)))?;
        Ok(Document { version: 1, ..doc })
    }

    async fn get(&self, collection: &Collection, id: &str) -> StoreResult<Option<Document>> {
        let found = self.coll(collection)?.find_one(doc! { "_id": id }).await;
        found.map_err(|e| classify(e, id))?.map(read).transpose()
    }

    async fn replace(&self, collection: &Collection, doc: Document) -> StoreResult<Document> {
        check_body(&doc)?;
        let coll = self.coll(collection)?;
        let result = coll
            .update_one(
                doc! { "_id": &doc.id, "_v": doc.version },
                write_update(&doc)?,
            )
            .await
            .map_err(|e| classify(e, &doc.id))?;
        if result.matched_count == 1 {
            return Ok(Document {
                version: doc.version + 1,
                ..doc
            });
        }
        match self.get(collection, &doc.id).await? {
            Some(_) => Err(StoreError::Conflict(format!(
                "document {} changed since version {}",
                doc.id, doc.version
            ))),
            None => Err(StoreError::NotFound),
        }
    }

    async fn upsert(&self, collection: &Collection, doc: Document) -> StoreResult<Document> {
        check_body(&doc)?;
        let written = self
            .coll(collection)?
            .find_one_and_update(doc! { "_id": &doc.id }, write_update(&doc)?)
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| classify(e, &doc.id))?;
        let version = written.map(read).transpose()?.map_or(1, |d| d.version);
        Ok(Document { version, ..doc })
    }

    async fn delete(&self, collection: &Collection, id: &str) -> StoreResult<bool> {
        let result = self.coll(collection)?.delete_one(doc! { "_id": id }).await;
        Ok(result.map_err(|e| classify(e, id))?.deleted_count > 0)
    }

    async fn delete_many(&self, collection: &Collection, ids: &[String]) -> StoreResult<u64> {
        let coll = self.coll(collection)?;
        let mut deleted = 0;
        for chunk in ids.chunks(BULK_CHUNK) {
            let result = coll.delete_many(doc! { "_id": { "$in": chunk } }).await;
            deleted += result
                .map_err(|e| classify(e, collection.name))?
                .deleted_count;
        }
        Ok(deleted)
    }

    async fn find(&self, collection: &Collection, query: &Query) -> StoreResult<Page> {
        query.check(collection)?;
        let mut filter = filter_doc(&query.filter)?;
        if let Some(after) = keyset(query)? {
            filter = doc! { "$and": [filter, after] };
        }
        let direction = if query.order == Order::Asc { 1 } else { -1 };
        let mut sort = BsonDoc::new();
        if let Some(field) = &query.sort {
            sort.insert(body_path(field)?, direction);
        }
        sort.insert("_id", direction);
        let coll = self.coll(collection)?;
        let found = coll.find(filter).sort(sort).limit(query.limit as i64 + 1);
        let items = documents(found.await, collection).await?;
        Ok(Page::from_rows(items, query))
    }

    async fn count(&self, collection: &Collection, filter: &Filter) -> StoreResult<u64> {
        Query::new(filter.clone()).check(collection)?;
        let coll = self.coll(collection)?;
        coll.count_documents(filter_doc(filter)?)
            .await
            .map_err(|e| classify(e, collection.name))
    }

    async fn bulk_upsert(&self, collection: &Collection, docs: Vec<Document>) -> StoreResult<u64> {
        docs.iter().try_for_each(check_body)?;
        let coll = self.coll(collection)?;
        for chunk in docs.chunks(BULK_CHUNK) {
            let updates = chunk
                .iter()
                .map(|d| Ok(doc! { "q": { "_id": &d.id }, "u": write_update(d)?, "upsert": true }))
                .collect::<StoreResult<Vec<_>>>()?;
            let mut command = doc! { "update": coll.name(), "updates": updates, "ordered": false };
            // A raw command does not take the client's write concern by itself.
            if let Some(concern) = self.db.write_concern() {
                let concern =
                    bson::to_document(concern).map_err(|e| StoreError::Other(e.into()))?;
                command.insert("writeConcern", concern);
            }
            let reply = self
                .db
                .run_command(command)
                .await
                .map_err(|e| classify(e, collection.name))?;
            check_write_errors(&reply)?;
        }
        Ok(docs.len() as u64)
    }

    async fn delete_expired(&self, collection: &Collection, now_ms: i64) -> StoreResult<u64> {
        let Some(ttl) = collection.ttl_field else {
            return Ok(0);
        };
        let filter = doc! { body_path(ttl)?: { "$lt": now_ms } };
        let result = self.coll(collection)?.delete_many(filter).await;
        Ok(result
            .map_err(|e| classify(e, collection.name))?
            .deleted_count)
    }

    async fn find_expired(
        &self,
        collection: &Collection,
        now_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<Document>> {
        let Some(ttl) = collection.ttl_field else {
            return Ok(Vec::new());
        };
        let path = body_path(ttl)?;
        let coll = self.coll(collection)?;
        let found = coll
            .find(doc! { &path: { "$lt": now_ms } })
            .sort(doc! { &path: 1, "_id": 1 })
            .limit(limit as i64);
        documents(found.await, collection).await
    }

    fn scan<'a>(&'a self, collection: &'a Collection) -> BoxStream<'a, StoreResult<Document>> {
        let documents = async move {
            let cursor = self
                .coll(collection)?
                .find(doc! {})
                .sort(doc! { "_id": 1 })
                .batch_size(SCAN_BATCH)
                .await
                .map_err(|e| classify(e, collection.name))?;
            let read =
                move |raw: Result<BsonDoc, _>| read(raw.map_err(|e| classify(e, collection.name))?);
            Ok(cursor.map(read))
        };
        documents
            .map(|opened: StoreResult<_>| match opened {
                Ok(documents) => documents.boxed(),
                Err(error) => stream::once(async { Err(error) }).boxed(),
            })
            .flatten_stream()
            .boxed()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db
            .run_command(doc! { "ping": 1 })
            .await
            .map(|_| ())
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}

/// Every document a `find` gives, read.
async fn documents(
    found: mongodb::error::Result<mongodb::Cursor<BsonDoc>>,
    collection: &Collection,
) -> StoreResult<Vec<Document>> {
    let classified = |e| classify(e, collection.name);
    let raw: Vec<BsonDoc> = found
        .map_err(classified)?
        .try_collect()
        .await
        .map_err(classified)?;
    raw.into_iter().map(read).collect()
}

/// A raw `update` command reports per-statement failures in its reply, not as an error.
fn check_write_errors(reply: &BsonDoc) -> StoreResult<()> {
    let Ok(errors) = reply.get_array("writeErrors") else {
        return Ok(());
    };
    let first = errors.first().and_then(Bson::as_document);
    match first {
        None => Ok(()),
        Some(e) if e.get_i32("code").ok() == Some(DUPLICATE_KEY) => {
            Err(StoreError::Conflict("a unique key already exists".into()))
        }
        Some(e) => Err(StoreError::Other(anyhow::anyhow!(
            "bulk upsert failed: {}",
            e.get_str("errmsg").unwrap_or("unknown error")
        ))),
    }
}
