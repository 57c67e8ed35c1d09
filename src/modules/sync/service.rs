//! Sync as jobs and the command line use it: connect (or reuse) the workspace a token belongs
//! to, and sync a connection under its lease: resume an interrupted full import, else import
//! in full the first time and incrementally afterwards, recording the run and its progress.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use tokio::sync::oneshot;

use super::connection::{
    self, ACCESS_TOKEN, Connection, LOCAL_TENANT, Status, SyncSettings, connections,
};
use super::crawl::{ImportReport, Importer};
use super::lease::{self, Held};
use super::model::{EDGES, ENTITIES};
use super::progress::Progress;
use super::run::{self, Checkpoint, Run, RunKind, RunState, runs};
use crate::cache::RateLimit;
use crate::modules::notion::{ClientConfig, Credentials, NotionClient, NotionError};
use crate::state::AppState;
use crate::storage::Filter;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The token does not work: Notion's own reason.
    #[error("Notion refused the token: {0}")]
    BadToken(String),
    #[error("no workspace connection `{0}`")]
    UnknownConnection(String),
    #[error(transparent)]
    Notion(#[from] NotionError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::storage::StoreError> for SyncError {
    fn from(error: crate::storage::StoreError) -> Self {
        Self::Other(error.into())
    }
}

/// How a sync ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(RunKind, ImportReport),
    /// Another worker holds the workspace's lease: it is syncing it now.
    Busy,
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

/// How often a running sync publishes its progress, and how often it stores it with the run.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);
const STORE_EVERY: u32 = 5;

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

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn client_config(notion_url: &str, rate: f64) -> ClientConfig {
    ClientConfig {
        base_url: notion_url.to_owned(),
        rate: RateLimit::new(rate, (rate.ceil() as u32).max(10)),
        ..ClientConfig::default()
    }
}

/// Connects the workspace `token` belongs to, or refreshes the stored token of that
/// connection. A token Notion refuses is `BadToken`, with Notion's reason.
pub async fn connect_with_token(
    state: &AppState,
    token: SecretString,
    notion_url: &str,
    rate: f64,
) -> Result<Connection, SyncError> {
    let config = client_config(notion_url, rate);
    let probe = NotionClient::new(
        config,
        "probe",
        Credentials::Token(token.clone()),
        state.cache.clone(),
    );
    let bot = match probe.me().await {
        Ok(bot) => bot,
        Err(NotionError::Unauthorized(reason)) => return Err(SyncError::BadToken(reason)),
        Err(other) => return Err(other.into()),
    };
    let existing = connection::get(&state.store, &bot.id).await?;
    let workspace = bot.bot.unwrap_or_default();
    let mut connection = existing.unwrap_or_else(|| Connection {
        id: bot.id.clone(),
        tenant: LOCAL_TENANT.into(),
        bot_id: bot.id.clone(),
        workspace_id: workspace.workspace_id.clone(),
        name: workspace
            .workspace_name
            .clone()
            .or(bot.name.clone())
            .unwrap_or_else(|| "Notion workspace".into()),
        icon: None,
        access_token: state.keys.seal(&token, crate::crypto::Binding {
            tenant: LOCAL_TENANT,
            field: ACCESS_TOKEN,
        }),
        refresh_token: None,
        status: Status::Active,
        settings: SyncSettings {
            interval_minutes: state.settings.sync_interval_minutes,
            rate,
        },
        notion_url: notion_url.to_owned(),
        last_sync_at: None,
        last_sync_started_at: None,
        last_calls: None,
        last_reconciled_at: None,
        next_sync_at: Some(now_ms()),
    });
    connection.access_token = state.keys.seal(&token, connection.binding(ACCESS_TOKEN));
    connection.status = Status::Active;
    connection.notion_url = notion_url.to_owned();
    connection.settings.rate = rate;
    connections(&state.store)
        .upsert(&connection.id, &connection)
        .await?;
    Ok(connection)
}

/// Syncs one connection under its lease. `watch` sees the progress counters once the import
/// starts; `stop` ends the sync cleanly when it resolves (a full import resumes next time).
pub async fn sync_connection(
    state: &AppState,
    id: &str,
    watch: impl FnOnce(Arc<Progress>),
    stop: impl Future<Output = ()>,
) -> Result<Outcome, SyncError> {
    let connection = connection::get(&state.store, id)
        .await?
        .ok_or_else(|| SyncError::UnknownConnection(id.to_owned()))?;
    if connection.status != Status::Active {
        return Ok(Outcome::Inactive(connection.status));
    }
    let Some(held) = wait_for_lease(state, id).await? else {
        return Ok(Outcome::Busy);
    };
    let (held, outcome) = keep_lease(held, sync_leased(state, connection, watch, stop)).await;
    match held {
        Some(held) => held.release().await?,
        None => tracing::warn!(connection = id, "sync lease lost; the sync stopped"),
    }
    outcome
}

/// Waits up to one lease lifetime for the lease: a crashed holder's lease expires by then.
async fn wait_for_lease(state: &AppState, id: &str) -> Result<Option<Held>, SyncError> {
    let ttl = Duration::from_millis(state.settings.sync_lease_ms);
    // One holder per sync, not per process: two syncs in one process exclude each other too.
    let holder = format!("{}:{}", state.instance, ulid::Ulid::generate());
    let deadline = tokio::time::Instant::now() + ttl + Duration::from_millis(500);
    loop {
        if let Some(held) = lease::acquire(&state.store, id, &holder, ttl).await? {
            return Ok(Some(held));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep((ttl / 10).max(Duration::from_millis(50))).await;
    }
}

/// Runs `work` while a task of its own renews the lease (the renewals must not wait for
/// `work` to be polled); if the lease is lost, `work` is dropped.
async fn keep_lease<T>(
    held: Held,
    work: impl Future<Output = Result<T, SyncError>>,
) -> (Option<Held>, Result<T, SyncError>) {
    let (stop, stopped) = oneshot::channel();
    let (lost, lost_reason) = oneshot::channel();
    let renewer = tokio::spawn(renew_until(held, stopped, lost));
    let result = tokio::select! {
        result = work => result,
        Ok(reason) = lost_reason => Err(anyhow::anyhow!("the sync lease was lost: {reason}").into()),
    };
    let _ = stop.send(());
    (renewer.await.ok().flatten(), result)
}

/// Renews every third of the lease's lifetime until told to stop; gives the lease back then,
/// or reports why it was lost.
async fn renew_until(
    mut held: Held,
    mut stop: oneshot::Receiver<()>,
    lost: oneshot::Sender<String>,
) -> Option<Held> {
    let mut renew = tokio::time::interval(held.ttl() / 3);
    renew.tick().await;
    loop {
        tokio::select! {
            _ = &mut stop => return Some(held),
            _ = renew.tick() => {
                if let Err(error) = held.renew().await {
                    let _ = lost.send(error.to_string());
                    return None;
                }
            }
        }
    }
}

/// Re-reads what webhooks named, recorded as a run of its own. No lease: re-reads are safe
/// beside a running sync, in any order.
pub async fn refresh(
    state: &AppState,
    id: &str,
    pages: Vec<String>,
    databases: Vec<String>,
) -> Result<ImportReport, SyncError> {
    let connection = connection::get(&state.store, id)
        .await?
        .ok_or_else(|| SyncError::UnknownConnection(id.to_owned()))?;
    if connection.status != Status::Active {
        return Ok(ImportReport::default());
    }
    let client = client_for(state, &connection)?;
    let run_id = start_run(state, &connection, RunKind::Webhook, now_ms()).await?;
    let importer = Importer::new(client, state.store.clone(), &connection.id, 8);
    let result = importer.run_refresh(pages, databases).await;
    let progress = importer.progress().snapshot();
    match result {
        Ok(report) => {
            let end = RunState::Completed;
            finish_run(state, &run_id, end, Some(report.clone()), None, &progress).await?;
            Ok(report)
        }
        Err(error) => {
            let mut connection = connection;
            fail_run(state, &mut connection, &run_id, RunKind::Webhook, &error, &progress).await?;
            Err(error.into())
        }
    }
}

/// A client that spends the connection's budget with its token.
fn client_for(state: &AppState, connection: &Connection) -> Result<NotionClient, SyncError> {
    let token = connection
        .access_token(&state.keys)
        .map_err(anyhow::Error::from)?;
    let config = client_config(&connection.notion_url, connection.settings.rate);
    let client = NotionClient::new(
        config,
        &connection.id,
        Credentials::Token(token),
        state.cache.clone(),
    );
    Ok(client.with_metrics(state.metrics.clone()))
}

/// The sync itself, with the lease held.
async fn sync_leased(
    state: &AppState,
    mut connection: Connection,
    watch: impl FnOnce(Arc<Progress>),
    stop: impl Future<Output = ()>,
) -> Result<Outcome, SyncError> {
    let client = client_for(state, &connection)?;
    let started = now_ms();
    let (run_id, kind) = begin_run(state, &connection, started).await?;
    let concurrency = concurrency_for(connection.settings.rate);
    let importer = match kind {
        RunKind::Full => {
            let checkpoint = Checkpoint::new(state.store.clone(), &run_id);
            let first = connection.last_sync_started_at.is_none();
            Importer::resumable(
                client,
                state.store.clone(),
                &connection.id,
                concurrency,
                checkpoint,
                first,
            )
        }
        _ => Importer::new(client, state.store.clone(), &connection.id, concurrency),
    };
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
    let result = publishing(state, &connection.id, &run_id, importer.progress(), import, stop).await;
    let progress = importer.progress().snapshot();
    match result {
        None => {
            let error = anyhow::anyhow!("stopped on request");
            fail_run(state, &mut connection, &run_id, kind, &error, &progress).await?;
            Ok(Outcome::Stopped)
        }
        Some(Ok(report)) => {
            finish_run(state, &run_id, RunState::Completed, Some(report.clone()), None, &progress)
                .await?;
            connection.last_sync_at = Some(now_ms());
            connection.last_sync_started_at = Some(started);
            connection.last_calls = Some(progress.calls);
            if reconcile {
                connection.last_reconciled_at = Some(started);
            }
            connection.next_sync_at =
                Some(now_ms() + i64::from(connection.settings.interval_minutes) * 60_000);
            connections(&state.store).upsert(&connection.id, &connection).await?;
            Ok(Outcome::Done(kind, report))
        }
        Some(Err(error)) => {
            fail_run(state, &mut connection, &run_id, kind, &error, &progress).await?;
            Err(error.into())
        }
    }
}

fn reconciliation_due(state: &AppState, connection: &Connection) -> bool {
    let interval = i64::from(state.settings.reconcile_interval_hours) * 3_600_000;
    connection
        .last_reconciled_at
        .is_none_or(|at| now_ms() - at >= interval)
}

/// Resumes the connection's interrupted full import, or starts a run of the right kind.
async fn begin_run(
    state: &AppState,
    connection: &Connection,
    started: i64,
) -> Result<(String, RunKind), SyncError> {
    if let Some((id, _)) = run::interrupted(&state.store, &connection.id).await? {
        runs(&state.store)
            .update(&id, |run| {
                run.resumed += 1;
                run.holder = state.instance.clone();
                Some(())
            })
            .await?;
        return Ok((id, RunKind::Full));
    }
    let kind = match connection.last_sync_started_at {
        Some(_) => RunKind::Incremental,
        None => RunKind::Full,
    };
    Ok((start_run(state, connection, kind, started).await?, kind))
}

async fn start_run(
    state: &AppState,
    connection: &Connection,
    kind: RunKind,
    started: i64,
) -> Result<String, SyncError> {
    let id = ulid::Ulid::generate().to_string();
    let run = Run {
        connection: connection.id.clone(),
        kind,
        state: RunState::Running,
        started_at: started,
        finished_at: None,
        holder: state.instance.clone(),
        resumed: 0,
        search_cursor: None,
        seeded: false,
        progress: Default::default(),
        report: None,
        error: None,
    };
    runs(&state.store).insert(&id, &run).await?;
    Ok(id)
}

async fn finish_run(
    state: &AppState,
    id: &str,
    end: RunState,
    report: Option<ImportReport>,
    error: Option<String>,
    progress: &super::ProgressSnapshot,
) -> Result<(), SyncError> {
    runs(&state.store)
        .update(id, |run| {
            run.state = end;
            run.finished_at = (end != RunState::Running).then(now_ms);
            run.report = report.clone();
            run.error = error.clone();
            run.progress = progress.clone();
            Some(())
        })
        .await?;
    Ok(())
}

/// A failed full import stays resumable; a refused token pauses the connection until the user
/// connects again.
async fn fail_run(
    state: &AppState,
    connection: &mut Connection,
    run_id: &str,
    kind: RunKind,
    error: &anyhow::Error,
    progress: &super::ProgressSnapshot,
) -> Result<(), SyncError> {
    let refused = matches!(
        error.downcast_ref::<NotionError>(),
        Some(NotionError::Unauthorized(_))
    );
    let end = match kind {
        RunKind::Full if !refused => RunState::Running,
        _ => RunState::Failed,
    };
    finish_run(state, run_id, end, None, Some(format!("{error:#}")), progress).await?;
    if refused {
        connection.status = Status::NeedsReauthorisation;
        connections(&state.store).upsert(&connection.id, connection).await?;
    }
    Ok(())
}

/// Runs `import` while a task of its own publishes its progress every second and stores it
/// with the run every few seconds; `None` when `stop` came first.
async fn publishing<T>(
    state: &AppState,
    connection: &str,
    run_id: &str,
    progress: Arc<Progress>,
    import: impl Future<Output = anyhow::Result<T>>,
    stop: impl Future<Output = ()>,
) -> Option<anyhow::Result<T>> {
    let publisher = tokio::spawn(publish(
        state.clone(),
        progress_channel(connection),
        run_id.to_owned(),
        progress,
    ));
    let result = tokio::select! {
        result = import => Some(result),
        () = stop => None,
    };
    publisher.abort();
    result
}

async fn publish(state: AppState, channel: String, run_id: String, progress: Arc<Progress>) {
    let mut ticks = tokio::time::interval(PUBLISH_EVERY);
    for count in 1u32.. {
        ticks.tick().await;
        let now = progress.snapshot();
        let message = serde_json::json!({ "run": run_id, "progress": now }).to_string();
        if let Err(error) = state.cache.publish(&channel, &message).await {
            tracing::debug!(%error, "progress not published");
        }
        if count % STORE_EVERY == 0 {
            let stored = runs(&state.store)
                .update(&run_id, |run| {
                    run.progress = now.clone();
                    Some(())
                })
                .await;
            if let Err(error) = stored {
                tracing::warn!(%error, "progress not stored");
            }
        }
    }
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
