//! The account routes under `/api/v1` (auth, me, API keys) and the admin's under `/api/admin`
//! (users, audit; the scope is guarded by `AdminUser` once). Thin handlers: extract, call one service function, answer.

use actix_web::cookie::{self, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::Auth;
use super::api_keys::{self, ApiKeyView, CreatedKey, Scope};
use super::audit::{self, Action, AuditFilter, ClientInfo, EventView};
use super::model::{Preferences, Role, UserView};
use super::service::{self, SignUp, SignedIn};
use super::sessions::Sessions;
use super::{AdminUser, AuthError, AuthUser, Credential, notion, users};
use crate::error::{AppError, Code};
use crate::state::AppState;
use crate::storage::Cursor;

/// The routes anyone may call: signing up and in, and the links sent by mail.
#[derive(OpenApi)]
#[openapi(
    paths(sign_up, log_in, verify_email, request_reset, confirm_reset),
    components(schemas(SignUpBody, LogInBody, SessionBody, TokenBody, EmailBody, ResetBody))
)]
pub struct PublicApi;

/// The routes of a signed-in user.
#[derive(OpenApi)]
#[openapi(
    paths(
        log_out,
        log_out_everywhere,
        change_password,
        resend_verification,
        me,
        update_me,
        list_keys,
        create_key,
        revoke_key
    ),
    components(schemas(
        MeBody,
        PasswordBody,
        MeUpdate,
        KeyBody,
        UserView,
        ApiKeyView,
        CreatedKey,
        Scope,
        Role,
        Preferences
    ))
)]
pub struct Api;

#[derive(OpenApi)]
#[openapi(
    paths(list_users, update_user, list_audit),
    components(schemas(UserPage, RoleBody, AuditPage, EventView, Action))
)]
pub struct AdminApi;

/// Sign in with Notion (start and callback) is public too; as a redirect flow it stays out of
/// the OpenAPI document.
pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.service(notion_start)
        .service(notion_callback)
        .service(sign_up)
        .service(log_in)
        .service(verify_email)
        .service(request_reset)
        .service(confirm_reset);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(log_out)
        .service(log_out_everywhere)
        .service(change_password)
        .service(resend_verification)
        .service(me)
        .service(update_me)
        .service(list_keys)
        .service(create_key)
        .service(revoke_key);
}

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.service(list_users)
        .service(update_user)
        .service(list_audit);
}

fn oauth_cookie(value: &str, lifetime_secs: i64) -> Cookie<'static> {
    let mut cookie = Cookie::build(notion::STATE_COOKIE, value.to_owned())
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::seconds(lifetime_secs))
        .finish();
    if lifetime_secs == 0 {
        cookie.make_removal();
    }
    cookie
}

/// Starts Sign in with Notion: a redirect to Notion's consent page. Signed in, it connects
/// another workspace to the account instead.
#[utoipa::path(responses((status = 302, description = "To Notion's consent page"), (status = 404, description = "Not configured on this instance")))]
#[get("/auth/notion/start")]
async fn notion_start(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
) -> Result<HttpResponse, AppError> {
    let started = notion::start(&state, user.as_ref()).await?;
    let lifetime = super::tokens::Purpose::NotionSignIn.lifetime_ms() / 1000;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, started.authorize_url))
        .cookie(oauth_cookie(&started.state, lifetime))
        .finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Where Notion sends the browser back: checks `state`, exchanges the code, signs in (or up)
/// and connects the workspace, then redirects to the app.
#[utoipa::path(params(CallbackQuery),
    responses((status = 302, description = "Signed in; to the app"), (status = 400, description = "Missing, wrong, expired or reused state, or Notion refused")))]
#[get("/auth/notion/callback")]
async fn notion_callback(
    state: web::Data<AppState>,
    request: HttpRequest,
    client: ClientInfo,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let bound = request.cookie(notion::STATE_COOKIE);
    let callback = notion::Callback {
        code: query.code.as_deref(),
        state: query.state.as_deref(),
        bound: bound.as_ref().map(|c| c.value()),
        error: query.error.as_deref(),
    };
    let finished = notion::finish(&state, callback, &client).await?;
    let mut response = HttpResponse::Found();
    response
        .insert_header((
            header::LOCATION,
            format!("/?workspace={}", finished.workspace),
        ))
        .cookie(oauth_cookie("", 0));
    if let Some(session) = finished.session {
        response.cookie(Auth::of(&state).sessions.cookie(&session.session_id));
    }
    Ok(response.finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignUpBody {
    /// Documented as printable ASCII, `local@domain` (the server also takes other plausible
    /// addresses).
    #[schema(
        pattern = r"^[!-?A-~]+@[!--/-?A-~]([!-?A-~]*[!--/-?A-~])?$",
        max_length = 254
    )]
    email: String,
    /// 10 to 256 characters, not a common password.
    #[schema(value_type = String, min_length = 10, max_length = 256)]
    password: SecretString,
    #[schema(max_length = 100)]
    name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LogInBody {
    email: String,
    #[schema(value_type = String)]
    password: SecretString,
}

/// A new session: the cookie is set; send `csrf_token` as `X-CSRF-Token` on writes.
#[derive(Serialize, ToSchema)]
struct SessionBody {
    user: UserView,
    csrf_token: String,
}

fn signed_in(
    state: &AppState,
    mut response: actix_web::HttpResponseBuilder,
    s: SignedIn,
) -> HttpResponse {
    let cookie = Auth::of(state).sessions.cookie(&s.session_id);
    response.cookie(cookie).json(SessionBody {
        user: UserView::from(&s.user),
        csrf_token: s.csrf_token,
    })
}

/// Creates an account with email and password and signs it in; a verification mail goes out.
#[utoipa::path(request_body = SignUpBody,
    responses((status = 201, body = SessionBody), (status = 400, description = "Invalid email or weak password"),
        (status = 409, description = "The email is taken"), (status = 429, description = "Too many attempts")))]
#[post("/auth/signup")]
async fn sign_up(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignUpBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let input = SignUp {
        email: body.email,
        password: body.password,
        name: body.name,
    };
    let session = service::sign_up(&state, input, &client).await?;
    Ok(signed_in(&state, HttpResponse::Created(), session))
}

/// Signs in with email and password: a new session (and cookie) each time.
#[utoipa::path(request_body = LogInBody,
    responses((status = 200, body = SessionBody), (status = 401, description = "Wrong email or password (the same answer for both)"),
        (status = 429, description = "Too many failures for this account or address; see Retry-After")))]
#[post("/auth/login")]
async fn log_in(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<LogInBody>,
) -> Result<HttpResponse, AppError> {
    let session = service::log_in(&state, &body.email, &body.password, &client).await?;
    Ok(signed_in(&state, HttpResponse::Ok(), session))
}

fn signed_out() -> HttpResponse {
    HttpResponse::NoContent()
        .cookie(Sessions::removal_cookie())
        .finish()
}

/// Ends this session.
#[utoipa::path(responses((status = 204), (status = 401)))]
#[post("/auth/logout")]
async fn log_out(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> Result<HttpResponse, AppError> {
    service::log_out(&state, &user, &client).await?;
    Ok(signed_out())
}

/// Ends every session of this account, on every device.
#[utoipa::path(responses((status = 204), (status = 401)))]
#[post("/auth/logout-everywhere")]
async fn log_out_everywhere(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> Result<HttpResponse, AppError> {
    service::log_out_everywhere(&state, &user, &client).await?;
    Ok(signed_out())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    /// Required when the account has a password.
    #[schema(value_type = Option<String>)]
    current_password: Option<SecretString>,
    /// 10 to 256 characters, not a common password.
    #[schema(value_type = String, min_length = 10, max_length = 256)]
    new_password: SecretString,
}

/// Changes the password; every other session ends and this browser gets a new one.
#[utoipa::path(request_body = PasswordBody,
    responses((status = 200, body = SessionBody), (status = 400), (status = 401)))]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    let session = service::change_password(
        &state,
        &user,
        body.current_password.as_ref(),
        &body.new_password,
        &client,
    )
    .await?;
    Ok(signed_in(&state, HttpResponse::Ok(), session))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    /// The token from the link in the mail.
    token: String,
}

/// Confirms the address with the token from the verification mail (single use, 24 hours).
#[utoipa::path(request_body = TokenBody,
    responses((status = 200, body = UserView), (status = 400, description = "Invalid, used or expired token")))]
#[post("/auth/verify-email")]
async fn verify_email(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, AppError> {
    let user = service::verify_email(&state, &body.token, &client).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

/// Sends the verification mail again.
#[utoipa::path(responses((status = 202), (status = 401), (status = 429)))]
#[post("/auth/verify-email/resend")]
async fn resend_verification(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> Result<HttpResponse, AppError> {
    service::resend_verification(&state, &user, &client).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: String,
}

/// Mails a password-reset link (single use, one hour) if the account exists; the answer is
/// the same either way.
#[utoipa::path(request_body = EmailBody,
    responses((status = 202), (status = 429)))]
#[post("/auth/password-reset")]
async fn request_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, AppError> {
    service::request_reset(&state, &body.email, &client).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    token: String,
    /// 10 to 256 characters, not a common password.
    #[schema(value_type = String, min_length = 10, max_length = 256)]
    password: SecretString,
}

/// Sets a new password with the token from the reset mail; every session of the account ends.
#[utoipa::path(request_body = ResetBody,
    responses((status = 204), (status = 400)))]
#[post("/auth/password-reset/confirm")]
async fn confirm_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse, AppError> {
    service::confirm_reset(&state, &body.token, &body.password, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
struct MeBody {
    user: UserView,
    /// Send as `X-CSRF-Token` on cookie-authenticated writes; absent for API keys.
    csrf_token: Option<String>,
    /// `session` or `api_key`.
    authenticated_by: &'static str,
}

fn me_body(user: &AuthUser) -> MeBody {
    MeBody {
        user: UserView::from(&user.user),
        csrf_token: user.csrf_token().map(str::to_owned),
        authenticated_by: match user.credential {
            Credential::Session { .. } => "session",
            Credential::ApiKey { .. } => "api_key",
        },
    }
}

/// The signed-in user, and the CSRF token of this session.
#[utoipa::path(responses((status = 200, body = MeBody), (status = 401)))]
#[get("/me")]
async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(me_body(&user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MeUpdate {
    name: Option<String>,
    preferences: Option<Preferences>,
}

/// Changes the user's name or preferences.
#[utoipa::path(request_body = MeUpdate, responses((status = 200, body = MeBody), (status = 400), (status = 401)))]
#[patch("/me")]
async fn update_me(
    state: web::Data<AppState>,
    mut user: AuthUser,
    body: web::Json<MeUpdate>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    user.user =
        service::update_profile(&state, user.id(), body.name.as_deref(), body.preferences).await?;
    Ok(HttpResponse::Ok().json(me_body(&user)))
}

/// The user's API keys (never their secrets).
#[utoipa::path(responses((status = 200, body = [ApiKeyView]), (status = 401)))]
#[get("/api-keys")]
async fn list_keys(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let keys = api_keys::list(&state.store, user.id())
        .await
        .map_err(AuthError::from)?;
    Ok(HttpResponse::Ok().json(keys))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct KeyBody {
    name: String,
    scopes: Vec<Scope>,
}

/// Creates an API key and shows its secret, once. Needs a browser session: a key cannot make
/// keys.
#[utoipa::path(request_body = KeyBody,
    responses((status = 201, body = CreatedKey), (status = 400), (status = 401), (status = 403)))]
#[post("/api-keys")]
async fn create_key(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    body: web::Json<KeyBody>,
) -> Result<HttpResponse, AppError> {
    let created =
        service::create_api_key(&state, &user, &body.name, body.scopes.clone(), &client).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revokes one of the user's API keys.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404)))]
#[delete("/api-keys/{id}")]
async fn revoke_key(
    state: web::Data<AppState>,
    user: AuthUser,
    client: ClientInfo,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    service::revoke_api_key(&state, &user, &id, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct UserPage {
    users: Vec<UserView>,
    /// Pass as `cursor` for the next page.
    next: Option<String>,
}

/// An admin page's size: 1 to 500, 100 unless given.
fn page_limit(limit: Option<usize>) -> Result<usize, AppError> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::new(
            Code::InvalidLimit,
            "limit must be between 1 and 500",
        ));
    }
    Ok(limit)
}

/// Every account, newest first.
#[utoipa::path(params(PageQuery),
    responses((status = 200, body = UserPage), (status = 401), (status = 403)))]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = page_limit(query.limit)?;
    let after = query.cursor.as_deref().and_then(Cursor::decode);
    let (page, next) = users::page(&state.store, limit, after)
        .await
        .map_err(AuthError::from)?;
    Ok(HttpResponse::Ok().json(UserPage {
        users: page.iter().map(UserView::from).collect(),
        next: next.map(|c| c.encode()),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: Role,
}

/// Changes an account's role.
#[utoipa::path(params(("id" = String, Path)), request_body = RoleBody,
    responses((status = 200, body = UserView), (status = 401), (status = 403), (status = 404)))]
#[patch("/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    admin: web::ReqData<AdminUser>,
    client: ClientInfo,
    id: web::Path<String>,
    body: web::Json<RoleBody>,
) -> Result<HttpResponse, AppError> {
    let user = service::set_role(&state, admin.actor(), &id, body.role, &client).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

#[derive(Serialize, ToSchema)]
struct AuditPage {
    events: Vec<EventView>,
    next: Option<String>,
}

/// The audit log, newest first, filtered by actor and action.
#[utoipa::path(params(AuditFilter),
    responses((status = 200, body = AuditPage), (status = 401), (status = 403)))]
#[get("/audit")]
async fn list_audit(
    state: web::Data<AppState>,
    filter: web::Query<AuditFilter>,
) -> Result<HttpResponse, AppError> {
    page_limit(filter.limit)?;
    let (events, next) = audit::list(&state.store, &filter)
        .await
        .map_err(AuthError::from)?;
    Ok(HttpResponse::Ok().json(AuditPage {
        events,
        next: next.map(|c| c.encode()),
    }))
}
