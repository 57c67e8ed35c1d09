//! The sync jobs: a workspace sync (full, resumed or incremental, as the service decides) and
//! the targeted re-reads webhooks ask for; and the schedule that enqueues due syncs.

use serde::{Deserialize, Serialize};

use super::ImportReport;
use super::connection::{self, connections};
use super::pending::{self, Pending};
use super::service::{self, Outcome, SyncError};
use crate::jobs::Job;
use crate::state::AppState;

/// Syncs one workspace. Idempotent: a second run finds nothing changed, or resumes the
/// checkpoint the first left; the lease keeps two runs from overlapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncWorkspace {
    pub connection: String,
}

impl Job for SyncWorkspace {
    const QUEUE: &'static str = "sync";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        let stop = stop_signal(state, &self.connection);
        let outcome = service::sync_connection(state, &self.connection, |_| {}, stop).await;
        match outcome {
            Ok(Outcome::Stopped) => anyhow::bail!("stopped by shutdown; the next attempt resumes"),
            Ok(outcome) => {
                announce(state, &self.connection, &outcome).await?;
                tracing::info!(connection = self.connection, ?outcome, "sync finished");
                Ok(())
            }
            // The connection was removed: nothing left to do.
            Err(SyncError::UnknownConnection(_)) => Ok(()),
            Err(error) => match connection::get(&state.store, &self.connection).await? {
                // Notion refused the grant: the user must reconnect; retrying cannot help.
                Some(c) if c.status == connection::Status::NeedsReauthorization => {
                    tracing::warn!(
                        connection = self.connection,
                        "the connection needs reauthorization"
                    );
                    Ok(())
                }
                _ => Err(error.into()),
            },
        }
    }
}

/// Re-reads the pages and databases webhooks named, with whatever else is waiting for the
/// workspace (see [`pending`](super::pending)). Safe in any order: each is read as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRefresh {
    pub connection: String,
    pub pages: Vec<String>,
    pub databases: Vec<String>,
}

impl WebhookRefresh {
    /// Drains what is waiting, naming nothing new.
    pub fn drain(connection: &str) -> Self {
        Self {
            connection: connection.to_owned(),
            pages: Vec::new(),
            databases: Vec::new(),
        }
    }
}

impl Job for WebhookRefresh {
    const QUEUE: &'static str = "sync_refresh";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        if connection::get(&state.store, &self.connection)
            .await?
            .is_none()
        {
            return Ok(());
        }
        let asked = Pending::asking(self.pages, self.databases);
        pending::add(&state.store, &self.connection, &asked).await?;
        match service::refresh_pending(state, &self.connection).await {
            Ok(reports) => {
                if reports.iter().any(ImportReport::stored_anything) {
                    state.modules.after_sync(state, &self.connection).await?;
                }
                Ok(())
            }
            Err(SyncError::UnknownConnection(_)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// A sync that stored something is announced to every module (the graph module then builds).
async fn announce(state: &AppState, connection: &str, outcome: &Outcome) -> anyhow::Result<()> {
    match outcome {
        Outcome::Done(_, report) if report.stored_anything() => {
            state.modules.after_sync(state, connection).await
        }
        _ => Ok(()),
    }
}

/// Resolves at shutdown, so that a long import stops at a checkpoint instead of holding
/// shutdown up, or when the workspace is disconnected (on any instance).
async fn stop_signal(state: &AppState, connection: &str) {
    let channel = super::workspaces::cancel_channel(connection);
    match state.cache.subscribe(&channel).await {
        Ok(mut cancelled) => {
            // A subscription that ends (a dropped connection) is not a cancellation.
            tokio::select! {
                () = state.lifecycle.until_draining() => {}
                Some(_) = futures::StreamExt::next(&mut cancelled) => {}
            }
        }
        Err(_) => state.lifecycle.until_draining().await,
    }
}

/// Enqueues a sync for every active connection whose time has come, moving its next time one
/// interval on at once so that it is enqueued once (a sync that completes sets it again from
/// its end). A job lost on the way is made good by the next interval.
pub async fn enqueue_due(state: &AppState) -> anyhow::Result<usize> {
    let now = super::now_ms();
    let mut enqueued = 0;
    for due in connection::due(&state.store, now).await? {
        let mut mine = false;
        connections(&state.store)
            .update(&due.id, |c| {
                mine = c.next_sync_at.is_some_and(|at| at <= now);
                let later = super::minutes_from_now(c.settings.interval_minutes);
                mine.then(|| c.next_sync_at = Some(later))
            })
            .await?;
        if mine {
            let job = SyncWorkspace {
                connection: due.id.clone(),
            };
            state.jobs.push(&job).await?;
            enqueued += 1;
        }
    }
    Ok(enqueued)
}
