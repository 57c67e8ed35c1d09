//! At the root: `/livez`, `/readyz`, `/metrics`.

use std::future::Future;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, Code};
use crate::state::AppState;

/// How long one dependency may take to answer a readiness check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(OpenApi)]
#[openapi(paths(livez, readyz, metrics), components(schemas(Health, Check)))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(livez).service(readyz).service(metrics);
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

/// Prometheus text: requests and latency by route and status, jobs by queue and state, dead
/// letters by queue, sync runs, refused webhooks, calls to Notion.
#[utoipa::path(responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state
        .jobs
        .refresh_metrics(&state.metrics, state.modules)
        .await;
    crate::jobs::refresh_metrics(&state).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
