//! `export`: a workspace to Markdown and JSON files, with a progress bar on a terminal.
//! Ctrl-C (or a kill) stops it; running it again continues where it stopped.

use std::process::ExitCode;
use std::sync::Arc;

use super::CommandResult;
use crate::cli::ExportArgs;
use crate::config::Settings;
use crate::error::{AppError, Code};
use crate::modules;
use crate::modules::export::{self, Progress, ProgressSnapshot, Report, Request, model};
use crate::modules::graph::service::resolve_workspace;
use crate::modules::sync::connection;
use crate::state::AppState;

pub async fn export(settings: Settings, args: ExportArgs) -> CommandResult {
    let (markdown, json) = formats(&args.format)?;
    let since = args.since.as_deref().map(since).transpose()?;
    let state = AppState::build(settings, modules::ALL).await?;
    let workspace = resolve_workspace(&state, args.workspace.as_deref()).await?;
    let connection = connection::get(&state.store, &workspace)
        .await?
        .ok_or_else(|| {
            AppError::new(
                Code::UnknownWorkspace,
                format!("no workspace `{workspace}`"),
            )
        })?;
    let request = Request {
        connection,
        out: args.out.clone(),
        markdown,
        json,
        since,
        earlier: None,
    };
    let progress = Arc::new(Progress::default());
    let watched = progress.clone();
    let reporter = tokio::spawn(super::show_progress(move || describe(&watched.snapshot())));
    let outcome = tokio::select! {
        outcome = export::export(&state, &request, progress.clone()) => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    };
    reporter.abort();
    eprintln!();
    let Some(outcome) = outcome else {
        eprintln!("notion-graph: stopped; finished pages are kept, and the next run continues");
        return Ok(ExitCode::from(130));
    };
    summarise(&args, &outcome?)
}

fn summarise(args: &ExportArgs, report: &Report) -> CommandResult {
    println!(
        "{}: {} pages, {} rows, {} databases ({} from stored copies, {} read from Notion, {} already done); {} files written ({} bytes), {} removed",
        args.out.display(),
        report.pages,
        report.rows,
        report.databases,
        report.from_store,
        report.from_notion,
        report.resumed,
        report.files_written,
        report.bytes_written,
        report.files_removed
    );
    if report.failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for failure in &report.failed {
        eprintln!(
            "failed: {} ({}): {}",
            failure.title, failure.id, failure.error
        );
    }
    eprintln!(
        "notion-graph: {} pages failed (listed in manifest.json); run the export again to retry them",
        report.failed.len()
    );
    Ok(ExitCode::FAILURE)
}

fn formats(text: &str) -> Result<(bool, bool), AppError> {
    model::parse_formats(text.split(','))
        .map_err(|e| AppError::new(Code::InvalidArgument, format!("--format: {e}")))
}

fn since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    model::parse_since(text)
        .map_err(|e| AppError::new(Code::InvalidArgument, format!("--since: {e}")))
}

fn describe(now: &ProgressSnapshot) -> String {
    let (bar, eta) = super::bar(now.done, now.total, now.eta_secs);
    format!(
        "{bar} {}/{} exported, {} failed, {} files, {} bytes, {}s{eta}",
        now.done, now.total, now.failed, now.files_written, now.bytes_written, now.elapsed_secs,
    )
}
