//! Persistence of snapshots through the document store: one meta document per version and the
//! compressed body in base64 chunk documents, so that no document comes near MongoDB's limit.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::model::{Snapshot, SnapshotMeta};
use super::snapshot;
use crate::storage::{
    Collection, Filter, Index, Order, Query, Store, StoreError, StoreResult, Typed,
};

pub static SNAPSHOTS: Collection = Collection {
    name: "graph_snapshots",
    indexes: &[Index::unique(&["workspace", "version"])],
    ttl_field: None,
    archived: false,
};

pub static SNAPSHOT_CHUNKS: Collection = Collection {
    name: "graph_snapshot_chunks",
    indexes: &[Index::on(&["body", "seq"])],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chunk {
    /// The body this chunk belongs to: one id per build, so racing builds never mix chunks.
    body: String,
    seq: u32,
    /// Base64 of up to [`snapshot::CHUNK_BYTES`] bytes.
    data: String,
}

fn metas(store: &Store) -> Typed<SnapshotMeta> {
    Typed::new(store.clone(), &SNAPSHOTS)
}

fn chunks(store: &Store) -> Typed<Chunk> {
    Typed::new(store.clone(), &SNAPSHOT_CHUNKS)
}

fn meta_id(workspace: &str, version: u64) -> String {
    format!("{workspace}:{version:010}")
}

fn chunk_id(body: &str, seq: u32) -> String {
    format!("{body}:{seq:05}")
}

/// The newest snapshot's meta of `workspace`, if any.
pub async fn latest_meta(store: &Store, workspace: &str) -> StoreResult<Option<SnapshotMeta>> {
    Ok(versions(store, workspace, 1).await?.into_iter().next())
}

/// The metas of `workspace`'s snapshots, newest first, up to `limit`.
pub async fn versions(
    store: &Store,
    workspace: &str,
    limit: usize,
) -> StoreResult<Vec<SnapshotMeta>> {
    let query = Query::new(Filter::all().eq("workspace", workspace))
        .sort("version", Order::Desc)
        .limit(limit);
    let (page, _) = metas(store).find(&query).await?;
    Ok(page.into_iter().map(|r| r.value).collect())
}

pub async fn meta(
    store: &Store,
    workspace: &str,
    version: u64,
) -> StoreResult<Option<SnapshotMeta>> {
    Ok(metas(store)
        .get(&meta_id(workspace, version))
        .await?
        .map(|r| r.value))
}

/// Stores `snapshot` as the next version of its workspace and returns its meta. The chunks go
/// first and the meta last, so that a reader never finds a meta without its body; two builds
/// racing for one version number: the loser takes the next.
pub async fn save(store: &Store, snapshot: &mut Snapshot) -> StoreResult<SnapshotMeta> {
    let parts = snapshot::encode(snapshot)?;
    snapshot.meta.stored_bytes = parts.iter().map(|p| p.len() as u64).sum();
    snapshot.meta.chunk_count = parts.len() as u32;
    snapshot.meta.body = uuid::Uuid::now_v7().simple().to_string();
    save_chunks(store, &snapshot.meta.body, &parts).await?;
    let workspace = snapshot.meta.workspace.clone();
    loop {
        let version = latest_meta(store, &workspace)
            .await?
            .map_or(1, |m| m.version + 1);
        snapshot.meta.version = version;
        match metas(store)
            .insert(&meta_id(&workspace, version), &snapshot.meta)
            .await
        {
            Ok(_) => return Ok(snapshot.meta.clone()),
            Err(StoreError::Conflict(_)) => continue,
            Err(other) => return Err(other),
        }
    }
}

async fn save_chunks(store: &Store, body: &str, parts: &[Vec<u8>]) -> StoreResult<()> {
    for (seq, part) in parts.iter().enumerate() {
        let chunk = Chunk {
            body: body.to_owned(),
            seq: seq as u32,
            data: STANDARD.encode(part),
        };
        chunks(store)
            .upsert(&chunk_id(body, seq as u32), &chunk)
            .await?;
    }
    Ok(())
}

/// The snapshot `meta` describes, read back from its chunks.
pub async fn load(store: &Store, meta: SnapshotMeta) -> StoreResult<Snapshot> {
    let filter = Filter::all().eq("body", meta.body.as_str());
    let query = Query::new(filter).sort("seq", Order::Asc).limit(4);
    let mut parts = Vec::with_capacity(meta.chunk_count as usize);
    let mut after = None;
    loop {
        let (page, next) = chunks(store).find(&query.clone().after(after)).await?;
        for record in page {
            let bytes = STANDARD
                .decode(record.value.data)
                .map_err(anyhow::Error::from)?;
            parts.push(bytes);
        }
        match next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    if parts.len() != meta.chunk_count as usize {
        return Err(StoreError::Other(anyhow::anyhow!(
            "snapshot {} of {} has {} of its {} chunks",
            meta.version,
            meta.workspace,
            parts.len(),
            meta.chunk_count
        )));
    }
    let (graph, metrics, positions) = snapshot::decode(&parts)?;
    Ok(Snapshot {
        meta,
        graph,
        metrics,
        positions,
    })
}

/// Deletes the snapshots of `workspace` beyond the newest `keep`, except the `pinned` versions,
/// each meta before its chunks (a reader never finds a meta without its body), and returns the
/// versions deleted, oldest first.
pub async fn prune(
    store: &Store,
    workspace: &str,
    keep: usize,
    pinned: &BTreeSet<u64>,
) -> StoreResult<Vec<u64>> {
    let query = Query::new(Filter::all().eq("workspace", workspace))
        .sort("version", Order::Desc)
        .limit(100);
    let mut doomed = Vec::new();
    let mut newer = 0;
    metas(store)
        .for_each(&query, |record| {
            newer += 1;
            if newer > keep && !pinned.contains(&record.value.version) {
                doomed.push(record.value);
            }
        })
        .await?;
    doomed.reverse();
    for meta in &doomed {
        store
            .delete(&SNAPSHOTS, &meta_id(workspace, meta.version))
            .await?;
        for seq in 0..meta.chunk_count {
            store
                .delete(&SNAPSHOT_CHUNKS, &chunk_id(&meta.body, seq))
                .await?;
        }
    }
    Ok(doomed.into_iter().map(|meta| meta.version).collect())
}

/// Deletes every snapshot of `workspace` with its chunks (the workspace was disconnected).
pub async fn delete_workspace(store: &Store, workspace: &str) -> StoreResult<()> {
    prune(store, workspace, 0, &BTreeSet::new()).await?;
    Ok(())
}
