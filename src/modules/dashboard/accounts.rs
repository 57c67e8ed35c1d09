//! The account pages: sign up, sign in, sign out, confirm an email address and reset a
//! password. Forms post without script. Sign-up, login and the two mailed links have no session
//! yet: they are guarded by the cross-site refusal every write gets (`auth::csrf`); sign-out
//! carries the session's CSRF token in a field. A refused form comes back with what was typed
//! (never the password) and a message saying what to do.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::CsrfForm;
use super::view::{Chrome, Flash, PageError, explain, page, refused, see_other};
use crate::error::AppError;
use crate::modules::auth::audit::ClientInfo;
use crate::modules::auth::service::{self, SignUp};
use crate::modules::auth::{Auth, AuthUser, sessions::Sessions};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form)
        .service(login)
        .service(signup_form)
        .service(signup)
        .service(logout)
        .service(verify_form)
        .service(verify)
        .service(reset_form)
        .service(reset);
}

/// Only a path of this site may be where a login goes back to (no open redirect).
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/",
    }
}

#[derive(Template)]
#[template(path = "dashboard/login.html")]
struct LoginPage<'a> {
    chrome: Chrome,
    email: &'a str,
    next: &'a str,
    error: Option<String>,
    notion: bool,
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

#[get("/login")]
async fn login_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<Next>,
) -> Result<HttpResponse, PageError> {
    let body = LoginPage {
        chrome: Chrome::new(&request, None),
        email: "",
        next: local_path(query.next.as_deref()),
        error: None,
        notion: super::notion_enabled(&state),
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: SecretString,
    next: Option<String>,
}

#[post("/login")]
async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(form.next.as_deref());
    match service::log_in(&state, &form.email, &form.password, &client).await {
        Ok(signed_in) => Ok(with_session(
            &state,
            next,
            Flash::SignedIn,
            &signed_in.session_id,
        )),
        Err(error) => {
            let error = AppError::from(error);
            let body = LoginPage {
                chrome: Chrome::new(&request, None),
                email: &form.email,
                next,
                error: Some(explain(&error)),
                notion: super::notion_enabled(&state),
            };
            refused(&request, &error, &body)
        }
    }
}

pub(super) fn with_session(
    state: &AppState,
    to: &str,
    flash: Flash,
    session: &str,
) -> HttpResponse {
    let mut response = see_other(to, Some(flash));
    let cookie = Auth::of(state).sessions.cookie(session);
    // A cookie on a response already built: add it the way the builder would.
    let _ = response.add_cookie(&cookie);
    response
}

#[derive(Template)]
#[template(path = "dashboard/signup.html")]
struct SignupPage<'a> {
    chrome: Chrome,
    email: &'a str,
    name: &'a str,
    error: Option<String>,
}

#[get("/signup")]
async fn signup_form(request: HttpRequest) -> Result<HttpResponse, PageError> {
    let body = SignupPage {
        chrome: Chrome::new(&request, None),
        email: "",
        name: "",
        error: None,
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct SignupForm {
    email: String,
    password: SecretString,
    name: Option<String>,
}

#[post("/signup")]
async fn signup(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = SignUp {
        email: form.email.clone(),
        password: form.password,
        name: form.name.clone().filter(|n| !n.trim().is_empty()),
    };
    match service::sign_up(&state, input, &client).await {
        Ok(signed_in) => Ok(with_session(
            &state,
            "/",
            Flash::Welcome,
            &signed_in.session_id,
        )),
        Err(error) => {
            let error = AppError::from(error);
            let body = SignupPage {
                chrome: Chrome::new(&request, None),
                email: &form.email,
                name: form.name.as_deref().unwrap_or_default(),
                error: Some(explain(&error)),
            };
            refused(&request, &error, &body)
        }
    }
}

#[post("/logout")]
async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = super::form_user(&request, &form.csrf_token).await?;
    service::log_out(&state, &user, &client)
        .await
        .map_err(AppError::from)?;
    let mut response = see_other("/", Some(Flash::SignedOut));
    let _ = response.add_cookie(&Sessions::removal_cookie());
    Ok(response)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/verify.html")]
struct VerifyPage<'a> {
    chrome: Chrome,
    token: &'a str,
    error: Option<String>,
}

/// The mailed link opens a page with a button: a GET changes nothing (mail scanners follow
/// links), the button's POST confirms.
#[get("/verify-email")]
async fn verify_form(
    request: HttpRequest,
    user: Option<AuthUser>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let body = VerifyPage {
        chrome: Chrome::new(&request, user.as_ref()),
        token: query.token.as_deref().unwrap_or_default(),
        error: None,
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
}

#[post("/verify-email")]
async fn verify(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    match service::verify_email(&state, form.token.trim(), &client).await {
        Ok(_) => Ok(see_other("/", Some(Flash::Verified))),
        Err(error) => {
            let error = AppError::from(error);
            let body = VerifyPage {
                chrome: Chrome::new(&request, None),
                token: &form.token,
                error: Some(explain(&error)),
            };
            refused(&request, &error, &body)
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/reset.html")]
struct ResetPage<'a> {
    chrome: Chrome,
    /// Empty: the form asking for a link; otherwise the form choosing a new password.
    token: &'a str,
    error: Option<String>,
}

#[get("/reset-password")]
async fn reset_form(
    request: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let body = ResetPage {
        chrome: Chrome::new(&request, None),
        token: query.token.as_deref().unwrap_or_default(),
        error: None,
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct ResetForm {
    email: Option<String>,
    token: Option<String>,
    password: Option<SecretString>,
}

#[post("/reset-password")]
async fn reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let token = form.token.as_deref().unwrap_or_default();
    let outcome = match (&form.email, &form.password) {
        (_, Some(password)) => service::confirm_reset(&state, token, password, &client)
            .await
            .map(|()| Flash::PasswordReset),
        (Some(email), None) => service::request_reset(&state, email, &client)
            .await
            .map(|()| Flash::ResetSent),
        (None, None) => Err(crate::modules::auth::AuthError::Invalid(
            "enter your email address, or open the link from the mail again".into(),
        )),
    };
    match outcome {
        Ok(Flash::PasswordReset) => Ok(see_other("/login", Some(Flash::PasswordReset))),
        Ok(flash) => Ok(see_other("/reset-password", Some(flash))),
        Err(error) => {
            let error = AppError::from(error);
            let body = ResetPage {
                chrome: Chrome::new(&request, None),
                token,
                error: Some(explain(&error)),
            };
            refused(&request, &error, &body)
        }
    }
}
