//! `backup --out FILE` and `restore FILE`: the store to a file and back, in either backend.

use std::path::Path;
use std::process::ExitCode;

use super::CommandResult;
use crate::config::Settings;
use crate::modules;
use crate::modules::ops::backup::{self, Summary};
use crate::state;

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
