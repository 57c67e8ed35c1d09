//! The export job: one per export asked for through the API.

use serde::{Deserialize, Serialize};

use super::service;
use crate::jobs::Job;
use crate::state::AppState;

/// Runs the export it names. Idempotent: a finished export is left alone, an interrupted one
/// continues from its checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportWorkspace {
    pub export: String,
}

impl Job for ExportWorkspace {
    const QUEUE: &'static str = "export";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        service::run(state, &self.export).await
    }

    async fn dead_lettered(self, state: &AppState, error: &anyhow::Error) -> anyhow::Result<()> {
        service::give_up(state, &self.export, error).await
    }
}
