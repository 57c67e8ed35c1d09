//! The dashboard's export and zip pieces: importing a Notion export zip from the new
//! workspace page, the workspace page's Export button and its list of exports, and
//! connecting a token to a workspace that came from a zip. Forms that work without script.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use secrecy::SecretString;
use serde::Deserialize;

use super::CsrfForm;
use super::form_user;
use super::view::{Flash, PageError, explain, refused, see_other};
use super::workspaces::{new_page, readable};
use crate::error::AppError;
use crate::modules::auth::audit::ClientInfo;
use crate::modules::export::model::{ExportState, ExportView, NewExport};
use crate::modules::payments;
use crate::modules::sync::service::workspace_for;
use crate::modules::sync::workspaces;
use crate::modules::sync::zip::{self, upload};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import_zip).service(export_now).service(token);
}

/// One export as the workspace page lists it.
pub struct ExportRow {
    pub created: String,
    pub state: &'static str,
    pub progress: String,
    pub download: Option<String>,
    pub error: String,
}

impl From<ExportView> for ExportRow {
    fn from(view: ExportView) -> Self {
        let progress = &view.progress;
        ExportRow {
            created: readable(&view.created_at),
            state: match view.state {
                ExportState::Queued => "Queued",
                ExportState::Running => "Running",
                ExportState::Completed => "Ready",
                ExportState::Failed => "Failed",
            },
            progress: match (progress.total, progress.failed) {
                (0, _) => "—".to_owned(),
                // A failed page is done but not exported: counting it would say all went well.
                (total, 0) => format!("{} of {total} pages", progress.done),
                (total, failed) => format!(
                    "{} of {total} pages, {failed} failed",
                    progress.done.saturating_sub(failed)
                ),
            },
            download: view.download_url,
            error: view.error.unwrap_or_default(),
        }
    }
}

/// The workspace's exports, newest first, for its page.
pub async fn rows(state: &AppState, workspace: &str) -> Result<Vec<ExportRow>, AppError> {
    let views = crate::modules::export::service::list(state, workspace).await?;
    Ok(views.into_iter().map(ExportRow::from).collect())
}

/// A Notion export zip from the form on `/workspaces/new`: its CSRF token comes first, then
/// the name, then the file, streamed to disk within the plan's size.
#[post("/workspaces/new/zip")]
async fn import_zip(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    mut multipart: Multipart,
) -> Result<HttpResponse, PageError> {
    upload::check_form(&request)?;
    let (fields, file) = upload::fields_before_file(&mut multipart).await?;
    let csrf = fields.get("csrf_token").map_or("", String::as_str);
    let user = form_user(&request, csrf).await?;
    let entitlements = payments::entitlements(&state, user.id())
        .await
        .map_err(AppError::from)?;
    let limit = entitlements.zip_upload_bytes();
    let too_large = |bytes| entitlements.allow_zip_upload(bytes).unwrap_err();
    let saved = match upload::save(file, &zip::uploads_dir(&state), limit, too_large).await {
        Ok(saved) => saved,
        Err(error) => return refused_upload(&state, &request, &user, error),
    };
    drop(multipart);
    let name = fields
        .get("name")
        .map(|n| n.trim())
        .filter(|n| !n.is_empty());
    match zip::import_upload(&state, user.id(), &saved, name, &client).await {
        Ok((view, _)) => Ok(see_other(
            &format!("/workspaces/{}", view.id),
            Some(Flash::Imported),
        )),
        Err(error) => refused_upload(&state, &request, &user, error.into()),
    }
}

/// Back to the new workspace page, saying why the zip was refused.
fn refused_upload(
    state: &AppState,
    request: &HttpRequest,
    user: &crate::modules::auth::AuthUser,
    error: AppError,
) -> Result<HttpResponse, PageError> {
    let message = Some(explain(&error));
    refused(request, &error, &new_page(state, request, user, message))
}

/// The Export button: queues an export of every page, Markdown and JSON.
#[post("/workspaces/{id}/exports")]
async fn export_now(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let connection = workspace_for(&state, &user, &id).await?;
    crate::modules::export::service::create(&state, &connection, NewExport::default()).await?;
    Ok(see_other(
        &format!("/workspaces/{}#exports", connection.id),
        Some(Flash::ExportQueued),
    ))
}

#[derive(Deserialize)]
struct TokenForm {
    csrf_token: String,
    token: SecretString,
}

/// Connects an integration token to a workspace imported from a zip.
#[post("/workspaces/{id}/token")]
async fn token(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    id: web::Path<String>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let user = form_user(&request, &form.csrf_token).await?;
    let connection = workspace_for(&state, &user, &id).await?;
    let view = workspaces::attach_token(&state, connection, form.token, &client)
        .await
        .map_err(AppError::from)?;
    Ok(see_other(
        &format!("/workspaces/{}", view.id),
        Some(Flash::Connected),
    ))
}
