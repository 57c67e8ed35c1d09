//! The graph as other modules and the command line use it: build a workspace's snapshot,
//! render any view of it in any format (one call, cached with its compressed bodies, which is
//! all a route needs), diff two snapshots, and name a workspace from what a user typed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::analysis::analyse;
use super::bodies::{Bodies, BodyCache};
use super::export::{ExportRequest, render};
use super::model::{BuildOptions, Snapshot, SnapshotDiff, SnapshotMeta};
use super::views::ViewError;
use super::{build, retention, snapshot, store};
use crate::error::{AppError, Code};
use crate::modules::sync::lease;
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
    #[error("a build of workspace `{0}` holds its lease; try again when it is done")]
    Busy(String),
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
            GraphError::Busy(_) => Code::WorkspaceBusy,
            GraphError::View(error) => return error.into(),
            GraphError::Store(error) => return error.into(),
            GraphError::Other(error) => return error.into(),
        };
        AppError::new(code, error.to_string())
    }
}

/// What [`GraphService::rebuild`] found.
#[derive(Debug, Clone)]
pub enum Rebuilt {
    New(Arc<Snapshot>),
    /// The graph is the newest snapshot's: no new version.
    Unchanged(Arc<Snapshot>),
}

impl Rebuilt {
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        match self {
            Self::New(snapshot) | Self::Unchanged(snapshot) => snapshot,
        }
    }
}

/// The state's graph service: its caches live as long as the state.
pub fn service(state: &AppState) -> Arc<GraphService> {
    let kept = state.settings.graph.snapshots_kept;
    let lease = Duration::from_millis(state.settings.sync.lease_ms);
    state.services.get_or_init(|| {
        GraphService::new(state.store.clone())
            .keeping(kept)
            .leasing(lease)
    })
}

/// Snapshots and rendered views of every workspace, with the last few kept in memory.
pub struct GraphService {
    store: Store,
    /// Snapshots kept per workspace besides the pinned ones.
    kept: usize,
    /// The lifetime of the build lease a first build takes.
    lease_ttl: Duration,
    bodies: BodyCache,
    snapshots: Mutex<VecDeque<Arc<Snapshot>>>,
}

/// Snapshots and rendered bodies held in memory.
const SNAPSHOTS_IN_MEMORY: usize = 2;
const BODIES_IN_MEMORY: usize = 32;

impl GraphService {
    /// A service keeping the default 20 snapshots per workspace besides the pinned ones.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            kept: 20,
            lease_ttl: Duration::from_secs(30),
            bodies: BodyCache::new(BODIES_IN_MEMORY),
            snapshots: Mutex::default(),
        }
    }

    /// The same, keeping the newest `kept` snapshots (at least 1).
    pub fn keeping(self, kept: usize) -> Self {
        Self {
            kept: kept.max(1),
            ..self
        }
    }

    /// The same, with build leases of `ttl` (the `sync_lease_ms` the build jobs use).
    pub fn leasing(self, ttl: Duration) -> Self {
        Self {
            lease_ttl: ttl,
            ..self
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
        self.store_next(workspace, graph, options, previous).await
    }

    /// Builds the next snapshot of `workspace` with the default options, unless its graph is
    /// the newest snapshot's exactly: then that one stays current (a sync that re-read pages
    /// without changing them makes no new version).
    pub async fn rebuild(&self, workspace: &str) -> Result<Rebuilt, GraphError> {
        let options = BuildOptions::default();
        let graph = build::from_store(&self.store, workspace, options).await?;
        match self.snapshot(workspace, None).await.ok() {
            Some(newest) if newest.meta.options == options && newest.graph == graph => {
                Ok(Rebuilt::Unchanged(newest))
            }
            previous => {
                let built = self.store_next(workspace, graph, options, previous).await?;
                Ok(Rebuilt::New(built))
            }
        }
    }

    async fn store_next(
        &self,
        workspace: &str,
        graph: super::Graph,
        options: BuildOptions,
        previous: Option<Arc<Snapshot>>,
    ) -> Result<Arc<Snapshot>, GraphError> {
        let name = workspace.to_owned();
        let mut built = tokio::task::spawn_blocking(move || {
            analyse(&name, graph, options, previous.as_deref())
        })
        .await
        .map_err(anyhow::Error::from)?;
        store::save(&self.store, &mut built).await?;
        let built = Arc::new(built);
        self.remember(built.clone());
        self.prune(workspace).await;
        Ok(built)
    }

    /// Deletes the snapshots `workspace` no longer keeps. A failure deletes nothing more and
    /// is only logged: the build it follows succeeded, and the next build prunes again.
    async fn prune(&self, workspace: &str) {
        match retention::apply(&self.store, workspace, self.kept).await {
            Ok(deleted) if !deleted.is_empty() => {
                tracing::info!(workspace, ?deleted, "old graph snapshots deleted");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(
                workspace,
                error = format!("{error:#}"),
                "old graph snapshots not pruned"
            ),
        }
    }

    /// Keeps `version` of `workspace` for `holder` (e.g. `share:<id>`) until [`Self::unpin`]
    /// or `expires_at` (epoch milliseconds), however many snapshots come after it. Pinning
    /// again moves the holder's pin; a version that is not stored is refused.
    pub async fn pin(
        &self,
        holder: &str,
        workspace: &str,
        version: u64,
        expires_at: Option<i64>,
    ) -> Result<(), GraphError> {
        if store::meta(&self.store, workspace, version)
            .await?
            .is_none()
        {
            return Err(GraphError::UnknownVersion(workspace.to_owned(), version));
        }
        retention::pin(&self.store, holder, workspace, version, expires_at).await?;
        Ok(())
    }

    /// Lets go of `holder`'s pin (the next build may delete that snapshot); whether it had one.
    pub async fn unpin(&self, holder: &str) -> Result<bool, GraphError> {
        Ok(retention::unpin(&self.store, holder).await?)
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

    /// A stored snapshot of `workspace`: `version`, or the newest, building a first one when
    /// the workspace has none yet.
    pub async fn current(
        &self,
        workspace: &str,
        version: Option<u64>,
    ) -> Result<Arc<Snapshot>, GraphError> {
        match self.snapshot(workspace, version).await {
            Err(GraphError::UnknownVersion(..)) if version.is_none() => {
                self.first_build(workspace).await
            }
            other => other,
        }
    }

    /// A first snapshot, built under the workspace's build lease as every build is, so that it
    /// cannot race a build job (or the workspace's deletion, which takes the lease too). A
    /// snapshot stored while it waited for the lease is taken instead of building another.
    async fn first_build(&self, workspace: &str) -> Result<Arc<Snapshot>, GraphError> {
        let key = super::jobs::lease_key(workspace);
        let holder = format!("first-build:{}", ulid::Ulid::generate());
        let held = lease::wait_for(&self.store, &key, &holder, self.lease_ttl)
            .await?
            .ok_or_else(|| GraphError::Busy(workspace.to_owned()))?;
        let (held, outcome) = lease::keep(held, async {
            match self.snapshot(workspace, None).await {
                Err(GraphError::UnknownVersion(..)) => {
                    self.build(workspace, BuildOptions::default()).await
                }
                other => other,
            }
        })
        .await;
        if let Some(held) = held {
            held.release().await?;
        }
        outcome
    }

    /// One view in one format with its compressed bodies; builds a first snapshot if need be.
    pub async fn export(
        &self,
        workspace: &str,
        request: &ExportRequest,
    ) -> Result<Arc<Bodies>, GraphError> {
        let snapshot = self.current(workspace, request.version).await?;
        self.rendered(&snapshot, request).await
    }

    /// One view of `snapshot` in one format with its compressed bodies, rendered once.
    pub async fn rendered(
        &self,
        snapshot: &Arc<Snapshot>,
        request: &ExportRequest,
    ) -> Result<Arc<Bodies>, GraphError> {
        let key = request.key(&snapshot.meta);
        let content_type = request.format.content_type();
        let request = request.clone();
        self.document(snapshot, key, content_type, move |snapshot| {
            render(snapshot, &request.view, request.format, request.by_id)
        })
        .await
    }

    /// A document of `snapshot` that `write` renders (a view, or the embed's labels and
    /// preview), compressed once and cached with the views under `key`, which must name its
    /// bytes uniquely (start it with the snapshot's body id).
    pub async fn document<F>(
        &self,
        snapshot: &Arc<Snapshot>,
        key: String,
        content_type: &'static str,
        write: F,
    ) -> Result<Arc<Bodies>, GraphError>
    where
        F: FnOnce(&Snapshot) -> Result<Vec<u8>, ViewError> + Send + 'static,
    {
        if let Some(bodies) = self.bodies.get(&key) {
            return Ok(bodies);
        }
        let snapshot = snapshot.clone();
        let bodies = tokio::task::spawn_blocking(move || {
            write(&snapshot).map(|plain| Bodies::compress(content_type, plain))
        })
        .await
        .map_err(anyhow::Error::from)??;
        let bodies = Arc::new(bodies);
        self.bodies.put(key, bodies.clone());
        Ok(bodies)
    }

    /// The stored snapshots of `workspace`, newest first, up to `limit`.
    pub async fn versions(
        &self,
        workspace: &str,
        limit: usize,
    ) -> Result<Vec<SnapshotMeta>, GraphError> {
        Ok(store::versions(&self.store, workspace, limit).await?)
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
        kept.truncate(SNAPSHOTS_IN_MEMORY);
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
