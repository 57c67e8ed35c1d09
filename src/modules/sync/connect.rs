//! Connecting a workspace with an integration token or an OAuth grant, and the Notion client a
//! connection syncs with: OAuth connections refresh their tokens when Notion refuses them, and
//! the rotated pair is sealed back into the connection ([`ConnectionTokens`]). All of it talks
//! to the Notion of the settings (`notion_api_url`), never to a URL a caller supplies.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;

use super::connection::{
    self, ACCESS_TOKEN, Api, Connection, LOCAL_TENANT, REFRESH_TOKEN, Status, SyncSettings,
    connections,
};
use super::now_ms;
use super::service::SyncError;
use crate::cache::RateLimit;
use crate::crypto::Binding;
use crate::crypto::Keyring;
use crate::modules::notion::{
    ClientConfig, Credentials, NotionClient, NotionError, OAuthApp, OAuthSession, TokenGrant,
    TokenStore, Tokens,
};
use crate::modules::payments;
use crate::state::AppState;
use crate::storage::{Store, Typed};

fn client_config(state: &AppState, api: Api, rate: f64) -> Result<ClientConfig, SyncError> {
    Ok(ClientConfig {
        base_url: api_url(state, api)?,
        rate: RateLimit::new(rate, (rate.ceil() as u32).max(10)),
        ..ClientConfig::default()
    })
}

/// The API a connection's requests go to.
fn api_url(state: &AppState, api: Api) -> Result<String, SyncError> {
    let notion = &state.settings.notion;
    match (api, &notion.sample) {
        (Api::Notion, _) => Ok(notion.api_url.clone()),
        (Api::Sample, Some(sample)) => Ok(sample.api_url.clone()),
        (Api::Sample, None) => Err(SyncError::NoSample),
    }
}

/// The requests per second a newly connected workspace of `api` may spend: the sample
/// workspace is served on this machine, faster than Notion would.
fn rate_for(state: &AppState, api: Api) -> f64 {
    match (api, &state.settings.notion.sample) {
        (Api::Sample, Some(sample)) => sample.rate,
        _ => state.settings.notion.rate,
    }
}

/// Connects the workspace `token` belongs to for `owner` (a user id), or refreshes the stored
/// token of that connection; either way its rate becomes the `notion_rate` setting. A token
/// Notion refuses is `BadToken`, with Notion's reason; a workspace another account connected
/// with the same integration is `ConnectedElsewhere`.
pub async fn connect_with_token(
    state: &AppState,
    owner: &str,
    token: SecretString,
    api: Api,
) -> Result<Connection, SyncError> {
    let rate = rate_for(state, api);
    let bot = probe(state, &token, api, rate).await?;
    let existing = match connection::get(&state.store, &bot.id).await? {
        Some(found) => Some(found),
        // A Notion export zip connected to this token earlier.
        None => connection::of_tenant(&state.store, owner)
            .await?
            .into_iter()
            .find(|c| c.bot_id == bot.id),
    };
    if existing
        .as_ref()
        .is_some_and(|c| c.tenant != owner && c.tenant != LOCAL_TENANT)
    {
        return Err(SyncError::ConnectedElsewhere);
    }
    if existing.as_ref().is_none_or(|c| c.tenant != owner) {
        allow_another_workspace(state, owner).await?;
    }
    let workspace = bot.bot.unwrap_or_default();
    let mut connection = existing.unwrap_or_else(|| {
        let mut fresh = new_connection(state, owner, &bot.id);
        fresh.workspace_id = workspace.workspace_id.clone();
        if let Some(name) = workspace.workspace_name.clone().or(bot.name.clone()) {
            fresh.name = name;
        }
        fresh
    });
    connection.tenant = owner.to_owned();
    connection.api = api;
    connection.access_token = state.keys.seal(&token, connection.binding(ACCESS_TOKEN));
    connection.status = Status::Active;
    connection.settings.rate = rate;
    connections(&state.store)
        .upsert(&connection.id, &connection)
        .await?;
    Ok(connection)
}

/// The bot user `token` belongs to, or `BadToken` with Notion's reason.
async fn probe(
    state: &AppState,
    token: &SecretString,
    api: Api,
    rate: f64,
) -> Result<crate::modules::notion::model::User, SyncError> {
    let config = client_config(state, api, rate)?;
    let probe = NotionClient::new(
        config,
        "probe",
        Credentials::Token(token.clone()),
        state.cache.clone(),
    );
    match probe.me().await {
        Ok(bot) => Ok(bot),
        Err(NotionError::Unauthorized(reason)) => Err(SyncError::BadToken(reason)),
        Err(other) => Err(other.into()),
    }
}

/// Connects `token` to a workspace imported from a Notion export zip: the connection keeps
/// its id and everything imported (Notion's ids, so the sync that follows reads the same
/// pages over them) and from now on syncs like any connection. Another connection of the
/// token's integration is `ConnectedElsewhere`.
pub async fn attach_token(
    state: &AppState,
    mut connection: Connection,
    token: SecretString,
) -> Result<Connection, SyncError> {
    let rate = state.settings.notion.rate;
    let bot = probe(state, &token, Api::Notion, rate).await?;
    if let Some(other) = connection::get(&state.store, &bot.id).await?
        && other.id != connection.id
    {
        return Err(SyncError::ConnectedElsewhere);
    }
    let workspace = bot.bot.unwrap_or_default();
    connection.bot_id = bot.id;
    connection.workspace_id = workspace.workspace_id;
    connection.api = Api::Notion;
    connection.access_token = state.keys.seal(&token, connection.binding(ACCESS_TOKEN));
    connection.refresh_token = None;
    connection.status = Status::Active;
    connection.source = super::connection::Source::Api;
    connection.settings.rate = rate;
    // A full import, replacing what the zip stored (see `Importer::resumable`'s `first`).
    connection.last_sync_started_at = None;
    connection.next_sync_at = Some(now_ms());
    connections(&state.store)
        .upsert(&connection.id, &connection)
        .await?;
    Ok(connection)
}

/// Refuses a new workspace for `owner` when its plan allows no more (reconnecting one it has
/// is always allowed).
pub(super) async fn allow_another_workspace(
    state: &AppState,
    owner: &str,
) -> Result<(), SyncError> {
    let connected = connection::of_tenant(&state.store, owner).await?.len() as u64;
    let entitlements = payments::entitlements(state, owner).await?;
    entitlements
        .allow_workspace(connected)
        .map_err(|e| SyncError::Plan(Box::new(e)))
}

/// The public integration of Sign in with Notion, when configured.
pub fn oauth_app(state: &AppState) -> Option<OAuthApp> {
    let settings = &state.settings;
    Some(OAuthApp {
        client_id: settings.accounts.notion_oauth_client_id.clone()?,
        client_secret: settings.accounts.notion_oauth_client_secret.clone()?,
        base_url: settings.notion.api_url.clone(),
        redirect_uri: format!("{}/api/v1/auth/notion/callback", settings.public_url()),
    })
}

/// Connects (or reconnects) the workspace of an OAuth grant for `owner`. The same user
/// authorising the same workspace again updates its connection, whatever bot id Notion gave.
pub async fn connect_with_grant(
    state: &AppState,
    owner: &str,
    grant: &TokenGrant,
) -> Result<Connection, SyncError> {
    let mine = connection::of_tenant(&state.store, owner).await?;
    let same_workspace = |c: &Connection| {
        c.id == grant.bot_id
            || (grant.workspace_id.is_some() && c.workspace_id == grant.workspace_id)
    };
    let existing = match mine.into_iter().find(same_workspace) {
        Some(found) => Some(found),
        None => match connection::get(&state.store, &grant.bot_id).await? {
            Some(other) if other.tenant != owner => return Err(SyncError::ConnectedElsewhere),
            found => found,
        },
    };
    if existing.as_ref().is_none_or(|c| c.tenant != owner) {
        allow_another_workspace(state, owner).await?;
    }
    let mut connection = existing.unwrap_or_else(|| {
        let mut fresh = new_connection(state, owner, &grant.bot_id);
        fresh.workspace_id = grant.workspace_id.clone();
        fresh
    });
    connection.bot_id = grant.bot_id.clone();
    connection.name = grant
        .workspace_name
        .clone()
        .unwrap_or_else(|| connection.name.clone());
    connection.icon = grant.workspace_icon.clone();
    connection.access_token = state
        .keys
        .seal(&grant.access_token, connection.binding(ACCESS_TOKEN));
    connection.refresh_token = grant
        .refresh_token
        .as_ref()
        .map(|t| state.keys.seal(t, connection.binding(REFRESH_TOKEN)));
    connection.status = Status::Active;
    connections(&state.store)
        .upsert(&connection.id, &connection)
        .await?;
    Ok(connection)
}

/// A connection not synced yet, due at once.
pub(super) fn new_connection(state: &AppState, owner: &str, id: &str) -> Connection {
    let empty = SecretString::from(String::new());
    Connection {
        id: id.to_owned(),
        tenant: owner.to_owned(),
        bot_id: id.to_owned(),
        workspace_id: None,
        name: "Notion workspace".into(),
        icon: None,
        access_token: state.keys.seal(
            &empty,
            Binding {
                tenant: owner,
                field: ACCESS_TOKEN,
            },
        ),
        refresh_token: None,
        status: Status::Active,
        settings: SyncSettings {
            interval_minutes: state.settings.sync.interval_minutes,
            rate: state.settings.notion.rate,
        },
        last_sync_at: None,
        last_sync_started_at: None,
        last_calls: None,
        last_reconciled_at: None,
        next_sync_at: Some(now_ms()),
        api: Api::Notion,
        page_limit_reached: None,
        source: super::connection::Source::Api,
        counts: None,
        latest_run: None,
    }
}

/// Seals refreshed tokens back into their connection, both in one write.
pub struct ConnectionTokens {
    connections: Typed<Connection>,
    keys: Arc<Keyring>,
    id: String,
}

impl ConnectionTokens {
    pub fn new(store: &Store, keys: Arc<Keyring>, id: &str) -> Self {
        Self {
            connections: connections(store),
            keys,
            id: id.to_owned(),
        }
    }
}

#[async_trait]
impl TokenStore for ConnectionTokens {
    async fn store(&self, tokens: &Tokens) -> anyhow::Result<()> {
        let keys = &self.keys;
        let updated = self
            .connections
            .update(&self.id, |c| {
                c.access_token = keys.seal(&tokens.access, c.binding(ACCESS_TOKEN));
                c.refresh_token = tokens
                    .refresh
                    .as_ref()
                    .map(|t| keys.seal(t, c.binding(REFRESH_TOKEN)));
                Some(())
            })
            .await?;
        anyhow::ensure!(updated.is_some(), "the connection was removed");
        Ok(())
    }
}

/// How the connection authenticates: its OAuth tokens (refreshed when refused) when it has a
/// refresh token and Sign in with Notion is configured, else its access token alone.
fn credentials(state: &AppState, connection: &Connection) -> Result<Credentials, SyncError> {
    let open = |sealed, field| state.keys.open(sealed, connection.binding(field));
    let access = open(&connection.access_token, ACCESS_TOKEN).map_err(anyhow::Error::from)?;
    let app = oauth_app(state);
    let (Some(app), Some(refresh)) = (app, &connection.refresh_token) else {
        return Ok(Credentials::Token(access));
    };
    let refresh = open(refresh, REFRESH_TOKEN).map_err(anyhow::Error::from)?;
    let tokens = Tokens {
        access,
        refresh: Some(refresh),
    };
    let store = ConnectionTokens::new(&state.store, state.keys.clone(), &connection.id);
    Ok(Credentials::OAuth(Arc::new(OAuthSession::new(
        app,
        tokens,
        Arc::new(store),
    ))))
}

/// A client that spends the connection's budget with its credentials.
/// The Notion client of a connection (its rate budget, breaker and credentials).
pub fn client_for(state: &AppState, connection: &Connection) -> Result<NotionClient, SyncError> {
    let config = client_config(state, connection.api, connection.settings.rate)?;
    let client = NotionClient::new(
        config,
        &connection.id,
        credentials(state, connection)?,
        state.cache.clone(),
    );
    Ok(client.with_metrics(state.metrics.clone()))
}
