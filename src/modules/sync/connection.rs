//! Workspace connections: which Notion workspace, whose it is, its tokens (sealed at rest), its
//! status and sync settings, and when it was last synced.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::model::{EDGES, ENTITIES};
use super::run::{RunKind, RunState};
use crate::crypto::{Binding, CryptoError, Keyring, Sealed};
use crate::storage::{Collection, Filter, Index, Query, Store, StoreResult, Typed};

pub static CONNECTIONS: Collection = Collection {
    name: "notion_connections",
    indexes: &[
        Index::on(&["status"]),
        Index::on(&["tenant", "name"]),
        Index::on(&["workspace_id"]),
        Index::on(&["latest_run.state"]),
    ],
    ttl_field: None,
    archived: false,
};

/// The tenant of what belongs to the instance rather than to a user (the webhook
/// subscription), and of connections made before accounts existed (adopted by the next user
/// who connects the same workspace).
pub const LOCAL_TENANT: &str = "local";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    /// Notion refused the token (revoked, or the refresh grant is gone): the user must connect
    /// again. Syncs stop instead of failing over and over.
    #[serde(alias = "needs_reauthorisation")]
    NeedsReauthorization,
    Paused,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncSettings {
    /// Minutes between scheduled incremental syncs.
    pub interval_minutes: u32,
    /// Requests per second this workspace may spend (Notion allows about 3).
    pub rate: f64,
}

/// A connected workspace, keyed by the integration's bot id (unique per authorisation;
/// `workspace_id` is not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    /// The owner's user id: every route checks it through `service::workspace_for`.
    pub tenant: String,
    pub bot_id: String,
    pub workspace_id: Option<String>,
    pub name: String,
    pub icon: Option<String>,
    pub access_token: Sealed,
    pub refresh_token: Option<Sealed>,
    pub status: Status,
    pub settings: SyncSettings,
    /// Epoch milliseconds of the last completed sync.
    pub last_sync_at: Option<i64>,
    /// When that sync began: the next one re-reads what changed after this (less an overlap).
    pub last_sync_started_at: Option<i64>,
    pub last_calls: Option<u64>,
    /// When the last reconciliation (or full import) began.
    #[serde(default)]
    pub last_reconciled_at: Option<i64>,
    /// When the schedule next enqueues a sync; `None` while one is queued or running.
    pub next_sync_at: Option<i64>,
    /// Which Notion it talks to; connections stored before samples existed are Notion's.
    #[serde(default)]
    pub api: Api,
    /// The plan's pages per workspace, when the last sync stopped there: once the plan allows
    /// more, the next sync is a full import, so that lifting the limit brings in the rest.
    #[serde(default)]
    pub page_limit_reached: Option<u64>,
    /// Where what is stored came from; connections stored before zips existed are the API's.
    #[serde(default)]
    pub source: Source,
    /// What is stored, counted when the latest run or import ended, so that listing
    /// workspaces counts nothing. `None` before the first run ends, and in connections stored
    /// before counts were kept: those are counted when they are shown.
    #[serde(default)]
    pub counts: Option<Counts>,
    /// How the latest run stands, kept here as runs start and end, so that neither the home
    /// page nor the admin's failing syncs read the run history.
    #[serde(default)]
    pub latest_run: Option<LatestRun>,
}

/// Pages (every entity) and links (every edge) stored for a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pages: u64,
    pub links: u64,
}

impl Counts {
    /// Counted in the store: two counts, made when a run or an import ends.
    pub async fn of(store: &Store, id: &str) -> StoreResult<Self> {
        let mine = Filter::all().eq("connection", id);
        Ok(Self {
            pages: store.count(&ENTITIES, &mine).await?,
            links: store.count(&EDGES, &mine).await?,
        })
    }
}

/// The latest run of a connection, in short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatestRun {
    pub run: String,
    pub kind: RunKind,
    /// `failed` as soon as it failed, even while a full import stays resumable.
    pub state: RunState,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
}

/// Keeps `latest` on the connection; once the run has ended, with the counts of what it left,
/// and whatever else `also` sets, all in one write.
pub async fn record_run(
    store: &Store,
    id: &str,
    latest: LatestRun,
    also: impl Fn(&mut Connection),
) -> StoreResult<()> {
    let counts = match latest.state {
        RunState::Running => None,
        _ => Some(Counts::of(store, id).await?),
    };
    connections(store)
        .update(id, |c| {
            c.latest_run = Some(latest.clone());
            c.counts = counts.or(c.counts);
            also(c);
            Some(())
        })
        .await?;
    Ok(())
}

/// Connections of every tenant whose latest run is in `state`.
pub async fn with_latest_run(store: &Store, state: RunState) -> StoreResult<Vec<Connection>> {
    let name = serde_json::to_value(state).unwrap_or_default();
    let query = Query::new(Filter::all().eq("latest_run.state", name)).limit(200);
    let mut found = Vec::new();
    connections(store)
        .for_each(&query, |r| found.push(r.value))
        .await?;
    Ok(found)
}

/// How a workspace was imported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Read from Notion's API with a token (synced from then on).
    #[default]
    Api,
    /// From a Notion export zip: never synced until a token is connected to it.
    Zip,
}

/// The Notion a connection talks to: Notion's API (`notion_api_url`), or the sample workspace
/// the instance serves itself. Chosen by the server when connecting, never by a caller's URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    #[default]
    Notion,
    Sample,
}

pub const ACCESS_TOKEN: &str = "notion_access_token";
pub const REFRESH_TOKEN: &str = "notion_refresh_token";

impl Connection {
    pub fn binding<'a>(&'a self, field: &'a str) -> Binding<'a> {
        Binding {
            tenant: &self.tenant,
            field,
        }
    }

    pub fn access_token(&self, keys: &Keyring) -> Result<SecretString, CryptoError> {
        keys.open(&self.access_token, self.binding(ACCESS_TOKEN))
    }
}

pub fn connections(store: &Store) -> Typed<Connection> {
    Typed::new(store.clone(), &CONNECTIONS)
}

pub async fn get(store: &Store, id: &str) -> StoreResult<Option<Connection>> {
    Ok(connections(store).get(id).await?.map(|r| r.value))
}

/// Every connection, page by page.
pub async fn all(store: &Store) -> StoreResult<Vec<Connection>> {
    let mut found = Vec::new();
    connections(store)
        .for_each(&Query::new(Filter::all()).limit(200), |r| {
            found.push(r.value)
        })
        .await?;
    Ok(found)
}

/// A user's connections, by name.
pub async fn of_tenant(store: &Store, tenant: &str) -> StoreResult<Vec<Connection>> {
    let query = Query::new(Filter::all().eq("tenant", tenant))
        .sort("name", crate::storage::Order::Asc)
        .limit(200);
    let mut found = Vec::new();
    connections(store)
        .for_each(&query, |r| found.push(r.value))
        .await?;
    Ok(found)
}

/// The connections of a Notion workspace (webhook events name the workspace).
pub async fn of_workspace(store: &Store, workspace: &str) -> StoreResult<Vec<Connection>> {
    let query = Query::new(Filter::all().eq("workspace_id", workspace)).limit(100);
    let (page, _) = connections(store).find(&query).await?;
    Ok(page.into_iter().map(|r| r.value).collect())
}

/// Active connections whose next sync time has come.
pub async fn due(store: &Store, now_ms: i64) -> StoreResult<Vec<Connection>> {
    let active = Query::new(Filter::all().eq("status", "active")).limit(200);
    let mut found = Vec::new();
    connections(store)
        .for_each(&active, |r| {
            if r.value.next_sync_at.is_some_and(|at| at <= now_ms) {
                found.push(r.value);
            }
        })
        .await?;
    Ok(found)
}
