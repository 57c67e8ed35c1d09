//! Workspaces that come from somewhere other than Notion, such as a plain edge list for demos
//! and benchmarks. They are stored the way an import stores a workspace (a connection, its
//! entities, its edges), so that everything above the store (graph builds, views, shares)
//! treats them like any other. They have no token and are never synced: they start paused.

use super::connect::new_connection;
use super::connection::{Connection, Counts, Status, connections};
use super::model::{Edge, Entity, EntityKind, Origin};
use super::now_ms;
use super::service::SyncError;
use super::store;
use crate::modules::notion::links::LinkKind;
use crate::state::AppState;

/// Documents written per round trip.
const BATCH: usize = 10_000;

/// What a local workspace's edges say they came from.
pub const PROVENANCE: &str = "edge list";

/// A page of a local workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalPage {
    pub id: String,
    pub title: String,
}

/// Stores a new workspace named `name` for `owner` with `pages` and `links` (page mentions
/// between page ids) and returns its connection.
pub async fn create(
    state: &AppState,
    owner: &str,
    name: &str,
    pages: Vec<LocalPage>,
    links: Vec<(String, String)>,
) -> Result<Connection, SyncError> {
    let id = format!(
        "local-{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    let mut connection = new_connection(state, owner, &id);
    connection.name = name.to_owned();
    connection.status = Status::Paused;
    connection.next_sync_at = None;
    connection.last_sync_at = Some(now_ms());
    let entities = pages.into_iter().map(|page| {
        let entity = Entity {
            title: page.title,
            ..Entity::blank(&id, &page.id, EntityKind::Page)
        };
        (store::entity_id(&id, &page.id), entity.read())
    });
    write(&store::entities(&state.store), entities).await?;
    let edges = links.into_iter().map(|(source, target)| {
        let edge = Edge {
            connection: id.clone(),
            owner: source.clone(),
            source,
            target,
            kind: LinkKind::PageMention,
            provenance: PROVENANCE.into(),
            origin: Origin::Content,
        };
        (edge.key(), edge)
    });
    write(&store::edges(&state.store), edges).await?;
    connection.counts = Some(Counts::of(&state.store, &id).await?);
    // Last, so that the workspace appears only once it is whole.
    connections(&state.store).insert(&id, &connection).await?;
    Ok(connection)
}

pub(super) async fn write<T: serde::Serialize + serde::de::DeserializeOwned>(
    typed: &crate::storage::Typed<T>,
    values: impl Iterator<Item = (String, T)>,
) -> Result<(), SyncError> {
    let mut batch = Vec::with_capacity(BATCH);
    for value in values {
        batch.push(value);
        if batch.len() == BATCH {
            typed.bulk_upsert(&batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        typed.bulk_upsert(&batch).await?;
    }
    Ok(())
}
