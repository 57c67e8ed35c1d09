//! Persistence of imported entities and edges through the document store.

use std::collections::{BTreeMap, HashSet};

use super::model::{EDGES, ENTITIES, Edge, Entity, Origin};
use crate::storage::{Filter, Order, Query, Store, StoreResult, Typed};

pub fn entities(store: &Store) -> Typed<Entity> {
    Typed::new(store.clone(), &ENTITIES)
}

pub fn edges(store: &Store) -> Typed<Edge> {
    Typed::new(store.clone(), &EDGES)
}

pub fn entity_id(connection: &str, notion_id: &str) -> String {
    format!("{connection}:{notion_id}")
}

pub async fn save_entity(store: &Store, entity: &Entity) -> StoreResult<()> {
    entities(store)
        .upsert(&entity_id(&entity.connection, &entity.notion_id), entity)
        .await
        .map(|_| ())
}

/// Replaces every edge `owner` produced from `origin` with `fresh`: removed links disappear,
/// in one bulk delete after the writes.
pub async fn replace_edges(
    store: &Store,
    connection: &str,
    owner: &str,
    origin: Origin,
    fresh: BTreeMap<String, Edge>,
) -> StoreResult<()> {
    let keys: HashSet<String> = fresh.keys().cloned().collect();
    add_edges(store, fresh).await?;
    remove_edges(store, connection, owner, origin, |key| !keys.contains(key)).await
}

/// Removes the edges `owner` produced from `origin` whose key `stale` picks.
pub async fn remove_edges(
    store: &Store,
    connection: &str,
    owner: &str,
    origin: Origin,
    stale: impl Fn(&str) -> bool,
) -> StoreResult<()> {
    let filter = Filter::all()
        .eq("connection", connection)
        .eq("owner", owner)
        .eq("origin", origin.name());
    let mut picked = Vec::new();
    edges(store)
        .for_each(&Query::new(filter).limit(500), |r| {
            if stale(&r.id) {
                picked.push(r.id);
            }
        })
        .await?;
    if !picked.is_empty() {
        edges(store).delete_many(&picked).await?;
    }
    Ok(())
}

/// Writes edges by key without removing others (edges resolved after their page was read).
pub async fn add_edges(store: &Store, fresh: BTreeMap<String, Edge>) -> StoreResult<()> {
    if fresh.is_empty() {
        return Ok(());
    }
    let values: Vec<(String, Edge)> = fresh.into_iter().collect();
    edges(store).bulk_upsert(&values).await.map(drop)
}

/// How many entities `connection` holds, readable or not.
pub async fn count_entities(store: &Store, connection: &str) -> StoreResult<u64> {
    entities(store)
        .count(&Filter::all().eq("connection", connection))
        .await
}

/// How many edges `connection` holds.
pub async fn count_edges(store: &Store, connection: &str) -> StoreResult<u64> {
    edges(store)
        .count(&Filter::all().eq("connection", connection))
        .await
}

/// Every entity stored for `connection`, in `notion_id` order, one page of the store at a time.
pub async fn for_each_entity(
    store: &Store,
    connection: &str,
    mut each: impl FnMut(Entity),
) -> StoreResult<()> {
    entities(store)
        .for_each(&by(connection, "notion_id"), |r| each(r.value))
        .await
}

/// Every edge stored for `connection`, grouped by kind, one page of the store at a time.
pub async fn for_each_edge(
    store: &Store,
    connection: &str,
    mut each: impl FnMut(Edge),
) -> StoreResult<()> {
    edges(store)
        .for_each(&by(connection, "kind"), |r| each(r.value))
        .await
}

/// Rows read per round trip when a whole workspace is read.
const PAGE: usize = 2000;

fn by(connection: &str, field: &str) -> Query {
    Query::new(Filter::all().eq("connection", connection))
        .sort(field, Order::Asc)
        .limit(PAGE)
}
