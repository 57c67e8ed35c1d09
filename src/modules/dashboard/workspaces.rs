//! The workspace pages: home (what the product does, or the user's workspaces as cards),
//! connecting a workspace, one workspace's page with its live progress and history, and the
//! forms that sync, pause, resume and disconnect it. Every `{id}` goes through
//! `workspace_for`, so another user's workspace is a 404 page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::CsrfForm;
use super::view::{Chrome, Flash, PageError, explain, page, refused, see_other};
use super::{demo, form_user, signed_in};
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::auth::audit::ClientInfo;
use crate::modules::auth::model::rfc3339;
use crate::modules::sync::run::{Run, RunKind, RunState};
use crate::modules::sync::service::{SyncError, workspace_for};
use crate::modules::sync::workspaces::{self, WorkspaceUpdate, WorkspaceView};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(new_form)
        .service(connect_token)
        .service(connect_sample)
        .service(show)
        .service(sync_now)
        .service(pause)
        .service(disconnect_form)
        .service(disconnect);
}

/// A time as a person reads it ("2 Dec 2026, 07:08 UTC"); the API's RFC 3339 text as it is
/// when it does not parse.
pub fn readable(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |time| time.to_utc().format("%-d %b %Y, %H:%M UTC").to_string(),
    )
}

/// A workspace as a card or a page heading shows it.
pub struct Card {
    pub view: WorkspaceView,
    pub status: &'static str,
    pub last_sync: String,
    pub next_sync: Option<String>,
    /// Whether a sync is queued or running: the page listens for progress.
    pub importing: bool,
}

impl Card {
    /// From what the workspace's connection keeps: no read of its run history.
    fn new(view: WorkspaceView) -> Self {
        let latest = view.latest_sync.as_ref().map(|l| l.state);
        let importing = latest == Some(RunState::Running)
            || (view.last_sync_at.is_none() && !view.paused && latest.is_none());
        let status = match view.status {
            crate::modules::sync::connection::Status::Active if importing => "Importing",
            crate::modules::sync::connection::Status::Active
                if latest == Some(RunState::Failed) =>
            {
                "Sync failed"
            }
            crate::modules::sync::connection::Status::Active => "Up to date",
            crate::modules::sync::connection::Status::Paused => "Paused",
            crate::modules::sync::connection::Status::NeedsReauthorization => "Reconnect needed",
        };
        Card {
            last_sync: view
                .last_sync_at
                .as_deref()
                .map_or_else(|| "never".to_owned(), readable),
            next_sync: view.next_sync_at.as_deref().map(readable),
            status,
            importing,
            view,
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/welcome.html")]
struct Welcome {
    chrome: Chrome,
    notion: bool,
}

#[derive(Template)]
#[template(path = "dashboard/home.html")]
struct Home {
    chrome: Chrome,
    cards: Vec<Card>,
}

#[get("/")]
async fn home(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = user else {
        let body = Welcome {
            chrome: Chrome::new(&request, None),
            notion: super::notion_enabled(&state),
        };
        return page(&request, StatusCode::OK, &body);
    };
    let views = workspaces::list(&state, user.id())
        .await
        .map_err(AppError::from)?;
    let body = Home {
        chrome: Chrome::new(&request, Some(&user)),
        cards: views.into_iter().map(Card::new).collect(),
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Template)]
#[template(path = "dashboard/new.html")]
pub(super) struct NewWorkspace {
    chrome: Chrome,
    demo: bool,
    notion: bool,
    error: Option<String>,
}

pub(super) fn new_page(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
    error: Option<String>,
) -> NewWorkspace {
    NewWorkspace {
        chrome: Chrome::new(request, Some(user)),
        demo: demo::enabled(state),
        notion: super::notion_enabled(state),
        error,
    }
}

#[get("/workspaces/new")]
async fn new_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    page(
        &request,
        StatusCode::OK,
        &new_page(&state, &request, &user, None),
    )
}

#[derive(Deserialize)]
struct TokenForm {
    csrf_token: String,
    token: SecretString,
}

#[post("/workspaces/new/token")]
async fn connect_token(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let user = form_user(&request, &form.csrf_token).await?;
    let view = workspaces::connect(&state, user.id(), form.token, &client).await;
    connected(&state, &request, &user, view)
}

/// Connects the sample workspace this instance serves itself.
#[post("/workspaces/new/sample")]
async fn connect_sample(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let view = workspaces::connect_sample(&state, user.id(), &client).await;
    connected(&state, &request, &user, view)
}

/// To the new workspace's page, or back to the form with the reason it was refused.
fn connected(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
    view: Result<WorkspaceView, SyncError>,
) -> Result<HttpResponse, PageError> {
    match view {
        Ok(view) => Ok(see_other(
            &format!("/workspaces/{}", view.id),
            Some(Flash::Connected),
        )),
        Err(error) => {
            let error = AppError::from(error);
            let message = Some(explain(&error));
            refused(request, &error, &new_page(state, request, user, message))
        }
    }
}

/// One run of the history, as the table shows it.
pub struct RunRow {
    pub kind: &'static str,
    pub state: &'static str,
    pub started: String,
    pub duration: String,
    pub pages: u64,
    pub error: String,
}

impl From<&Run> for RunRow {
    fn from(run: &Run) -> Self {
        let duration = run.finished_at.map_or_else(
            || "running".to_owned(),
            |end| format!("{:.1} s", (end - run.started_at) as f64 / 1000.0),
        );
        RunRow {
            kind: match run.kind {
                RunKind::Full => "Full import",
                RunKind::Incremental => "Incremental",
                RunKind::Webhook => "Webhook",
            },
            state: match run.state {
                RunState::Running => "Running",
                RunState::Completed => "Done",
                RunState::Failed => "Failed",
            },
            started: readable(&rfc3339(run.started_at)),
            duration,
            pages: run.progress.fetched,
            error: run.error.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/workspace.html")]
struct WorkspacePage {
    chrome: Chrome,
    card: Card,
    runs: Vec<RunRow>,
    exports: Vec<super::exports::ExportRow>,
    from_zip: bool,
}

#[get("/workspaces/{id}")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let connection = workspace_for(&state, &user, &id).await?;
    let view = workspaces::view(&state, connection)
        .await
        .map_err(AppError::from)?;
    let history = workspaces::history(&state, &view.id, 20)
        .await
        .map_err(AppError::from)?;
    let exports = super::exports::rows(&state, &view.id).await?;
    let body = WorkspacePage {
        chrome: Chrome::new(&request, Some(&user)),
        from_zip: view.source == crate::modules::sync::connection::Source::Zip,
        card: Card::new(view),
        runs: history.iter().map(RunRow::from).collect(),
        exports,
    };
    page(&request, StatusCode::OK, &body)
}

#[post("/workspaces/{id}/sync")]
async fn sync_now(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let connection = workspace_for(&state, &user, &id).await?;
    workspaces::queue_sync(&state, &connection)
        .await
        .map_err(AppError::from)?;
    Ok(see_other(
        &format!("/workspaces/{}", connection.id),
        Some(Flash::SyncQueued),
    ))
}

#[derive(Deserialize)]
struct PauseForm {
    csrf_token: String,
    paused: bool,
}

#[post("/workspaces/{id}/pause")]
async fn pause(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<PauseForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let connection = workspace_for(&state, &user, &id).await?;
    let update = WorkspaceUpdate {
        paused: Some(form.paused),
        ..WorkspaceUpdate::default()
    };
    workspaces::update(&state, &connection.id, update)
        .await
        .map_err(AppError::from)?;
    let flash = if form.paused {
        Flash::Paused
    } else {
        Flash::Resumed
    };
    Ok(see_other(
        &format!("/workspaces/{}", connection.id),
        Some(flash),
    ))
}

#[derive(Template)]
#[template(path = "dashboard/disconnect.html")]
struct DisconnectPage {
    chrome: Chrome,
    card: Card,
}

/// The confirmation, naming what will be deleted.
#[get("/workspaces/{id}/disconnect")]
async fn disconnect_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let connection = workspace_for(&state, &user, &id).await?;
    let view = workspaces::view(&state, connection)
        .await
        .map_err(AppError::from)?;
    let body = DisconnectPage {
        chrome: Chrome::new(&request, Some(&user)),
        card: Card::new(view),
    };
    page(&request, StatusCode::OK, &body)
}

#[post("/workspaces/{id}/disconnect")]
async fn disconnect(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let connection = workspace_for(&state, &user, &id).await?;
    workspaces::disconnect(&state, &connection, user.id(), &client)
        .await
        .map_err(AppError::from)?;
    Ok(see_other("/", Some(Flash::Disconnected)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_a_day_and_a_minute() {
        assert_eq!(
            super::readable("2026-12-02T07:08:19.231Z"),
            "2 Dec 2026, 07:08 UTC"
        );
        assert_eq!(super::readable("not a time"), "not a time");
    }
}
