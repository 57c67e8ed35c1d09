//! What can go wrong signing in and acting as a user, and how each answers over HTTP.

use super::password::PolicyError;
use crate::error::{AppError, Code};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The same answer for a wrong password, an unknown email and an account without one.
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("an account with this email already exists: sign in, or reset its password")]
    EmailTaken,
    #[error("`{0}` is not an email address")]
    InvalidEmail(String),
    #[error(transparent)]
    WeakPassword(#[from] PolicyError),
    #[error("sign in first, or send `Authorization: Bearer ng_...` with an API key")]
    NotSignedIn,
    #[error("the session has ended (signed out or timed out): sign in again")]
    SessionEnded,
    #[error("the API key is not valid (revoked or mistyped)")]
    BadApiKey,
    #[error("the admin token is not valid")]
    BadAdminToken,
    #[error("this API key's scopes do not allow {0} requests: create a key with the `write` scope")]
    InsufficientScope(String),
    #[error("this needs a signed-in browser session; API keys cannot do it")]
    SessionRequired,
    #[error("send `Authorization: Bearer ng_...` with an API key (create one on /account)")]
    ApiKeyRequired,
    #[error("missing or wrong `X-CSRF-Token` header: send the `csrf_token` from GET /api/v1/me")]
    CsrfFailed,
    #[error("cross-site requests may not change anything")]
    CrossSite,
    #[error("only admins may do this")]
    NotAdmin,
    #[error("too many attempts; retry after {0} s")]
    TooManyAttempts(u64),
    #[error("the link is invalid, already used or expired: ask for a new one")]
    InvalidLink,
    #[error(
        "the sign-in with Notion was not started here, expired or was already used: start again"
    )]
    OAuthState,
    #[error("{0}")]
    OAuthRefused(String),
    #[error(
        "Sign in with Notion is not configured on this instance (set notion_oauth_client_id and notion_oauth_client_secret)"
    )]
    OAuthNotConfigured,
    /// Unknown, or another user's: the answer is the same.
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::storage::StoreError> for AuthError {
    fn from(error: crate::storage::StoreError) -> Self {
        Self::Internal(error.into())
    }
}

impl From<AuthError> for AppError {
    fn from(error: AuthError) -> Self {
        use AuthError as E;
        let code = match &error {
            E::Internal(_) => {
                let E::Internal(cause) = error else {
                    unreachable!()
                };
                return cause.into();
            }
            E::TooManyAttempts(secs) => return AppError::too_many_requests(*secs),
            E::InvalidCredentials => Code::InvalidCredentials,
            E::EmailTaken => Code::EmailTaken,
            E::InvalidEmail(_) => Code::InvalidEmail,
            E::WeakPassword(_) => Code::WeakPassword,
            E::NotSignedIn | E::ApiKeyRequired | E::BadApiKey | E::BadAdminToken => {
                Code::Unauthorized
            }
            E::SessionEnded => Code::SessionEnded,
            E::InsufficientScope(_) => Code::InsufficientScope,
            E::SessionRequired => Code::SessionRequired,
            E::CsrfFailed => Code::CsrfFailed,
            E::CrossSite => Code::CrossSiteRequest,
            E::NotAdmin => Code::Forbidden,
            E::InvalidLink => Code::InvalidToken,
            E::OAuthState => Code::InvalidOauthState,
            E::OAuthRefused(_) => Code::OauthFailed,
            E::OAuthNotConfigured => Code::OauthNotConfigured,
            E::NotFound(_) => Code::NotFound,
            E::Invalid(_) => Code::InvalidValue,
        };
        AppError::new(code, error.to_string())
    }
}
