//! The export API under `/api/v1/workspaces/{id}/exports`, tenant-scoped through
//! `workspace_for`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use futures::StreamExt;
use utoipa::OpenApi;

use super::model::{ExportState, ExportView, NewExport};
use super::progress::ProgressSnapshot;
use super::service;
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::sync::service::workspace_for;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, show, download),
    components(schemas(NewExport, ExportView, ExportState, ProgressSnapshot))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(show)
        .service(download);
}

/// Queues an export of the workspace to Markdown and JSON; follow it at `GET .../exports/{id}`,
/// download it from its `download_url` once completed. Exports expire after `export_retention_days`.
#[utoipa::path(params(("id" = String, Path)), request_body = NewExport,
    responses((status = 202, body = ExportView),
        (status = 400, description = "A format or `since` it cannot take; `field` names it"),
        (status = 401), (status = 404, description = "No such workspace, or not the caller's")))]
#[post("/workspaces/{id}/exports")]
async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: web::Json<NewExport>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    let export = service::create(&state, &connection, body.into_inner()).await?;
    let location = format!("/api/v1/workspaces/{}/exports/{}", connection.id, export.id);
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location))
        .json(export))
}

/// The workspace's exports, newest first.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = [ExportView]), (status = 401), (status = 404)))]
#[get("/workspaces/{id}/exports")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    Ok(HttpResponse::Ok().json(service::list(&state, &connection.id).await?))
}

/// One export with its progress (`done` of `total`, ETA) and, once finished, its report.
#[utoipa::path(params(("id" = String, Path), ("export" = String, Path)),
    responses((status = 200, body = ExportView), (status = 401),
        (status = 404, description = "No such workspace or export, or it has expired")))]
#[get("/workspaces/{id}/exports/{export}")]
async fn show(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, export) = path.into_inner();
    let connection = workspace_for(&state, &user, &id).await?;
    let export = service::get(&state, &connection.id, &export).await?;
    Ok(HttpResponse::Ok().json(ExportView::from(&export)))
}

/// The completed export as a zip, streamed from disk.
#[utoipa::path(params(("id" = String, Path), ("export" = String, Path)),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>), (status = 401),
        (status = 404, description = "No such workspace or export, or it has expired"),
        (status = 409, description = "The export is not finished, or failed")))]
#[get("/workspaces/{id}/exports/{export}/download")]
async fn download(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, export) = path.into_inner();
    let connection = workspace_for(&state, &user, &id).await?;
    let file = service::download(&state, &connection.id, &export).await?;
    let opened = tokio::fs::File::open(&file)
        .await
        .map_err(anyhow::Error::from)?;
    let length = opened.metadata().await.map_err(anyhow::Error::from)?.len();
    let chunks = futures::stream::unfold(opened, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(web::Bytes::from(buffer)), file))
            }
            Err(error) => Some((Err(actix_web::error::ErrorInternalServerError(error)), file)),
        }
    });
    let name = format!("notion-export-{export}.zip");
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CONTENT_LENGTH, length))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(chunks.boxed_local()))
}
