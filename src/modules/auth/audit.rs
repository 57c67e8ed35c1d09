//! The audit log: who did what to an account or workspace, from where, and when. Events are
//! documents; they hold ids, never a secret, token or session id.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use utoipa::{IntoParams, ToSchema};

use super::model::rfc3339;
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::Collection;
use crate::storage::{Cursor, Filter, Index, Order, Query, Store, StoreResult, Typed};

pub static AUDIT: Collection = Collection {
    name: "audit_events",
    indexes: &[
        Index::on(&["at"]),
        Index::on(&["actor", "at"]),
        Index::on(&["action", "at"]),
        Index::on(&["actor", "action", "at"]),
    ],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    SignUp,
    SignIn,
    SignInFailed,
    SignOut,
    SignOutEverywhere,
    /// One session ended from the list of the account's sessions.
    SessionRevoked,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailVerified,
    ApiKeyCreated,
    ApiKeyRevoked,
    RoleChanged,
    WorkspaceConnected,
    WorkspaceDisconnected,
    /// An admin asked for a sync of someone's workspace (from the failing syncs).
    SyncRetried,
    AccountDeleted,
}

/// Where a request came from: the client IP (the peer, or the last `X-Forwarded-For` hop when
/// `trust_forwarded_for` is set) and its user agent.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(client_info(request)))
    }
}

fn client_info(request: &HttpRequest) -> ClientInfo {
    let trusted = request
        .app_data::<actix_web::web::Data<AppState>>()
        .is_some_and(|state| state.settings.accounts.trust_forwarded_for);
    let forwarded = trusted
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let peer = request.peer_addr().map(|a| a.ip().to_string());
    ClientInfo {
        ip: forwarded.or(peer),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect()),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub action: Action,
    /// The user who acted; `None` for the operator's admin token or an unknown account.
    pub actor: Option<String>,
    /// What it was done to: a user, key or workspace id.
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Epoch milliseconds.
    pub at: i64,
    /// A short note without secrets (e.g. the new role).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub action: Action,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub at: String,
    pub detail: Option<String>,
}

fn events(store: &Store) -> Typed<Event> {
    Typed::new(store.clone(), &AUDIT)
}

/// Records an event. A failure to record is logged, and does not undo what happened.
pub async fn record(
    store: &Store,
    action: Action,
    actor: Option<&str>,
    target: Option<&str>,
    client: &ClientInfo,
    detail: Option<String>,
) {
    let event = Event {
        action,
        actor: actor.map(str::to_owned),
        target: target.map(str::to_owned),
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        at: now_ms(),
        detail,
    };
    let id = ulid::Ulid::generate().to_string();
    if let Err(error) = events(store).insert(&id, &event).await {
        tracing::error!(error = %error, ?action, "cannot record an audit event");
    }
}

/// Filters of `GET /api/admin/audit`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Only events by this user id.
    pub actor: Option<String>,
    pub action: Option<Action>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// Newest first, one page.
pub async fn list(
    store: &Store,
    filter: &AuditFilter,
) -> StoreResult<(Vec<EventView>, Option<Cursor>)> {
    let mut conditions = Filter::all();
    if let Some(actor) = &filter.actor {
        conditions = conditions.eq("actor", actor.as_str());
    }
    if let Some(action) = filter.action {
        conditions = conditions.eq("action", serde_json::to_value(action).unwrap_or_default());
    }
    let query = Query::new(conditions)
        .sort("at", Order::Desc)
        .limit(filter.limit.unwrap_or(100).clamp(1, 500)) // the route refuses others
        .after(filter.cursor.as_deref().and_then(Cursor::decode));
    let (page, next) = events(store).find(&query).await?;
    let views = page
        .into_iter()
        .map(|r| EventView {
            id: r.id,
            action: r.value.action,
            actor: r.value.actor,
            target: r.value.target,
            ip: r.value.ip,
            user_agent: r.value.user_agent,
            at: rfc3339(r.value.at),
            detail: r.value.detail,
        })
        .collect();
    Ok((views, next))
}
