//! In-product alerting: rules in the settings (`alert_rules`) over the service's own metrics,
//! evaluated every `alert_interval_secs` by one instance (under a lease), each alert identified
//! by its rule and labels, moving from pending to firing to resolved; each change is sent to
//! the receivers whose matchers its labels satisfy (`alert_receivers`: generic JSON or Slack,
//! HMAC-signed, retried with backoff by the job queue), and kept as history, served at
//! `GET /api/admin/alerts`.
//!
//! - `rules.rs`: the pure part (series, thresholds, grouping, routing, transitions);
//! - `reports.rs`: each instance's counters in the store, summed over a window;
//! - `evaluate.rs`: the loop every process runs, and the evaluation under the lease;
//! - `notify.rs`: the notification job, its bodies and its signature.

mod evaluate;
mod model;
mod notify;
mod reports;
mod routes;
mod rules;

use utoipa::OpenApi;

use crate::jobs::JobType;
use crate::manifest::{Access, Module, Mount, Routes};
use crate::state::AppState;
use crate::storage::{Filter, Order, Query, Typed};

pub use model::{ALERTS, Alert, Phase};
pub use notify::{Notify, SIGNATURE_HEADER, signature};

pub static MODULE: Module = Module {
    name: "alerts",
    collections: &[&model::ALERTS, &model::REPORTS],
    jobs: &[JobType::of::<Notify>()],
    routes: &[Routes {
        mount: Mount::Admin,
        access: Access::Admin,
        configure: routes::configure,
        openapi: routes::Api::openapi,
    }],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};

/// The newest alerts (pending, firing or resolved), for the admin page.
pub async fn newest(state: &AppState, limit: usize) -> anyhow::Result<Vec<Alert>> {
    let query = Query::new(Filter::all())
        .sort("since", Order::Desc)
        .limit(limit);
    let alerts = Typed::<Alert>::new(state.store.clone(), &model::ALERTS);
    let (found, _) = alerts.find(&query).await?;
    Ok(found.into_iter().map(|r| r.value).collect())
}

/// Starts this process's alert loop (every process runs one; see `evaluate.rs`). Abort the
/// handle to stop it.
pub fn start(state: &AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(evaluate::run(state.clone()))
}
