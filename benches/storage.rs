//! Document-store throughput: bulk upsert and keyset scan of 1 KB documents, for SQLite and
//! (when `TEST_MONGODB_URI` is set, as `scripts/bench-store` does) the MongoDB-protocol server.
//! Prints one row per backend and size; sizes come from `BENCH_SIZES` (default 10000,100000).

use std::sync::Arc;
use std::time::Instant;

use notion_graph::storage::{
    Collection, Document, Filter, Index, MongoStore, Order, Query, SqliteStore, Store,
};
use serde_json::{Map, json};

static BENCH: Collection = Collection {
    name: "bench_docs",
    indexes: &[Index::on(&["tenant", "rank"])],
    ttl_field: None,
    archived: false,
};

fn documents(count: usize) -> Vec<Document> {
    let filler = "x".repeat(900);
    (0..count)
        .map(|i| {
            let body =
                json!({ "tenant": "t1", "rank": i, "title": format!("Page {i}"), "text": filler });
            Document::new(
                format!("doc{i:08}"),
                body.as_object().cloned().unwrap_or_else(Map::new),
            )
        })
        .collect()
}

async fn scan(store: &Store) -> usize {
    let mut seen = 0;
    let mut after = None;
    loop {
        let query = Query::new(Filter::all().eq("tenant", "t1"))
            .sort("rank", Order::Asc)
            .limit(5000)
            .after(after);
        let page = store.find(&BENCH, &query).await.expect("scan");
        seen += page.items.len();
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

async fn measure(name: &str, store: Store, count: usize) {
    store.prepare(&[&BENCH]).await.expect("prepare");
    let docs = documents(count);
    let started = Instant::now();
    store.bulk_upsert(&BENCH, docs).await.expect("bulk upsert");
    let upsert = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let seen = scan(&store).await;
    let scanned = started.elapsed().as_secs_f64();
    assert_eq!(seen, count);
    println!(
        "| {name:<8} | {count:>7} | {:>10.0} | {:>10.0} |",
        count as f64 / upsert,
        count as f64 / scanned
    );
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    println!("| backend  |    docs | upsert/s   | scan/s     |");
    println!("|----------|---------|------------|------------|");
    for &count in &sizes {
        let path = dir.path().join(format!("bench-{count}.sqlite"));
        let sqlite: Store = Arc::new(SqliteStore::open(&path).await.expect("sqlite"));
        measure("sqlite", sqlite, count).await;
        if let Ok(uri) = std::env::var("TEST_MONGODB_URI") {
            let database = format!("bench_{count}_{}", std::process::id());
            let mongo: Store = Arc::new(MongoStore::connect(&uri, &database).await.expect("mongo"));
            measure("mongodb", mongo, count).await;
        }
    }
}
