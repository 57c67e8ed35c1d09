//! The embedded backend: one table per collection (`id`, `version`, JSON `body`) in a SQLite file
//! in WAL mode, with expression indexes on the declared fields.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, SqlitePool};

use super::query::{Cursor, Order};
use super::{
    Collection, Document, DocumentStore, Filter, Page, Query, StoreError, StoreResult, check_body,
    check_name,
};

/// Rows per multi-row statement in a bulk upsert (two bound values each).
const BULK_CHUNK: usize = 400;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file.
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create data directory {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            // Sorts and temporary indexes in memory, as the job queue wants them.
            .pragma("temp_store", "memory")
            // The write-ahead log is truncated back to 64 MiB after a checkpoint.
            .pragma("journal_size_limit", "67108864");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        Ok(Self { pool })
    }

    /// The pool, shared with the embedded job queue so that one file holds everything.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn table(collection: &Collection) -> StoreResult<String> {
    check_name(collection.name)?;
    Ok(format!("\"doc_{}\"", collection.name))
}

/// The SQL expression for a body field; names are checked against a safe alphabet first.
fn field(name: &str) -> StoreResult<String> {
    check_name(name)?;
    Ok(format!("json_extract(body, '$.{name}')"))
}

type Statement<'q> = sqlx::query::Query<'q, sqlx::Sqlite, SqliteArguments>;

fn bind<'q>(args: Statement<'q>, value: &Value) -> Statement<'q> {
    match value {
        Value::String(s) => args.bind(s.clone()),
        Value::Bool(b) => args.bind(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => args.bind(i),
            None => args.bind(n.as_f64()),
        },
        Value::Null => args.bind(Option::<String>::None),
        other => args.bind(other.to_string()),
    }
}

fn body_text(doc: &Document) -> String {
    Value::Object(doc.body.clone()).to_string()
}

fn read_row(row: &SqliteRow) -> StoreResult<Document> {
    let body: String = row.try_get("body").map_err(other)?;
    let body: Map<String, Value> =
        serde_json::from_str(&body).map_err(|e| other(anyhow::Error::from(e)))?;
    Ok(Document {
        id: row.try_get("id").map_err(other)?,
        version: row.try_get("version").map_err(other)?,
        body,
    })
}

fn other(error: impl Into<anyhow::Error>) -> StoreError {
    StoreError::Other(error.into())
}

/// Unique violations are conflicts; a busy or unreachable file is unavailability.
fn classify(error: sqlx::Error, what: &str) -> StoreError {
    if error
        .as_database_error()
        .is_some_and(|db| db.is_unique_violation())
    {
        return StoreError::Conflict(format!("{what} already exists"));
    }
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => {
            StoreError::Unavailable(error.to_string())
        }
        other_error => other(other_error),
    }
}

/// `WHERE` clause text for a filter, in the order values are bound.
fn where_clause(filter: &Filter) -> StoreResult<String> {
    let mut parts = vec!["1 = 1".to_owned()];
    for (name, _) in &filter.0 {
        parts.push(format!("{} = ?", field(name)?));
    }
    Ok(parts.join(" AND "))
}

/// `>` and `ASC` for ascending order, `<` and `DESC` for descending.
fn order(order: Order) -> (&'static str, &'static str) {
    match order {
        Order::Asc => (">", "ASC"),
        Order::Desc => ("<", "DESC"),
    }
}

impl SqliteStore {
    /// Up to `limit` documents matching `query`'s filter, then `tail` (more conditions and the
    /// order) with its `args`.
    async fn select(
        &self,
        collection: &Collection,
        query: &Query,
        tail: &str,
        args: &[Value],
        limit: usize,
    ) -> StoreResult<Vec<Document>> {
        let sql = format!(
            "SELECT id, version, body FROM {} WHERE {}{tail} LIMIT ?",
            table(collection)?,
            where_clause(&query.filter)?
        );
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for value in query.filter.0.iter().map(|(_, value)| value).chain(args) {
            statement = bind(statement, value);
        }
        let rows = statement
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| classify(e, collection.name))?;
        rows.iter().map(read_row).collect()
    }

    /// Up to `limit` documents after `cursor` in the order of field `sort`, in two seeks of
    /// the index (field, id): the rest of the cursor's ties, then the values past it. One
    /// range with a row value, `(field, id) > (?, ?)`, cannot seek an expression index: it
    /// reads every tie from the first, so paging through a field of few values (an edge's
    /// kind) took time growing with the offset (1 M edges: over 10 minutes).
    async fn after_sorted(
        &self,
        collection: &Collection,
        query: &Query,
        sort: &str,
        cursor: &Cursor,
        limit: usize,
    ) -> StoreResult<Vec<Document>> {
        let (cmp, dir) = order(query.order);
        let value = cursor.sort_value.clone().unwrap_or(Value::Null);
        let ties = format!(" AND {sort} IS ? AND id {cmp} ? ORDER BY id {dir}");
        let args = [value.clone(), Value::String(cursor.id.clone())];
        let mut items = self.select(collection, query, &ties, &args, limit).await?;
        if items.len() < limit {
            let past = format!(" AND {sort} {cmp} ? ORDER BY {sort} {dir}, id {dir}");
            let more = limit - items.len();
            items.extend(
                self.select(collection, query, &past, &[value], more)
                    .await?,
            );
        }
        Ok(items)
    }
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn prepare(&self, collections: &[&'static Collection]) -> StoreResult<()> {
        for collection in collections {
            let table = table(collection)?;
            let create = format!(
                "CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY NOT NULL, \
                 version INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID"
            );
            sqlx::query(AssertSqlSafe(create))
                .execute(&self.pool)
                .await
                .map_err(other)?;
            let ttl = collection.ttl_field.map(|f| (vec![f], false));
            let declared = collection
                .indexes
                .iter()
                .map(|i| (i.fields.to_vec(), i.unique));
            for (fields, unique) in declared.chain(ttl) {
                let exprs = fields
                    .iter()
                    .map(|f| field(f))
                    .collect::<StoreResult<Vec<_>>>()?;
                let name = format!(
                    "ix_{}_{}",
                    collection.name,
                    fields.join("__").replace('.', "_")
                );
                let (kind, tail) = if unique {
                    ("UNIQUE INDEX", "")
                } else {
                    ("INDEX", ", id")
                };
                let sql = format!(
                    "CREATE {kind} IF NOT EXISTS \"{name}\" ON {table} ({}{tail})",
                    exprs.join(", ")
                );
                sqlx::query(AssertSqlSafe(sql))
                    .execute(&self.pool)
                    .await
                    .map_err(other)?;
            }
        }
        Ok(())
    }

    async fn insert(&self, collection: &Collection, doc: Document) -> StoreResult<Document> {
        check_body(&doc)?;
        let sql = format!(
            "INSERT INTO {} (id, version, body) VALUES (?, 1, ?)",
            table(collection)?
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&doc.id)
            .bind(body_text(&doc))
            .execute(&self.pool)
            .await
            .map_err(|e| classify(e, &format!("document {}", doc.id)))?;
        Ok(Document { version: 1, ..doc })
    }

    async fn get(&self, collection: &Collection, id: &str) -> StoreResult<Option<Document>> {
        let sql = format!(
            "SELECT id, version, body FROM {} WHERE id = ?",
            table(collection)?
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| classify(e, id))?;
        row.as_ref().map(read_row).transpose()
    }

    async fn replace(&self, collection: &Collection, doc: Document) -> StoreResult<Document> {
        check_body(&doc)?;
        let sql = format!(
            "UPDATE {} SET body = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING version",
            table(collection)?
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(body_text(&doc))
            .bind(&doc.id)
            .bind(doc.version)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| classify(e, &doc.id))?;
        match row {
            Some(row) => Ok(Document {
                version: row.try_get(0).map_err(other)?,
                ..doc
            }),
            None if self.get(collection, &doc.id).await?.is_some() => Err(StoreError::Conflict(
                format!("document {} changed since version {}", doc.id, doc.version),
            )),
            None => Err(StoreError::NotFound),
        }
    }

    async fn upsert(&self, collection: &Collection, doc: Document) -> StoreResult<Document> {
        check_body(&doc)?;
        let table = table(collection)?;
        let sql = format!(
            "INSERT INTO {table} (id, version, body) VALUES (?, 1, ?) ON CONFLICT(id) DO UPDATE \
             SET body = excluded.body, version = {table}.version + 1 RETURNING version"
        );
        let version: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&doc.id)
            .bind(body_text(&doc))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| classify(e, &doc.id))?;
        Ok(Document { version, ..doc })
    }

    async fn delete(&self, collection: &Collection, id: &str) -> StoreResult<bool> {
        let sql = format!("DELETE FROM {} WHERE id = ?", table(collection)?);
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .execute(&self.pool)
            .await;
        Ok(done.map_err(|e| classify(e, id))?.rows_affected() > 0)
    }

    async fn delete_many(&self, collection: &Collection, ids: &[String]) -> StoreResult<u64> {
        let table = table(collection)?;
        let mut deleted = 0;
        for chunk in ids.chunks(BULK_CHUNK) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!("DELETE FROM {table} WHERE id IN ({marks})");
            let statement = chunk
                .iter()
                .fold(sqlx::query(AssertSqlSafe(sql)), |q, id| q.bind(id));
            let done = statement.execute(&self.pool).await;
            deleted += done
                .map_err(|e| classify(e, collection.name))?
                .rows_affected();
        }
        Ok(deleted)
    }

    async fn find(&self, collection: &Collection, query: &Query) -> StoreResult<Page> {
        query.check(collection)?;
        let (cmp, dir) = order(query.order);
        let wanted = query.limit + 1;
        let sort = query.sort.as_deref().map(field).transpose()?;
        let items = match (sort, &query.after) {
            (Some(sort), Some(cursor)) => {
                self.after_sorted(collection, query, &sort, cursor, wanted)
                    .await?
            }
            (Some(sort), None) => {
                let tail = format!(" ORDER BY {sort} {dir}, id {dir}");
                self.select(collection, query, &tail, &[], wanted).await?
            }
            (None, Some(cursor)) => {
                let tail = format!(" AND id {cmp} ? ORDER BY id {dir}");
                let id = Value::String(cursor.id.clone());
                self.select(collection, query, &tail, &[id], wanted).await?
            }
            (None, None) => {
                let tail = format!(" ORDER BY id {dir}");
                self.select(collection, query, &tail, &[], wanted).await?
            }
        };
        Ok(Page::from_rows(items, query))
    }

    async fn count(&self, collection: &Collection, filter: &Filter) -> StoreResult<u64> {
        Query::new(filter.clone()).check(collection)?;
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            table(collection)?,
            where_clause(filter)?
        );
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for (_, value) in &filter.0 {
            statement = bind(statement, value);
        }
        let row = statement
            .fetch_one(&self.pool)
            .await
            .map_err(|e| classify(e, collection.name))?;
        Ok(row.try_get::<i64, _>(0).map_err(other)? as u64)
    }

    async fn bulk_upsert(&self, collection: &Collection, docs: Vec<Document>) -> StoreResult<u64> {
        docs.iter().try_for_each(check_body)?;
        let table = table(collection)?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| classify(e, collection.name))?;
        for chunk in docs.chunks(BULK_CHUNK) {
            let values = vec!["(?, 1, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO {table} (id, version, body) VALUES {values} ON CONFLICT(id) DO UPDATE \
                 SET body = excluded.body, version = {table}.version + 1"
            );
            let mut statement = sqlx::query(AssertSqlSafe(sql));
            for doc in chunk {
                statement = statement.bind(doc.id.clone()).bind(body_text(doc));
            }
            statement
                .execute(&mut *tx)
                .await
                .map_err(|e| classify(e, "a document"))?;
        }
        tx.commit()
            .await
            .map_err(|e| classify(e, collection.name))?;
        Ok(docs.len() as u64)
    }

    async fn delete_expired(&self, collection: &Collection, now_ms: i64) -> StoreResult<u64> {
        let Some(ttl) = collection.ttl_field else {
            return Ok(0);
        };
        let sql = format!(
            "DELETE FROM {} WHERE {} < ?",
            table(collection)?,
            field(ttl)?
        );
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(now_ms)
            .execute(&self.pool)
            .await;
        Ok(done
            .map_err(|e| classify(e, collection.name))?
            .rows_affected())
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
        let ttl = field(ttl)?;
        let sql = format!(
            "SELECT id, version, body FROM {} WHERE {ttl} < ? ORDER BY {ttl}, id LIMIT ?",
            table(collection)?
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| classify(e, collection.name))?;
        rows.iter().map(read_row).collect()
    }

    fn scan<'a>(&'a self, collection: &'a Collection) -> BoxStream<'a, StoreResult<Document>> {
        let table = match table(collection) {
            Ok(table) => table,
            Err(error) => return stream::once(async { Err(error) }).boxed(),
        };
        let sql = format!("SELECT id, version, body FROM {table} ORDER BY id");
        sqlx::query(AssertSqlSafe(sql))
            .fetch(&self.pool)
            .map(move |row| {
                let row = row.map_err(|e| classify(e, collection.name))?;
                read_row(&row)
            })
            .boxed()
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}
