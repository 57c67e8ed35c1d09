//! Sync as the command line uses it: connect (or reuse) the workspace a token belongs to, run
//! the import, record the run on the connection; and list the connections.

use std::sync::Arc;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::crawl::{ImportReport, Importer};
use super::model::{EDGES, ENTITIES};
use super::progress::Progress;
use crate::cache::RateLimit;
use crate::modules::notion::{ClientConfig, Credentials, NotionClient, NotionError};
use crate::state::AppState;
use crate::storage::{Collection, Filter, Index, Query, Typed};

pub static CONNECTIONS: Collection = Collection {
    name: "notion_connections",
    indexes: &[Index::on(&["status", "name"])],
    ttl_field: None,
};

/// A connected workspace, keyed by the integration's bot id (unique per authorisation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub bot_id: String,
    pub name: String,
    pub status: String,
    pub notion_url: String,
    /// Epoch milliseconds of the last completed import.
    pub last_sync_at: Option<i64>,
    /// When that import began: the next sync re-reads what changed after this (less an overlap).
    #[serde(default)]
    pub last_sync_started_at: Option<i64>,
    pub last_calls: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The token does not work: Notion's own reason.
    #[error("Notion refused the token: {0}")]
    BadToken(String),
    #[error(transparent)]
    Notion(#[from] NotionError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A connection with its imported counts.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceSummary {
    pub connection: Connection,
    pub entities: u64,
    pub edges: u64,
}

fn connections(state: &AppState) -> Typed<Connection> {
    Typed::new(state.store.clone(), &CONNECTIONS)
}

/// Notion rounds `last_edited_time` down to the minute; an edit up to a few minutes before the
/// last sync began may carry a time the last sync already saw.
const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// How many reads may be under way at once: about two seconds of the budget, so that slow
/// responses (Notion's take 100 ms to over a second) never leave the budget idle, while the
/// shared limiter still decides when each one goes.
pub fn concurrency_for(rate: f64) -> usize {
    ((rate * 2.0).ceil() as usize).clamp(8, 512)
}

/// Imports the workspace `token` belongs to; `watch` sees progress while it runs.
pub async fn sync_with_token(
    state: &AppState,
    token: SecretString,
    notion_url: &str,
    rate: f64,
    watch: impl FnOnce(Arc<Progress>),
) -> Result<(Connection, ImportReport), SyncError> {
    let burst = (rate.ceil() as u32).max(10);
    let config = ClientConfig {
        base_url: notion_url.to_owned(),
        rate: RateLimit::new(rate, burst),
        ..ClientConfig::default()
    };
    let probe = NotionClient::new(
        config.clone(),
        "probe",
        Credentials::Token(token.clone()),
        state.cache.clone(),
    );
    let bot = match probe.me().await {
        Ok(bot) => bot,
        Err(NotionError::Unauthorized(reason)) => return Err(SyncError::BadToken(reason)),
        Err(other) => return Err(other.into()),
    };
    let existing = connections(state)
        .get(&bot.id)
        .await
        .map_err(anyhow::Error::from)?;
    let mut connection = existing.map(|r| r.value).unwrap_or_else(|| Connection {
        bot_id: bot.id.clone(),
        name: bot
            .name
            .clone()
            .unwrap_or_else(|| "Notion workspace".into()),
        status: "active".into(),
        notion_url: notion_url.to_owned(),
        last_sync_at: None,
        last_sync_started_at: None,
        last_calls: None,
    });
    connections(state)
        .upsert(&bot.id, &connection)
        .await
        .map_err(anyhow::Error::from)?;

    let client = NotionClient::new(
        config,
        &bot.id,
        Credentials::Token(token),
        state.cache.clone(),
    )
    .with_metrics(state.metrics.clone());
    let importer = Importer::new(client, state.store.clone(), &bot.id, concurrency_for(rate));
    watch(importer.progress());
    let started = chrono::Utc::now();
    let since = connection
        .last_sync_started_at
        .and_then(chrono::DateTime::from_timestamp_millis);
    let report = match since {
        Some(since) => importer.run_incremental(since - OVERLAP).await?,
        None => importer.run().await?,
    };
    connection.last_sync_at = Some(chrono::Utc::now().timestamp_millis());
    connection.last_sync_started_at = Some(started.timestamp_millis());
    connection.last_calls = Some(importer.progress().snapshot().calls);
    connections(state)
        .upsert(&bot.id, &connection)
        .await
        .map_err(anyhow::Error::from)?;
    Ok((connection, report))
}

/// Every connection with the number of entities and edges imported for it.
pub async fn workspaces(state: &AppState) -> anyhow::Result<Vec<WorkspaceSummary>> {
    let mut summaries = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = connections(state)
            .find(&Query::new(Filter::all()).limit(100).after(after))
            .await?;
        for record in page {
            let mine = Filter::all().eq("connection", record.id.as_str());
            summaries.push(WorkspaceSummary {
                entities: state.store.count(&ENTITIES, &mine).await?,
                edges: state.store.count(&EDGES, &mine).await?,
                connection: record.value,
            });
        }
        match next {
            Some(next) => after = Some(next),
            None => return Ok(summaries),
        }
    }
}
