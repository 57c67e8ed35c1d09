//! Operations: liveness, readiness, Prometheus metrics and the process lifecycle they report.

mod canary;
mod metrics;
pub mod routes;

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::web;

pub use canary::{CANARIES, Canary, CanaryState};
pub use metrics::Metrics;

use crate::state::AppState;

/// Periodic housekeeping: deletes the expired documents of every collection with a TTL.
pub async fn housekeeping(state: &AppState) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    for collection in super::collections()
        .into_iter()
        .filter(|c| c.ttl_field.is_some())
    {
        let deleted = state.store.delete_expired(collection, now).await?;
        if deleted > 0 {
            tracing::info!(
                collection = collection.name,
                deleted,
                "expired documents deleted"
            );
        }
    }
    Ok(())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::configure(cfg);
}

/// Whether the process is draining: readiness turns 503 the moment shutdown begins.
#[derive(Debug, Default)]
pub struct Lifecycle {
    draining: AtomicBool,
}

impl Lifecycle {
    pub fn begin_shutdown(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}
