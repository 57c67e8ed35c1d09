//! The command-line tools beside the server: `notion links`, `sync` and `workspaces`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::cli::SyncArgs;
use crate::config::Settings;
use crate::modules::notion::links;
use crate::modules::sync::SyncWorkspace;
use crate::modules::sync::service::{self, Outcome, SyncError};
use crate::modules::sync::{Progress, ProgressSnapshot};
use crate::state::AppState;

mod graph;
pub use graph::graph;

/// `notion links FILE`: one JSON object per link on stdout; status 2 when the file is not usable.
pub fn print_links(file: &Path) -> ExitCode {
    let found = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))
        .and_then(|text| links::from_json(&text).map_err(|e| format!("{}: {e}", file.display())));
    match found {
        Ok(found) => {
            for link in found {
                println!("{}", serde_json::to_string(&link).expect("links serialize"));
            }
            ExitCode::SUCCESS
        }
        Err(message) => failure(2, &message),
    }
}

fn failure(code: u8, message: &str) -> ExitCode {
    eprintln!("notion-graph: {message}");
    ExitCode::from(code)
}

/// `sync`: connects the token's workspace and syncs it here, showing progress (or, with
/// `--enqueue`, leaves the sync to the workers). Ctrl-C stops cleanly; the next run resumes.
pub async fn sync(settings: Settings, args: SyncArgs) -> ExitCode {
    let state = match AppState::build(settings).await {
        Ok(state) => state,
        Err(error) => return failure(1, &format!("{error:#}")),
    };
    let token = SecretString::from(args.token);
    let connection =
        match service::connect_with_token(&state, token, &args.notion_url, args.rate).await {
            Ok(connection) => connection,
            Err(SyncError::BadToken(reason)) => {
                return failure(2, &format!("Notion refused the token: {reason}"));
            }
            Err(other) => return failure(1, &format!("{other:#}")),
        };
    if args.enqueue {
        return enqueue(&state, &connection.id).await;
    }
    let mut reporter = None;
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let outcome = service::sync_connection(
        &state,
        &connection.id,
        |progress| reporter = Some(tokio::spawn(report(progress))),
        stop,
    )
    .await;
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    eprintln!();
    describe_outcome(&connection.name, outcome)
}

async fn enqueue(state: &AppState, connection: &str) -> ExitCode {
    let job = SyncWorkspace {
        connection: connection.to_owned(),
    };
    match state.jobs.push(&job).await {
        Ok(task) => {
            println!("{connection}: sync queued as job {task}");
            ExitCode::SUCCESS
        }
        Err(error) => failure(1, &format!("{error:#}")),
    }
}

fn describe_outcome(name: &str, outcome: Result<Outcome, SyncError>) -> ExitCode {
    match outcome {
        Ok(Outcome::Done(kind, report)) => {
            println!(
                "{name}: {kind:?} sync done: {} pages and databases read, {} links, {} unreadable targets",
                report.entities, report.edges, report.unshared
            );
            ExitCode::SUCCESS
        }
        Ok(Outcome::Stopped) => {
            eprintln!("notion-graph: stopped; what was imported is kept, and the next run resumes");
            ExitCode::from(130)
        }
        Ok(Outcome::Busy) => failure(1, "another process is syncing this workspace now"),
        Ok(Outcome::Inactive(status)) => failure(1, &format!("the connection is {status:?}")),
        Err(SyncError::BadToken(reason)) => {
            failure(2, &format!("Notion refused the token: {reason}"))
        }
        Err(other) => failure(1, &format!("{other:#}")),
    }
}

/// A progress bar on a terminal, a plain line every few seconds otherwise (stderr).
async fn report(progress: Arc<Progress>) {
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(5)
    };
    loop {
        tokio::time::sleep(every).await;
        let line = describe(&progress.snapshot());
        let mut stderr = std::io::stderr();
        let _ = if terminal {
            write!(stderr, "\r\x1b[2K{line}")
        } else {
            writeln!(stderr, "{line}")
        };
        let _ = stderr.flush();
    }
}

fn describe(now: &ProgressSnapshot) -> String {
    let width = 30;
    let done = (now.fetched * width)
        .checked_div(now.discovered)
        .unwrap_or(0)
        .min(width) as usize;
    let eta = now
        .eta_secs
        .map(|s| format!(", ETA {}m{:02}s", s / 60, s % 60))
        .unwrap_or_default();
    format!(
        "[{}{}] {}/{} fetched, {} calls, {} rate-limited, {} retried, {}s{eta}",
        "#".repeat(done),
        "-".repeat(width as usize - done),
        now.fetched,
        now.discovered,
        now.calls,
        now.rate_limited,
        now.retries,
        now.elapsed_secs,
    )
}

/// `workspaces`: one line per connection.
pub async fn workspaces(settings: Settings) -> ExitCode {
    let listing = async {
        let state = AppState::build(settings).await?;
        service::workspaces(&state).await
    };
    match listing.await {
        Ok(summaries) if summaries.is_empty() => {
            println!("no workspaces yet: run `notion-graph sync --token ...`");
            ExitCode::SUCCESS
        }
        Ok(summaries) => {
            for summary in summaries {
                let last = summary
                    .connection
                    .last_sync_at
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map_or_else(
                        || "never".to_owned(),
                        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                    );
                println!(
                    "{}  {}  {} pages and databases  {} links  last sync {last}",
                    summary.connection.id, summary.connection.name, summary.entities, summary.edges
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => failure(1, &format!("{error:#}")),
    }
}
