//! The admin's view of syncs under `/api/admin` (the scope is guarded by `AdminUser` once):
//! the failing and stuck syncs of every tenant, and a sync queued for any workspace.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::connection::Status;
use super::failing::{self, FailingSync, Problem};
use crate::error::AppError;
use crate::modules::auth::AdminUser;
use crate::modules::auth::audit::ClientInfo;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(list_failing, retry),
    components(schemas(FailingSync, Problem, Status, Queued))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_failing).service(retry);
}

/// Workspaces of every account whose latest sync failed, or is stuck (still running, its
/// lease long expired), most recent first.
#[utoipa::path(responses((status = 200, body = [FailingSync]), (status = 401), (status = 403)))]
#[get("/syncs/failing")]
async fn list_failing(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(failing::list(&state).await?))
}

#[derive(Serialize, ToSchema)]
struct Queued {
    job: String,
    /// Always `queued`.
    status: &'static str,
}

/// Queues a sync of any account's workspace, as the admin (audited).
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 202, body = Queued), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Paused or needs reauthorization: only the owner can fix it")))]
#[post("/workspaces/{id}/syncs")]
async fn retry(
    state: web::Data<AppState>,
    admin: web::ReqData<AdminUser>,
    client: ClientInfo,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let job = failing::retry(&state, admin.actor(), &id, &client).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, "/api/admin/syncs/failing"))
        .json(Queued {
            job,
            status: "queued",
        }))
}
