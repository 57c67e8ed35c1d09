//! The command-line tools beside the server: `notion links`, `sync`, `workspaces`, `backup`,
//! `restore`, `graph`, `share` and `admin`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use secrecy::SecretString;

use crate::cli::SyncArgs;
use crate::config::Settings;
use crate::error::{AppError, Code};
use crate::modules;
use crate::modules::auth;
use crate::modules::notion::links;
use crate::modules::sync::SyncWorkspace;
use crate::modules::sync::service::{self, Outcome, SyncError};
use crate::modules::sync::{Api, ProgressSnapshot};
use crate::state::AppState;

mod admin;
mod backup;
mod export;
mod graph;
mod import_zip;
mod share;
pub use admin::admin;
pub use backup::{archive, backup, restore};
pub use export::export;
pub use graph::graph;
pub use import_zip::import_zip;
pub use share::share;

/// How a command ends: its exit status, or a failure whose code decides the status.
pub type CommandResult = Result<ExitCode, AppError>;

/// The exit status of a command: a failure is printed and exits with the status its code
/// implies ([`Code::exit_status`]: 2 for bad input, 1 otherwise).
pub fn exit(result: CommandResult) -> ExitCode {
    result.unwrap_or_else(|error| {
        eprintln!("notion-graph: {}", error.describe());
        ExitCode::from(error.code().exit_status())
    })
}

/// `notion links FILE`: one JSON object per link on stdout.
pub fn print_links(file: &Path) -> CommandResult {
    let bad_file = |message: String| AppError::new(Code::InvalidFile, message);
    let text = std::fs::read_to_string(file)
        .map_err(|e| bad_file(format!("cannot read {}: {e}", file.display())))?;
    let found =
        links::from_json(&text).map_err(|e| bad_file(format!("{}: {e}", file.display())))?;
    for link in found {
        println!("{}", serde_json::to_string(&link).expect("links serialize"));
    }
    Ok(ExitCode::SUCCESS)
}

/// `sync`: connects the token's workspace and syncs it here, showing progress (or, with
/// `--enqueue`, leaves the sync to the workers). Ctrl-C stops cleanly; the next run resumes.
pub async fn sync(settings: Settings, user: Option<&str>, args: SyncArgs) -> CommandResult {
    let state = AppState::build(settings, modules::ALL).await?;
    let owner = auth::service::acting_user(&state, user).await?;
    let token = SecretString::from(args.token);
    let connection = service::connect_with_token(&state, &owner.id, token, Api::Notion).await?;
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
        |progress| {
            reporter = Some(tokio::spawn(show_progress(move || {
                describe(&progress.snapshot())
            })))
        },
        stop,
    )
    .await;
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    eprintln!();
    describe_outcome(&connection.name, outcome)
}

async fn enqueue(state: &AppState, connection: &str) -> CommandResult {
    let job = SyncWorkspace {
        connection: connection.to_owned(),
    };
    let task = state.jobs.push(&job).await?;
    println!("{connection}: sync queued as job {task}");
    Ok(ExitCode::SUCCESS)
}

fn describe_outcome(name: &str, outcome: Result<Outcome, SyncError>) -> CommandResult {
    match outcome? {
        Outcome::Done(kind, report) => {
            println!(
                "{name}: {kind:?} sync done: {} pages and databases read, {} links, {} unreadable targets",
                report.entities, report.edges, report.unshared
            );
            Ok(ExitCode::SUCCESS)
        }
        Outcome::UpToDate => {
            println!("{name}: nothing to sync");
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Stopped => {
            eprintln!("notion-graph: stopped; what was imported is kept, and the next run resumes");
            Ok(ExitCode::from(130))
        }
        Outcome::Busy => Err(AppError::new(
            Code::WorkspaceBusy,
            "another process is syncing this workspace now",
        )),
        Outcome::Inactive(status) => Err(AppError::new(
            Code::WorkspaceInactive,
            format!("the connection is {status:?}"),
        )),
    }
}

/// Shows `line()` until the task is aborted: redrawn in place four times a second on a
/// terminal, a plain line every five seconds otherwise (on stderr; stdout is the result).
async fn show_progress(line: impl Fn() -> String) {
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(5)
    };
    loop {
        tokio::time::sleep(every).await;
        let mut stderr = std::io::stderr();
        let _ = if terminal {
            write!(stderr, "\r\x1b[2K{}", line())
        } else {
            writeln!(stderr, "{}", line())
        };
        let _ = stderr.flush();
    }
}

/// `done` out of `total` as a bar (`[###---]`), and the time left when known (`, ETA 1m05s`).
fn bar(done: u64, total: u64, eta_secs: Option<u64>) -> (String, String) {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width) as usize;
    let bar = format!(
        "[{}{}]",
        "#".repeat(filled),
        "-".repeat(width as usize - filled)
    );
    let eta = eta_secs
        .map(|s| format!(", ETA {}m{:02}s", s / 60, s % 60))
        .unwrap_or_default();
    (bar, eta)
}

fn describe(now: &ProgressSnapshot) -> String {
    let (bar, eta) = bar(now.fetched, now.discovered, now.eta_secs);
    format!(
        "{bar} {}/{} fetched, {} calls, {} rate-limited, {} retried, {}s{eta}",
        now.fetched, now.discovered, now.calls, now.rate_limited, now.retries, now.elapsed_secs,
    )
}

/// `workspaces`: one line per connection.
pub async fn workspaces(settings: Settings) -> CommandResult {
    let state = AppState::build(settings, modules::ALL).await?;
    let summaries = service::workspaces(&state).await?;
    if summaries.is_empty() {
        println!("no workspaces yet: run `notion-graph sync --token ...`");
    }
    for summary in summaries {
        let last = summary
            .connection
            .last_sync_at
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map_or_else(
                || "never".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
            );
        let source = match summary.connection.source {
            crate::modules::sync::connection::Source::Api => "",
            crate::modules::sync::connection::Source::Zip => "  (from a Notion export zip)",
        };
        println!(
            "{}  {}  {} pages and databases  {} links  last sync {last}{source}",
            summary.connection.id, summary.connection.name, summary.entities, summary.edges
        );
    }
    Ok(ExitCode::SUCCESS)
}
