//! Under `/api/admin`: the canary, a harmless job that proves the job pipeline works.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::canary::{self, Canary, CanaryState};
use crate::error::{AppError, Code};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(enqueue_canary, canary_status),
    components(schemas(NewCanary, CanaryState, Enqueued))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(enqueue_canary).service(canary_status);
}

/// Longest a canary attempt may take.
const MAX_CANARY_SLEEP_MS: u64 = 600_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCanary {
    /// A natural id (letters, digits, `-`, `_`; at most 64); a fresh one when absent.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    id: Option<String>,
    /// Milliseconds each attempt takes (at most 600000).
    #[serde(default, deserialize_with = "crate::json::whole")]
    #[schema(maximum = 600_000)]
    sleep_ms: u64,
    /// Attempts that fail before one succeeds (at most 100).
    #[serde(default, deserialize_with = "crate::json::whole")]
    #[schema(maximum = 100)]
    fail_times: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Enqueued {
    id: String,
    task_id: String,
}

fn validate(request: NewCanary) -> Result<Canary, AppError> {
    let id = request
        .id
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let well_formed = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        return Err(AppError::new(
            Code::InvalidId,
            "id must be 1 to 64 letters, digits, `-` or `_`",
        ));
    }
    if request.sleep_ms > MAX_CANARY_SLEEP_MS {
        return Err(AppError::new(
            Code::InvalidSleep,
            "sleep_ms must be at most 600000",
        ));
    }
    if request.fail_times > 100 {
        return Err(AppError::new(
            Code::InvalidFailTimes,
            "fail_times must be at most 100",
        ));
    }
    Ok(Canary {
        id,
        sleep_ms: request.sleep_ms,
        fail_times: request.fail_times,
    })
}

/// Enqueues a canary job that proves the job pipeline works.
#[utoipa::path(
    request_body = NewCanary,
    responses((status = 202, body = Enqueued), (status = 400, description = "Invalid canary"))
)]
#[post("/canaries")]
async fn enqueue_canary(
    state: web::Data<AppState>,
    request: web::Json<NewCanary>,
) -> Result<HttpResponse, AppError> {
    let canary = validate(request.into_inner())?;
    canary::record_queued(&state, &canary.id).await?;
    let task_id = state.jobs.push(&canary).await?;
    Ok(HttpResponse::Accepted().json(Enqueued {
        id: canary.id,
        task_id,
    }))
}

/// What a canary's runs left behind.
#[utoipa::path(
    responses((status = 200, body = CanaryState), (status = 404, description = "No canary with this id was queued (or it expired)"))
)]
#[get("/canaries/{id}")]
async fn canary_status(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match canary::status(&state, &id).await? {
        Some(found) => Ok(HttpResponse::Ok().json(found)),
        None => Err(AppError::not_found(format!("no canary {id} was queued"))),
    }
}
