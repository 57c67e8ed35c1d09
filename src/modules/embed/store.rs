//! Persistence of share links. Every read goes to the document store (no copy is kept in
//! memory), so that a revoked or expired link is refused at once by every instance.

use super::model::Share;
use crate::storage::{Collection, Filter, Index, Order, Query, Store, StoreResult, Typed};

pub static SHARES: Collection = Collection {
    name: "embed_shares",
    indexes: &[
        Index::unique(&["hash"]),
        Index::on(&["workspace", "created_at"]),
    ],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// A workspace's links are few; this bounds a listing.
pub const MAX_PER_WORKSPACE: usize = 200;

pub fn shares(store: &Store) -> Typed<Share> {
    Typed::new(store.clone(), &SHARES)
}

/// The share whose token has the digest `hash`, with its id.
pub async fn by_hash(store: &Store, hash: &str) -> StoreResult<Option<(String, Share)>> {
    let query = Query::new(Filter::all().eq("hash", hash)).limit(1);
    let (page, _) = shares(store).find(&query).await?;
    Ok(page.into_iter().next().map(|r| (r.id, r.value)))
}

/// A workspace's share links, newest first.
pub async fn for_workspace(store: &Store, workspace: &str) -> StoreResult<Vec<(String, Share)>> {
    let query = Query::new(Filter::all().eq("workspace", workspace))
        .sort("created_at", Order::Desc)
        .limit(MAX_PER_WORKSPACE);
    let (page, _) = shares(store).find(&query).await?;
    Ok(page.into_iter().map(|r| (r.id, r.value)).collect())
}
