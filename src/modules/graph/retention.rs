//! Which snapshots stay: the newest few of each workspace (`graph_snapshots_kept`), and every
//! version something still serves. A share link that shows a fixed version pins it with
//! [`pin`] and lets it go with [`unpin`]; the embed module does both through the graph's
//! service, so the graph never reads another module's store. A pin can expire with its holder.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::store;
use crate::storage::{Collection, Filter, Index, Query, Store, StoreResult, Typed};

pub static SNAPSHOT_PINS: Collection = Collection {
    name: "graph_snapshot_pins",
    indexes: &[Index::on(&["workspace"])],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// One holder's claim on one snapshot version; the holder's id is the document id, so a holder
/// pins one version at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pin {
    workspace: String,
    version: u64,
    /// Epoch milliseconds after which the pin no longer holds (and housekeeping deletes it).
    expires_at: Option<i64>,
}

fn pins(store: &Store) -> Typed<Pin> {
    Typed::new(store.clone(), &SNAPSHOT_PINS)
}

/// `holder` (e.g. `share:<id>`) needs `version` of `workspace` until it is unpinned or
/// `expires_at`; pinning again moves its pin.
pub async fn pin(
    store: &Store,
    holder: &str,
    workspace: &str,
    version: u64,
    expires_at: Option<i64>,
) -> StoreResult<()> {
    let pin = Pin {
        workspace: workspace.to_owned(),
        version,
        expires_at,
    };
    pins(store).upsert(holder, &pin).await.map(|_| ())
}

/// Lets go of `holder`'s pin; whether it had one.
pub async fn unpin(store: &Store, holder: &str) -> StoreResult<bool> {
    store.delete(&SNAPSHOT_PINS, holder).await
}

/// Versions of `workspace` pinned at `now` (epoch milliseconds).
pub async fn pinned(store: &Store, workspace: &str, now: i64) -> StoreResult<BTreeSet<u64>> {
    let mut versions = BTreeSet::new();
    let query = Query::new(Filter::all().eq("workspace", workspace)).limit(500);
    pins(store)
        .for_each(&query, |record| {
            if record.value.expires_at.is_none_or(|at| at > now) {
                versions.insert(record.value.version);
            }
        })
        .await?;
    Ok(versions)
}

/// Deletes the snapshots of `workspace` beyond the newest `kept` that nothing pins, and
/// returns their versions.
pub async fn apply(store: &Store, workspace: &str, kept: usize) -> StoreResult<Vec<u64>> {
    let now = chrono::Utc::now().timestamp_millis();
    let pinned = pinned(store, workspace, now).await?;
    store::prune(store, workspace, kept.max(1), &pinned).await
}
