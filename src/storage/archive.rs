//! History that has outlived its use but is worth keeping: the documents of a collection marked
//! `archived` (sync runs, graph builds, alerts), once expired, are written to an archive, a
//! document of [`ARCHIVES`] holding a batch of them compressed (zstd JSON lines, checksummed),
//! and only then deleted. Either backend, the same code. An operator lists, reads and restores
//! archives with `notion-graph archive`; restored documents stay for [`RESTORED_FOR_MS`].

use std::io::{BufRead, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Collection, Document, Filter, Index, Order, Query, Store, StoreError, StoreResult};
use crate::storage::Typed;

pub static ARCHIVES: Collection = Collection {
    name: "archives",
    indexes: &[
        Index::on(&["archived_at"]),
        Index::on(&["collection", "archived_at"]),
    ],
    ttl_field: None,
    archived: false,
};

/// Documents per archive: a few hundred kilobytes compressed, far from any document limit.
const BATCH: usize = 1000;
/// How long restored documents stay before housekeeping archives them again.
pub const RESTORED_FOR_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Archive {
    pub collection: String,
    /// Epoch milliseconds.
    pub archived_at: i64,
    pub count: u64,
    /// The compressed bytes' SHA-256, hex.
    pub sha256: String,
    /// zstd of JSON lines, one `{"id", "version", "body"}` per document, in base64.
    pub data: String,
}

fn archives(store: &Store) -> Typed<Archive> {
    Typed::new(store.clone(), &ARCHIVES)
}

/// Archives every expired document of `collection`, a batch at a time; returns how many. A
/// batch is deleted only once its archive is stored, so a failure in between archives it
/// twice, never loses it (a restore writes documents by id: twice is the same as once).
pub async fn archive_expired(
    store: &Store,
    collection: &'static Collection,
    now_ms: i64,
) -> StoreResult<u64> {
    let mut archived = 0;
    loop {
        let expired = store.find_expired(collection, now_ms, BATCH).await?;
        if expired.is_empty() {
            return Ok(archived);
        }
        let archive = pack(collection.name, &expired, now_ms).map_err(StoreError::Other)?;
        let id = ulid::Ulid::generate().to_string();
        archives(store).insert(&id, &archive).await?;
        let ids: Vec<String> = expired.iter().map(|d| d.id.clone()).collect();
        archived += store.delete_many(collection, &ids).await?;
        if expired.len() < BATCH {
            return Ok(archived);
        }
    }
}

/// Documents as an archive's compressed, checksummed JSON lines.
pub fn pack(collection: &str, documents: &[Document], now_ms: i64) -> anyhow::Result<Archive> {
    let mut encoder = zstd::Encoder::new(Vec::new(), 9)?;
    for document in documents {
        let line = json!({"id": document.id, "version": document.version, "body": document.body});
        serde_json::to_writer(&mut encoder, &line)?;
        encoder.write_all(b"\n")?;
    }
    let compressed = encoder.finish()?;
    Ok(Archive {
        collection: collection.to_owned(),
        archived_at: now_ms,
        count: documents.len() as u64,
        sha256: hex::encode(Sha256::digest(&compressed)),
        data: STANDARD.encode(&compressed),
    })
}

/// The documents of an archive, once its checksum holds.
pub fn unpack(archive: &Archive) -> anyhow::Result<Vec<Document>> {
    let compressed = STANDARD.decode(&archive.data)?;
    anyhow::ensure!(
        hex::encode(Sha256::digest(&compressed)) == archive.sha256,
        "the archive's checksum does not match its data: it is damaged"
    );
    let lines = std::io::BufReader::new(zstd::Decoder::new(compressed.as_slice())?).lines();
    lines
        .map(|line| {
            let mut line: Value = serde_json::from_str(&line?)?;
            let id = line["id"].as_str().unwrap_or_default().to_owned();
            let body = match line["body"].take() {
                Value::Object(body) => body,
                _ => anyhow::bail!("document `{id}` of the archive has no body"),
            };
            let version = line["version"].as_i64().unwrap_or(1);
            Ok(Document { id, version, body })
        })
        .collect()
}

/// The newest archives (of `collection`, if given), newest first, data and all (the store
/// reads whole documents), not unpacked.
pub async fn list(
    store: &Store,
    collection: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<(String, Archive)>> {
    let filter = match collection {
        Some(name) => Filter::all().eq("collection", name),
        None => Filter::all(),
    };
    let query = Query::new(filter)
        .sort("archived_at", Order::Desc)
        .limit(limit);
    let (found, _) = archives(store).find(&query).await?;
    Ok(found.into_iter().map(|r| (r.id, r.value)).collect())
}

pub async fn get(store: &Store, id: &str) -> StoreResult<Option<Archive>> {
    Ok(archives(store).get(id).await?.map(|r| r.value))
}

/// Puts an archive's documents back in their collection (kept [`RESTORED_FOR_MS`] from now),
/// then drops the archive; returns the collection and how many documents came back.
pub async fn restore(
    store: &Store,
    collections: &[&'static Collection],
    id: &str,
    now_ms: i64,
) -> anyhow::Result<Option<(&'static Collection, u64)>> {
    let Some(archive) = get(store, id).await? else {
        return Ok(None);
    };
    let collection = collections
        .iter()
        .find(|c| c.name == archive.collection)
        .ok_or_else(|| {
            anyhow::anyhow!("this version has no collection `{}`", archive.collection)
        })?;
    let mut documents = unpack(&archive)?;
    if let Some(ttl) = collection.ttl_field {
        for document in &mut documents {
            document
                .body
                .insert(ttl.into(), json!(now_ms + RESTORED_FOR_MS));
        }
    }
    let restored = store.bulk_upsert(collection, documents).await?;
    archives(store).delete(id).await?;
    Ok(Some((collection, restored)))
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    #[test]
    fn documents_come_out_of_an_archive_as_they_went_in_and_damage_is_found() {
        let body = |n: i64| {
            let mut body = Map::new();
            body.insert("n".into(), json!(n));
            body
        };
        let documents: Vec<Document> = (0..3)
            .map(|n| Document {
                id: format!("d{n}"),
                version: n + 1,
                body: body(n),
            })
            .collect();
        let mut archive = pack("sync_runs", &documents, 42).unwrap();
        assert_eq!((archive.count, archive.archived_at), (3, 42));
        assert_eq!(unpack(&archive).unwrap(), documents);
        archive.sha256 = hex::encode(Sha256::digest(b"other"));
        let damaged = unpack(&archive).unwrap_err().to_string();
        assert!(damaged.contains("damaged"), "{damaged}");
    }
}
