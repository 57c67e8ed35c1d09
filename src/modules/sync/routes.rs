//! The workspace API under `/api/v1/workspaces`, tenant-scoped: every route with an `{id}`
//! goes through [`workspace_for`], so another user's workspace answers 404.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use futures::StreamExt;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::connection::{Source, Status};
use super::run::RunState;
use super::service::{progress_channel, workspace_for};
use super::workspaces::{self, LatestSync, WorkspaceUpdate, WorkspaceView};
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::auth::audit::ClientInfo;
use crate::sse;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        connect,
        super::zip::routes::import_zip,
        attach_token,
        show,
        update,
        disconnect,
        start_sync,
        syncs,
        progress
    ),
    components(schemas(
        ConnectBody,
        WorkspaceView,
        WorkspaceUpdate,
        LatestSync,
        RunState,
        Status,
        Source
    ))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(connect)
        .service(super::zip::routes::import_zip)
        .service(attach_token)
        .service(show)
        .service(update)
        .service(disconnect)
        .service(start_sync)
        .service(syncs)
        .service(progress);
}

/// The signed-in user's workspaces.
#[utoipa::path(responses((status = 200, body = [WorkspaceView]), (status = 401)))]
#[get("/workspaces")]
async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(workspaces::list(&state, user.id()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ConnectBody {
    /// An internal integration token (`ntn_...` or `secret_...`).
    #[schema(value_type = String)]
    token: SecretString,
}

/// Connects the workspace of an internal integration token and queues its first import.
#[utoipa::path(request_body = ConnectBody,
    responses((status = 201, body = WorkspaceView), (status = 400, description = "Notion refused the token"),
        (status = 401), (status = 409, description = "Connected by another account"), (status = 502)))]
#[post("/workspaces")]
async fn connect(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    body: web::Json<ConnectBody>,
) -> Result<HttpResponse, AppError> {
    let view = workspaces::connect(&state, user.id(), body.into_inner().token, &client).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/workspaces/{}", view.id)))
        .json(view))
}

/// Connects an integration token to the workspace: a workspace imported from a Notion export
/// zip is then synced from Notion over what the zip gave (the ids are Notion's, so the graph
/// carries over); any other gets its token replaced. Queues the sync.
#[utoipa::path(params(("id" = String, Path)), request_body = ConnectBody,
    responses((status = 202, body = WorkspaceView), (status = 400, description = "Notion refused the token"),
        (status = 401), (status = 404), (status = 409, description = "The token's integration is connected as another workspace"), (status = 502)))]
#[post("/workspaces/{id}/token")]
async fn attach_token(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    id: web::Path<String>,
    body: web::Json<ConnectBody>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    let token = body.into_inner().token;
    let view = workspaces::attach_token(&state, connection, token, &client).await?;
    Ok(HttpResponse::Accepted().json(view))
}

/// One workspace: counts, status, last and next sync.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = WorkspaceView), (status = 401), (status = 404)))]
#[get("/workspaces/{id}")]
async fn show(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    Ok(HttpResponse::Ok().json(workspaces::view(&state, connection).await?))
}

/// Renames, changes the sync interval, pauses or resumes.
#[utoipa::path(params(("id" = String, Path)), request_body = WorkspaceUpdate,
    responses((status = 200, body = WorkspaceView), (status = 400), (status = 401), (status = 404)))]
#[patch("/workspaces/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: web::Json<WorkspaceUpdate>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    Ok(HttpResponse::Ok()
        .json(workspaces::update(&state, &connection.id, body.into_inner()).await?))
}

/// Disconnects the workspace and deletes everything imported from it.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404)))]
#[delete("/workspaces/{id}")]
async fn disconnect(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    workspaces::disconnect(&state, &connection, user.id(), &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Queues a sync now (full the first time, incremental afterwards).
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 202, body = Object, description = "`{job, status: \"queued\"}`; the run appears in the history"),
        (status = 401), (status = 404), (status = 409, description = "Paused or needs reauthorization")))]
#[post("/workspaces/{id}/syncs")]
async fn start_sync(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    let job = workspaces::queue_sync(&state, &connection).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/workspaces/{}/syncs", connection.id),
        ))
        .json(serde_json::json!({ "job": job, "status": "queued" })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

/// The workspace's sync runs, newest first, with their progress and outcome.
#[utoipa::path(params(("id" = String, Path), HistoryQuery),
    responses((status = 200, body = [Object]), (status = 401), (status = 404)))]
#[get("/workspaces/{id}/syncs")]
async fn syncs(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    Ok(HttpResponse::Ok().json(workspaces::history(&state, &connection.id, limit).await?))
}

/// Server-Sent Events: a `progress` event about every second while a sync runs (from any
/// instance, through the shared pub/sub), with its `phase`; a `done` event when it ends, whose
/// `end` is `completed`, `failed` or `stopped`; and a comment every 15 s to keep the line open.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 401), (status = 404)))]
#[get("/workspaces/{id}/progress")]
async fn progress(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    let messages = state
        .cache
        .subscribe(&progress_channel(&connection.id))
        .await
        .map_err(anyhow::Error::from)?
        .map(|message| format!("event: {}\ndata: {message}\n\n", event_of(&message)));
    let keep_alive = futures::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_secs(15)).await;
        Some((": keep-alive\n\n".to_owned(), ()))
    });
    let opening = futures::stream::once(async { ": connected\n\n".to_owned() });
    let events = opening.chain(futures::stream::select(messages, keep_alive));
    Ok(sse::response(&state.lifecycle, events))
}

/// The event a progress-channel message is: the last one of a run names how it ended.
fn event_of(message: &str) -> &'static str {
    let parsed: Option<serde_json::Value> = serde_json::from_str(message).ok();
    match parsed.as_ref().and_then(|m| m.get("end")) {
        Some(_) => "done",
        None => "progress",
    }
}
