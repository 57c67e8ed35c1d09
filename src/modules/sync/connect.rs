//! Connecting a workspace with an integration token, and the Notion client a connection
//! syncs with.

use secrecy::SecretString;

use super::connection::{
    self, ACCESS_TOKEN, Connection, LOCAL_TENANT, Status, SyncSettings, connections,
};
use super::now_ms;
use super::service::SyncError;
use crate::cache::RateLimit;
use crate::crypto::Binding;
use crate::modules::notion::{ClientConfig, Credentials, NotionClient, NotionError};
use crate::state::AppState;

fn client_config(notion_url: &str, rate: f64) -> ClientConfig {
    ClientConfig {
        base_url: notion_url.to_owned(),
        rate: RateLimit::new(rate, (rate.ceil() as u32).max(10)),
        ..ClientConfig::default()
    }
}

/// Connects the workspace `token` belongs to, or refreshes the stored token of that
/// connection. A token Notion refuses is `BadToken`, with Notion's reason.
pub async fn connect_with_token(
    state: &AppState,
    token: SecretString,
    notion_url: &str,
    rate: f64,
) -> Result<Connection, SyncError> {
    let config = client_config(notion_url, rate);
    let probe = NotionClient::new(
        config,
        "probe",
        Credentials::Token(token.clone()),
        state.cache.clone(),
    );
    let bot = match probe.me().await {
        Ok(bot) => bot,
        Err(NotionError::Unauthorized(reason)) => return Err(SyncError::BadToken(reason)),
        Err(other) => return Err(other.into()),
    };
    let existing = connection::get(&state.store, &bot.id).await?;
    let workspace = bot.bot.unwrap_or_default();
    let mut connection = existing.unwrap_or_else(|| Connection {
        id: bot.id.clone(),
        tenant: LOCAL_TENANT.into(),
        bot_id: bot.id.clone(),
        workspace_id: workspace.workspace_id.clone(),
        name: workspace
            .workspace_name
            .clone()
            .or(bot.name.clone())
            .unwrap_or_else(|| "Notion workspace".into()),
        icon: None,
        access_token: state.keys.seal(
            &token,
            Binding {
                tenant: LOCAL_TENANT,
                field: ACCESS_TOKEN,
            },
        ),
        refresh_token: None,
        status: Status::Active,
        settings: SyncSettings {
            interval_minutes: state.settings.sync_interval_minutes,
            rate,
        },
        notion_url: notion_url.to_owned(),
        last_sync_at: None,
        last_sync_started_at: None,
        last_calls: None,
        last_reconciled_at: None,
        next_sync_at: Some(now_ms()),
    });
    connection.access_token = state.keys.seal(&token, connection.binding(ACCESS_TOKEN));
    connection.status = Status::Active;
    connection.notion_url = notion_url.to_owned();
    connection.settings.rate = rate;
    connections(&state.store)
        .upsert(&connection.id, &connection)
        .await?;
    Ok(connection)
}

/// A client that spends the connection's budget with its token.
pub(super) fn client_for(
    state: &AppState,
    connection: &Connection,
) -> Result<NotionClient, SyncError> {
    let token = connection
        .access_token(&state.keys)
        .map_err(anyhow::Error::from)?;
    let config = client_config(&connection.notion_url, connection.settings.rate);
    let client = NotionClient::new(
        config,
        &connection.id,
        Credentials::Token(token),
        state.cache.clone(),
    );
    Ok(client.with_metrics(state.metrics.clone()))
}
