//! Who is calling, and what they may do: accounts (email and password, Sign in with Notion),
//! server-side sessions, CSRF, API keys, roles, abuse limits and the audit log.
//!
//! What other modules build on:
//! - [`AuthUser`]: the extractor for any signed-in caller (session cookie, or
//!   `Authorization: Bearer ng_...` within the key's scopes); cookie-authenticated writes are
//!   CSRF-checked by it. Its [`AuthUser::id`] is the tenant of everything the user owns.
//! - [`AdminUser`]: an admin-role user, or the operator's admin bearer token.
//! - [`csrf::refuse_cross_site`]: the middleware that refuses cross-site writes.
//! - [`service`]: sign-up, login, logout, password change, verification and reset as plain
//!   functions, for the JSON routes here and for server-rendered forms alike.
//!
//! Workspace membership is checked by `sync::service::workspace_for`.

pub mod api_keys;
pub mod audit;
pub mod csrf;
pub mod device;
mod error;
mod extractor;
pub mod limits;
pub mod mail;
pub mod model;
pub mod notion;
pub mod password;
mod routes;
pub mod service;
mod session_routes;
pub mod sessions;
pub mod tokens;
pub mod users;

use std::time::Duration;

use crate::cache::SharedCache;
use crate::config::Settings;
use crate::manifest::{Access, Module, Mount, Routes};
use crate::state::AppState;
use crate::storage::Store;
use utoipa::OpenApi;

pub use error::AuthError;
pub use extractor::{AdminUser, AuthUser, Credential, Reader, ReadingApiKey, admin_only};

use sessions::{SessionStore, Sessions, Timeouts};

pub static MODULE: Module = Module {
    name: "auth",
    collections: &[
        &model::USERS,
        &sessions::SESSIONS,
        &api_keys::API_KEYS,
        &tokens::TOKENS,
        &audit::AUDIT,
    ],
    jobs: &[],
    routes: &[
        Routes {
            mount: Mount::Api,
            access: Access::Public,
            configure: routes::configure_public,
            openapi: routes::PublicApi::openapi,
        },
        Routes {
            mount: Mount::Api,
            access: Access::SignedIn,
            configure: routes::configure,
            openapi: routes::Api::openapi,
        },
        Routes {
            mount: Mount::Api,
            access: Access::SignedIn,
            configure: session_routes::configure,
            openapi: session_routes::Api::openapi,
        },
        Routes {
            mount: Mount::Admin,
            access: Access::Admin,
            configure: routes::configure_admin,
            openapi: routes::AdminApi::openapi,
        },
    ],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};

/// The module's long-lived parts, made once per state (in its `services`) on first use.
pub struct Auth {
    pub hasher: password::Hasher,
    pub sessions: Sessions,
    pub mailer: mail::Mailer,
}

impl Auth {
    /// The state's password hasher, sessions and mailer.
    pub fn of(state: &AppState) -> std::sync::Arc<Self> {
        state.services.get_or_init(|| {
            Self::build(&state.settings, &state.store, &state.cache)
                .expect("the mail settings were checked when they were loaded")
        })
    }

    fn build(settings: &Settings, store: &Store, cache: &SharedCache) -> anyhow::Result<Self> {
        let store = match settings.storage.redis_url {
            Some(_) => SessionStore::Redis(cache.clone()),
            None => SessionStore::documents(store),
        };
        let timeouts = Timeouts {
            idle: Duration::from_secs(settings.accounts.session_idle_secs),
            absolute: Duration::from_secs(settings.accounts.session_absolute_secs),
        };
        let concurrency = match settings.accounts.password_hash_concurrency {
            0 => password::Hasher::default_concurrency(),
            n => n,
        };
        Ok(Self {
            hasher: password::Hasher::new(concurrency),
            sessions: Sessions::new(store, timeouts),
            mailer: mail::Mailer::from_settings(settings)?,
        })
    }
}
