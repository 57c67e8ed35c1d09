//! The admin page (`/admin`, admins only; anyone else gets the 404 page, as for a page that
//! does not exist): accounts (a search over the newest and a role change), the failing and
//! stuck syncs of every account (sync now), the dead letters (replay or discard), the newest
//! alerts and the newest audit events. Forms post without script, with the
//! session's CSRF token; every change is audited by the services it calls.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::CsrfForm;
use super::view::{Chrome, Flash, PageError, page, see_other};
use super::workspaces::readable;
use super::{form_user, signed_in};
use crate::error::AppError;
use crate::jobs;
use crate::modules::auth::audit::{self, AuditFilter, ClientInfo, EventView};
use crate::modules::auth::model::{Role, UserView, rfc3339};
use crate::modules::auth::{AuthUser, service, users};
use crate::modules::sync::failing::{self, FailingSync, Problem};
use crate::state::AppState;

/// Accounts searched (newest first) and dead letters and events shown.
const USERS: usize = 500;
const SHOWN: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(set_role)
        .service(retry_sync)
        .service(replay)
        .service(discard);
}

/// The signed-in admin, or the 404 page for anyone else.
pub(super) fn admin(user: AuthUser) -> Result<AuthUser, PageError> {
    match user.is_admin() {
        true => Ok(user),
        false => Err(AppError::not_found("no page here").into()),
    }
}

/// An alert as the table shows it.
pub struct AlertRow {
    pub state: &'static str,
    pub group: String,
    pub severity: String,
    pub value: f64,
    pub since: String,
}

/// A dead letter as the table shows it.
pub struct Letter {
    pub id: String,
    pub queue: String,
    pub attempts: usize,
    pub failed_at: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "dashboard/admin.html")]
struct AdminPage {
    chrome: Chrome,
    query: String,
    users: Vec<UserView>,
    failing: Vec<FailingSync>,
    letters: Vec<Letter>,
    alerts: Vec<AlertRow>,
    events: Vec<EventView>,
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
}

#[get("/admin")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    search: web::Query<Search>,
) -> Result<HttpResponse, PageError> {
    let user = admin(signed_in(&request, user)?)?;
    let query = search.q.clone().unwrap_or_default();
    let wanted = query.trim().to_lowercase();
    let (accounts, _) = users::page(&state.store, USERS, None)
        .await
        .map_err(anyhow::Error::from)?;
    let users = accounts
        .iter()
        .filter(|u| {
            wanted.is_empty()
                || u.email.contains(&wanted)
                || u.name.to_lowercase().contains(&wanted)
        })
        .take(SHOWN)
        .map(|u| UserView {
            created_at: readable(&rfc3339(u.created_at)),
            ..UserView::from(u)
        })
        .collect();
    let mut failing = failing::list(&state).await.map_err(AppError::from)?;
    for sync in &mut failing {
        sync.since = readable(&sync.since);
    }
    let (dead, _) = jobs::list(&state, SHOWN, None)
        .await
        .map_err(anyhow::Error::from)?;
    let letters = dead
        .into_iter()
        .map(|record| Letter {
            id: record.id,
            queue: record.value.queue,
            attempts: record.value.attempts,
            failed_at: readable(&rfc3339(record.value.failed_at)),
            error: record.value.error,
        })
        .collect();
    let alerts = crate::modules::alerts::newest(&state, SHOWN)
        .await?
        .into_iter()
        .map(|alert| AlertRow {
            state: alert.state.as_str(),
            group: alert.group,
            severity: alert.severity,
            value: alert.value,
            since: readable(&rfc3339(alert.since)),
        })
        .collect();
    let filter = AuditFilter {
        actor: None,
        action: None,
        limit: Some(SHOWN),
        cursor: None,
    };
    let (mut events, _) = audit::list(&state.store, &filter)
        .await
        .map_err(anyhow::Error::from)?;
    for event in &mut events {
        event.at = readable(&event.at);
    }
    let body = AdminPage {
        chrome: Chrome::new(&request, Some(&user)),
        query,
        users,
        failing,
        letters,
        alerts,
        events,
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct RoleForm {
    csrf_token: String,
    role: Role,
}

#[post("/admin/users/{id}/role")]
async fn set_role(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    id: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let user = admin(form_user(&request, &form.csrf_token).await?)?;
    service::set_role(&state, Some(user.id()), &id, form.role, &client)
        .await
        .map_err(AppError::from)?;
    Ok(see_other("/admin", Some(Flash::RoleChanged)))
}

/// Queues a sync of any account's workspace from the failing syncs.
#[post("/admin/workspaces/{id}/sync")]
async fn retry_sync(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = admin(form_user(&request, &form.csrf_token).await?)?;
    failing::retry(&state, Some(user.id()), &id, &client)
        .await
        .map_err(AppError::from)?;
    Ok(see_other("/admin", Some(Flash::SyncQueued)))
}

#[post("/admin/dead-letters/{id}/replay")]
async fn replay(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    admin(form_user(&request, &form.csrf_token).await?)?;
    match jobs::replay(&state, &id).await? {
        Some(_) => Ok(see_other("/admin", Some(Flash::Replayed))),
        None => Err(AppError::not_found(format!("no dead letter `{id}`")).into()),
    }
}

#[post("/admin/dead-letters/{id}/discard")]
async fn discard(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    admin(form_user(&request, &form.csrf_token).await?)?;
    match jobs::discard(&state, &id)
        .await
        .map_err(anyhow::Error::from)?
    {
        true => Ok(see_other("/admin", Some(Flash::Discarded))),
        false => Err(AppError::not_found(format!("no dead letter `{id}`")).into()),
    }
}
