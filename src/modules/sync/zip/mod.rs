//! Import of a Notion export zip ("Markdown & CSV" or "HTML", nested zips included): a user
//! without an integration token, or with too many pages for Notion's 3 requests a second,
//! sees their graph in minutes. The zip is stored the way an API import stores a workspace
//! (a connection, its entities, its edges, under Notion's own ids), so graph builds, views and
//! shares treat it like any other, and a token connected to it later syncs the same ids over
//! it ([`connect_token`]).
//!
//! - [`archive`]: reading the upload safely (type, traversal, zip bombs, nesting).
//! - [`names`]: the `Title <32 hex>` naming and links to ids; [`parse`]: one file's facts;
//!   [`tree`]: the files to entities and edges; [`content`] (with `inline` and `html`): a
//!   page's file to the content an export reads. These are pure.
//! - [`contents`]: that content, stored at import for the workspace's exports.

pub mod archive;
pub mod content;
pub mod contents;
mod html;
mod inline;
pub mod names;
pub mod parse;
pub mod routes;
pub mod tree;
pub mod upload;

#[cfg(test)]
mod tests;

use std::path::Path;

use super::connect::new_connection;
use super::connection::{Connection, Counts, Source, Status, connections};
use super::local::write;
use super::service::SyncError;
use super::workspaces::WorkspaceView;
use super::{now_ms, store};
use crate::error::{AppError, Code};
use crate::modules::analytics;
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::payments;
use crate::state::AppState;

/// Why a zip is refused.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("the file is not a zip archive: upload the .zip Notion's export gave you")]
    NotAZip,
    #[error("the zip is damaged or not one this importer can read: {0}")]
    Corrupt(String),
    #[error("the zip names a path outside itself ({0}); it is refused as a whole")]
    Traversal(String),
    #[error("the zip is refused as a zip bomb: {0}")]
    Bomb(String),
    #[error(
        "the zip holds no Notion pages (no `Title <id>.md`, `.html` or `.csv` file): export with \"Markdown & CSV\" or \"HTML\" and \"Include subpages\""
    )]
    NoPages,
    #[error("cannot read the upload: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ZipError> for AppError {
    fn from(error: ZipError) -> Self {
        let code = match error {
            ZipError::NotAZip => Code::NotAZip,
            ZipError::Corrupt(_) | ZipError::NoPages => Code::InvalidZip,
            ZipError::Traversal(_) | ZipError::Bomb(_) => Code::UnsafeZip,
            ZipError::Io(_) => return AppError::Internal(error.into()),
        };
        AppError::new(code, error.to_string())
    }
}

/// What an import of a zip stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZipReport {
    pub entities: u64,
    pub edges: u64,
    /// Files without an id in their name, left out.
    pub without_id: u64,
    /// Set when the plan's pages per workspace cut the import short.
    pub page_limit: Option<u64>,
}

/// Reads the zip at `path` into a workspace for `connection` (blocking: run it off the
/// async threads).
pub fn read(
    path: &Path,
    connection: &str,
    expanded_bytes: u64,
) -> Result<tree::Workspace, ZipError> {
    let mut files = Vec::new();
    archive::walk(
        path,
        archive::Limits::new(expanded_bytes),
        &mut |path, bytes| {
            let Some(name) = path.last() else { return };
            let lower = name.to_lowercase();
            let text = String::from_utf8_lossy(&bytes);
            let facts = if lower.ends_with(".md") {
                parse::markdown(&text)
            } else if lower.ends_with(".html") {
                parse::html(&text)
            } else {
                parse::csv()
            };
            files.push(tree::ExportFile { path, facts });
        },
    )?;
    let workspace = tree::build(connection, files);
    if workspace.entities.iter().all(|e| !e.shared) {
        return Err(ZipError::NoPages);
    }
    Ok(workspace)
}

/// Imports the Notion export zip at `path` as a new workspace of `owner`, named `name` (or
/// after the export), within the owner's plan: another workspace must be allowed, and pages
/// past the plan's pages per workspace are left out (the report says so).
pub async fn import(
    state: &AppState,
    owner: &str,
    path: &Path,
    name: Option<&str>,
) -> Result<(Connection, ZipReport), SyncError> {
    super::connect::allow_another_workspace(state, owner).await?;
    let entitlements = payments::entitlements(state, owner).await?;
    let id = format!("zip-{}", ulid::Ulid::generate().to_string().to_lowercase());
    let expanded = state
        .settings
        .export
        .zip_expanded_megabytes
        .saturating_mul(1024 * 1024);
    let (file, connection_id) = (path.to_owned(), id.clone());
    let mut workspace = tokio::task::spawn_blocking(move || read(&file, &connection_id, expanded))
        .await
        .map_err(anyhow::Error::from)??;
    let page_limit = entitlements.plan.pages_per_workspace.0;
    let cut = page_limit.filter(|cap| workspace.entities.len() as u64 > *cap);
    if let Some(cap) = cut {
        keep_first(&mut workspace, cap as usize);
    }
    let mut connection = new_connection(state, owner, &id);
    connection.name = name
        .map(str::to_owned)
        .or(workspace.top_title.clone())
        .unwrap_or_else(|| "Notion export".into());
    connection.status = Status::Paused;
    connection.source = Source::Zip;
    connection.next_sync_at = None;
    connection.last_sync_at = Some(now_ms());
    connection.page_limit_reached = cut;
    let report = ZipReport {
        entities: workspace.entities.iter().filter(|e| e.shared).count() as u64,
        edges: workspace.edges.len() as u64,
        without_id: workspace.without_id as u64,
        page_limit: cut,
    };
    contents::save(&state.store, path, &id, &workspace, expanded).await?;
    let entities = workspace
        .entities
        .into_iter()
        .map(|e| (store::entity_id(&id, &e.notion_id), e));
    write(&store::entities(&state.store), entities).await?;
    write(&store::edges(&state.store), workspace.edges.into_iter()).await?;
    connection.counts = Some(Counts::of(&state.store, &id).await?);
    // Last, so that the workspace appears only once it is whole.
    connections(&state.store).insert(&id, &connection).await?;
    Ok((connection, report))
}

/// An uploaded zip imported for `owner`: the workspace as the API shows it, and what was
/// stored. Its graph is built as after a sync; the connection is audited as any other.
pub async fn import_upload(
    state: &AppState,
    owner: &str,
    saved: &upload::Saved,
    name: Option<&str>,
    client: &ClientInfo,
) -> Result<(WorkspaceView, ZipReport), SyncError> {
    payments::entitlements(state, owner)
        .await?
        .allow_zip_upload(saved.bytes)
        .map_err(|e| SyncError::Plan(Box::new(e)))?;
    let (connection, report) = import(state, owner, &saved.path, name).await?;
    state.modules.after_sync(state, &connection.id).await?;
    analytics::track(state, owner, analytics::Event::WorkspaceConnected);
    let id = Some(connection.id.as_str());
    audit::record(
        &state.store,
        Action::WorkspaceConnected,
        Some(owner),
        id,
        client,
        None,
    )
    .await;
    Ok((super::workspaces::view(state, connection).await?, report))
}

/// Where uploads wait while they are imported.
pub fn uploads_dir(state: &AppState) -> std::path::PathBuf {
    state.settings.storage.data_dir.join("uploads")
}

/// Keeps the first `cap` readable entities (in the export's order) and the edges among them.
fn keep_first(workspace: &mut tree::Workspace, cap: usize) {
    let mut kept = 0;
    workspace.entities.retain(|e| {
        kept += usize::from(e.shared);
        !e.shared || kept <= cap
    });
    let ids: std::collections::HashSet<&str> = workspace
        .entities
        .iter()
        .map(|e| e.notion_id.as_str())
        .collect();
    workspace
        .edges
        .retain(|_, e| ids.contains(e.source.as_str()) && ids.contains(e.target.as_str()));
}
