//! Notion OAuth for public integrations: the code exchange, and refresh with rotation. The
//! token endpoint takes Basic client authentication and a JSON body and answers with fields
//! beyond RFC 6749 (`bot_id`, `workspace_id`...), so it is called directly rather than through
//! a generic OAuth client. Refreshed tokens are persisted (both at once) before they are used;
//! at most one refresh runs per connection, and a caller whose token was already replaced by a
//! concurrent refresh just uses the new one.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Mutex, RwLock};

use super::error::{NotionError, Outcome, classify};

/// The public integration's registration.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: SecretString,
    /// `https://api.notion.com` (or the simulator).
    pub base_url: String,
    pub redirect_uri: String,
}

/// The token endpoint's answer.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenGrant {
    pub access_token: SecretString,
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// The key of a connection: unique per authorisation (`workspace_id` is not).
    pub bot_id: String,
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub workspace_name: Option<String>,
    #[serde(default)]
    pub workspace_icon: Option<String>,
    #[serde(default)]
    pub owner: Option<Value>,
    #[serde(default)]
    pub duplicated_template_id: Option<String>,
}

/// A connection's current tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: SecretString,
    pub refresh: Option<SecretString>,
}

/// Where refreshed tokens are kept; one call stores both, atomically.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn store(&self, tokens: &Tokens) -> anyhow::Result<()>;
}

pub struct OAuthSession {
    app: OAuthApp,
    tokens: RwLock<Tokens>,
    refreshing: Mutex<()>,
    store: Arc<dyn TokenStore>,
}

impl OAuthApp {
    async fn token_request(
        &self,
        http: &reqwest::Client,
        body: Value,
    ) -> Result<TokenGrant, NotionError> {
        let url = format!("{}/v1/oauth/token", self.base_url.trim_end_matches('/'));
        let response = http
            .post(url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .json(&body)
            .send()
            .await
            .map_err(|e| NotionError::Transport(e.without_url().to_string()))?;
        match classify(response).await {
            Outcome::Done(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| NotionError::Decode(format!("token response: {e}"))),
            Outcome::Unauthorized(message) => Err(NotionError::Unauthorized(message)),
            Outcome::Fatal(NotionError::Api { code, message, .. }) if code == "invalid_grant" => {
                Err(NotionError::Unauthorized(format!(
                    "the grant was refused: {message}"
                )))
            }
            Outcome::Fatal(error) => Err(error),
            Outcome::Wait { code, .. } => Err(NotionError::Transport(code.into())),
            Outcome::Transient(reason) => Err(NotionError::Transport(reason)),
        }
    }

    /// Exchanges an authorisation code for the first tokens.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
    ) -> Result<TokenGrant, NotionError> {
        let body = json!({ "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri });
        self.token_request(http, body).await
    }
}

impl OAuthSession {
    pub fn new(app: OAuthApp, tokens: Tokens, store: Arc<dyn TokenStore>) -> Self {
        Self {
            app,
            tokens: RwLock::new(tokens),
            refreshing: Mutex::new(()),
            store,
        }
    }

    pub async fn access_token(&self) -> SecretString {
        self.tokens.read().await.access.clone()
    }

    /// Replaces `stale` (the token Notion just refused) unless a concurrent refresh already did.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        stale: &SecretString,
    ) -> Result<(), NotionError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let current = self.tokens.read().await.clone();
        if current.access.expose_secret() != stale.expose_secret() {
            return Ok(());
        }
        let Some(refresh) = current.refresh else {
            return Err(NotionError::Unauthorized(
                "the token was refused and there is no refresh token".into(),
            ));
        };
        let body =
            json!({ "grant_type": "refresh_token", "refresh_token": refresh.expose_secret() });
        let grant = self.app.token_request(http, body).await?;
        let fresh = Tokens {
            access: grant.access_token,
            refresh: grant.refresh_token.or(Some(refresh)),
        };
        self.store
            .store(&fresh)
            .await
            .map_err(|e| NotionError::Persist(format!("{e:#}")))?;
        *self.tokens.write().await = fresh;
        tracing::info!("Notion OAuth tokens refreshed");
        Ok(())
    }
}
