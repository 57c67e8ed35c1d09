//! What a module declares to the platform, in one place: its collections, its job types, the
//! routes it mounts and their OpenAPI paths, and what it does when a workspace is synced or
//! removed. The platform reads these declarations (to prepare indexes, start workers, mount
//! routes, write the OpenAPI document, tell every module about a workspace) and never names a
//! module itself; the list of modules lives in [`crate::modules::ALL`].

use actix_web::web::ServiceConfig;
use futures::future::BoxFuture;

use crate::jobs::JobType;
use crate::state::AppState;
use crate::storage::Collection;

/// One module's declarations. See `src/modules/mod.rs` for how to write one.
pub struct Module {
    /// Names the module in logs and is the OpenAPI tag of its operations.
    pub name: &'static str,
    /// Every collection the module stores documents in; both backends create them and their
    /// indexes at start-up, and housekeeping deletes expired documents of those with a TTL.
    pub collections: &'static [&'static Collection],
    /// Every job type the module enqueues; each gets its workers, and its queue can be replayed
    /// into from the dead-letter list.
    pub jobs: &'static [JobType],
    /// The routes the module mounts, each group under the prefix its [`Mount`] names.
    pub routes: &'static [Routes],
    /// Runs at every housekeeping tick (`housekeeping_cron`), e.g. to enqueue due work.
    pub housekeeping: Option<Housekeeping>,
    /// Runs after a sync of a workspace stored something (a new or changed page or link).
    pub after_sync: Option<WorkspaceHook>,
    /// Runs when a workspace is removed: deletes everything the module keeps for it, so that
    /// nothing of the workspace remains in the store.
    pub on_workspace_removed: Option<WorkspaceHook>,
}

/// Work a module does at each housekeeping tick.
pub type Housekeeping = for<'a> fn(&'a AppState) -> BoxFuture<'a, anyhow::Result<()>>;

/// What a module does when something happens to a workspace (its id is the argument).
pub type WorkspaceHook = for<'a> fn(&'a AppState, &'a str) -> BoxFuture<'a, anyhow::Result<()>>;

/// A group of routes: where it is mounted, who may call it, how it registers itself (paths
/// relative to the mount's prefix), and its OpenAPI paths (relative in the same way).
pub struct Routes {
    pub mount: Mount,
    pub access: Access,
    pub configure: fn(&mut ServiceConfig),
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

/// Who may call a group's routes. The handlers' extractors enforce it (`AuthUser`, the admin
/// scope); the OpenAPI document derives each operation's security and its 401 and 403 from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (a handler may still look at who is signed in).
    Public,
    /// A signed-in user: a session cookie or an API key.
    SignedIn,
    /// An admin: the admin token, or a user with the admin role. Every group under [`Mount::Admin`].
    Admin,
}

/// Where a group of routes lives. The parent (`app.rs`) owns every prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// At the root: health, metrics, pages.
    Root,
    /// Under `/api/v1`: the product's JSON API.
    Api,
    /// Under `/api/webhooks`: calls from other services, each checking its own signature.
    Webhooks,
    /// Under `/api/admin`: guarded once, for the whole scope, by [`crate::modules::auth::AdminUser`].
    Admin,
}

impl Mount {
    pub const ALL: [Mount; 4] = [Mount::Root, Mount::Api, Mount::Webhooks, Mount::Admin];

    pub const fn prefix(self) -> &'static str {
        match self {
            Mount::Root => "",
            Mount::Api => "/api/v1",
            Mount::Webhooks => "/api/webhooks",
            Mount::Admin => "/api/admin",
        }
    }
}

/// The modules an instance runs, as the platform reads them.
#[derive(Clone, Copy)]
pub struct Modules(pub &'static [&'static Module]);

impl Modules {
    pub fn iter(self) -> impl Iterator<Item = &'static Module> {
        self.0.iter().copied()
    }

    pub fn collections(self) -> impl Iterator<Item = &'static Collection> {
        self.iter().flat_map(|m| m.collections.iter().copied())
    }

    pub fn jobs(self) -> impl Iterator<Item = &'static JobType> {
        self.iter().flat_map(|m| m.jobs.iter())
    }

    /// Every route group mounted at `mount`, with the module it belongs to.
    pub fn routes(self, mount: Mount) -> impl Iterator<Item = (&'static Module, &'static Routes)> {
        self.iter().flat_map(move |m| {
            m.routes
                .iter()
                .filter(move |r| r.mount == mount)
                .map(move |r| (m, r))
        })
    }

    /// Tells every module that a sync of `workspace` stored something.
    pub async fn after_sync(self, state: &AppState, workspace: &str) -> anyhow::Result<()> {
        for hook in self.iter().filter_map(|m| m.after_sync) {
            hook(state, workspace).await?;
        }
        Ok(())
    }

    /// Tells every module that `workspace` was removed; each deletes what it kept of it.
    pub async fn workspace_removed(self, state: &AppState, workspace: &str) -> anyhow::Result<()> {
        for hook in self.iter().filter_map(|m| m.on_workspace_removed) {
            hook(state, workspace).await?;
        }
        Ok(())
    }

    /// Registers every route group mounted at `mount`.
    pub fn configure(self, mount: Mount, cfg: &mut ServiceConfig) {
        for (_, routes) in self.routes(mount) {
            (routes.configure)(cfg);
        }
    }
}
