//! Connecting a workspace with an integration token, and the Notion client a connection
//! syncs with. Both talk to the Notion of the settings (`notion_api_url`), never to a URL a
//! caller supplies.

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

fn client_config(state: &AppState, rate: f64) -> ClientConfig {
    ClientConfig {
        base_url: state.settings.notion.api_url.clone(),
        rate: RateLimit::new(rate, (rate.ceil() as u32).max(10)),
        ..ClientConfig::default()
    }
}

/// Connects the workspace `token` belongs to, or refreshes the stored token of that
/// connection; either way its rate becomes the `notion_rate` setting. A token Notion refuses
/// is `BadToken`, with Notion's reason.
pub async fn connect_with_token(
    state: &AppState,
    token: SecretString,
) -> Result<Connection, SyncError> {
    let rate = state.settings.notion.rate;
    let config = client_config(state, rate);
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
            interval_minutes: state.settings.sync.interval_minutes,
            rate,
        },
        last_sync_at: None,
        last_sync_started_at: None,
        last_calls: None,
        last_reconciled_at: None,
        next_sync_at: Some(now_ms()),
    });
    connection.access_token = state.keys.seal(&token, connection.binding(ACCESS_TOKEN));
    connection.status = Status::Active;
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
    let config = client_config(state, connection.settings.rate);
    let client = NotionClient::new(
        config,
        &connection.id,
        Credentials::Token(token),
        state.cache.clone(),
    );
    Ok(client.with_metrics(state.metrics.clone()))
}
