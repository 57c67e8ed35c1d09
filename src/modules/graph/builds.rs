//! Graph builds as background work: a sync that changed something, or a user, asks for one;
//! a [`BuildGraph`](super::jobs::BuildGraph) job runs it. Builds are debounced and exclusive:
//!
//! - a build a sync asks for waits `graph_build_debounce_ms`, and every request made in that
//!   window joins it, so a burst of syncs and webhook re-reads makes one build;
//! - one build per workspace runs at a time, under a lease of its own (the sync lease's
//!   mechanism with a `graph:` key), and it takes up every build then waiting: they all read
//!   the store after they were asked for, so one snapshot answers them all;
//! - a build whose graph equals the newest snapshot's stores nothing (`unchanged`), so a new
//!   version always means a changed graph. A new version is published on
//!   [`versions_channel`] for the viewers that listen.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::jobs::BuildGraph;
use crate::modules::auth::model::rfc3339;
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::{Collection, Filter, Index, Order, Query, Store, StoreResult, Typed};

pub static BUILDS: Collection = Collection {
    name: "graph_builds",
    indexes: &[
        Index::on(&["workspace", "state"]),
        Index::on(&["workspace", "requested_at"]),
    ],
    ttl_field: Some("expires_at"),
    archived: true,
};

/// A build's record is history after this long; housekeeping archives it.
const BUILD_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildState {
    Queued,
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildReason {
    /// A sync or webhook re-read changed something.
    Sync,
    /// Someone asked (`POST graph/builds`).
    Request,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Build {
    pub workspace: String,
    pub state: BuildState,
    pub reason: BuildReason,
    /// Epoch milliseconds, like every time below.
    pub requested_at: i64,
    /// When it may start: the end of its debounce window.
    pub not_before: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The snapshot that answers it: a new one, or the newest when nothing changed.
    pub version: Option<u64>,
    pub unchanged: bool,
    /// Why the last attempt failed (it is retried).
    pub error: Option<String>,
    expires_at: i64,
}

/// A build as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuildView {
    pub id: String,
    pub state: BuildState,
    pub reason: BuildReason,
    pub requested_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The snapshot that answers it, once completed.
    pub version: Option<u64>,
    /// Nothing had changed: `version` is the snapshot that was newest already.
    pub unchanged: bool,
    pub error: Option<String>,
}

impl BuildView {
    pub fn of(id: String, build: Build) -> Self {
        Self {
            id,
            state: build.state,
            reason: build.reason,
            requested_at: rfc3339(build.requested_at),
            started_at: build.started_at.map(rfc3339),
            finished_at: build.finished_at.map(rfc3339),
            version: build.version,
            unchanged: build.unchanged,
            error: build.error,
        }
    }
}

pub(super) fn builds(store: &Store) -> Typed<Build> {
    Typed::new(store.clone(), &BUILDS)
}

/// Where a workspace's new snapshot versions are announced: `{"version": N}`.
pub fn versions_channel(workspace: &str) -> String {
    format!("graph:versions:{workspace}")
}

/// Asks for a build of `workspace`; returns its id and record. A build a sync asks for joins
/// one still inside its debounce window; one a user asks for starts at once (and takes up
/// any waiting ones).
pub async fn request(
    state: &AppState,
    workspace: &str,
    reason: BuildReason,
) -> anyhow::Result<(String, Build)> {
    let now = now_ms();
    if reason == BuildReason::Sync
        && let Some(waiting) = in_window(&state.store, workspace, now).await?
    {
        return Ok(waiting);
    }
    let debounce = match reason {
        BuildReason::Sync => state.settings.graph.build_debounce_ms as i64,
        BuildReason::Request => 0,
    };
    let build = Build {
        workspace: workspace.to_owned(),
        state: BuildState::Queued,
        reason,
        requested_at: now,
        not_before: now + debounce,
        started_at: None,
        finished_at: None,
        version: None,
        unchanged: false,
        error: None,
        expires_at: now + BUILD_TTL_MS,
    };
    let id = ulid::Ulid::generate().to_string();
    builds(&state.store).insert(&id, &build).await?;
    state.jobs.push(&BuildGraph { build: id.clone() }).await?;
    Ok((id, build))
}

/// A queued build of `workspace` that has not started waiting out its window yet.
async fn in_window(
    store: &Store,
    workspace: &str,
    now: i64,
) -> StoreResult<Option<(String, Build)>> {
    Ok(open(store, workspace)
        .await?
        .into_iter()
        .find(|(_, b)| b.state == BuildState::Queued && b.not_before > now))
}

/// The builds of `workspace` not finished: queued, or running (under the lease: only a crashed
/// holder leaves one running).
pub(super) async fn open(store: &Store, workspace: &str) -> StoreResult<Vec<(String, Build)>> {
    let mut found = Vec::new();
    for state in ["queued", "running"] {
        let filter = Filter::all().eq("workspace", workspace).eq("state", state);
        builds(store)
            .for_each(&Query::new(filter).limit(200), |r| {
                found.push((r.id, r.value))
            })
            .await?;
    }
    Ok(found)
}

/// The build `id` of `workspace`, if there is one.
pub async fn get(store: &Store, workspace: &str, id: &str) -> StoreResult<Option<Build>> {
    Ok(builds(store)
        .get(id)
        .await?
        .map(|r| r.value)
        .filter(|b| b.workspace == workspace))
}

/// The newest builds of `workspace`, up to `limit`.
pub async fn recent(store: &Store, workspace: &str, limit: usize) -> StoreResult<Vec<BuildView>> {
    let query = Query::new(Filter::all().eq("workspace", workspace))
        .sort("requested_at", Order::Desc)
        .limit(limit);
    let (page, _) = builds(store).find(&query).await?;
    Ok(page
        .into_iter()
        .map(|r| BuildView::of(r.id, r.value))
        .collect())
}

pub(super) async fn mark(
    store: &Store,
    ids: &[String],
    change: impl Fn(&mut Build),
) -> StoreResult<()> {
    for id in ids {
        builds(store)
            .update(id, |b| {
                change(b);
                Some(())
            })
            .await?;
    }
    Ok(())
}

/// After a sync or webhook re-read of `workspace` that stored something: a debounced build.
pub async fn after_sync(state: &AppState, workspace: &str) -> anyhow::Result<()> {
    request(state, workspace, BuildReason::Sync).await?;
    Ok(())
}
