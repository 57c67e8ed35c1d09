//! The share-link API under `/api/v1`, tenant-scoped: a workspace's links through
//! `workspace_for`, a link by id only when it is the caller's (anyone else's is a 404).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa::OpenApi;

use super::model::{NewShare, Preset, PresetView, ShareUpdate, ShareView, Theme};
use super::service;
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::sync::service::workspace_for;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, update, revoke),
    components(schemas(NewShare, ShareUpdate, ShareView, Preset, PresetView, Theme))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(update)
        .service(revoke);
}

/// Creates a share link; its `url` is the page to paste into Notion with `/embed`.
#[utoipa::path(params(("id" = String, Path)), request_body = NewShare,
    responses((status = 201, body = ShareView),
        (status = 400, description = "A name, preset value or expiry it cannot take; `field` names it"),
        (status = 401), (status = 404, description = "No such workspace, or not the caller's")))]
#[post("/workspaces/{id}/shares")]
async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: web::Json<NewShare>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    let share = service::create(&state, &connection, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/shares/{}", share.id)))
        .json(share))
}

/// The workspace's live share links, newest first.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = [ShareView]), (status = 401), (status = 404)))]
#[get("/workspaces/{id}/shares")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let connection = workspace_for(&state, &user, &id).await?;
    Ok(HttpResponse::Ok().json(service::list(&state, &connection.id).await?))
}

/// Renames a share link, replaces its preset or changes its expiry.
#[utoipa::path(params(("id" = String, Path)), request_body = ShareUpdate,
    responses((status = 200, body = ShareView),
        (status = 400, description = "A name, preset value or expiry it cannot take; `field` names it"),
        (status = 401), (status = 404, description = "No such share link, or not the caller's")))]
#[patch("/shares/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: web::Json<ShareUpdate>,
) -> Result<HttpResponse, AppError> {
    let share = service::update(&state, Some(user.id()), &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(share))
}

/// Revokes a share link: its URL answers 404 from now on.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404, description = "No such share link, or not the caller's")))]
#[delete("/shares/{id}")]
async fn revoke(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    service::revoke(&state, Some(user.id()), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
