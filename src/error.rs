//! The one error type at the boundary. Every failure leaves as an RFC 9457
//! `application/problem+json` body with a stable snake_case `code` from the closed [`Code`]
//! list, which also fixes its HTTP status and the command line's exit status. Internal failures
//! are logged once with their cause chain and answered with an opaque 500.
//!
//! Module errors (`SyncError`, `GraphError`, `NotionError`, ...) convert into [`AppError`] with
//! `From`, beside their own definition, so that handlers and commands use `?`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Declares the codes once: variant, wire name, HTTP status, and what it means (its doc).
macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal, $status:ident;)+) => {
        /// Every error code the service answers with. The wire names are a contract: clients
        /// and tests match on them, so a name never changes once it has shipped.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The snake_case name clients see in `code` and `type`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }

            pub const fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::$status,)+
                }
            }

            /// What the code means, for the OpenAPI document.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),+).trim(),)+
                }
            }
        }
    };
}

codes! {
    // The request's form.
    /// The request is malformed in a way no more precise code names.
    BadRequest = "bad_request", BAD_REQUEST;
    /// The request was refused by the HTTP layer for a reason no more precise code names.
    RequestRefused = "request_refused", BAD_REQUEST;
    /// The JSON body does not parse or does not have the documented shape.
    InvalidJson = "invalid_json", BAD_REQUEST;
    /// A query parameter is unknown, missing or of the wrong type.
    InvalidQuery = "invalid_query", BAD_REQUEST;
    /// A path segment is of the wrong type.
    InvalidPath = "invalid_path", BAD_REQUEST;
    /// No route answers this path.
    NotFound = "not_found", NOT_FOUND;
    /// The path exists but not for this method; `Allow` lists the methods it takes.
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED;
    /// The body is larger than `max_body_bytes`.
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE;
    /// The body is not of the media type the route takes (usually `application/json`).
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE;
    /// Too many requests; `Retry-After` says when to try again.
    RateLimited = "rate_limited", TOO_MANY_REQUESTS;
    /// A WebSocket route was called without `Upgrade: websocket`.
    WebsocketRequired = "websocket_required", UPGRADE_REQUIRED;
    /// The request conflicts with the current state (a duplicate id, a stale version).
    Conflict = "conflict", CONFLICT;

    // Who is calling.
    /// Credentials are missing or not valid.
    Unauthorized = "unauthorized", UNAUTHORIZED;
    /// The caller is known but may not do this.
    Forbidden = "forbidden", FORBIDDEN;

    // Values of particular routes.
    /// `limit` is outside the range the route documents.
    InvalidLimit = "invalid_limit", BAD_REQUEST;
    /// `after` is not a cursor this API returned.
    InvalidCursor = "invalid_cursor", BAD_REQUEST;
    /// An id is not of the documented form.
    InvalidId = "invalid_id", BAD_REQUEST;
    /// A canary's `sleep_ms` is too large.
    InvalidSleep = "invalid_sleep", BAD_REQUEST;
    /// A canary's `fail_times` is too large.
    InvalidFailTimes = "invalid_fail_times", BAD_REQUEST;
    /// A signed webhook body is not a Notion event.
    InvalidEvent = "invalid_event", BAD_REQUEST;
    /// A webhook verification token is kept already; an admin must clear it first.
    VerificationTokenExists = "verification_token_exists", CONFLICT;

    // Accounts and sessions.
    /// A wrong password or an unknown email: the same answer for both.
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED;
    /// The session was ended (logout, password change) or timed out.
    SessionEnded = "session_ended", UNAUTHORIZED;
    /// An account with this email exists.
    EmailTaken = "email_taken", CONFLICT;
    /// Not an email address.
    InvalidEmail = "invalid_email", BAD_REQUEST;
    /// Too short, too long, common, or the email itself.
    WeakPassword = "weak_password", BAD_REQUEST;
    /// The API key's scopes do not allow this method.
    InsufficientScope = "insufficient_scope", FORBIDDEN;
    /// Only a browser session may do this (not an API key).
    SessionRequired = "session_required", FORBIDDEN;
    /// A cookie-authenticated write without the session's `X-CSRF-Token`.
    CsrfFailed = "csrf_failed", FORBIDDEN;
    /// A write the browser marked `Sec-Fetch-Site: cross-site`.
    CrossSiteRequest = "cross_site_request", FORBIDDEN;
    /// A verification or reset token that is unknown, used or expired.
    InvalidToken = "invalid_token", BAD_REQUEST;
    /// An OAuth `state` that is missing, wrong, expired or already used.
    InvalidOauthState = "invalid_oauth_state", BAD_REQUEST;
    /// Notion did not authorize the sign-in.
    OauthFailed = "oauth_failed", BAD_REQUEST;
    /// Sign in with Notion is not configured on this instance.
    OauthNotConfigured = "oauth_not_configured", NOT_FOUND;
    /// A field outside what it may hold (a name's length, an interval, scopes).
    InvalidValue = "invalid_value", BAD_REQUEST;

    // GraphQL (in `errors[].extensions.code`).
    /// The GraphQL query does not parse, or names a field, argument or type the schema lacks.
    InvalidGraphql = "invalid_graphql", BAD_REQUEST;
    /// The GraphQL query nests deeper than the limit.
    QueryTooDeep = "query_too_deep", BAD_REQUEST;
    /// The GraphQL query asks for more than the complexity limit.
    QueryTooComplex = "query_too_complex", BAD_REQUEST;

    // Workspaces and their sync.
    /// The integration's workspace is connected by another account.
    WorkspaceConnectedElsewhere = "workspace_connected_elsewhere", CONFLICT;
    /// No workspace has this id or name.
    UnknownWorkspace = "unknown_workspace", NOT_FOUND;
    /// No workspace is connected yet.
    NoWorkspace = "no_workspace", NOT_FOUND;
    /// Several workspaces are connected; the request must name one.
    WorkspaceRequired = "workspace_required", BAD_REQUEST;
    /// Another worker is syncing this workspace now; try again when it is done.
    WorkspaceBusy = "workspace_busy", CONFLICT;
    /// The workspace is paused or needs to be authorised again.
    WorkspaceInactive = "workspace_inactive", CONFLICT;
    /// This instance serves no sample workspace (only embedded instances and the demo do).
    SampleUnavailable = "sample_unavailable", NOT_FOUND;
    /// The upload is not a zip archive (a Notion export is one `.zip` file).
    NotAZip = "not_a_zip", UNSUPPORTED_MEDIA_TYPE;
    /// The zip is damaged, or holds no page of a Notion export.
    InvalidZip = "invalid_zip", BAD_REQUEST;
    /// The zip names a path outside itself, or expands past `zip_expanded_megabytes` (a zip
    /// bomb): it is refused as a whole and nothing is stored.
    UnsafeZip = "unsafe_zip", BAD_REQUEST;

    // Notion.
    /// Notion refused the integration token or OAuth grant.
    NotionTokenRefused = "notion_token_refused", BAD_REQUEST;
    /// Notion has no such object, or it is not shared with the integration.
    NotionNotFound = "notion_not_found", NOT_FOUND;
    /// The integration lacks the capability (read content, read comments, ...) this needs.
    NotionRestricted = "notion_restricted", FORBIDDEN;
    /// Notion failed, answered unexpectedly or could not be reached; retrying later may help.
    NotionUnavailable = "notion_unavailable", BAD_GATEWAY;

    // The graph.
    /// The workspace has no snapshot of this version.
    UnknownSnapshot = "unknown_snapshot", NOT_FOUND;
    /// No page has this Notion id or exact title.
    UnknownPage = "unknown_page", NOT_FOUND;
    /// Several pages have this title; give a Notion id.
    AmbiguousPage = "ambiguous_page", BAD_REQUEST;
    /// A neighbourhood depth outside 1 to 3.
    InvalidDepth = "invalid_depth", BAD_REQUEST;
    /// A graph `view` other than full, summary, neighbourhood, path or search.
    InvalidView = "invalid_view", BAD_REQUEST;
    /// A graph `format` other than d3, gexf, graphml or bin.
    InvalidFormat = "invalid_format", BAD_REQUEST;
    /// The workspace has no graph build with this id.
    UnknownBuild = "unknown_build", NOT_FOUND;

    // Share links and embeds.
    /// No share link has this id or token, or it was revoked or has expired.
    UnknownShare = "unknown_share", NOT_FOUND;
    /// A share's preset holds a value it cannot (the `field` member names it).
    InvalidPreset = "invalid_preset", BAD_REQUEST;
    /// A share's `expires_at` is not an RFC 3339 time in the future.
    InvalidExpiry = "invalid_expiry", BAD_REQUEST;
    /// An oEmbed format other than `json` (oEmbed 1.0 answers it 501).
    UnsupportedFormat = "unsupported_format", NOT_IMPLEMENTED;

    // Plans and billing.
    /// The account's plan does not allow this; `limit` names the limit, `plan` the current
    /// plan and `upgrade_to` the first plan that lifts it (`null` when none does).
    PlanLimit = "plan_limit", PAYMENT_REQUIRED;
    /// No plan has this name, or it cannot be bought (it has no Stripe price).
    UnknownPlan = "unknown_plan", BAD_REQUEST;
    /// Billing is off on this instance (no Stripe key): plans are set by an admin.
    BillingDisabled = "billing_disabled", NOT_FOUND;
    /// A webhook's signature is missing, does not match the body, or is too old.
    InvalidSignature = "invalid_signature", BAD_REQUEST;
    /// Stripe failed, answered unexpectedly or could not be reached; retrying later may help.
    StripeUnavailable = "stripe_unavailable", BAD_GATEWAY;

    // The assistant.
    /// No conversation has this id, or it is not the caller's.
    UnknownConversation = "unknown_conversation", NOT_FOUND;
    /// No assistant plan has this id, or it is not the caller's.
    UnknownAssistantPlan = "unknown_assistant_plan", NOT_FOUND;
    /// No assistant task has this id, or it is not the caller's.
    UnknownTask = "unknown_task", NOT_FOUND;
    /// The plan was confirmed or rejected already.
    PlanDecided = "plan_decided", CONFLICT;
    /// The task cannot be cancelled or undone in its state (running, undone already ...).
    TaskState = "task_state", CONFLICT;

    // Workspace exports.
    /// The workspace has no export with this id, or it has expired.
    UnknownExport = "unknown_export", NOT_FOUND;
    /// The export is still running (or failed): there is nothing to download yet.
    ExportNotReady = "export_not_ready", CONFLICT;

    // The command line.
    /// A setting (file, environment variable or flag) is not valid; the message names its key.
    InvalidSetting = "invalid_setting", BAD_REQUEST;
    /// Command-line arguments that do not go together, or one that is missing.
    InvalidArgument = "invalid_argument", BAD_REQUEST;
    /// A file named on the command line cannot be read or is not of the expected kind.
    InvalidFile = "invalid_file", BAD_REQUEST;
    /// A restore into a store that already holds documents (`--force` writes over them).
    StoreNotEmpty = "store_not_empty", CONFLICT;

    // The service itself.
    /// Not ready to serve: a dependency does not answer or the process is draining.
    NotReady = "not_ready", SERVICE_UNAVAILABLE;
    /// The document store (SQLite or MongoDB) is not answering.
    StoreUnavailable = "store_unavailable", SERVICE_UNAVAILABLE;
    /// The cache, rate limiter, pub/sub or job queue (Redis) is not answering.
    CacheUnavailable = "cache_unavailable", SERVICE_UNAVAILABLE;
    /// The server failed; the cause is logged, never sent.
    Internal = "internal_error", INTERNAL_SERVER_ERROR;
}

impl Code {
    /// The command line's exit status for a failure with this code: 2 when what the user gave
    /// was wrong (a 4xx, except 409 and 429, which say the request was fine but the moment was
    /// not), 1 for every other failure.
    pub fn exit_status(self) -> u8 {
        let status = self.status();
        let bad_input = status.is_client_error()
            && status != StatusCode::CONFLICT
            && status != StatusCode::TOO_MANY_REQUESTS;
        if bad_input { 2 } else { 1 }
    }

    /// The code for a status the HTTP framework answered by itself.
    pub fn for_framework_status(status: StatusCode) -> Self {
        match status {
            StatusCode::BAD_REQUEST => Code::BadRequest,
            StatusCode::UNAUTHORIZED => Code::Unauthorized,
            StatusCode::FORBIDDEN => Code::Forbidden,
            StatusCode::NOT_FOUND => Code::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
            StatusCode::CONFLICT => Code::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
            s if s.is_server_error() => Code::Internal,
            _ => Code::RequestRefused,
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The OpenAPI schema: a string enum whose description lists each code with its status.
impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let table: String = Code::ALL
            .iter()
            .map(|c| {
                format!(
                    "- `{}` ({}): {}\n",
                    c.name(),
                    c.status().as_u16(),
                    c.description()
                )
            })
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Code::ALL.iter().map(|c| c.name())))
            .description(Some(format!(
                "A stable error code; each has one HTTP status:\n\n{table}"
            )))
            .into()
    }
}

impl utoipa::ToSchema for Code {}

/// A client-facing problem: what went wrong, in words the caller can act on.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: Code,
    pub detail: String,
    pub retry_after_secs: Option<u64>,
    /// Extension members, e.g. the failed readiness checks.
    pub extensions: Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}: {}", .0.code, .0.detail)]
    Problem(Box<Problem>),
    #[error("internal error")]
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    /// A failure whose cause is the store or the cache being unreachable is an outage to retry
    /// (503 `store_unavailable`, `cache_unavailable`), wherever it was wrapped; anything else
    /// is internal.
    fn from(cause: anyhow::Error) -> Self {
        use crate::cache::CacheError;
        use crate::storage::StoreError;
        for link in cause.chain() {
            if let Some(StoreError::Unavailable(detail)) = link.downcast_ref::<StoreError>() {
                return AppError::new(Code::StoreUnavailable, detail.clone());
            }
            if let Some(error @ CacheError::Unavailable(_)) = link.downcast_ref::<CacheError>() {
                return AppError::new(Code::CacheUnavailable, error.to_string());
            }
        }
        AppError::Internal(cause)
    }
}

impl AppError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        AppError::Problem(Box::new(Problem {
            code,
            detail: detail.into(),
            retry_after_secs: None,
            extensions: Map::new(),
        }))
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(Code::NotFound, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(Code::Unauthorized, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(Code::Forbidden, detail)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            Code::RateLimited,
            format!("too many requests; retry after {retry_after_secs} s"),
        );
        if let AppError::Problem(p) = &mut error {
            p.retry_after_secs = Some(retry_after_secs);
        }
        error
    }

    /// Adds an extension member to the problem body (ignored for internal errors).
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let AppError::Problem(p) = &mut self {
            p.extensions.insert(
                key.to_owned(),
                serde_json::to_value(value).unwrap_or(Value::Null),
            );
        }
        self
    }

    pub fn code(&self) -> Code {
        match self {
            AppError::Problem(p) => p.code,
            AppError::Internal(_) => Code::Internal,
        }
    }

    /// The whole story for someone at a terminal: the detail, or an internal cause chain.
    pub fn describe(&self) -> String {
        match self {
            AppError::Problem(p) => p.detail.clone(),
            AppError::Internal(cause) => format!("{cause:#}"),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Problem(p) => problem_response(p),
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                problem_response(&Problem {
                    code: Code::Internal,
                    detail: "the server failed to handle this request; it has been logged".into(),
                    retry_after_secs: None,
                    extensions: Map::new(),
                })
            }
        }
    }
}

/// Renders a problem as its HTTP response; the code rides along in the response extensions so
/// that request logging and metrics see it.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let mut response = HttpResponse::build(problem.code.status());
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
    if let Some(secs) = problem.retry_after_secs {
        response.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    let mut response = response.body(problem_body(problem).to_string());
    response.extensions_mut().insert(problem.code);
    response
}

pub fn problem_body(problem: &Problem) -> Value {
    let status = problem.code.status();
    let mut body = Map::new();
    body.insert(
        "type".into(),
        format!("urn:notion-graph:problem:{}", problem.code).into(),
    );
    body.insert(
        "title".into(),
        status.canonical_reason().unwrap_or("Error").into(),
    );
    body.insert("status".into(), status.as_u16().into());
    body.insert("code".into(), problem.code.name().into());
    body.insert("detail".into(), problem.detail.clone().into());
    for (key, value) in &problem.extensions {
        body.entry(key.clone()).or_insert_with(|| value.clone());
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn a_problem_renders_as_rfc9457_json_with_a_stable_code() {
        let error = AppError::new(Code::InvalidLimit, "limit must be between 1 and 500");
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
        let body: Value =
            serde_json::from_slice(&to_bytes(response.into_body()).await.unwrap()).unwrap();
        assert_eq!(body["code"], "invalid_limit");
        assert_eq!(body["status"], 400);
        assert_eq!(body["type"], "urn:notion-graph:problem:invalid_limit");
        assert_eq!(body["detail"], "limit must be between 1 and 500");
    }

    #[test]
    fn an_unreachable_store_or_cache_under_any_context_is_an_outage_not_an_internal_error() {
        use anyhow::Context;
        let store = Err::<(), _>(crate::storage::StoreError::Unavailable("no server".into()));
        let wrapped = store.context("cannot list workspaces").unwrap_err();
        assert_eq!(AppError::from(wrapped).code(), Code::StoreUnavailable);
        let cache = anyhow::Error::new(crate::cache::CacheError::Unavailable("refused".into()));
        let wrapped = cache.context("cannot resume the session");
        assert_eq!(AppError::from(wrapped).code(), Code::CacheUnavailable);
        let other = anyhow::anyhow!("a bug").context("somewhere");
        assert_eq!(AppError::from(other).code(), Code::Internal);
    }

    #[actix_web::test]
    async fn an_internal_error_hides_its_cause() {
        let error = AppError::Internal(anyhow::anyhow!("password=swordfish leaked"));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(response.into_body()).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("swordfish"));
    }

    #[actix_web::test]
    async fn rate_limits_carry_retry_after() {
        let response = AppError::too_many_requests(7).error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }

    #[test]
    fn code_names_are_unique_snake_case_and_described() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let name = code.name();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
            assert!(!code.description().is_empty(), "{name} has no description");
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    #[test]
    fn bad_input_exits_2_and_everything_else_1() {
        assert_eq!(Code::InvalidSetting.exit_status(), 2);
        assert_eq!(Code::UnknownWorkspace.exit_status(), 2);
        assert_eq!(Code::NotionTokenRefused.exit_status(), 2);
        assert_eq!(Code::WorkspaceBusy.exit_status(), 1);
        assert_eq!(Code::NotionUnavailable.exit_status(), 1);
        assert_eq!(Code::Internal.exit_status(), 1);
    }
}
