//! `backup --out FILE` and `restore FILE`: the store to a file and back, in either backend;
//! `archive`: the history housekeeping archived.

use std::path::Path;
use std::process::ExitCode;

use super::CommandResult;
use crate::cli::ArchiveCommand;
use crate::config::Settings;
use crate::error::{AppError, Code};
use crate::modules;
use crate::modules::auth::model::rfc3339;
use crate::modules::ops::backup::{self, Summary};
use crate::state;
use crate::storage::archive;

pub async fn backup(settings: Settings, out: &Path) -> CommandResult {
    let store = state::store_only(&settings, modules::ALL).await?;
    let summary = backup::backup(&store, &modules::collections(), out).await?;
    println!("wrote {}: {}", out.display(), describe(&summary));
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(settings: Settings, file: &Path, force: bool) -> CommandResult {
    let store = state::store_only(&settings, modules::ALL).await?;
    let summary = backup::restore(&store, &modules::collections(), file, force).await?;
    println!("restored {}: {}", file.display(), describe(&summary));
    Ok(ExitCode::SUCCESS)
}

/// "1234 documents (entities 1000, edges 200, ...)", largest collections first.
fn describe(summary: &Summary) -> String {
    let mut sizes: Vec<_> = summary
        .collections
        .iter()
        .filter(|(_, n)| **n > 0)
        .collect();
    sizes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let sizes: Vec<String> = sizes.iter().map(|(c, n)| format!("{c} {n}")).collect();
    format!("{} documents ({})", summary.documents, sizes.join(", "))
}

/// `archive list|show|restore`: the history housekeeping archived.
pub async fn archive(settings: Settings, command: ArchiveCommand) -> CommandResult {
    let store = state::store_only(&settings, modules::ALL).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let unknown = |id: &str| {
        AppError::new(
            Code::InvalidArgument,
            format!("no archive `{id}`: `notion-graph archive list` names them"),
        )
    };
    match command {
        ArchiveCommand::List { collection, limit } => {
            let found = archive::list(&store, collection.as_deref(), limit.clamp(1, 1000)).await?;
            if found.is_empty() {
                println!("no archives yet: housekeeping archives history once it expires");
            }
            for (id, a) in found {
                let at = rfc3339(a.archived_at);
                println!("{id}  {}  {at}  {} documents", a.collection, a.count);
            }
        }
        ArchiveCommand::Show { id } => {
            let archived = archive::get(&store, &id)
                .await?
                .ok_or_else(|| unknown(&id))?;
            for document in archive::unpack(&archived).map_err(AppError::Internal)? {
                let line = serde_json::json!({"id": document.id, "body": document.body});
                println!("{line}");
            }
        }
        ArchiveCommand::Restore { id } => {
            let collections = modules::collections();
            let restored = archive::restore(&store, &collections, &id, now).await?;
            let (collection, count) = restored.ok_or_else(|| unknown(&id))?;
            println!(
                "restored {count} documents to {} for {} days",
                collection.name,
                archive::RESTORED_FOR_MS / (24 * 3600 * 1000)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
