//! The graph as other modules and the command line use it: build a workspace's snapshot,
//! render any view of it in any format (one call, cached with its compressed bodies, which is
//! all a route needs), diff two snapshots, and name a workspace from what a user typed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::bodies::{Bodies, BodyCache};
use super::model::{BuildOptions, Graph, Metrics, Snapshot, SnapshotDiff, SnapshotMeta};
use super::views::{ViewError, ViewRequest};
use super::{build, d3, formats, layout, metrics, snapshot, store};
use crate::error::{AppError, Code};
use crate::modules::sync::service as sync_service;
use crate::state::AppState;
use crate::storage::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("no workspace `{given}` (known: {known})")]
    UnknownWorkspace { given: String, known: String },
    #[error("no workspace is imported yet: run `notion-graph sync --token ...` first")]
    NoWorkspace,
    #[error("{0} workspaces are imported; name one with --workspace ({1})")]
    WhichWorkspace(usize, String),
    #[error("workspace `{0}` has no snapshot {1}")]
    UnknownVersion(String, u64),
    #[error(transparent)]
    View(#[from] ViewError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<GraphError> for AppError {
    fn from(error: GraphError) -> Self {
        let code = match error {
            GraphError::UnknownWorkspace { .. } => Code::UnknownWorkspace,
            GraphError::NoWorkspace => Code::NoWorkspace,
            GraphError::WhichWorkspace(..) => Code::WorkspaceRequired,
            GraphError::UnknownVersion(..) => Code::UnknownSnapshot,
            GraphError::View(error) => return error.into(),
            GraphError::Store(error) => return error.into(),
            GraphError::Other(error) => return AppError::Internal(error),
        };
        AppError::new(code, error.to_string())
    }
}

/// An output format of a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    D3,
    Gexf,
    Graphml,
    /// The compact typed-array format of `web/embed/FORMAT.md` (see [`super::bin`]).
    Bin,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::D3 => "application/json",
            Self::Gexf => "application/gexf+xml",
            Self::Graphml => "application/graphml+xml",
            Self::Bin => super::bin::CONTENT_TYPE,
        }
    }
}

/// One view of one snapshot in one format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExportRequest {
    pub view: ViewRequest,
    pub format: Format,
    /// D3 links by node id instead of node index.
    pub by_id: bool,
    /// The newest snapshot when `None`.
    pub version: Option<u64>,
}

/// Metrics and layout over `graph`: a snapshot not yet stored (version 0).
pub fn analyse(
    workspace: &str,
    graph: Graph,
    options: BuildOptions,
    previous: Option<&Snapshot>,
) -> Snapshot {
    let metrics = metrics::compute(&graph);
    let (positions, mean_displacement) = layout::positions(&graph, previous);
    assemble(
        workspace,
        graph,
        options,
        metrics,
        positions,
        mean_displacement,
    )
}

/// A snapshot (version 0, not yet stored) of parts computed apart.
pub fn assemble(
    workspace: &str,
    graph: Graph,
    options: BuildOptions,
    metrics: Metrics,
    positions: Vec<[f32; 2]>,
    mean_displacement: Option<f64>,
) -> Snapshot {
    Snapshot {
        meta: SnapshotMeta {
            workspace: workspace.to_owned(),
            version: 0,
            created_at: chrono::Utc::now().timestamp_millis(),
            options,
            node_count: graph.nodes.len() as u64,
            link_count: graph.links.len() as u64,
            community_count: metrics.communities.len() as u64,
            modularity: metrics.modularity,
            mean_displacement,
            stored_bytes: 0,
            chunk_count: 0,
            body: String::new(),
        },
        graph,
        metrics,
        positions,
    }
}

/// Renders one view of `snapshot` in `format`.
pub fn render(
    snapshot: &Snapshot,
    request: &ViewRequest,
    format: Format,
    by_id: bool,
) -> Result<Vec<u8>, ViewError> {
    let view = super::views::view(snapshot, request)?;
    Ok(match format {
        Format::D3 => d3::render(snapshot, &view, by_id),
        Format::Gexf => formats::gexf(snapshot, &view).into_bytes(),
        Format::Graphml => formats::graphml(snapshot, &view).into_bytes(),
        Format::Bin => super::bin::Packed::from_view(snapshot, &view).to_bytes(),
    })
}

/// Snapshots and rendered views of every workspace, with the last few kept in memory.
pub struct GraphService {
    store: Store,
    bodies: BodyCache,
    snapshots: Mutex<VecDeque<Arc<Snapshot>>>,
}

const SNAPSHOTS_KEPT: usize = 2;
const BODIES_KEPT: usize = 32;

impl GraphService {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            bodies: BodyCache::new(BODIES_KEPT),
            snapshots: Mutex::default(),
        }
    }

    /// Builds, analyses and stores the next snapshot of `workspace`, laid out from the last one.
    pub async fn build(
        &self,
        workspace: &str,
        options: BuildOptions,
    ) -> Result<Arc<Snapshot>, GraphError> {
        let graph = build::from_store(&self.store, workspace, options).await?;
        let previous = self.snapshot(workspace, None).await.ok();
        let name = workspace.to_owned();
        let mut built = tokio::task::spawn_blocking(move || {
            analyse(&name, graph, options, previous.as_deref())
        })
        .await
        .map_err(anyhow::Error::from)?;
        store::save(&self.store, &mut built).await?;
        let built = Arc::new(built);
        self.remember(built.clone());
        Ok(built)
    }

    /// A stored snapshot of `workspace`: `version`, or the newest.
    pub async fn snapshot(
        &self,
        workspace: &str,
        version: Option<u64>,
    ) -> Result<Arc<Snapshot>, GraphError> {
        let meta = match version {
            Some(v) => store::meta(&self.store, workspace, v).await?,
            None => store::latest_meta(&self.store, workspace).await?,
        };
        let Some(meta) = meta else {
            return Err(GraphError::UnknownVersion(
                workspace.to_owned(),
                version.unwrap_or(1),
            ));
        };
        if let Some(kept) = self.kept(&meta) {
            return Ok(kept);
        }
        let loaded = Arc::new(store::load(&self.store, meta).await?);
        self.remember(loaded.clone());
        Ok(loaded)
    }

    /// One view in one format with its compressed bodies; builds a first snapshot if need be.
    pub async fn export(
        &self,
        workspace: &str,
        request: &ExportRequest,
    ) -> Result<Arc<Bodies>, GraphError> {
        let snapshot = match self.snapshot(workspace, request.version).await {
            Err(GraphError::UnknownVersion(..)) if request.version.is_none() => {
                self.build(workspace, BuildOptions::default()).await?
            }
            other => other?,
        };
        let key = format!(
            "{workspace}:{}:{}",
            snapshot.meta.version,
            serde_json::to_string(request).map_err(anyhow::Error::from)?
        );
        if let Some(bodies) = self.bodies.get(&key) {
            return Ok(bodies);
        }
        let request = request.clone();
        let bodies = tokio::task::spawn_blocking(move || {
            render(&snapshot, &request.view, request.format, request.by_id)
                .map(|plain| Bodies::compress(request.format.content_type(), plain))
        })
        .await
        .map_err(anyhow::Error::from)??;
        let bodies = Arc::new(bodies);
        self.bodies.put(key, bodies.clone());
        Ok(bodies)
    }

    /// What changed from snapshot `from` to `to` (by default: the one before the newest, and
    /// the newest).
    pub async fn diff(
        &self,
        workspace: &str,
        from: Option<u64>,
        to: Option<u64>,
    ) -> Result<SnapshotDiff, GraphError> {
        let after = self.snapshot(workspace, to).await?;
        let from = from.unwrap_or(after.meta.version.saturating_sub(1).max(1));
        let before = self.snapshot(workspace, Some(from)).await?;
        Ok(snapshot::diff(&before, &after))
    }

    fn kept(&self, meta: &SnapshotMeta) -> Option<Arc<Snapshot>> {
        let kept = self.snapshots.lock().expect("snapshot cache lock");
        kept.iter()
            .find(|s| s.meta.workspace == meta.workspace && s.meta.body == meta.body)
            .cloned()
    }

    fn remember(&self, snapshot: Arc<Snapshot>) {
        let mut kept = self.snapshots.lock().expect("snapshot cache lock");
        kept.push_front(snapshot);
        kept.truncate(SNAPSHOTS_KEPT);
    }
}

/// The workspace a user means: a connection id or name, or the only one there is.
pub async fn resolve_workspace(
    state: &AppState,
    given: Option<&str>,
) -> Result<String, GraphError> {
    let known = sync_service::workspaces(state).await?;
    let ids: Vec<&str> = known.iter().map(key).collect();
    let listing = known
        .iter()
        .map(|w| format!("{} ({})", key(w), w.connection.name))
        .collect::<Vec<_>>()
        .join(", ");
    match given {
        Some(given) => known
            .iter()
            .find(|w| key(w) == given || w.connection.name.eq_ignore_ascii_case(given))
            .map(|w| key(w).to_owned())
            .ok_or_else(|| GraphError::UnknownWorkspace {
                given: given.to_owned(),
                known: if listing.is_empty() {
                    "none".into()
                } else {
                    listing
                },
            }),
        None => match ids.as_slice() {
            [] => Err(GraphError::NoWorkspace),
            [one] => Ok((*one).to_owned()),
            many => Err(GraphError::WhichWorkspace(many.len(), listing)),
        },
    }
}

/// The id the import stores a workspace's pages and edges under.
fn key(summary: &sync_service::WorkspaceSummary) -> &str {
    &summary.connection.id
}
