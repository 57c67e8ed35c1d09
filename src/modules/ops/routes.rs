//! `/livez`, `/readyz`, `/metrics`.

use std::future::Future;
use std::time::Duration;

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::canary::{self, Canary, CanaryState};
use crate::error::{AppError, Code};
use crate::modules::auth::AdminUser;
use crate::state::AppState;

/// How long one dependency may take to answer a readiness check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(OpenApi)]
#[openapi(
    paths(livez, readyz, metrics, enqueue_canary, canary_status),
    components(schemas(Health, Check, NewCanary, CanaryState, Enqueued))
)]
pub struct OpsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(livez)
        .service(readyz)
        .service(metrics)
        .service(enqueue_canary)
        .service(canary_status);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when every check passed.
    status: &'static str,
    /// Each dependency and whether it answered.
    checks: Vec<Check>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    name: &'static str,
    ok: bool,
}

/// Liveness: the process answers; depends on nothing.
#[utoipa::path(responses((status = 200, description = "The process is alive", body = Health)))]
#[get("/livez")]
async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        checks: Vec::new(),
    })
}

/// Readiness: the document store and the cache (and with them the job queue) answer, and the
/// process is not shutting down.
#[utoipa::path(responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 503, description = "Not ready; the failed checks are listed", content_type = "application/problem+json"),
))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let store = state.store.clone();
    let cache = state.cache.clone();
    let checks = vec![
        Check {
            name: "serving",
            ok: !state.lifecycle.is_draining(),
        },
        Check {
            name: "documents",
            ok: answers(async move { store.ping().await.is_ok() }).await,
        },
        Check {
            name: "cache",
            ok: answers(async move { cache.ping().await.is_ok() }).await,
        },
    ];
    if checks.iter().all(|c| c.ok) {
        return Ok(HttpResponse::Ok().json(Health {
            status: "ok",
            checks,
        }));
    }
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
    Err(
        AppError::new(Code::NotReady, format!("not ready: {}", failed.join(", ")))
            .with("checks", checks),
    )
}

async fn answers(check: impl Future<Output = bool>) -> bool {
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or(false)
}

/// Prometheus text: requests and latency by route and status, jobs by queue and state.
#[utoipa::path(responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.jobs.refresh_metrics(&state.metrics).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// Longest a canary attempt may take.
const MAX_CANARY_SLEEP_MS: u64 = 600_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCanary {
    /// A natural id (letters, digits, `-`, `_`; at most 64); a fresh one when absent.
    id: Option<String>,
    /// Milliseconds each attempt takes (at most 600000).
    #[serde(default)]
    sleep_ms: u64,
    /// Attempts that fail before one succeeds (at most 100).
    #[serde(default)]
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
    path = "/api/admin/canaries",
    request_body = NewCanary,
    security(("admin_token" = [])),
    responses((status = 202, body = Enqueued), (status = 400, description = "Invalid canary"))
)]
#[post("/api/admin/canaries")]
async fn enqueue_canary(
    _admin: AdminUser,
    state: web::Data<AppState>,
    request: web::Json<NewCanary>,
) -> Result<HttpResponse, AppError> {
    let canary = validate(request.into_inner())?;
    let task_id = state.jobs.push(&canary).await?;
    Ok(HttpResponse::Accepted().json(Enqueued {
        id: canary.id,
        task_id,
    }))
}

/// What a canary's runs left behind.
#[utoipa::path(
    path = "/api/admin/canaries/{id}",
    security(("admin_token" = [])),
    responses((status = 200, body = CanaryState), (status = 404, description = "The canary has not run"))
)]
#[get("/api/admin/canaries/{id}")]
async fn canary_status(
    _admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match canary::status(&state, &id).await? {
        Some(found) => Ok(HttpResponse::Ok().json(found)),
        None => Err(AppError::not_found(format!("canary {id} has not run"))),
    }
}
