//! The storage contract: every backend behaves the same way. Each test runs against SQLite on
//! a temporary file and against MongoDB through the MongoDB-protocol test server.

use std::collections::HashSet;
use std::sync::Arc;

use futures::TryStreamExt;

use notion_graph::storage::archive;
use notion_graph::storage::{
    Collection, Document, Filter, Index, MongoStore, Order, Query, SqliteStore, Store, StoreError,
    Typed,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use crate::helpers::{service, unique};

static ITEMS: Collection = Collection {
    name: "contract_items",
    indexes: &[Index::on(&["group", "rank"]), Index::unique(&["slug"])],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// Each available backend, prepared, with what keeps it alive.
async fn backends() -> Vec<(&'static str, Store, Option<TempDir>)> {
    let dir = TempDir::new().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("contract.sqlite"))
        .await
        .unwrap();
    let mut all: Vec<(&'static str, Store, Option<TempDir>)> =
        vec![("sqlite", Arc::new(sqlite), Some(dir))];
    if let Some(uri) = service("TEST_MONGODB_URI") {
        let mongo = MongoStore::connect(&uri, &unique("contract"))
            .await
            .unwrap();
        all.push(("mongodb", Arc::new(mongo), None));
    }
    for (name, store, _) in &all {
        store
            .prepare(&[&ITEMS])
            .await
            .unwrap_or_else(|e| panic!("{name}: prepare: {e}"));
    }
    all
}

fn body(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

/// Follows the cursors of a sorted query to the end: `(rank, id)` of every document seen.
async fn all_pages(store: &Store, group: &str, order: Order, limit: usize) -> Vec<(i64, String)> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let query = Query::new(Filter::all().eq("group", group))
            .sort("rank", order)
            .limit(limit)
            .after(after);
        let page = store.find(&ITEMS, &query).await.expect("a page");
        seen.extend(
            page.items
                .iter()
                .map(|d| (d.body["rank"].as_i64().unwrap(), d.id.clone())),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

fn item(id: &str, group: &str, rank: i64) -> Document {
    Document::new(
        id,
        body(json!({ "group": group, "rank": rank, "slug": id, "text": "x" })),
    )
}

#[tokio::test]
async fn insert_then_get_round_trips_and_a_duplicate_id_is_a_conflict() {
    for (name, store, _keep) in backends().await {
        let inserted = store.insert(&ITEMS, item("a", "g", 1)).await.unwrap();
        assert_eq!(inserted.version, 1, "{name}");
        let read = store.get(&ITEMS, "a").await.unwrap().unwrap();
        assert_eq!(read.body["rank"], 1, "{name}");
        assert_eq!(read.body["text"], "x", "{name}");
        let again = store.insert(&ITEMS, item("a", "g", 2)).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{name}: {again:?}"
        );
        assert_eq!(store.get(&ITEMS, "missing").await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn a_unique_index_refuses_a_second_document_with_the_same_key() {
    for (name, store, _keep) in backends().await {
        store.insert(&ITEMS, item("u1", "g", 1)).await.unwrap();
        let mut twin = item("u2", "g", 2);
        twin.body.insert("slug".into(), json!("u1"));
        let result = store.insert(&ITEMS, twin).await;
        assert!(
            matches!(result, Err(StoreError::Conflict(_))),
            "{name}: {result:?}"
        );
    }
}

#[tokio::test]
async fn replace_checks_the_version_and_upsert_does_not() {
    for (name, store, _keep) in backends().await {
        let v1 = store.insert(&ITEMS, item("r", "g", 1)).await.unwrap();
        let mut change = v1.clone();
        change.body.insert("rank".into(), json!(2));
        let v2 = store.replace(&ITEMS, change.clone()).await.unwrap();
        assert_eq!(v2.version, 2, "{name}");
        let stale = store.replace(&ITEMS, change).await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(_))),
            "{name}: {stale:?}"
        );
        let missing = store
            .replace(
                &ITEMS,
                Document {
                    version: 1,
                    ..item("nope", "g", 1)
                },
            )
            .await;
        assert!(
            matches!(missing, Err(StoreError::NotFound)),
            "{name}: {missing:?}"
        );
        let upserted = store.upsert(&ITEMS, item("r", "g", 9)).await.unwrap();
        assert_eq!(upserted.version, 3, "{name}");
        let fresh = store.upsert(&ITEMS, item("new", "g", 1)).await.unwrap();
        assert_eq!(fresh.version, 1, "{name}");
        assert_eq!(
            store.get(&ITEMS, "r").await.unwrap().unwrap().body["rank"],
            9,
            "{name}"
        );
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Counter {
    group: String,
    rank: i64,
    slug: String,
}

#[tokio::test]
async fn fifty_concurrent_optimistic_updates_lose_no_update() {
    for (name, store, _keep) in backends().await {
        let counters = Typed::<Counter>::new(store.clone(), &ITEMS);
        counters
            .insert(
                "c",
                &Counter {
                    group: "g".into(),
                    rank: 0,
                    slug: "c".into(),
                },
            )
            .await
            .unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let counters = counters.clone();
                tokio::spawn(async move {
                    counters
                        .update("c", |c| {
                            c.rank += 1;
                            Some(())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let done = counters.get("c").await.unwrap().unwrap();
        assert_eq!(done.value.rank, 50, "{name}");
        assert_eq!(done.version, 51, "{name}");
    }
}

#[tokio::test]
async fn keyset_pages_return_each_document_once_in_order_while_others_are_inserted() {
    for (name, store, _keep) in backends().await {
        let originals: Vec<_> = (0..10_000)
            .map(|i| item(&format!("k{i:05}"), "page", i * 2))
            .collect();
        store.bulk_upsert(&ITEMS, originals).await.unwrap();
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..300 {
                    let doc = item(&format!("late{i:04}"), "page", (i * 67) % 20_000 + 1);
                    store.insert(&ITEMS, doc).await.unwrap();
                }
            })
        };
        let seen = all_pages(&store, "page", Order::Asc, 700).await;
        writer.await.unwrap();
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "{name}: pages out of order"
        );
        let originals: Vec<_> = seen.iter().filter(|(_, id)| id.starts_with('k')).collect();
        assert_eq!(originals.len(), 10_000, "{name}");
        let distinct: HashSet<_> = originals.iter().map(|(_, id)| id).collect();
        assert_eq!(distinct.len(), 10_000, "{name}");
    }
}

#[tokio::test]
async fn descending_pages_walk_backwards() {
    for (name, store, _keep) in backends().await {
        let docs: Vec<_> = (0..25)
            .map(|i| item(&format!("d{i:02}"), "desc", i % 5))
            .collect();
        store.bulk_upsert(&ITEMS, docs).await.unwrap();
        let seen = all_pages(&store, "desc", Order::Desc, 4).await;
        assert_eq!(seen.len(), 25, "{name}");
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "{name}: {seen:?}");
    }
}

#[tokio::test]
async fn pages_through_many_ties_of_the_sort_field_return_each_document_once() {
    for (name, store, _keep) in backends().await {
        let docs: Vec<_> = (0..3000)
            .map(|i| item(&format!("t{i:04}"), "ties", i % 3))
            .collect();
        store.bulk_upsert(&ITEMS, docs).await.unwrap();
        let seen = all_pages(&store, "ties", Order::Asc, 250).await;
        assert_eq!(seen.len(), 3000, "{name}");
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{name}: out of order");
    }
}

#[tokio::test]
async fn a_bulk_upsert_of_ten_thousand_documents_inserts_then_updates() {
    for (name, store, _keep) in backends().await {
        let docs = |rank| {
            (0..10_000)
                .map(move |i| item(&format!("b{i:05}"), "bulk", rank))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            store.bulk_upsert(&ITEMS, docs(1)).await.unwrap(),
            10_000,
            "{name}"
        );
        assert_eq!(
            store
                .count(&ITEMS, &Filter::all().eq("group", "bulk"))
                .await
                .unwrap(),
            10_000,
            "{name}"
        );
        store.bulk_upsert(&ITEMS, docs(2)).await.unwrap();
        let one = store.get(&ITEMS, "b04242").await.unwrap().unwrap();
        assert_eq!(
            (one.version, one.body["rank"].as_i64()),
            (2, Some(2)),
            "{name}"
        );
        assert_eq!(
            store
                .count(&ITEMS, &Filter::all().eq("group", "bulk").eq("rank", 2))
                .await
                .unwrap(),
            10_000,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_filter_on_a_field_without_an_index_is_refused_with_its_name() {
    for (name, store, _keep) in backends().await {
        let query = Query::new(Filter::all().eq("text", "x"));
        match store.find(&ITEMS, &query).await {
            Err(StoreError::Unindexed(message)) => {
                assert!(message.contains("text"), "{name}: {message}")
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        let count = store.count(&ITEMS, &Filter::all().eq("rank", 1)).await;
        assert!(
            matches!(count, Err(StoreError::Unindexed(_))),
            "{name}: {count:?}"
        );
    }
}

#[tokio::test]
async fn delete_and_expiry_remove_documents() {
    for (name, store, _keep) in backends().await {
        store.insert(&ITEMS, item("gone", "g", 1)).await.unwrap();
        assert!(store.delete(&ITEMS, "gone").await.unwrap(), "{name}");
        assert!(!store.delete(&ITEMS, "gone").await.unwrap(), "{name}");
        let mut old = item("old", "ttl", 1);
        old.body.insert("expires_at".into(), json!(1_000));
        let mut young = item("young", "ttl", 2);
        young.body.insert("expires_at".into(), json!(i64::MAX / 2));
        store.bulk_upsert(&ITEMS, vec![old, young]).await.unwrap();
        assert_eq!(
            store.delete_expired(&ITEMS, 2_000).await.unwrap(),
            1,
            "{name}"
        );
        assert!(store.get(&ITEMS, "old").await.unwrap().is_none(), "{name}");
        assert!(
            store.get(&ITEMS, "young").await.unwrap().is_some(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_scan_reads_every_document_once_in_id_order() {
    for (name, store, _keep) in backends().await {
        let docs: Vec<Document> = (0..1200)
            .rev()
            .map(|n| item(&format!("s{n:04}"), "s", n))
            .collect();
        store.bulk_upsert(&ITEMS, docs).await.unwrap();
        let scanned: Vec<Document> = store.scan(&ITEMS).try_collect().await.unwrap();
        let ids: Vec<&str> = scanned.iter().map(|d| d.id.as_str()).collect();
        let expected: Vec<String> = (0..1200).map(|n| format!("s{n:04}")).collect();
        assert_eq!(ids, expected, "{name}");
        assert_eq!(scanned[7].body["rank"], 7, "{name}");
    }
}

static HISTORY: Collection = Collection {
    name: "contract_history",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: true,
};

#[tokio::test]
async fn expired_history_is_archived_in_batches_and_restored_whole() {
    for (name, store, _keep) in backends().await {
        store
            .prepare(&[&HISTORY, &archive::ARCHIVES])
            .await
            .unwrap();
        let entry = |n: i64, expires: Option<i64>| {
            let mut doc = item(&format!("h{n:05}"), "h", n);
            if let Some(at) = expires {
                doc.body.insert("expires_at".into(), json!(at));
            }
            doc
        };
        // Expired longest ago last, so that the order seen is the expiry's, not the ids'.
        let mut docs: Vec<Document> = (0..1500).map(|n| entry(n, Some(3_000 - n))).collect();
        docs.push(entry(9_000, Some(i64::MAX / 2)));
        docs.push(entry(9_001, None));
        store.bulk_upsert(&HISTORY, docs).await.unwrap();
        let oldest = store.find_expired(&HISTORY, 5_000, 2).await.unwrap();
        let ids: Vec<&str> = oldest.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["h01499", "h01498"], "{name}: longest expired first");

        let archived = archive::archive_expired(&store, &HISTORY, 5_000)
            .await
            .unwrap();
        assert_eq!(archived, 1500, "{name}");
        let left = store.count(&HISTORY, &Filter::all()).await.unwrap();
        assert_eq!(left, 2, "{name}: the unexpired and the undated stay");
        let archives = archive::list(&store, Some("contract_history"), 10)
            .await
            .unwrap();
        let mut counts: Vec<u64> = archives.iter().map(|(_, a)| a.count).collect();
        counts.sort();
        assert_eq!(counts, [500, 1000], "{name}");

        let (id, packed) = &archives[0];
        let unpacked = archive::unpack(packed).unwrap();
        assert_eq!(unpacked.len() as u64, packed.count, "{name}");
        let restored = archive::restore(&store, &[&HISTORY], id, 10_000)
            .await
            .unwrap();
        assert_eq!(
            restored.map(|(c, n)| (c.name, n)),
            Some((HISTORY.name, packed.count))
        );
        let back = store.get(&HISTORY, &unpacked[0].id).await.unwrap().unwrap();
        assert_eq!(back.body["rank"], unpacked[0].body["rank"], "{name}");
        let kept_until = 10_000 + archive::RESTORED_FOR_MS;
        assert_eq!(back.body["expires_at"], kept_until, "{name}: kept a while");
        assert!(archive::get(&store, id).await.unwrap().is_none(), "{name}");
        assert_eq!(
            archive::list(&store, None, 10).await.unwrap().len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_bulk_delete_removes_exactly_the_named_ids_and_counts_them() {
    for (name, store, _keep) in backends().await {
        let docs = (0..1500)
            .map(|i| item(&format!("bulk-{i}"), "bulk", i))
            .collect();
        store.bulk_upsert(&ITEMS, docs).await.unwrap();
        // Every even id, and two that were never written.
        let mut doomed: Vec<String> = (0..1500).step_by(2).map(|i| format!("bulk-{i}")).collect();
        doomed.extend(["absent-1".to_owned(), "absent-2".to_owned()]);
        assert_eq!(
            store.delete_many(&ITEMS, &doomed).await.unwrap(),
            750,
            "{name}"
        );
        let left = all_pages(&store, "bulk", Order::Asc, 500).await;
        assert_eq!(left.len(), 750, "{name}");
        assert!(left.iter().all(|(rank, _)| rank % 2 == 1), "{name}");
        assert_eq!(store.delete_many(&ITEMS, &[]).await.unwrap(), 0, "{name}");
    }
}

#[tokio::test]
async fn reserved_fields_are_refused_before_anything_is_written() {
    for (name, store, _keep) in backends().await {
        let doc = Document::new("bad", body(json!({ "_id": "x", "group": "g" })));
        assert!(store.insert(&ITEMS, doc).await.is_err(), "{name}");
        assert!(store.get(&ITEMS, "bad").await.unwrap().is_none(), "{name}");
    }
}
