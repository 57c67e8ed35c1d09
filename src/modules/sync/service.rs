//! Sync as jobs and the command line use it: connect (or reuse) the workspace a token belongs
//! to, and sync a connection under its lease: resume an interrupted full import, else import
//! in full the first time and incrementally afterwards, recording the run and its progress.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::connection::{self, Connection, Status};
use super::crawl::{ImportReport, Importer};
use super::lease;
use super::model::{EDGES, ENTITIES};
use super::now_ms;
use super::pending;
use super::progress::{self, Progress};
use super::run::{self, Checkpoint, RunKind, RunState};
use crate::config::Limit;
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;
use crate::modules::notion::NotionError;
use crate::modules::payments;
use crate::state::AppState;
use crate::storage::Filter;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The token does not work: Notion's own reason.
    #[error("Notion refused the token: {0}")]
    BadToken(String),
    #[error("no workspace connection `{0}`")]
    UnknownConnection(String),
    /// Paused, or waiting for the user to connect again.
    #[error(
        "the workspace is paused or needs reauthorization ({0:?}): resume or reconnect it first"
    )]
    Inactive(Status),
    /// A request the user must correct.
    #[error("{0}")]
    Invalid(String),
    /// The integration's workspace is connected by another account.
    #[error("this Notion integration is already connected by another account")]
    ConnectedElsewhere,
    #[error(
        "this instance serves no sample workspace: run it embedded (no MongoDB or Redis) or with `serve --demo`"
    )]
    NoSample,
    /// Refused by the account's plan (a `plan_limit` problem naming the plan that allows it).
    #[error("{0}")]
    Plan(Box<AppError>),
    /// An uploaded Notion export zip that cannot be imported.
    #[error(transparent)]
    Zip(#[from] super::zip::ZipError),
    #[error(transparent)]
    Notion(#[from] NotionError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<SyncError> for AppError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::BadToken(_) => AppError::new(Code::NotionTokenRefused, error.to_string()),
            SyncError::UnknownConnection(_) => {
                AppError::new(Code::UnknownWorkspace, error.to_string())
            }
            SyncError::Inactive(_) => AppError::new(Code::WorkspaceInactive, error.to_string()),
            SyncError::Invalid(_) => AppError::new(Code::InvalidValue, error.to_string()),
            SyncError::ConnectedElsewhere => {
                AppError::new(Code::WorkspaceConnectedElsewhere, error.to_string())
            }
            SyncError::NoSample => AppError::new(Code::SampleUnavailable, error.to_string()),
            SyncError::Plan(error) => *error,
            SyncError::Zip(error) => error.into(),
            SyncError::Notion(error) => error.into(),
            SyncError::Other(error) => error.into(),
        }
    }
}

impl From<crate::storage::StoreError> for SyncError {
    fn from(error: crate::storage::StoreError) -> Self {
        Self::Other(error.into())
    }
}

pub use super::connect::{
    ConnectionTokens, client_for, connect_with_grant, connect_with_token, oauth_app,
};
/// How other modules read an import: entity by entity, edge by edge.
pub use super::store::{for_each_edge, for_each_entity};

/// A Notion client for `connection` that spends the connection's rate budget (shared with its
/// syncs) with its credentials.
pub fn notion_client(
    state: &AppState,
    connection: &Connection,
) -> Result<crate::modules::notion::NotionClient, SyncError> {
    client_for(state, connection)
}

/// The content the import of a Notion export zip stored for entity `notion_id` of
/// `connection` (a page's object and blocks, in the shape Notion's API gives them); `None`
/// when nothing was stored for it, as for every entity of an API import.
pub async fn zip_content(
    state: &AppState,
    connection: &str,
    notion_id: &str,
) -> Result<Option<serde_json::Value>, SyncError> {
    Ok(super::zip::contents::get(&state.store, connection, notion_id).await?)
}

/// How a sync ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(RunKind, ImportReport),
    /// Another worker holds the workspace's lease: it is syncing it now.
    Busy,
    /// Nothing was waiting to be re-read.
    UpToDate,
    /// The connection is paused or needs re-authorisation.
    Inactive(Status),
    /// Stopped on request; an interrupted full import resumes next time.
    Stopped,
}

/// A connection with its imported counts.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceSummary {
    pub connection: Connection,
    pub entities: u64,
    pub edges: u64,
}

/// Notion rounds `last_edited_time` down to the minute; an edit up to a few minutes before the
/// last sync began may carry a time the last sync already saw.
const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// How many reads may be under way at once: about two seconds of the budget, so that slow
/// responses (Notion's take 100 ms to over a second) never leave the budget idle, while the
/// shared limiter still decides when each one goes.
pub fn concurrency_for(rate: f64) -> usize {
    ((rate * 2.0).ceil() as usize).clamp(8, 512)
}

/// The pub/sub channel a connection's progress goes to.
pub fn progress_channel(connection: &str) -> String {
    format!("sync:progress:{connection}")
}

/// Syncs one connection under its lease. `watch` sees the progress counters once the import
/// starts; `stop` ends the sync cleanly when it resolves (a full import resumes next time).
pub async fn sync_connection(
    state: &AppState,
    id: &str,
    watch: impl FnOnce(Arc<Progress>),
    stop: impl Future<Output = ()>,
) -> Result<Outcome, SyncError> {
    let outcome = with_lease(state, id, |connection| {
        sync_leased(state, connection, watch, stop)
    })
    .await?;
    if outcome != Outcome::Busy {
        pending::drain_after(state, id).await?;
    }
    Ok(outcome)
}

/// Re-reads what webhooks asked for (see [`pending`]), each drain recorded as a run of its
/// own, until nothing is waiting. It holds the workspace's lease too: re-reads one after
/// another end in the state of the last, whatever order their events came in, while two at
/// once could let an older read overwrite a newer one. When another holds the lease it ends
/// at once: that holder drains what is waiting once it releases the lease.
pub async fn refresh_pending(state: &AppState, id: &str) -> Result<Vec<ImportReport>, SyncError> {
    let mut reports = Vec::new();
    loop {
        let outcome = with_lease(state, id, |connection| refresh_leased(state, connection)).await?;
        // Busy: the holder drains after releasing; inactive or up to date: nothing to do.
        let Outcome::Done(_, report) = outcome else {
            return Ok(reports);
        };
        reports.push(report);
        // Events that came in during this drain found the lease held: drain them too.
        if pending::get(&state.store, id).await?.is_empty() {
            return Ok(reports);
        }
    }
}

/// Runs `work` on an active connection while holding its lease.
async fn with_lease<Work>(
    state: &AppState,
    id: &str,
    work: impl FnOnce(Connection) -> Work,
) -> Result<Outcome, SyncError>
where
    Work: Future<Output = Result<Outcome, SyncError>>,
{
    let ttl = Duration::from_millis(state.settings.sync.lease_ms);
    let holder = format!("{}:{}", state.instance, ulid::Ulid::generate());
    let Some(held) = lease::wait_for(&state.store, id, &holder, ttl).await? else {
        return Ok(Outcome::Busy);
    };
    // Read under the lease: a sync that finished while this one waited changed it.
    let connection = match connection::get(&state.store, id).await? {
        Some(connection) if connection.status == Status::Active => connection,
        other => {
            held.release().await?;
            return match other {
                Some(inactive) => Ok(Outcome::Inactive(inactive.status)),
                None => Err(SyncError::UnknownConnection(id.to_owned())),
            };
        }
    };
    let (held, outcome) = lease::keep(held, work(connection)).await;
    match held {
        Some(held) => held.release().await?,
        None => tracing::warn!(connection = id, "sync lease lost; the sync stopped"),
    }
    outcome
}

async fn refresh_leased(state: &AppState, connection: Connection) -> Result<Outcome, SyncError> {
    let asked = pending::get(&state.store, &connection.id).await?;
    if asked.is_empty() {
        return Ok(Outcome::UpToDate);
    }
    let client = client_for(state, &connection)?;
    let kind = RunKind::Webhook;
    let run_id = run::start(&state.store, &connection, kind, &state.instance, now_ms()).await?;
    let importer = Importer::new(client, state.store.clone(), &connection.id, 8);
    let cap = payments::entitlements(state, &connection.tenant)
        .await?
        .plan
        .pages_per_workspace
        .0;
    let pages = asked.pages.keys().cloned().collect();
    let databases = asked.databases.keys().cloned().collect();
    let result = importer.run_refresh(pages, databases, cap).await;
    let progress = importer.progress().snapshot();
    match result {
        Ok(report) => {
            pending::remove(&state.store, &connection.id, &asked).await?;
            let limit = report.page_limit;
            let settle = |c: &mut Connection| c.page_limit_reached = limit.or(c.page_limit_reached);
            run::finish(
                &state.store,
                &run_id,
                run::Ending::completed(&report, progress),
                settle,
            )
            .await?;
            Ok(Outcome::Done(kind, report))
        }
        Err(error) => {
            fail_run(state, &run_id, kind, &error, &progress).await?;
            Err(error.into())
        }
    }
}

/// The sync itself, with the lease held.
async fn sync_leased(
    state: &AppState,
    connection: Connection,
    watch: impl FnOnce(Arc<Progress>),
    stop: impl Future<Output = ()>,
) -> Result<Outcome, SyncError> {
    let started = now_ms();
    let plan = payments::entitlements(state, &connection.tenant)
        .await?
        .plan;
    // An import stopped at the page limit is done again in full once the plan allows more:
    // an incremental sync would only see what changed.
    let lifted = connection
        .page_limit_reached
        .is_some_and(|reached| plan.pages_per_workspace.exceeds(Limit::at(reached)));
    let (run_id, kind) =
        run::begin(&state.store, &connection, &state.instance, started, lifted).await?;
    let importer = importer_for(state, &connection, &run_id, kind)?;
    if let Some(cap) = plan.pages_per_workspace.0 {
        importer.limit_entities(cap);
    }
    watch(importer.progress());
    let since = connection
        .last_sync_started_at
        .and_then(chrono::DateTime::from_timestamp_millis);
    let reconcile = kind == RunKind::Full || reconciliation_due(state, &connection);
    let import = async {
        match (kind, since) {
            (RunKind::Incremental, Some(since)) => {
                importer.run_incremental(since - OVERLAP, reconcile).await
            }
            _ => importer.run().await,
        }
    };
    let result = progress::publishing(
        state,
        &connection.id,
        &run_id,
        importer.progress(),
        import,
        stop,
    )
    .await;
    let progress = importer.progress().snapshot();
    match result {
        None => {
            let error = anyhow::anyhow!("stopped on request");
            fail_run(state, &run_id, kind, &error, &progress).await?;
            Ok(Outcome::Stopped)
        }
        Some(Ok(report)) => {
            // Only the sync's own fields: tokens rotated, settings changed or the workspace
            // disconnected meanwhile stay as they are now.
            let settle = |c: &mut Connection| {
                c.last_sync_at = Some(now_ms());
                c.last_sync_started_at = Some(started);
                c.last_calls = Some(progress.calls);
                // A full import says whether the workspace is held at the limit; an
                // incremental one that added nothing new says nothing about it.
                c.page_limit_reached = match kind {
                    RunKind::Full => report.page_limit,
                    _ => report.page_limit.or(c.page_limit_reached),
                };
                if reconcile {
                    c.last_reconciled_at = Some(started);
                }
                // A plan's shortest interval holds even for a setting chosen under a
                // better plan: the setting is kept, the schedule waits longer.
                let minutes = c
                    .settings
                    .interval_minutes
                    .max(plan.min_sync_interval_minutes);
                c.next_sync_at = Some(super::minutes_from_now(minutes));
            };
            let end = run::Ending::completed(&report, progress.clone());
            run::finish(&state.store, &run_id, end, settle).await?;
            let completed = crate::modules::analytics::Event::SyncCompleted {
                pages: report.entities,
                links: report.edges,
                duration_ms: u64::try_from(now_ms() - started).unwrap_or(0),
            };
            crate::modules::analytics::track(state, &connection.tenant, completed);
            Ok(Outcome::Done(kind, report))
        }
        Some(Err(error)) => {
            fail_run(state, &run_id, kind, &error, &progress).await?;
            Err(error.into())
        }
    }
}

/// The importer for a run of `kind`: a full import records its frontier with the run.
fn importer_for(
    state: &AppState,
    connection: &Connection,
    run_id: &str,
    kind: RunKind,
) -> Result<Arc<Importer>, SyncError> {
    let client = client_for(state, connection)?;
    let store = state.store.clone();
    let concurrency = concurrency_for(connection.settings.rate);
    Ok(match kind {
        RunKind::Full => {
            let checkpoint = Checkpoint::new(store.clone(), run_id);
            // Nothing stored yet: a workspace from a zip has its pages, which the import
            // replaces as it goes.
            let first =
                connection.last_sync_started_at.is_none() && connection.last_sync_at.is_none();
            Importer::resumable(
                client,
                store,
                &connection.id,
                concurrency,
                checkpoint,
                first,
            )
        }
        _ => Importer::new(client, store, &connection.id, concurrency),
    })
}

fn reconciliation_due(state: &AppState, connection: &Connection) -> bool {
    let interval = i64::from(state.settings.sync.reconcile_interval_hours) * 3_600_000;
    connection
        .last_reconciled_at
        .is_none_or(|at| now_ms() - at >= interval)
}

/// A failed full import stays resumable; a refused token pauses the connection until the user
/// connects again.
async fn fail_run(
    state: &AppState,
    run_id: &str,
    kind: RunKind,
    error: &anyhow::Error,
    progress: &super::ProgressSnapshot,
) -> Result<(), SyncError> {
    let refused = matches!(
        error.downcast_ref::<NotionError>(),
        Some(NotionError::Unauthorized(_))
    );
    let end_state = match kind {
        RunKind::Full if !refused => RunState::Running,
        _ => RunState::Failed,
    };
    let end = run::Ending::failed(end_state, error, progress.clone());
    let settle = |c: &mut Connection| {
        if refused {
            c.status = Status::NeedsReauthorization;
        }
    };
    run::finish(&state.store, run_id, end, settle).await?;
    Ok(())
}

/// The one membership check of workspace routes: the connection `id` if `user` may use it.
/// Another user's workspace answers exactly like one that does not exist (404), so ids tell
/// nothing. Teams will add members here; every route already goes through it.
pub async fn workspace_for(
    state: &AppState,
    user: &AuthUser,
    id: &str,
) -> Result<Connection, AppError> {
    match connection::get(&state.store, id).await? {
        Some(connection) if connection.tenant == user.id() => Ok(connection),
        _ => Err(AppError::new(
            Code::UnknownWorkspace,
            format!("no workspace `{id}`"),
        )),
    }
}

/// The workspace of `user` that `given` names (its id or its name, any case), or the only one
/// when `given` is `None`: for APIs where the workspace is an argument (MCP, GraphQL).
pub async fn workspace_named(
    state: &AppState,
    user: &AuthUser,
    given: Option<&str>,
) -> Result<Connection, AppError> {
    let mut mine = connection::of_tenant(&state.store, user.id()).await?;
    let at = match given {
        Some(given) => mine
            .iter()
            .position(|c| c.id == given || c.name.eq_ignore_ascii_case(given))
            .ok_or_else(|| {
                AppError::new(
                    Code::UnknownWorkspace,
                    format!("no workspace `{given}` in this account"),
                )
            })?,
        None if mine.len() == 1 => 0,
        None if mine.is_empty() => {
            return Err(AppError::new(
                Code::NoWorkspace,
                "no workspace is connected yet: connect one on the dashboard",
            ));
        }
        None => {
            return Err(AppError::new(
                Code::WorkspaceRequired,
                format!(
                    "the account has {} workspaces: name one of them",
                    mine.len()
                ),
            ));
        }
    };
    Ok(mine.swap_remove(at))
}

/// Every connection with the number of entities and edges imported for it.
pub async fn workspaces(state: &AppState) -> anyhow::Result<Vec<WorkspaceSummary>> {
    let mut summaries = Vec::new();
    for connection in connection::all(&state.store).await? {
        let mine = Filter::all().eq("connection", connection.id.as_str());
        summaries.push(WorkspaceSummary {
            entities: state.store.count(&ENTITIES, &mine).await?,
            edges: state.store.count(&EDGES, &mine).await?,
            connection,
        });
    }
    Ok(summaries)
}
