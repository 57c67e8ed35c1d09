//! Authentication as extractors; handlers never read headers or cookies themselves.
//!
//! - [`AuthUser`]: a signed-in user, by the `__Host-ng_session` cookie or by
//!   `Authorization: Bearer ng_...` (an API key, within its scopes). Cookie-authenticated
//!   POST, PUT, PATCH and DELETE must carry the session's `X-CSRF-Token` (API keys are exempt:
//!   a browser never sends them on its own).
//! - [`ReadingApiKey`]: the user of an API key (any scope) at an endpoint that only reads.
//! - [`Reader`]: the same, or a session, at a POST endpoint that only reads (GraphQL).
//! - [`AdminUser`]: an admin-role user, or the operator's admin token (automation). The
//!   `/api/admin` scope is guarded once by [`admin_only`], which runs it for every route there.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};
use futures::future::LocalBoxFuture;
use secrecy::{ExposeSecret, SecretString};

use super::Auth;
use super::AuthError;
use super::api_keys::{self, Scope};
use super::csrf;
use super::model::{Role, User};
use super::sessions::COOKIE;
use super::tokens::constant_time_eq;
use super::users;
use crate::error::AppError;
use crate::state::AppState;

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session: its id (to end it at logout) and its CSRF token.
    Session {
        id: SecretString,
        csrf: String,
    },
    ApiKey {
        id: String,
        scopes: Vec<Scope>,
    },
}

/// A signed-in user. Its id is the tenant of everything the user owns.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub credential: Credential,
}

impl AuthUser {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// The CSRF token of the session (`None` for API keys, which need none).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf, .. } => Some(csrf),
            Credential::ApiKey { .. } => None,
        }
    }
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let presented = csrf::from_header(&request).to_vec();
            Ok(authenticate(&request, &presented).await?)
        })
    }
}

impl AuthUser {
    /// The user of a page's form post, whose CSRF token comes in a form field (`token`) since a
    /// form without script cannot set `X-CSRF-Token`; otherwise the same checks as the extractor.
    pub async fn from_form(request: &HttpRequest, token: &str) -> Result<AuthUser, AuthError> {
        authenticate(request, token.as_bytes()).await
    }
}

impl AuthUser {
    /// Whether the session this user came with still holds (not signed out, not ended by a
    /// password change): a long-lived connection asks now and then. An API key always holds
    /// here; revoking one ends what it authenticates at its next request.
    pub async fn still_signed_in(&self, state: &AppState) -> anyhow::Result<bool> {
        let Credential::Session { id, .. } = &self.credential else {
            return Ok(true);
        };
        let sessions = &Auth::of(state).sessions;
        let Some(session) = sessions.resume(id.expose_secret()).await? else {
            return Ok(false);
        };
        let user = users::get(&state.store, &session.user).await?;
        Ok(user.is_some_and(|u| u.id == self.user.id && u.session_epoch == session.epoch))
    }
}

/// The user an API key belongs to, at an endpoint that only reads whatever its method says
/// (the MCP endpoint takes every call as a POST): a read-scoped key is enough. Sessions are not
/// accepted there, so no browser can be made to call it with its cookie.
#[derive(Debug, Clone)]
pub struct ReadingApiKey(pub AuthUser);

impl FromRequest for ReadingApiKey {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = app_state(&request)?;
            let secret = bearer(&request).ok_or(AuthError::ApiKeyRequired)?;
            Ok(Self(by_api_key(state, &Method::GET, secret).await?))
        })
    }
}

/// The user at a POST endpoint that only reads (GraphQL): a session, whose POST carries its
/// `X-CSRF-Token` as every cookie-authenticated POST does, or an API key of any scope.
#[derive(Debug, Clone)]
pub struct Reader(pub AuthUser);

impl FromRequest for Reader {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let user = match bearer(&request) {
                Some(secret) => by_api_key(app_state(&request)?, &Method::GET, secret).await,
                None => authenticate(&request, csrf::from_header(&request)).await,
            };
            Ok(Self(user?))
        })
    }
}

pub(super) fn app_state(request: &HttpRequest) -> Result<&web::Data<AppState>, AuthError> {
    request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AuthError::Internal(anyhow::anyhow!("application state missing")))
}

fn bearer(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// `presented`: the CSRF token the request carries, checked for cookie-authenticated writes.
async fn authenticate(request: &HttpRequest, presented: &[u8]) -> Result<AuthUser, AuthError> {
    let state = app_state(request)?;
    if let Some(secret) = bearer(request) {
        return by_api_key(state, request.method(), secret).await;
    }
    match request.cookie(COOKIE) {
        Some(cookie) => by_session(state, request, cookie.value(), presented).await,
        None => Err(AuthError::NotSignedIn),
    }
}

/// The API key's user, if the key's scopes allow a request with `method`.
async fn by_api_key(
    state: &AppState,
    method: &Method,
    secret: &str,
) -> Result<AuthUser, AuthError> {
    let (id, key) = api_keys::authenticate(&state.store, secret)
        .await?
        .ok_or(AuthError::BadApiKey)?;
    if !key.allows(method) {
        return Err(AuthError::InsufficientScope(method.to_string()));
    }
    let user = users::get(&state.store, &key.user)
        .await?
        .ok_or(AuthError::BadApiKey)?;
    Ok(AuthUser {
        user,
        credential: Credential::ApiKey {
            id,
            scopes: key.scopes,
        },
    })
}

async fn by_session(
    state: &AppState,
    request: &HttpRequest,
    id: &str,
    presented: &[u8],
) -> Result<AuthUser, AuthError> {
    let sessions = &Auth::of(state).sessions;
    let session = sessions.resume(id).await?.ok_or(AuthError::SessionEnded)?;
    let user = match users::get(&state.store, &session.user).await? {
        Some(user) if user.session_epoch == session.epoch => user,
        _ => {
            sessions.end(id).await?;
            return Err(AuthError::SessionEnded);
        }
    };
    if !request.method().is_safe() {
        csrf::check(request, presented, &session.csrf)?;
    }
    Ok(AuthUser {
        user,
        credential: Credential::Session {
            id: SecretString::from(id),
            csrf: session.csrf,
        },
    })
}

/// An admin: a user with the admin role, or the operator presenting the admin token.
#[derive(Debug, Clone)]
pub enum AdminUser {
    Operator,
    User(Box<AuthUser>),
}

impl AdminUser {
    /// Who acted, for the audit log.
    pub fn actor(&self) -> Option<&str> {
        match self {
            AdminUser::Operator => None,
            AdminUser::User(user) => Some(user.id()),
        }
    }
}

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { Ok(authenticate_admin(&request).await?) })
    }
}

async fn authenticate_admin(request: &HttpRequest) -> Result<AdminUser, AuthError> {
    let state = app_state(request)?;
    if let Some(presented) = bearer(request).filter(|b| !b.starts_with(api_keys::PREFIX)) {
        let expected = state
            .settings
            .security
            .admin_token
            .as_ref()
            .ok_or(AuthError::BadAdminToken)?;
        return if constant_time_eq(presented.as_bytes(), expected.expose_secret().as_bytes()) {
            Ok(AdminUser::Operator)
        } else {
            Err(AuthError::BadAdminToken)
        };
    }
    let user = authenticate(request, csrf::from_header(request)).await?;
    if user.is_admin() {
        Ok(AdminUser::User(Box::new(user)))
    } else {
        Err(AuthError::NotAdmin)
    }
}

/// Scope middleware: only a request that is an [`AdminUser`] gets through (401 anonymous, 403
/// for other users); the proof is left in the request's extensions for handlers that want it.
pub async fn admin_only(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let admin = request.extract::<AdminUser>().await?;
    request.extensions_mut().insert(admin);
    next.call(request).await
}
