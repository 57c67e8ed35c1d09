//! The dashboard: server-rendered pages at the root (askama templates in
//! `templates/dashboard/`, one stylesheet and a few small scripts in `web/dashboard/`), over the
//! same services as the JSON API.
//!
//! - `view`: the layout's model, flash messages, the pages' CSP and error pages.
//! - `accounts`: sign up, sign in and out, email confirmation, password reset.
//! - `account`: the signed-in user's account page (profile, password, sessions, API keys).
//! - `admin`: accounts, dead letters and the audit log, for admins; `admin_billing`: the
//!   billing report with its chart.
//! - `workspaces`: home, connecting a workspace (token, Notion, the sample), a workspace's
//!   page (progress, history, sync now, pause, disconnect).
//! - `graph`: a workspace's graph page (the viewer beside its side panel).
//! - `shares`: a workspace's share links (create, copy, preview, revoke).
//! - `assistant`: the assistant's chat page.
//! - `billing`: the plan, its limits with the plan that lifts each, Checkout, the portal.
//! - `assets`: the static files, content-hashed.
//!
//! Page routes are HTML, not part of the OpenAPI document. Forms work without script; a
//! signed-in form carries the session's CSRF token in a `csrf_token` field
//! ([`AuthUser::from_form`]).

mod account;
mod accounts;
mod admin;
mod admin_billing;
mod assets;
mod assistant;
mod billing;
pub mod demo;
mod exports;
mod graph;
mod shares;
pub mod view;
mod workspaces;

use actix_web::{HttpRequest, web};
use utoipa::OpenApi;

use crate::error::{AppError, Code};
use crate::manifest::{Access, Module, Mount, Routes};
use crate::modules::auth::{AuthError, AuthUser};
use crate::state::AppState;
use view::PageError;

pub static MODULE: Module = Module {
    name: "dashboard",
    collections: &[],
    jobs: &[],
    routes: &[Routes {
        mount: Mount::Root,
        access: Access::Public,
        configure,
        openapi: Pages::openapi,
    }],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};

/// Pages are HTML: nothing of theirs goes into the OpenAPI document.
#[derive(OpenApi)]
#[openapi()]
struct Pages;

fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().error_handler(form_error))
        .service(assets::FILES.resource());
    accounts::configure(cfg);
    account::configure(cfg);
    admin::configure(cfg);
    workspaces::configure(cfg);
    // After the workspace pages: `/workspaces/new/token` is theirs, not `/workspaces/{id}/token`.
    exports::configure(cfg);
    graph::configure(cfg);
    shares::configure(cfg);
    billing::configure(cfg);
    assistant::configure(cfg);
    admin_billing::configure(cfg);
}

/// A form that does not parse (a field missing or of the wrong type) answers with a page.
fn form_error(error: actix_web::error::UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    let detail = format!("the form could not be read ({error}): reload the page and try again");
    PageError::App(AppError::new(Code::InvalidValue, detail)).into()
}

/// Whether Notion OAuth (Sign in with Notion, Connect with Notion) is configured.
pub fn notion_enabled(state: &AppState) -> bool {
    let accounts = &state.settings.accounts;
    accounts.notion_oauth_client_id.is_some() && accounts.notion_oauth_client_secret.is_some()
}

/// The signed-in user of a GET page, or a redirect to sign in that comes back to it.
pub fn signed_in(request: &HttpRequest, user: Option<AuthUser>) -> Result<AuthUser, PageError> {
    user.ok_or_else(|| PageError::SignIn {
        next: request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned(),
    })
}

/// A form whose only field is its CSRF token (sign-out, revoke, retry, delete buttons).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    pub csrf_token: String,
}

/// The signed-in user of a form post, checked against the form's CSRF token.
pub async fn form_user(request: &HttpRequest, csrf_token: &str) -> Result<AuthUser, PageError> {
    match AuthUser::from_form(request, csrf_token).await {
        Ok(user) => Ok(user),
        Err(AuthError::NotSignedIn | AuthError::SessionEnded) => Err(PageError::SignIn {
            next: "/".to_owned(),
        }),
        Err(error) => Err(PageError::App(error.into())),
    }
}
