//! API keys for scripts and integrations: `ng_` and 256 random bits, shown once at creation,
//! stored as a SHA-256 digest, scoped (`read`: safe methods only; `write`: everything), with
//! the time they were last used, and revocable (a revoked key is deleted).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::rfc3339;
use super::tokens::{digest, random};
use crate::modules::sync::now_ms;
use crate::storage::{Collection, Filter, Index, Order, Query, Store, StoreResult, Typed};

pub const PREFIX: &str = "ng_";
/// A user's keys are few; this bounds a listing and what one account can create.
pub const MAX_PER_USER: usize = 100;
/// `last_used_at` is written at most this often per key.
const TOUCH_AFTER_MS: i64 = 60_000;

pub static API_KEYS: Collection = Collection {
    name: "api_keys",
    indexes: &[Index::unique(&["hash"]), Index::on(&["user", "created_at"])],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// GET and HEAD.
    Read,
    /// Every method.
    Write,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub user: String,
    pub name: String,
    pub hash: String,
    /// The first characters, so a user can tell keys apart.
    pub hint: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl ApiKey {
    /// Whether the key may make a request with `method`.
    pub fn allows(&self, method: &actix_web::http::Method) -> bool {
        self.scopes.contains(&Scope::Write)
            || (method.is_safe() && self.scopes.contains(&Scope::Read))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The key's first characters, e.g. `ng_Ab12`.
    pub hint: String,
    pub scopes: Vec<Scope>,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A new key, the only time its secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// Send as `Authorization: Bearer ng_...`; it cannot be shown again.
    pub secret: String,
}

fn view(id: &str, key: &ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: id.to_owned(),
        name: key.name.clone(),
        hint: key.hint.clone(),
        scopes: key.scopes.clone(),
        created_at: rfc3339(key.created_at),
        last_used_at: key.last_used_at.map(rfc3339),
    }
}

fn keys(store: &Store) -> Typed<ApiKey> {
    Typed::new(store.clone(), &API_KEYS)
}

pub async fn create(
    store: &Store,
    user: &str,
    name: &str,
    mut scopes: Vec<Scope>,
) -> StoreResult<CreatedKey> {
    scopes.sort();
    scopes.dedup();
    let secret = format!("{PREFIX}{}", random());
    let key = ApiKey {
        user: user.to_owned(),
        name: name.to_owned(),
        hash: digest(&secret),
        hint: secret[..PREFIX.len() + 4].to_owned(),
        scopes,
        created_at: now_ms(),
        last_used_at: None,
    };
    let id = ulid::Ulid::generate().to_string();
    keys(store).insert(&id, &key).await?;
    Ok(CreatedKey {
        key: view(&id, &key),
        secret,
    })
}

pub async fn list(store: &Store, user: &str) -> StoreResult<Vec<ApiKeyView>> {
    let query = Query::new(Filter::all().eq("user", user))
        .sort("created_at", Order::Desc)
        .limit(MAX_PER_USER);
    let (page, _) = keys(store).find(&query).await?;
    Ok(page.iter().map(|r| view(&r.id, &r.value)).collect())
}

/// Deletes the key if it is `user`'s; another user's key id is as unknown as a made-up one.
pub async fn revoke(store: &Store, user: &str, id: &str) -> StoreResult<Option<ApiKey>> {
    match keys(store).get(id).await? {
        Some(record) if record.value.user == user => {
            keys(store).delete(id).await?;
            Ok(Some(record.value))
        }
        _ => Ok(None),
    }
}

/// The key a presented secret belongs to, its last use recorded (at most once a minute).
pub async fn authenticate(store: &Store, secret: &str) -> StoreResult<Option<(String, ApiKey)>> {
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Ok(None);
    }
    let query = Query::new(Filter::all().eq("hash", digest(secret))).limit(1);
    let (page, _) = keys(store).find(&query).await?;
    let Some(mut record) = page.into_iter().next() else {
        return Ok(None);
    };
    let now = now_ms();
    if record
        .value
        .last_used_at
        .is_none_or(|at| now - at >= TOUCH_AFTER_MS)
    {
        record.value.last_used_at = Some(now);
        // A concurrent use recorded it already: either time will do.
        let _ = keys(store).replace(&record).await;
    }
    Ok(Some((record.id, record.value)))
}
