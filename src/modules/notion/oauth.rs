//! Notion OAuth for public integrations, through the `oauth2` crate: the authorize URL, the
//! code exchange, and refresh with rotation. Notion's token endpoint takes Basic client
//! authentication and answers with fields beyond RFC 6749 (`bot_id`, `workspace_id`, `owner`...)
//! and, on errors, with its own body (`{"object":"error","code":...}`); both are typed here.
//! Refreshed tokens are persisted (both at once) before they are used; at most one refresh runs
//! per connection, and a caller whose token was already replaced by a concurrent refresh just
//! uses the new one.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, RedirectUrl, RefreshToken, RequestTokenError,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use super::error::NotionError;

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
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// The key of a connection: unique per authorisation (`workspace_id` is not).
    pub bot_id: String,
    pub workspace_id: Option<String>,
    pub workspace_name: Option<String>,
    pub workspace_icon: Option<String>,
    /// `{"type":"user","user":{"id","name","person":{"email"}}}` for a user-owned grant.
    pub owner: Option<Value>,
    pub duplicated_template_id: Option<String>,
}

/// What Notion adds to RFC 6749's token response.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NotionFields {
    bot_id: String,
    #[serde(default)]
    workspace_id: Option<String>,
    #[serde(default)]
    workspace_name: Option<String>,
    #[serde(default)]
    workspace_icon: Option<String>,
    #[serde(default)]
    owner: Option<Value>,
    #[serde(default)]
    duplicated_template_id: Option<String>,
}

impl ExtraTokenFields for NotionFields {}

/// Notion's error body, or RFC 6749's.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenError {
    #[serde(alias = "error")]
    code: String,
    #[serde(default, alias = "error_description")]
    message: Option<String>,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.code,
            self.message.as_deref().unwrap_or("")
        )
    }
}

impl oauth2::ErrorResponse for TokenError {}

type GrantResponse = StandardTokenResponse<NotionFields, BasicTokenType>;

type Client = oauth2::Client<
    TokenError,
    GrantResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn grant(
    result: Result<
        GrantResponse,
        RequestTokenError<oauth2::HttpClientError<reqwest::Error>, TokenError>,
    >,
) -> Result<TokenGrant, NotionError> {
    match result {
        Ok(response) => {
            let fields = response.extra_fields().clone();
            Ok(TokenGrant {
                access_token: SecretString::from(response.access_token().secret().clone()),
                refresh_token: response
                    .refresh_token()
                    .map(|t| SecretString::from(t.secret().clone())),
                bot_id: fields.bot_id,
                workspace_id: fields.workspace_id,
                workspace_name: fields.workspace_name,
                workspace_icon: fields.workspace_icon,
                owner: fields.owner,
                duplicated_template_id: fields.duplicated_template_id,
            })
        }
        Err(RequestTokenError::ServerResponse(error))
            if matches!(
                error.code.as_str(),
                "invalid_grant" | "unauthorized" | "invalid_client"
            ) =>
        {
            Err(NotionError::Unauthorized(format!(
                "the grant was refused: {error}"
            )))
        }
        Err(RequestTokenError::ServerResponse(error)) => Err(NotionError::Api {
            status: 400,
            code: error.code.clone(),
            message: error.message.clone().unwrap_or_default(),
        }),
        Err(RequestTokenError::Parse(error, _)) => {
            Err(NotionError::Decode(format!("token response: {error}")))
        }
        Err(other) => Err(NotionError::Transport(other.to_string())),
    }
}

impl OAuthApp {
    fn client(&self) -> Result<Client, NotionError> {
        let base = self.base_url.trim_end_matches('/');
        let bad = |e: oauth2::url::ParseError| NotionError::Transport(format!("OAuth URL: {e}"));
        Ok(oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                self.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::new(format!("{base}/v1/oauth/authorize")).map_err(bad)?)
            .set_token_uri(TokenUrl::new(format!("{base}/v1/oauth/token")).map_err(bad)?)
            .set_redirect_uri(RedirectUrl::new(self.redirect_uri.clone()).map_err(bad)?)
            .set_auth_type(AuthType::BasicAuth))
    }

    /// Where to send the browser: Notion's consent page, which comes back with `state`.
    pub fn authorize_url(&self, state: &str) -> Result<String, NotionError> {
        let state = state.to_owned();
        let (url, _) = self
            .client()?
            .authorize_url(move || CsrfToken::new(state))
            .add_extra_param("owner", "user")
            .url();
        Ok(url.to_string())
    }

    /// Exchanges an authorisation code for the first tokens.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
    ) -> Result<TokenGrant, NotionError> {
        let request = self.client()?;
        let request = request.exchange_code(AuthorizationCode::new(code.to_owned()));
        grant(request.request_async(http).await)
    }

    async fn refresh_grant(
        &self,
        http: &reqwest::Client,
        refresh: &SecretString,
    ) -> Result<TokenGrant, NotionError> {
        let client = self.client()?;
        let token = RefreshToken::new(refresh.expose_secret().to_owned());
        grant(
            client
                .exchange_refresh_token(&token)
                .request_async(http)
                .await,
        )
    }
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
        let grant = self.app.refresh_grant(http, &refresh).await?;
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
