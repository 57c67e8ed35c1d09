//! The signed-in user's sessions under `/api/v1/me/sessions`: list them, end one. Thin
//! handlers over [`service::list_sessions`] and [`service::end_session`].

use actix_web::{HttpResponse, delete, get, web};
use utoipa::OpenApi;

use super::AuthUser;
use super::audit::ClientInfo;
use super::service;
use super::sessions::{SessionView, Sessions};
use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(paths(list_sessions, end_session), components(schemas(SessionView)))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_sessions).service(end_session);
}

/// The account's active sessions, newest first, this one marked `current`. Ended and timed-out
/// sessions are not listed; no session's cookie value is shown.
#[utoipa::path(responses((status = 200, body = [SessionView]), (status = 401)))]
#[get("/me/sessions")]
async fn list_sessions(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::list_sessions(&state, &user).await?))
}

/// Signs one session out (by the `id` the list shows). Ending this one also removes its cookie.
/// Needs a browser session.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403, description = "Called with an API key"),
        (status = 404, description = "No such active session in this account")))]
#[delete("/me/sessions/{id}")]
async fn end_session(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut response = HttpResponse::NoContent();
    if service::end_session(&state, &user, &id, &client).await? {
        response.cookie(Sessions::removal_cookie());
    }
    Ok(response.finish())
}
