//! `POST /api/v1/workspaces/import-zip`: a Notion export zip uploaded as a form, imported as a
//! new workspace.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::upload;
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::auth::audit::ClientInfo;
use crate::modules::payments;
use crate::state::AppState;

/// Imports a Notion export zip ("Markdown & CSV" or "HTML", nested zips included) as a new
/// workspace: `multipart/form-data` with the zip in `file` and, optionally, a `name` before it.
/// The workspace answers `source: "zip"`, is never synced, and can be connected to a token
/// later (`POST /workspaces/{id}/token`).
#[utoipa::path(
    request_body(content_type = "multipart/form-data", content = String,
        description = "`name` (optional, first), then `file`: the zip"),
    responses((status = 201, body = super::super::workspaces::WorkspaceView),
        (status = 400, description = "`invalid_zip`, `unsafe_zip` (path traversal, zip bomb) or no `file`"),
        (status = 401), (status = 402, description = "`plan_limit`: too large for the plan, or no more workspaces"),
        (status = 415, description = "`not_a_zip`, or not a multipart form")))]
#[post("/workspaces/import-zip")]
pub async fn import_zip(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: AuthUser,
    client: ClientInfo,
    mut multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    upload::check_form(&request)?;
    let (fields, file) = upload::fields_before_file(&mut multipart).await?;
    let entitlements = payments::entitlements(&state, user.id()).await?;
    let limit = entitlements.zip_upload_bytes();
    let too_large = |bytes| entitlements.allow_zip_upload(bytes).unwrap_err();
    let saved = upload::save(file, &super::uploads_dir(&state), limit, too_large).await?;
    drop(multipart);
    let name = fields
        .get("name")
        .map(|n| n.trim())
        .filter(|n| !n.is_empty());
    let (view, _) = super::import_upload(&state, user.id(), &saved, name, &client).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/workspaces/{}", view.id)))
        .json(view))
}
