//! The root of every query: the caller's workspaces, and through them their graphs. Nothing
//! here reaches a workspace of another account: the root lists only the caller's own.

use actix_web::web;
use async_graphql::{Context, Object, SimpleObject};

use super::errors::{Answer, OrProblem};
use super::graph::Graph;
use super::list::{MAX_FIRST, within};
use crate::modules::auth::AuthUser;
use crate::modules::auth::model::rfc3339;
use crate::modules::graph::{SnapshotMeta, service};
use crate::modules::sync::connection::{self, Connection};
use crate::modules::sync::service::workspace_named;
use crate::state::AppState;

/// Who asks, in every query's context.
pub struct Caller {
    pub state: web::Data<AppState>,
    pub user: AuthUser,
}

pub struct Query;

/// The caller's workspaces, and through them their graphs.
#[Object]
impl Query {
    /// The account's connected Notion workspaces.
    async fn workspaces(&self, ctx: &Context<'_>) -> Answer<Vec<Workspace>> {
        let caller = ctx.data_unchecked::<Caller>();
        let mine = connection::of_tenant(&caller.state.store, caller.user.id()).await;
        Ok(mine.or_problem()?.into_iter().map(Workspace).collect())
    }

    /// The workspace `id` names (its id or its name, any case); without `id`, the account's
    /// only one.
    async fn workspace(&self, ctx: &Context<'_>, id: Option<String>) -> Answer<Workspace> {
        let caller = ctx.data_unchecked::<Caller>();
        let named = workspace_named(&caller.state, &caller.user, id.as_deref()).await;
        Ok(Workspace(named.or_problem()?))
    }
}

/// A connected Notion workspace.
pub struct Workspace(Connection);

/// A connected Notion workspace.
#[Object]
impl Workspace {
    async fn id(&self) -> &str {
        &self.0.id
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn icon(&self) -> Option<&str> {
        self.0.icon.as_deref()
    }

    /// `active`, `needs_reauthorization` or `paused`.
    async fn status(&self) -> String {
        serde_json::to_value(self.0.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// When the last sync completed (RFC 3339).
    async fn last_sync_at(&self) -> Option<String> {
        self.0.last_sync_at.map(rfc3339)
    }

    /// Its graph: the newest snapshot, or `version` (a first one is built if it has none).
    async fn graph(&self, ctx: &Context<'_>, version: Option<u64>) -> Answer<Graph> {
        let state = &ctx.data_unchecked::<Caller>().state;
        let snapshot = service(state).current(&self.0.id, version).await;
        Ok(Graph::new(snapshot.or_problem()?))
    }

    /// Its stored snapshots, newest first.
    #[graphql(complexity = "first * child_complexity")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: usize,
    ) -> Answer<Vec<Version>> {
        let state = &ctx.data_unchecked::<Caller>().state;
        let first = within("first", first, MAX_FIRST)?;
        let stored = service(state).versions(&self.0.id, first).await;
        Ok(stored.or_problem()?.iter().map(Version::from).collect())
    }
}

/// What one stored snapshot holds.
#[derive(SimpleObject)]
pub struct Version {
    version: u64,
    /// RFC 3339.
    created_at: String,
    pages: u64,
    links: u64,
    communities: u64,
    modularity: f64,
    /// How far the layout moved from the version before (relative to its extent).
    mean_displacement: Option<f64>,
}

impl From<&SnapshotMeta> for Version {
    fn from(meta: &SnapshotMeta) -> Self {
        Self {
            version: meta.version,
            created_at: rfc3339(meta.created_at),
            pages: meta.node_count,
            links: meta.link_count,
            communities: meta.community_count,
            modularity: meta.modularity,
            mean_displacement: meta.mean_displacement,
        }
    }
}
