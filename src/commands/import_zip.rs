//! `import-zip FILE [--name N]`: a Notion export zip as a new workspace of the acting user.

use std::path::Path;
use std::process::ExitCode;

use crate::config::Settings;
use crate::error::AppError;
use crate::modules;
use crate::modules::auth;
use crate::modules::payments;
use crate::modules::sync::zip;
use crate::state::AppState;

pub async fn import_zip(
    settings: Settings,
    user: Option<&str>,
    file: &Path,
    name: Option<&str>,
) -> super::CommandResult {
    let state = AppState::build(settings, modules::ALL).await?;
    let owner = auth::service::acting_user(&state, user).await?;
    let size = std::fs::metadata(file)
        .map_err(|e| {
            AppError::new(
                crate::error::Code::InvalidFile,
                format!("cannot read {}: {e}", file.display()),
            )
        })?
        .len();
    payments::entitlements(&state, &owner.id)
        .await?
        .allow_zip_upload(size)?;
    let (connection, report) = zip::import(&state, &owner.id, file, name).await?;
    println!(
        "{}  {}: {} pages, rows and databases, {} links imported from {}",
        connection.id,
        connection.name,
        report.entities,
        report.edges,
        file.display()
    );
    if let Some(cap) = report.page_limit {
        eprintln!("notion-graph: the plan allows {cap} pages per workspace; the rest was left out");
    }
    if report.without_id > 0 {
        eprintln!(
            "notion-graph: {} files without a Notion id in their name were left out",
            report.without_id
        );
    }
    Ok(ExitCode::SUCCESS)
}
