//! Under `/api/admin`: list the dead letters, replay or discard one.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{AppError, Code};
use crate::jobs::{self, DeadLetter};
use crate::state::AppState;
use crate::storage::Cursor;

#[derive(OpenApi)]
#[openapi(
    paths(list_dead, replay_dead, discard_dead),
    components(schemas(DeadLetterPage, DeadLetterItem, DeadLetter, Replayed))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_dead)
        .service(replay_dead)
        .service(discard_dead);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
    /// The `next` value of the previous page.
    after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterPage {
    items: Vec<DeadLetterItem>,
    /// Pass as `after` for the next page; absent on the last page.
    next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterItem {
    /// The task id of the failed job.
    id: String,
    #[serde(flatten)]
    letter: DeadLetter,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    /// The task id of the new job.
    task_id: String,
}

fn parse_page(params: &PageParams) -> Result<(usize, Option<Cursor>), AppError> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::new(
            Code::InvalidLimit,
            "limit must be between 1 and 500",
        ));
    }
    let after = match &params.after {
        None => None,
        Some(text) => Some(Cursor::decode(text).ok_or_else(|| {
            AppError::new(
                Code::InvalidCursor,
                "`after` is not a cursor this API returned",
            )
        })?),
    };
    Ok((limit, after))
}

/// Jobs that failed every attempt, newest first.
#[utoipa::path(params(PageParams), responses((status = 200, body = DeadLetterPage)))]
#[get("/jobs/dead")]
async fn list_dead(
    state: web::Data<AppState>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let (limit, after) = parse_page(&params)?;
    let (records, next) = jobs::list(&state, limit, after).await?;
    let items = records
        .into_iter()
        .map(|r| DeadLetterItem {
            id: r.id,
            letter: r.value,
        })
        .collect();
    Ok(HttpResponse::Ok().json(DeadLetterPage {
        items,
        next: next.map(|c| c.encode()),
    }))
}

/// Enqueues a dead job again and removes it from the list.
#[utoipa::path(
    responses((status = 202, body = Replayed), (status = 404, description = "No such dead letter"))
)]
#[post("/jobs/dead/{id}/replay")]
async fn replay_dead(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match jobs::replay(&state, &id).await? {
        Some(task_id) => Ok(HttpResponse::Accepted().json(Replayed { task_id })),
        None => Err(AppError::not_found(format!("no dead letter {id}"))),
    }
}

/// Discards a dead job for good.
#[utoipa::path(responses((status = 204), (status = 404, description = "No such dead letter")))]
#[delete("/jobs/dead/{id}")]
async fn discard_dead(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if jobs::discard(&state, &id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::not_found(format!("no dead letter {id}")))
    }
}
