//! The workspace API's logic, for the routes in [`super::routes`] and the dashboard: a user's
//! connected workspaces, connecting one with an integration token, its settings, syncs on
//! demand and their history, and disconnecting, which deletes everything imported from it.
//! Callers have checked membership with [`super::service::workspace_for`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::connection::{self, Api, Connection, Counts, LatestRun, Source, Status, connections};
use super::jobs::SyncWorkspace;
use super::model::{EDGES, ENTITIES};
use super::run::{self, FRONTIER, RUNS, Run, RunState};
use super::service::{SyncError, connect_with_token, progress_channel};
use super::{LEASES, lease, now_ms};
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::model::rfc3339;
use crate::state::AppState;
use crate::storage::{Filter, Query, delete_matching};

/// Bounds of the sync interval a user may choose; the plan may ask for a longer one.
pub const MIN_INTERVAL_MINUTES: u32 = 15;
pub const MAX_INTERVAL_MINUTES: u32 = 7 * 24 * 60;

/// A connected workspace as its owner sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkspaceView {
    pub id: String,
    pub name: String,
    pub icon: Option<String>,
    pub status: Status,
    /// Notion's id of the workspace.
    pub notion_workspace_id: Option<String>,
    /// `token` (internal integration), `oauth` (Sign in with Notion), or `zip` (an uploaded
    /// Notion export, not synced until a token is connected to it).
    pub connected_with: &'static str,
    /// Where the pages came from: `api` (read from Notion) or `zip` (a Notion export).
    pub source: Source,
    /// Pages, rows, databases and data sources imported.
    pub pages: u64,
    pub links: u64,
    pub last_sync_at: Option<String>,
    /// When the schedule syncs it next; `null` while a sync is queued or running, or paused.
    pub next_sync_at: Option<String>,
    pub sync_interval_minutes: u32,
    pub paused: bool,
    /// Set when the last sync stopped at the plan's pages per workspace (this many): the
    /// graph shows what was imported; a plan with a higher limit imports the rest.
    pub page_limit_reached: Option<u64>,
    /// How the latest sync went; `null` before the first one starts.
    pub latest_sync: Option<LatestSync>,
}

/// A workspace's latest sync.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestSync {
    /// `failed` when the latest attempt failed, even if a full import will resume.
    pub state: RunState,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// What went wrong, when it failed.
    pub error: Option<String>,
}

impl From<&LatestRun> for LatestSync {
    fn from(latest: &LatestRun) -> Self {
        Self {
            state: latest.state,
            started_at: rfc3339(latest.started_at),
            finished_at: latest.finished_at.map(rfc3339),
            error: latest.error.clone(),
        }
    }
}

/// The workspace with the counts kept on its connection: nothing is counted unless they were
/// never kept (before its first run ends, or a connection older than the counts).
pub async fn view(state: &AppState, connection: Connection) -> Result<WorkspaceView, SyncError> {
    let counts = match connection.counts {
        Some(counts) => counts,
        None => Counts::of(&state.store, &connection.id).await?,
    };
    Ok(WorkspaceView {
        pages: counts.pages,
        links: counts.links,
        latest_sync: connection.latest_run.as_ref().map(LatestSync::from),
        connected_with: match (connection.source, &connection.refresh_token) {
            (Source::Zip, _) => "zip",
            (Source::Api, Some(_)) => "oauth",
            (Source::Api, None) => "token",
        },
        source: connection.source,
        last_sync_at: connection.last_sync_at.map(rfc3339),
        next_sync_at: connection
            .next_sync_at
            .filter(|_| connection.status == Status::Active)
            .map(rfc3339),
        sync_interval_minutes: connection.settings.interval_minutes,
        paused: connection.status == Status::Paused,
        page_limit_reached: connection.page_limit_reached,
        notion_workspace_id: connection.workspace_id,
        status: connection.status,
        icon: connection.icon,
        name: connection.name,
        id: connection.id,
    })
}

pub async fn list(state: &AppState, owner: &str) -> Result<Vec<WorkspaceView>, SyncError> {
    let mut views = Vec::new();
    for connection in connection::of_tenant(&state.store, owner).await? {
        views.push(view(state, connection).await?);
    }
    Ok(views)
}

/// Connects the workspace of an internal integration token and queues its first import.
pub async fn connect(
    state: &AppState,
    owner: &str,
    token: secrecy::SecretString,
    client: &ClientInfo,
) -> Result<WorkspaceView, SyncError> {
    connect_to(state, owner, token, Api::Notion, client).await
}

/// Connects the sample workspace this instance serves itself (see `dashboard::demo`), so
/// that someone without a Notion account sees the whole product.
pub async fn connect_sample(
    state: &AppState,
    owner: &str,
    client: &ClientInfo,
) -> Result<WorkspaceView, SyncError> {
    let sample = state.settings.notion.sample.as_ref();
    let token = sample.ok_or(SyncError::NoSample)?.token.clone();
    connect_to(state, owner, token.into(), Api::Sample, client).await
}

async fn connect_to(
    state: &AppState,
    owner: &str,
    token: secrecy::SecretString,
    api: Api,
    client: &ClientInfo,
) -> Result<WorkspaceView, SyncError> {
    let connection = connect_with_token(state, owner, token, api).await?;
    queue_sync(state, &connection).await?;
    crate::modules::analytics::track(
        state,
        owner,
        crate::modules::analytics::Event::WorkspaceConnected,
    );
    audit::record(
        &state.store,
        Action::WorkspaceConnected,
        Some(owner),
        Some(&connection.id),
        client,
        None,
    )
    .await;
    view(state, connection).await
}

/// Connects `token` to `connection` (a workspace from a Notion export zip, or one whose token
/// is replaced) and queues the sync that reads it from Notion over what is stored.
pub async fn attach_token(
    state: &AppState,
    connection: Connection,
    token: secrecy::SecretString,
    client: &ClientInfo,
) -> Result<WorkspaceView, SyncError> {
    let owner = connection.tenant.clone();
    let connection = super::connect::attach_token(state, connection, token).await?;
    queue_sync(state, &connection).await?;
    audit::record(
        &state.store,
        Action::WorkspaceConnected,
        Some(&owner),
        Some(&connection.id),
        client,
        None,
    )
    .await;
    view(state, connection).await
}

/// Queues a sync of the connection; the job decides whether it is a full or incremental one.
/// The schedule moves one interval on, as when it queues a sync itself: left due, the next
/// housekeeping tick would queue a second sync, which ran as soon as this one let go of the
/// lease (a new workspace was imported, then at once synced again). Should the job be lost,
/// the schedule makes it good then.
pub async fn queue_sync(state: &AppState, connection: &Connection) -> Result<String, SyncError> {
    if connection.status != Status::Active {
        return Err(SyncError::Inactive(connection.status));
    }
    connections(&state.store)
        .update(&connection.id, |c| {
            c.next_sync_at = Some(super::minutes_from_now(c.settings.interval_minutes));
            Some(())
        })
        .await?;
    let job = SyncWorkspace {
        connection: connection.id.clone(),
    };
    Ok(state.jobs.push(&job).await?)
}

/// What a user may change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceUpdate {
    pub name: Option<String>,
    /// 15 to 10080 minutes.
    #[serde(default, deserialize_with = "crate::json::whole_option")]
    pub sync_interval_minutes: Option<u32>,
    /// A paused workspace is not synced until resumed.
    pub paused: Option<bool>,
}

fn check(update: &WorkspaceUpdate) -> Result<(), SyncError> {
    if let Some(name) = &update.name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        return Err(SyncError::Invalid(
            "a workspace name must be 1 to 200 characters".into(),
        ));
    }
    if let Some(minutes) = update.sync_interval_minutes
        && !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&minutes)
    {
        return Err(SyncError::Invalid(format!(
            "sync_interval_minutes must be {MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES}"
        )));
    }
    Ok(())
}

pub async fn update(
    state: &AppState,
    id: &str,
    update: WorkspaceUpdate,
) -> Result<WorkspaceView, SyncError> {
    check(&update)?;
    if let Some(minutes) = update.sync_interval_minutes {
        allow_interval(state, id, minutes).await?;
    }
    let updated = connections(&state.store)
        .update(id, |c| {
            if let Some(name) = &update.name {
                c.name = name.trim().to_owned();
            }
            if let Some(minutes) = update.sync_interval_minutes {
                c.settings.interval_minutes = minutes;
            }
            match (update.paused, c.status) {
                (Some(true), Status::Active) => c.status = Status::Paused,
                (Some(false), Status::Paused) => {
                    c.status = Status::Active;
                    c.next_sync_at = Some(now_ms());
                }
                _ => {}
            }
            Some(())
        })
        .await?
        .ok_or_else(|| SyncError::UnknownConnection(id.to_owned()))?;
    view(state, updated.value).await
}

/// Refuses an interval shorter than the owner's plan allows.
async fn allow_interval(state: &AppState, id: &str, minutes: u32) -> Result<(), SyncError> {
    let connection = connection::get(&state.store, id)
        .await?
        .ok_or_else(|| SyncError::UnknownConnection(id.to_owned()))?;
    let entitlements = crate::modules::payments::entitlements(state, &connection.tenant).await?;
    entitlements
        .allow_sync_interval(minutes)
        .map_err(|e| SyncError::Plan(Box::new(e)))
}

/// The connection's runs, newest first.
pub async fn history(state: &AppState, id: &str, limit: usize) -> Result<Vec<Run>, SyncError> {
    Ok(run::history(&state.store, id, limit).await?)
}

/// Disconnects the workspace and deletes everything imported from it: pages, edges, runs and
/// their checkpoints, graph snapshots. A sync under way is told to stop first (it holds the
/// workspace's lease, which this then takes, so nothing is written afterwards).
pub async fn disconnect(
    state: &AppState,
    connection: &Connection,
    actor: &str,
    client: &ClientInfo,
) -> Result<(), SyncError> {
    let id = connection.id.as_str();
    connections(&state.store).delete(id).await?;
    state
        .cache
        .publish(&cancel_channel(id), "disconnected")
        .await
        .map_err(anyhow::Error::from)?;
    let ttl = Duration::from_millis(state.settings.sync.lease_ms);
    let holder = format!("{}:disconnect", state.instance);
    let held = lease::wait_for(&state.store, id, &holder, ttl).await?;
    if held.is_none() {
        tracing::warn!(
            connection = id,
            "a sync did not stop in time; deleting anyway"
        );
    }
    delete_imported(state, id).await?;
    state.modules.workspace_removed(state, id).await?;
    state.store.delete(&super::pending::PENDING, id).await?;
    state.store.delete(&LEASES, id).await?;
    audit::record(
        &state.store,
        Action::WorkspaceDisconnected,
        Some(actor),
        Some(id),
        client,
        None,
    )
    .await;
    Ok(())
}

/// Deletes what the import of `id` stored: entities, edges, runs and their checkpoints, and
/// a zip's page contents.
async fn delete_imported(state: &AppState, id: &str) -> Result<(), SyncError> {
    let mine = Filter::all().eq("connection", id);
    let mut run_ids = Vec::new();
    run::runs(&state.store)
        .for_each(&Query::new(mine.clone()).limit(500), |r| run_ids.push(r.id))
        .await?;
    for run in run_ids {
        let frontier = Filter::all().eq("run", run.as_str());
        delete_matching(&state.store, &FRONTIER, &frontier).await?;
    }
    for collection in [&ENTITIES, &EDGES, &RUNS, &super::zip::contents::CONTENTS] {
        delete_matching(&state.store, collection, &mine).await?;
    }
    Ok(())
}

/// Where a running sync of `connection` hears that it must stop.
pub fn cancel_channel(connection: &str) -> String {
    format!("{}:cancel", progress_channel(connection))
}
