//! Syncs that need an admin's eye, across every tenant: workspaces whose latest run failed,
//! and those whose run still says `running` although its lease expired long ago (its worker
//! died and nothing resumed it). Read from what each connection keeps of its latest run, so
//! no run history is scanned; an admin can queue a sync of any of them.

use serde::Serialize;
use utoipa::ToSchema;

use super::connection::{self, Connection, LatestRun, Status};
use super::run::RunState;
use super::service::SyncError;
use super::{lease, now_ms, workspaces};
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::model::rfc3339;
use crate::modules::auth::users;
use crate::state::AppState;

/// A running sync whose lease expired this long ago is stuck, not slow: a live worker renews
/// its lease every few seconds.
pub const STUCK_AFTER_MS: i64 = 10 * 60 * 1000;

/// The longest error text shown; the rest is in the workspace's sync history.
const ERROR_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The latest run failed.
    Failed,
    /// The latest run stopped without ending: its worker is gone.
    Stuck,
}

/// A workspace whose sync needs attention.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailingSync {
    pub workspace_id: String,
    pub workspace_name: String,
    pub owner_id: String,
    /// `null` when the owner's account is gone.
    pub owner_email: Option<String>,
    pub problem: Problem,
    pub status: Status,
    /// RFC 3339: when the run failed, or when its worker stopped renewing its lease.
    pub since: String,
    /// What the run said went wrong (cut at 500 characters).
    pub error: Option<String>,
    /// What to do about it, in words.
    pub advice: &'static str,
    /// Whether a sync can be queued now (the workspace is active).
    pub can_retry: bool,
}

/// Every failing or stuck sync, most recent first.
pub async fn list(state: &AppState) -> Result<Vec<FailingSync>, SyncError> {
    let mut found = Vec::new();
    for connection in connection::with_latest_run(&state.store, RunState::Failed).await? {
        if let Some(latest) = connection.latest_run.clone() {
            let since = latest.finished_at.unwrap_or(latest.started_at);
            found.push((connection, latest, Problem::Failed, since));
        }
    }
    let now = now_ms();
    for connection in connection::with_latest_run(&state.store, RunState::Running).await? {
        let Some(latest) = connection.latest_run.clone() else {
            continue;
        };
        let lease = lease::expires_at(&state.store, &connection.id).await?;
        if let Some(stalled) = stalled_at(&latest, lease, now) {
            found.push((connection, latest, Problem::Stuck, stalled));
        }
    }
    found.sort_by_key(|(_, _, _, since)| std::cmp::Reverse(*since));
    let mut rows = Vec::with_capacity(found.len());
    for (connection, latest, problem, since) in found {
        rows.push(row(state, connection, &latest, problem, since).await?);
    }
    Ok(rows)
}

/// When a running sync stopped making progress, if it did long enough ago: its lease's
/// expiry (a released lease reads 0), or its start when it has no lease at all.
fn stalled_at(latest: &LatestRun, lease_expiry: Option<i64>, now: i64) -> Option<i64> {
    let stalled = lease_expiry.map_or(latest.started_at, |at| at.max(latest.started_at));
    (now - stalled >= STUCK_AFTER_MS).then_some(stalled)
}

async fn row(
    state: &AppState,
    connection: Connection,
    latest: &LatestRun,
    problem: Problem,
    since: i64,
) -> Result<FailingSync, SyncError> {
    let owner = users::get(&state.store, &connection.tenant).await?;
    Ok(FailingSync {
        advice: advice(problem, connection.status),
        can_retry: connection.status == Status::Active,
        owner_email: owner.map(|u| u.email),
        problem,
        status: connection.status,
        since: rfc3339(since),
        error: latest
            .error
            .as_deref()
            .map(|e| e.chars().take(ERROR_CHARS).collect()),
        workspace_id: connection.id,
        workspace_name: connection.name,
        owner_id: connection.tenant,
    })
}

/// What an admin can do, in words.
fn advice(problem: Problem, status: Status) -> &'static str {
    match (status, problem) {
        (Status::NeedsReauthorization, _) => {
            "Notion refused the workspace's token: only its owner can fix this, by reconnecting it."
        }
        (Status::Paused, _) => "The workspace is paused: its owner resumes it to sync again.",
        (Status::Active, Problem::Stuck) => {
            "The worker running this sync stopped without finishing (a crash or a restart): sync now resumes it."
        }
        (Status::Active, Problem::Failed) => {
            "Sync now tries again (a full import resumes where it stopped); if it fails the same way, the error says what to fix."
        }
    }
}

/// Queues a sync of any tenant's workspace `id` for an admin (`actor` is `None` for the
/// operator's token), and audits it. Returns the job's id.
pub async fn retry(
    state: &AppState,
    actor: Option<&str>,
    id: &str,
    client: &ClientInfo,
) -> Result<String, SyncError> {
    let connection = connection::get(&state.store, id)
        .await?
        .ok_or_else(|| SyncError::UnknownConnection(id.to_owned()))?;
    let job = workspaces::queue_sync(state, &connection).await?;
    audit::record(
        &state.store,
        Action::SyncRetried,
        actor,
        Some(id),
        client,
        None,
    )
    .await;
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::{STUCK_AFTER_MS, stalled_at};
    use crate::modules::sync::connection::LatestRun;
    use crate::modules::sync::run::{RunKind, RunState};

    fn running_since(started_at: i64) -> LatestRun {
        LatestRun {
            run: "r".into(),
            kind: RunKind::Full,
            state: RunState::Running,
            started_at,
            finished_at: None,
            error: None,
        }
    }

    #[test]
    fn a_running_sync_is_stuck_only_once_its_lease_expired_long_ago() {
        let now = 100 * STUCK_AFTER_MS;
        let run = running_since(now - 3 * STUCK_AFTER_MS);
        assert_eq!(stalled_at(&run, Some(now + 5_000), now), None, "held");
        assert_eq!(
            stalled_at(&run, Some(now - 60_000), now),
            None,
            "just expired"
        );
        let expired = now - 2 * STUCK_AFTER_MS;
        assert_eq!(stalled_at(&run, Some(expired), now), Some(expired));
        assert_eq!(
            stalled_at(&run, Some(0), now),
            Some(run.started_at),
            "released"
        );
        assert_eq!(stalled_at(&run, None, now), Some(run.started_at), "none");
        assert_eq!(stalled_at(&running_since(now - 1000), None, now), None);
    }
}
