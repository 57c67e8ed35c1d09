//! The account page (`/account`): profile, password, usage analytics (opt out), the active
//! sessions (each can be signed out, or all at once: "sign out everywhere"), API keys, and
//! deleting the account (after a confirmation naming what goes with it). Each
//! form posts without script; a refused one comes back with the reason beside it. A new API
//! key's secret is shown once, in the answer to the form that made it (never in a redirect,
//! a cookie or a URL).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::CsrfForm;
use super::accounts::with_session;
use super::view::{Chrome, Flash, PageError, explain, page, refused, see_other};
use super::workspaces::readable;
use super::{form_user, signed_in};
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::auth::api_keys::{self, ApiKeyView, Scope};
use crate::modules::auth::audit::ClientInfo;
use crate::modules::auth::model::Preferences;
use crate::modules::auth::service;
use crate::modules::auth::sessions::{SessionView, Sessions};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(profile)
        .service(analytics)
        .service(password)
        .service(everywhere)
        .service(end_session)
        .service(create_key)
        .service(revoke_key)
        .service(delete_form)
        .service(delete);
}

/// Which form a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Profile,
    Analytics,
    Password,
    Keys,
}

#[derive(Template)]
#[template(path = "dashboard/account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    verified: bool,
    has_password: bool,
    /// The user lets usage events be sent (the opposite of `analytics_opt_out`).
    shares_usage: bool,
    /// This instance sends usage events somewhere (a PostHog key is configured).
    analytics_on: bool,
    /// The active sessions, newest first, their times readable.
    sessions: Vec<SessionView>,
    keys: Vec<ApiKeyView>,
    /// A key just made: its name and secret, shown this once.
    created: Option<(String, String)>,
    error: Option<(Section, String)>,
}

async fn account_page(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
) -> Result<AccountPage, PageError> {
    let mut keys = api_keys::list(&state.store, user.id())
        .await
        .map_err(anyhow::Error::from)?;
    for key in &mut keys {
        key.created_at = readable(&key.created_at);
        key.last_used_at = key.last_used_at.as_deref().map(readable);
    }
    let mut sessions = service::list_sessions(state, user)
        .await
        .map_err(AppError::from)?;
    for session in &mut sessions {
        session.started_at = readable(&session.started_at);
        session.last_seen_at = readable(&session.last_seen_at);
    }
    Ok(AccountPage {
        chrome: Chrome::new(request, Some(user)),
        name: user.user.name.clone(),
        email: user.user.email.clone(),
        verified: user.user.email_verified,
        has_password: user.user.password_hash.is_some(),
        shares_usage: !user.user.preferences.analytics_opt_out,
        analytics_on: state.settings.analytics.posthog_api_key.is_some(),
        sessions,
        keys,
        created: None,
        error: None,
    })
}

/// The page again with `error` beside the form of `section`.
async fn refused_in(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
    section: Section,
    error: AppError,
) -> Result<HttpResponse, PageError> {
    let mut body = account_page(state, request, user).await?;
    body.error = Some((section, explain(&error)));
    refused(request, &error, &body)
}

#[get("/account")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let body = account_page(&state, &request, &user).await?;
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct ProfileForm {
    csrf_token: String,
    name: String,
}

#[post("/account/profile")]
async fn profile(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    match service::update_profile(&state, user.id(), Some(&form.name), None).await {
        Ok(_) => Ok(see_other("/account", Some(Flash::ProfileSaved))),
        Err(error) => refused_in(&state, &request, &user, Section::Profile, error.into()).await,
    }
}

#[derive(Deserialize)]
struct AnalyticsForm {
    csrf_token: String,
    /// Present (`on`) when the box is ticked; a browser sends nothing for an unticked one.
    share: Option<String>,
}

#[post("/account/analytics")]
async fn analytics(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<AnalyticsForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let preferences = Preferences {
        analytics_opt_out: form.share.is_none(),
        ..user.user.preferences.clone()
    };
    match service::update_profile(&state, user.id(), None, Some(preferences)).await {
        Ok(_) => Ok(see_other("/account", Some(Flash::AnalyticsSaved))),
        Err(error) => refused_in(&state, &request, &user, Section::Analytics, error.into()).await,
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf_token: String,
    current: Option<SecretString>,
    new: SecretString,
}

/// A new password ends every other session; this browser gets a new one.
#[post("/account/password")]
async fn password(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    match service::change_password(&state, &user, form.current.as_ref(), &form.new, &client).await {
        Ok(signed_in) => Ok(with_session(
            &state,
            "/account",
            Flash::PasswordChanged,
            &signed_in.session_id,
        )),
        Err(error) => refused_in(&state, &request, &user, Section::Password, error.into()).await,
    }
}

#[post("/account/sign-out-everywhere")]
async fn everywhere(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    service::log_out_everywhere(&state, &user, &client)
        .await
        .map_err(AppError::from)?;
    let mut response = see_other("/login", Some(Flash::SignedOutEverywhere));
    let _ = response.add_cookie(&Sessions::removal_cookie());
    Ok(response)
}

/// Signs one session out; signing this one out is signing out.
#[post("/account/sessions/{id}/sign-out")]
async fn end_session(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let this = service::end_session(&state, &user, &id, &client)
        .await
        .map_err(AppError::from)?;
    if !this {
        return Ok(see_other("/account", Some(Flash::SessionEnded)));
    }
    let mut response = see_other("/login", Some(Flash::SignedOut));
    let _ = response.add_cookie(&Sessions::removal_cookie());
    Ok(response)
}

#[derive(Deserialize)]
struct KeyForm {
    csrf_token: String,
    name: String,
    /// `read` or `write` (which includes read).
    access: String,
}

/// Makes a key and answers with the page showing its secret once.
#[post("/account/api-keys")]
async fn create_key(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<KeyForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let scopes = match form.access.as_str() {
        "write" => vec![Scope::Read, Scope::Write],
        _ => vec![Scope::Read],
    };
    match service::create_api_key(&state, &user, &form.name, scopes, &client).await {
        Ok(created) => {
            let mut body = account_page(&state, &request, &user).await?;
            body.created = Some((created.key.name, created.secret));
            page(&request, StatusCode::CREATED, &body)
        }
        Err(error) => refused_in(&state, &request, &user, Section::Keys, error.into()).await,
    }
}

#[post("/account/api-keys/{id}/revoke")]
async fn revoke_key(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    service::revoke_api_key(&state, &user, &id, &client)
        .await
        .map_err(AppError::from)?;
    Ok(see_other("/account", Some(Flash::KeyRevoked)))
}

#[derive(Template)]
#[template(path = "dashboard/delete-account.html")]
struct DeletePage {
    chrome: Chrome,
    email: String,
    has_password: bool,
    workspaces: Vec<String>,
    keys: usize,
    error: Option<String>,
}

async fn delete_page(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
    error: Option<String>,
) -> Result<DeletePage, PageError> {
    let workspaces = crate::modules::sync::workspaces::list(state, user.id())
        .await
        .map_err(AppError::from)?;
    let keys = api_keys::list(&state.store, user.id())
        .await
        .map_err(anyhow::Error::from)?;
    Ok(DeletePage {
        chrome: Chrome::new(request, Some(user)),
        email: user.user.email.clone(),
        has_password: user.user.password_hash.is_some(),
        workspaces: workspaces.into_iter().map(|w| w.name).collect(),
        keys: keys.len(),
        error,
    })
}

/// The confirmation, naming what will be deleted.
#[get("/account/delete")]
async fn delete_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let body = delete_page(&state, &request, &user, None).await?;
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct DeleteForm {
    csrf_token: String,
    password: Option<SecretString>,
}

#[post("/account/delete")]
async fn delete(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    match service::delete_account(&state, &user, form.password.as_ref(), &client).await {
        Ok(()) => {
            let mut response = see_other("/", Some(Flash::AccountDeleted));
            let _ = response.add_cookie(&Sessions::removal_cookie());
            Ok(response)
        }
        Err(error) => {
            let error = AppError::from(error);
            let body = delete_page(&state, &request, &user, Some(explain(&error))).await?;
            refused(&request, &error, &body)
        }
    }
}
