//! Persistence of imported entities and edges through the document store.

use std::collections::HashSet;

use super::model::{EDGES, ENTITIES, Edge, Entity, Origin};
use crate::storage::{Document, Filter, Query, Store, StoreResult, Typed};

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

/// Replaces every edge `owner` produced from `origin` with `fresh`: removed links disappear.
pub async fn replace_edges(
    store: &Store,
    connection: &str,
    owner: &str,
    origin: Origin,
    fresh: Vec<Edge>,
) -> StoreResult<()> {
    let keep: HashSet<String> = fresh.iter().map(Edge::key).collect();
    let origin_name = serde_json::to_value(origin).unwrap_or_default();
    let filter = Filter::all()
        .eq("connection", connection)
        .eq("owner", owner)
        .eq("origin", origin_name);
    let mut stale = Vec::new();
    edges(store)
        .for_each(&Query::new(filter).limit(500), |r| {
            if !keep.contains(&r.id) {
                stale.push(r.id);
            }
        })
        .await?;
    for id in stale {
        store.delete(&EDGES, &id).await?;
    }
    add_edges(store, fresh).await
}

/// Writes edges without removing others (edges resolved after their page was read).
pub async fn add_edges(store: &Store, fresh: Vec<Edge>) -> StoreResult<()> {
    let docs = fresh
        .iter()
        .map(|edge| {
            let body = serde_json::to_value(edge).map_err(anyhow::Error::from)?;
            Ok(Document::new(
                edge.key(),
                body.as_object().cloned().unwrap_or_default(),
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    if !docs.is_empty() {
        store.bulk_upsert(&EDGES, docs).await?;
    }
    Ok(())
}

/// Every stored record of a collection for one connection, page by page.
pub async fn all<T: serde::Serialize + serde::de::DeserializeOwned>(
    typed: &Typed<T>,
    connection: &str,
    kind_field: &str,
    kinds: &[&str],
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for kind in kinds {
        let filter = Filter::all()
            .eq("connection", connection)
            .eq(kind_field, *kind);
        typed
            .for_each(&Query::new(filter).limit(1000), |r| out.push(r.value))
            .await?;
    }
    Ok(out)
}
