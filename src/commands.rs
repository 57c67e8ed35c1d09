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
use crate::modules::sync::service::{self, SyncError};
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

/// `sync`: imports the token's workspace, showing progress; Ctrl-C stops cleanly.
pub async fn sync(settings: Settings, args: SyncArgs) -> ExitCode {
    let state = match AppState::build(settings).await {
        Ok(state) => state,
        Err(error) => return failure(1, &format!("{error:#}")),
    };
    let token = SecretString::from(args.token);
    let mut reporter = None;
    let run = service::sync_with_token(&state, token, &args.notion_url, args.rate, |progress| {
        reporter = Some(tokio::spawn(report(progress)));
    });
    let outcome = tokio::select! {
        outcome = run => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\nnotion-graph: stopped; what was imported is kept, and the next run imports again");
            return ExitCode::from(130);
        }
    };
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    match outcome {
        Ok((connection, report)) => {
            eprintln!();
            println!(
                "{}: {} pages and databases, {} links, {} unreadable targets",
                connection.name, report.entities, report.edges, report.unshared
            );
            ExitCode::SUCCESS
        }
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
                    summary.connection.bot_id,
                    summary.connection.name,
                    summary.entities,
                    summary.edges
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => failure(1, &format!("{error:#}")),
    }
}
