//! Exports as jobs: ask for one (queued), run it (into `data_dir/exports/<id>/`, continuing a
//! folder an interrupted attempt left), zip it, announce its progress on the workspace's
//! export channel, and delete it when it expires or its workspace goes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::jobs::ExportWorkspace;
use super::model::{EXPORTS, Export, ExportState, ExportView, NewExport};
use super::model::{parse_formats, parse_since};
use super::progress::Progress;
use super::run::{Request, export};
use super::{ExportError, archive};
use crate::error::{AppError, Code};
use crate::modules::sync::connection::{self, Connection};
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::{Filter, Order, Query, Typed};

pub fn exports(state: &AppState) -> Typed<Export> {
    Typed::new(state.store.clone(), &EXPORTS)
}

/// The channel an export's events go to (the pub/sub sync progress uses): `started`,
/// `progress` about every second, then `completed` or `failed`.
pub fn events_channel(workspace: &str) -> String {
    format!("export:progress:{workspace}")
}

/// Where exports live on this instance's disk.
fn root(state: &AppState) -> PathBuf {
    state.settings.storage.data_dir.join("exports")
}

fn folder(state: &AppState, id: &str) -> PathBuf {
    root(state).join(id)
}

fn zip_path(state: &AppState, id: &str) -> PathBuf {
    root(state).join(format!("{id}.zip"))
}

/// Queues an export of `connection`.
pub async fn create(
    state: &AppState,
    connection: &Connection,
    request: NewExport,
) -> Result<ExportView, AppError> {
    crate::modules::payments::entitlements(state, &connection.tenant)
        .await?
        .allow_export()?;
    let formats = request
        .formats
        .unwrap_or_else(|| vec!["markdown".into(), "json".into()]);
    let (markdown, json) = parse_formats(formats.iter().map(String::as_str)).map_err(|e| {
        AppError::new(Code::InvalidValue, format!("formats: {e}")).with("field", "formats")
    })?;
    let since = match request.since.as_deref() {
        Some(text) => Some(
            parse_since(text)
                .map_err(|e| {
                    AppError::new(Code::InvalidValue, format!("since: {e}")).with("field", "since")
                })?
                .to_rfc3339(),
        ),
        None => None,
    };
    let now = now_ms();
    let export = Export {
        id: ulid::Ulid::generate().to_string().to_lowercase(),
        workspace: connection.id.clone(),
        state: ExportState::Queued,
        markdown,
        json,
        since,
        created_at: now,
        started_at: None,
        finished_at: None,
        expires_at: now + state.settings.export.retention_ms(),
        progress: Default::default(),
        report: None,
        error: None,
        zip_bytes: None,
    };
    exports(state).insert(&export.id, &export).await?;
    state
        .jobs
        .push(&ExportWorkspace {
            export: export.id.clone(),
        })
        .await?;
    Ok(ExportView::from(&export))
}

/// The export `id` of `workspace`, or 404.
pub async fn get(state: &AppState, workspace: &str, id: &str) -> Result<Export, AppError> {
    match exports(state).get(id).await? {
        Some(record) if record.value.workspace == workspace => Ok(record.value),
        _ => Err(AppError::new(
            Code::UnknownExport,
            format!(
                "no export `{id}` of this workspace (exports expire {} days after they are asked for)",
                state.settings.export.retention_days
            ),
        )),
    }
}

/// The workspace's exports, newest first.
pub async fn list(state: &AppState, workspace: &str) -> Result<Vec<ExportView>, AppError> {
    let query = Query::new(Filter::all().eq("workspace", workspace))
        .sort("created_at", Order::Desc)
        .limit(50);
    let (records, _) = exports(state).find(&query).await?;
    Ok(records.iter().map(|r| ExportView::from(&r.value)).collect())
}

/// The zip of a completed export, for download.
pub async fn download(state: &AppState, workspace: &str, id: &str) -> Result<PathBuf, AppError> {
    let export = get(state, workspace, id).await?;
    if export.state != ExportState::Completed {
        let why = match export.state {
            ExportState::Failed => "the export failed; ask for a new one",
            _ => "the export is not finished yet; its progress is at GET .../exports/{id}",
        };
        return Err(AppError::new(Code::ExportNotReady, why));
    }
    let path = zip_path(state, id);
    if !path.is_file() {
        return Err(AppError::new(
            Code::UnknownExport,
            "the export's files are not on this instance (expired, or written by another instance's worker)",
        ));
    }
    Ok(path)
}

/// The job: runs export `id` unless it has finished. Run twice (at-least-once delivery), the
/// second run continues the first's folder from its checkpoint. An attempt that fails is an
/// error, so that the job is tried again; the last one ends the export `failed` ([`give_up`]).
pub async fn run(state: &AppState, id: &str) -> anyhow::Result<()> {
    let Some(export) = exports(state).get(id).await?.map(|r| r.value) else {
        return Ok(());
    };
    if matches!(export.state, ExportState::Completed | ExportState::Failed) {
        return Ok(());
    }
    let Some(connection) = connection::get(&state.store, &export.workspace).await? else {
        return finish(state, id, Err("the workspace was removed".into())).await;
    };
    mark(state, id, |e| {
        e.state = ExportState::Running;
        e.started_at.get_or_insert(now_ms());
    })
    .await?;
    announce(
        state,
        &export.workspace,
        serde_json::json!({ "export": id, "event": "started" }),
    )
    .await;
    let request = Request {
        connection,
        out: folder(state, id),
        markdown: export.markdown,
        json: export.json,
        since: export.since.as_deref().and_then(|s| parse_since(s).ok()),
        earlier: earlier_json(state, &export).await?,
    };
    let progress = Arc::new(Progress::default());
    let publisher = tokio::spawn(publish(state.clone(), export.clone(), progress.clone()));
    let outcome = export_and_zip(state, &request, progress.clone()).await;
    publisher.abort();
    let snapshot = progress.snapshot();
    mark(state, id, |e| e.progress = snapshot.clone()).await?;
    match outcome {
        Ok((report, bytes)) => finish_with(state, &request, id, &report, bytes).await,
        Err(ExportError::Other(error)) if error.is::<Stopped>() => Err(error),
        // Retried from its checkpoint; once no attempt is left, `give_up` marks it failed.
        Err(error) => {
            let reason = error.to_string();
            mark(state, id, |e| e.error = Some(format!("retrying: {reason}"))).await?;
            Err(anyhow::Error::from(error).context("the export attempt failed"))
        }
    }
}

/// Ends an export that ran to its end by what it holds: `failed` when no page could be
/// exported (its zip would hold a manifest alone), else `completed`, naming any pages that
/// failed in its error. The report, failures listed, is kept either way.
async fn finish_with(
    state: &AppState,
    request: &Request,
    id: &str,
    report: &super::Report,
    bytes: u64,
) -> anyhow::Result<()> {
    let failed = report.failed.len() as u64;
    let value = serde_json::to_value(report)?;
    let summary = report.failure_summary();
    if report.all_failed() {
        state
            .metrics
            .observe_export("failed", 0, failed, report.bytes_written);
        mark(state, id, |e| e.report = Some(value.clone())).await?;
        return finish(state, id, Err(summary.unwrap_or_default())).await;
    }
    let pages = report.exported();
    state
        .metrics
        .observe_export("completed", pages, failed, report.bytes_written);
    let completed = crate::modules::analytics::Event::ExportCompleted { pages };
    crate::modules::analytics::track(state, &request.connection.tenant, completed);
    finish(state, id, Ok((value, bytes, summary))).await
}

/// The job failed every attempt (dead-lettered): the export ends `failed` with the last
/// attempt's error, instead of saying `queued` or `running` for ever. A finished one is kept.
pub async fn give_up(state: &AppState, id: &str, error: &anyhow::Error) -> anyhow::Result<()> {
    let Some(export) = exports(state).get(id).await?.map(|r| r.value) else {
        return Ok(());
    };
    if matches!(export.state, ExportState::Completed | ExportState::Failed) {
        return Ok(());
    }
    state.metrics.observe_export("failed", 0, 0, 0);
    let reason = format!("the export failed on every attempt: {error:#}");
    finish(state, id, Err(reason)).await
}

/// The process began to shut down: the job is retried and continues from the checkpoint.
#[derive(Debug, thiserror::Error)]
#[error("stopped by shutdown; the next attempt continues the export")]
struct Stopped;

async fn export_and_zip(
    state: &AppState,
    request: &Request,
    progress: Arc<Progress>,
) -> Result<(super::Report, u64), ExportError> {
    let report = tokio::select! {
        report = export(state, request, progress) => report?,
        () = state.lifecycle.until_draining() => return Err(ExportError::Other(Stopped.into())),
    };
    let dir = request.out.clone();
    let zip = dir.with_extension("zip");
    let name = format!(
        "notion-export-{}",
        request.connection.name.replace(['/', '\\'], "_")
    );
    let bytes = tokio::task::spawn_blocking(move || archive::write(&dir, &zip, &name))
        .await
        .map_err(anyhow::Error::from)??;
    Ok((report, bytes))
}

/// The `json/` of the workspace's newest completed export still on disk: its unchanged pages
/// are copied instead of read from Notion again.
async fn earlier_json(state: &AppState, export: &Export) -> anyhow::Result<Option<PathBuf>> {
    let query = Query::new(Filter::all().eq("workspace", export.workspace.as_str()))
        .sort("created_at", Order::Desc)
        .limit(20);
    let (records, _) = exports(state).find(&query).await?;
    Ok(records
        .into_iter()
        .map(|r| r.value)
        .filter(|e| e.id != export.id && e.state == ExportState::Completed && e.json)
        .map(|e| folder(state, &e.id).join("json"))
        .find(|dir| dir.is_dir()))
}

async fn finish(
    state: &AppState,
    id: &str,
    outcome: Result<(serde_json::Value, u64, Option<String>), String>,
) -> anyhow::Result<()> {
    let now = now_ms();
    let Some(record) = mark(state, id, |e| {
        e.finished_at = Some(now);
        e.expires_at = now + state.settings.export.retention_ms();
        match &outcome {
            Ok((report, bytes, failures)) => {
                e.state = ExportState::Completed;
                e.report = Some(report.clone());
                e.zip_bytes = Some(*bytes);
                e.error = failures.clone();
            }
            Err(error) => {
                e.state = ExportState::Failed;
                e.error = Some(error.clone());
            }
        }
    })
    .await?
    else {
        return Ok(());
    };
    let event = if outcome.is_ok() {
        "completed"
    } else {
        "failed"
    };
    let export = &record;
    announce(
        state,
        &export.workspace,
        serde_json::json!({ "export": id, "event": event, "view": ExportView::from(export) }),
    )
    .await;
    Ok(())
}

async fn mark(
    state: &AppState,
    id: &str,
    change: impl Fn(&mut Export),
) -> anyhow::Result<Option<Export>> {
    let updated = exports(state)
        .update(id, |e| {
            change(e);
            Some(())
        })
        .await?;
    Ok(updated.map(|r| r.value))
}

/// Publishes progress every second and stores it with the export every five.
async fn publish(state: AppState, export: Export, progress: Arc<Progress>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    for count in 1u32.. {
        ticks.tick().await;
        let now = progress.snapshot();
        let message =
            serde_json::json!({ "export": export.id, "event": "progress", "progress": now });
        announce(&state, &export.workspace, message).await;
        if count % 5 == 0 {
            let stored = mark(&state, &export.id, |e| e.progress = now.clone()).await;
            if let Err(error) = stored {
                tracing::warn!(%error, "export progress not stored");
            }
        }
    }
}

/// A lost message costs a moment of a progress bar: failures are logged, not returned.
async fn announce(state: &AppState, workspace: &str, message: serde_json::Value) {
    let channel = events_channel(workspace);
    if let Err(error) = state.cache.publish(&channel, &message.to_string()).await {
        tracing::debug!(%error, "export event not published");
    }
}

/// Housekeeping: deletes exports whose time is up, with their files.
pub async fn expire(state: &AppState) -> anyhow::Result<()> {
    let now = now_ms();
    let mut expired = Vec::new();
    exports(state)
        .for_each(&Query::new(Filter::all()).limit(500), |r| {
            if r.value.expires_at <= now {
                expired.push(r.value.id);
            }
        })
        .await?;
    for id in expired {
        delete(state, &id).await?;
    }
    Ok(())
}

/// Deletes every export of a removed workspace.
pub async fn delete_workspace(state: &AppState, workspace: &str) -> anyhow::Result<()> {
    let mut ids = Vec::new();
    let query = Query::new(Filter::all().eq("workspace", workspace)).limit(500);
    exports(state)
        .for_each(&query, |r| ids.push(r.value.id))
        .await?;
    for id in ids {
        delete(state, &id).await?;
    }
    Ok(())
}

async fn delete(state: &AppState, id: &str) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(zip_path(state, id));
    match std::fs::remove_dir_all(folder(state, id)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    exports(state).delete(id).await?;
    Ok(())
}
