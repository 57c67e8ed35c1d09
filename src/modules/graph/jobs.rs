//! The graph's job: [`BuildGraph`] answers the builds of [`super::builds`] under the
//! workspace's build lease, and the deletion of a workspace's graph takes the same lease.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::builds::{BUILDS, BuildState, builds, mark, open, versions_channel};
use super::retention::SNAPSHOT_PINS;
use super::service::{Rebuilt, service};
use crate::jobs::Job;
use crate::modules::sync::{LEASES, connection, lease, now_ms};
use crate::state::AppState;
use crate::storage::{Filter, Store};

/// The longest a job waits for its debounce window (a bound on a misconfigured setting).
const MAX_DEBOUNCE: Duration = Duration::from_secs(300);

/// Builds a workspace's graph for the build it names (and every other one waiting).
/// Idempotent: a build already answered is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildGraph {
    pub build: String,
}

impl Job for BuildGraph {
    const QUEUE: &'static str = "graph_build";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        let Some(build) = builds(&state.store)
            .get(&self.build)
            .await?
            .map(|r| r.value)
        else {
            return Ok(());
        };
        if !matches!(build.state, BuildState::Queued | BuildState::Running) {
            return Ok(());
        }
        let wait = Duration::from_millis((build.not_before - now_ms()).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait.min(MAX_DEBOUNCE)) => {}
            () = state.lifecycle.until_draining() => anyhow::bail!("stopped by shutdown; the next attempt builds"),
        }
        let ttl = Duration::from_millis(state.settings.sync.lease_ms);
        let holder = format!("{}:{}", state.instance, ulid::Ulid::generate());
        let key = lease_key(&build.workspace);
        let Some(held) = lease::wait_for(&state.store, &key, &holder, ttl).await? else {
            anyhow::bail!("another build of {} holds its lease", build.workspace);
        };
        let (held, outcome) = lease::keep(held, answer(state, &build.workspace, &self.build)).await;
        if let Some(held) = held {
            held.release().await?;
        }
        outcome
    }
}

/// The lease that keeps builds of one workspace (and its deletion) one at a time.
pub fn lease_key(workspace: &str) -> String {
    format!("graph:{workspace}")
}

/// With the lease held: builds once for every open build of `workspace`, if `id` is one.
async fn answer(state: &AppState, workspace: &str, id: &str) -> anyhow::Result<()> {
    let open = open(&state.store, workspace).await?;
    if !open.iter().any(|(open_id, _)| open_id == id) {
        return Ok(()); // another job answered it meanwhile
    }
    let ids: Vec<String> = open.into_iter().map(|(id, _)| id).collect();
    let started = now_ms();
    mark(&state.store, &ids, |b| {
        b.state = BuildState::Running;
        b.started_at = Some(started);
    })
    .await?;
    if connection::get(&state.store, workspace).await?.is_none() {
        return fail(
            &state.store,
            &ids,
            "the workspace was disconnected".into(),
            false,
        )
        .await;
    }
    match service(state).rebuild(workspace).await {
        Ok(rebuilt) => finish(state, &ids, &rebuilt).await,
        Err(error) => {
            let error = anyhow::Error::from(error);
            fail(&state.store, &ids, format!("{error:#}"), true).await?;
            Err(error)
        }
    }
}

async fn finish(state: &AppState, ids: &[String], rebuilt: &Rebuilt) -> anyhow::Result<()> {
    let meta = &rebuilt.snapshot().meta;
    let unchanged = matches!(rebuilt, Rebuilt::Unchanged(_));
    let finished = now_ms();
    mark(&state.store, ids, |b| {
        b.state = BuildState::Completed;
        b.finished_at = Some(finished);
        b.version = Some(meta.version);
        b.unchanged = unchanged;
        b.error = None;
    })
    .await?;
    if !unchanged {
        if let Some(connection) =
            crate::modules::sync::connection::get(&state.store, &meta.workspace).await?
        {
            let built = crate::modules::analytics::Event::GraphBuilt {
                nodes: meta.node_count,
                links: meta.link_count,
            };
            crate::modules::analytics::track(state, &connection.tenant, built);
        }
        let message = serde_json::json!({ "version": meta.version }).to_string();
        state
            .cache
            .publish(&versions_channel(&meta.workspace), &message)
            .await?;
    }
    Ok(())
}

/// Records why the builds failed: queued again when a retry may help, failed otherwise.
async fn fail(store: &Store, ids: &[String], error: String, retry: bool) -> anyhow::Result<()> {
    mark(store, ids, |b| {
        b.state = if retry {
            BuildState::Queued
        } else {
            BuildState::Failed
        };
        b.finished_at = (!retry).then(now_ms);
        b.error = Some(error.clone());
    })
    .await?;
    Ok(())
}

/// Deletes every snapshot, pin and build of `workspace` (it was removed). It takes the build
/// lease first, so that a build running now cannot store a snapshot afterwards; a build that
/// starts later finds the workspace gone.
pub async fn delete_workspace(state: &AppState, workspace: &str) -> anyhow::Result<()> {
    let ttl = Duration::from_millis(state.settings.sync.lease_ms);
    let holder = format!("{}:delete", state.instance);
    let key = lease_key(workspace);
    if lease::wait_for(&state.store, &key, &holder, ttl)
        .await?
        .is_none()
    {
        tracing::warn!(
            workspace,
            "a graph build did not finish in time; deleting anyway"
        );
    }
    super::store::delete_workspace(&state.store, workspace).await?;
    let mine = Filter::all().eq("workspace", workspace);
    crate::storage::delete_matching(&state.store, &BUILDS, &mine).await?;
    crate::storage::delete_matching(&state.store, &SNAPSHOT_PINS, &mine).await?;
    state.store.delete(&LEASES, &key).await?;
    Ok(())
}
