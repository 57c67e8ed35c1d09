//! What every page shares: the layout's view model ([`Chrome`]), flash messages, the strict
//! CSP, and [`PageError`], which answers a failed page with a page in the same style (or a
//! redirect to sign in) instead of problem+json.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::assets;
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;

/// Pages load only this origin's files: no inline script or style, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; frame-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

const FLASH_COOKIE: &str = "ng_flash";

/// A one-time message shown on the next page. The cookie carries only its name, so no text
/// from outside can reach a page through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Welcome,
    SignedIn,
    SignedOut,
    Verified,
    ResetSent,
    PasswordReset,
    Connected,
    SyncQueued,
    Paused,
    Resumed,
    Disconnected,
    ShareCreated,
    ShareRevoked,
    ProfileSaved,
    AnalyticsSaved,
    PasswordChanged,
    SignedOutEverywhere,
    SessionEnded,
    KeyRevoked,
    RoleChanged,
    Replayed,
    Discarded,
    AccountDeleted,
    Imported,
    ExportQueued,
}

impl Flash {
    const ALL: [Flash; 25] = [
        Flash::Welcome,
        Flash::SignedIn,
        Flash::SignedOut,
        Flash::Verified,
        Flash::ResetSent,
        Flash::PasswordReset,
        Flash::Connected,
        Flash::SyncQueued,
        Flash::Paused,
        Flash::Resumed,
        Flash::Disconnected,
        Flash::ShareCreated,
        Flash::ShareRevoked,
        Flash::ProfileSaved,
        Flash::AnalyticsSaved,
        Flash::PasswordChanged,
        Flash::SignedOutEverywhere,
        Flash::SessionEnded,
        Flash::KeyRevoked,
        Flash::RoleChanged,
        Flash::Replayed,
        Flash::Discarded,
        Flash::AccountDeleted,
        Flash::Imported,
        Flash::ExportQueued,
    ];

    fn name(self) -> &'static str {
        match self {
            Flash::Welcome => "welcome",
            Flash::SignedIn => "signed_in",
            Flash::SignedOut => "signed_out",
            Flash::Verified => "verified",
            Flash::ResetSent => "reset_sent",
            Flash::PasswordReset => "password_reset",
            Flash::Connected => "connected",
            Flash::SyncQueued => "sync_queued",
            Flash::Paused => "paused",
            Flash::Resumed => "resumed",
            Flash::Disconnected => "disconnected",
            Flash::ShareCreated => "share_created",
            Flash::ShareRevoked => "share_revoked",
            Flash::ProfileSaved => "profile_saved",
            Flash::AnalyticsSaved => "analytics_saved",
            Flash::PasswordChanged => "password_changed",
            Flash::SignedOutEverywhere => "signed_out_everywhere",
            Flash::SessionEnded => "session_ended",
            Flash::KeyRevoked => "key_revoked",
            Flash::RoleChanged => "role_changed",
            Flash::Replayed => "replayed",
            Flash::Discarded => "discarded",
            Flash::AccountDeleted => "account_deleted",
            Flash::Imported => "imported",
            Flash::ExportQueued => "export_queued",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Flash::Welcome => "Welcome! We sent you a link to confirm your email address.",
            Flash::SignedIn => "You are signed in.",
            Flash::SignedOut => "You are signed out.",
            Flash::Verified => "Your email address is confirmed.",
            Flash::ResetSent => {
                "If an account uses that address, a link to choose a new password is on its way."
            }
            Flash::PasswordReset => "Your password is changed. Sign in with the new one.",
            Flash::Connected => "Workspace connected: its import has started.",
            Flash::SyncQueued => "A sync is queued.",
            Flash::Paused => "Syncing is paused.",
            Flash::Resumed => "Syncing is resumed.",
            Flash::Disconnected => "The workspace is disconnected and its imported data deleted.",
            Flash::ShareCreated => {
                "Share link created: copy its URL below and paste it into Notion."
            }
            Flash::ShareRevoked => "The share link is revoked: its URL no longer shows the graph.",
            Flash::ProfileSaved => "Your profile is saved.",
            Flash::AnalyticsSaved => "Your choice about usage analytics is saved.",
            Flash::PasswordChanged => {
                "Your password is changed; every other session is signed out."
            }
            Flash::SignedOutEverywhere => {
                "Every session of your account is signed out, this one too."
            }
            Flash::SessionEnded => "That session is signed out: its device must sign in again.",
            Flash::KeyRevoked => {
                "The API key is revoked: requests with it are refused from now on."
            }
            Flash::RoleChanged => "The role is changed.",
            Flash::Replayed => "The job is queued again.",
            Flash::Discarded => "The dead letter is discarded.",
            Flash::AccountDeleted => "Your account and everything it held are deleted.",
            Flash::Imported => "Notion export imported: its graph is being built.",
            Flash::ExportQueued => {
                "An export is queued: it is listed below, with a download link once ready."
            }
        }
    }

    fn from_cookie(request: &HttpRequest) -> Option<Flash> {
        let cookie = request.cookie(FLASH_COOKIE)?;
        Self::ALL.into_iter().find(|f| f.name() == cookie.value())
    }

    fn cookie(self) -> Cookie<'static> {
        Cookie::build(FLASH_COOKIE, self.name())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::seconds(60))
            .finish()
    }
}

/// What the layout shows around every page.
pub struct Chrome {
    pub assets: &'static str,
    pub user: Option<String>,
    pub is_admin: bool,
    /// The session's CSRF token, for the forms of the page (empty when signed out).
    pub csrf: String,
    pub flash: Option<&'static str>,
}

impl Chrome {
    pub fn new(request: &HttpRequest, user: Option<&AuthUser>) -> Self {
        Chrome {
            assets: assets::base(),
            user: user.map(|u| u.user.name.clone()),
            is_admin: user.is_some_and(AuthUser::is_admin),
            csrf: user
                .and_then(AuthUser::csrf_token)
                .unwrap_or_default()
                .to_owned(),
            flash: Flash::from_cookie(request).map(Flash::text),
        }
    }
}

/// A rendered page with the dashboard's headers; a flash it showed is cleared.
pub fn page(
    request: &HttpRequest,
    status: StatusCode,
    template: &impl Template,
) -> Result<HttpResponse, PageError> {
    let html = template.render().map_err(anyhow::Error::from)?;
    let mut response = HttpResponse::build(status);
    if Flash::from_cookie(request).is_some() {
        let mut removal = Cookie::build(FLASH_COOKIE, "").path("/").finish();
        removal.make_removal();
        response.cookie(removal);
    }
    Ok(with_headers(response.body(html)))
}

/// A form page shown again because `error` refused it: its status, and its code for the logs
/// (which also tells the problem+json fallback that this answer is the application's own).
pub fn refused(
    request: &HttpRequest,
    error: &AppError,
    template: &impl Template,
) -> Result<HttpResponse, PageError> {
    let mut response = page(request, error.code().status(), template)?;
    response.extensions_mut().insert(error.code());
    Ok(response)
}

/// The page's CSP with `origins` added to `form-action`: a form whose answer redirects to
/// another site (Stripe's hosted Checkout and Portal) is otherwise blocked by the browser.
pub fn allow_form_targets(mut response: HttpResponse, origins: &[String]) -> HttpResponse {
    let csp = CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", origins.join(" ")),
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

fn with_headers(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A redirect after a form post (303: the browser follows with GET), with a flash message.
pub fn see_other(location: &str, flash: Option<Flash>) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, location.to_owned()));
    if let Some(flash) = flash {
        response.cookie(flash.cookie());
    }
    response.finish()
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in: to the login page, which comes back to `next` afterwards.
    #[error("sign in first")]
    SignIn { next: String },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        PageError::App(AppError::Internal(error))
    }
}

#[derive(Template)]
#[template(path = "dashboard/error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    heading: &'static str,
    message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::App(error) => error.code().status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn { next } => see_other(&login_url(next), None),
            PageError::App(error) => error_page(error),
        }
    }
}

fn login_url(next: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    format!("/login?{query}")
}

/// The page for an error: what happened in words a person understands; internal causes are
/// logged, never shown.
pub fn error_page(error: &AppError) -> HttpResponse {
    let code = error.code();
    let status = code.status();
    let (heading, message) = match code {
        Code::Internal => {
            tracing::error!(error = error.describe(), "page failed");
            (
                "Something went wrong on our side",
                "The error has been logged. Try again in a moment.".to_owned(),
            )
        }
        Code::NotFound => (
            "Page not found",
            "There is nothing at this address. Check the link, or start from the home page."
                .to_owned(),
        ),
        _ if status == StatusCode::NOT_FOUND => ("Page not found", explain(error)),
        _ => ("That did not work", explain(error)),
    };
    let chrome = Chrome {
        assets: assets::base(),
        user: None,
        is_admin: false,
        csrf: String::new(),
        flash: None,
    };
    let body = ErrorPage {
        chrome,
        status: status.as_u16(),
        heading,
        message,
    }
    .render()
    .unwrap_or_else(|_| heading.to_owned());
    let mut response = with_headers(HttpResponse::build(status).body(body));
    response.extensions_mut().insert(code);
    response
}

/// An error as a sentence for a page (the API's details name headers and fields instead).
pub fn explain(error: &AppError) -> String {
    match error.code() {
        Code::CsrfFailed | Code::CrossSiteRequest => {
            "This form has expired or was sent from another site. Reload the page and try again."
                .to_owned()
        }
        Code::Internal => {
            "Something went wrong on our side; it has been logged. Try again in a moment."
                .to_owned()
        }
        _ => capitalised(&error.describe()),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
