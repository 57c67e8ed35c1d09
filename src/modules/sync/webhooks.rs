//! Notion's webhooks: `POST /api/webhooks/notion`, and the admin's
//! `/api/admin/webhooks/notion/verification-token`.
//!
//! - The first request of a subscription carries `{"verification_token"}`: it is sealed and
//!   kept (an admin reads it back to paste into Notion's settings). Only the first is kept, so
//!   a forged handshake cannot replace it; an admin can clear it for a new subscription.
//! - Every event must carry `X-Notion-Signature: sha256=<hex HMAC-SHA256(raw body, token)>`,
//!   checked in constant time; a bad or missing signature is refused and enqueues nothing.
//! - Events are deduplicated by id (Notion retries deliveries), then become targeted re-reads
//!   of the connection the event's workspace belongs to.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::{OpenApi, ToSchema};

use super::connection::{self, Connection, LOCAL_TENANT};
use super::jobs::{SyncWorkspace, WebhookRefresh};
use crate::crypto::{Binding, Sealed};
use crate::error::{AppError, Code};
use crate::state::AppState;
use crate::storage::{Collection, StoreError, Typed};

pub static SUBSCRIPTIONS: Collection = Collection {
    name: "webhook_subscriptions",
    indexes: &[],
    ttl_field: None,
    archived: false,
};

pub static SEEN_EVENTS: Collection = Collection {
    name: "webhook_events",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// Notion retries a delivery for about a day; an event id is remembered a little longer.
const SEEN_FOR_MS: i64 = 48 * 3600 * 1000;
const SUBSCRIPTION: &str = "notion";
const TOKEN_FIELD: &str = "notion_webhook_verification_token";

/// Under `/api/webhooks`.
#[derive(OpenApi)]
#[openapi(paths(receive))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(receive);
}

/// Under `/api/admin`.
#[derive(OpenApi)]
#[openapi(
    paths(verification_token, clear_verification_token),
    components(schemas(VerificationToken))
)]
pub struct AdminApi;

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.service(verification_token)
        .service(clear_verification_token);
}

#[derive(Serialize, Deserialize)]
struct Subscription {
    verification_token: Sealed,
}

#[derive(Serialize, Deserialize)]
struct Seen {
    expires_at: i64,
}

/// What the product reads of an event; the rest (authors, data) is not needed.
#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    workspace_id: Option<String>,
    entity: Option<EventEntity>,
}

#[derive(Debug, Deserialize)]
struct EventEntity {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Handshake {
    verification_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerificationToken {
    /// Paste this into the subscription's "Verify" dialog in Notion.
    verification_token: String,
}

fn binding() -> Binding<'static> {
    Binding {
        tenant: LOCAL_TENANT,
        field: TOKEN_FIELD,
    }
}

fn subscriptions(state: &AppState) -> Typed<Subscription> {
    Typed::new(state.store.clone(), &SUBSCRIPTIONS)
}

/// Receives the verification handshake and signed events.
#[utoipa::path(
    request_body(content = Object, content_type = "application/json", description = "The handshake `{verification_token}` or a signed event"),
    responses(
        (status = 200, description = "Accepted (or a duplicate, acknowledged)"),
        (status = 401, description = "Missing or bad signature; nothing was enqueued"),
        (status = 409, description = "A verification token is already kept"),
    )
)]
#[post("/notion")]
async fn receive(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let signature = request
        .headers()
        .get("x-notion-signature")
        .and_then(|v| v.to_str().ok());
    let received = match signature {
        None => handshake(&state, &body).await,
        Some(signature) => event(&state, signature, &body).await,
    };
    if received
        .as_ref()
        .is_err_and(|e| e.code() == Code::Unauthorized)
    {
        state.metrics.observe_webhook_rejection("notion");
    }
    received?;
    Ok(HttpResponse::Ok().finish())
}

async fn handshake(state: &AppState, body: &[u8]) -> Result<(), AppError> {
    let Ok(handshake) = serde_json::from_slice::<Handshake>(body) else {
        return Err(AppError::unauthorized(
            "an event without an X-Notion-Signature header",
        ));
    };
    let sealed = state
        .keys
        .seal(&SecretString::from(handshake.verification_token), binding());
    let kept = subscriptions(state)
        .insert(
            SUBSCRIPTION,
            &Subscription {
                verification_token: sealed,
            },
        )
        .await;
    match kept {
        Ok(_) => {
            tracing::info!(
                "Notion webhook verification token received; an admin can read it at /api/admin/webhooks/notion/verification-token"
            );
            Ok(())
        }
        Err(StoreError::Conflict(_)) => Err(AppError::new(
            Code::VerificationTokenExists,
            "a verification token is already kept; an admin must clear it first",
        )),
        Err(other) => Err(other.into()),
    }
}

async fn event(state: &AppState, signature: &str, body: &[u8]) -> Result<(), AppError> {
    let token = kept_token(state)
        .await?
        .ok_or_else(|| AppError::unauthorized("no webhook subscription is verified yet"))?;
    if !signature_matches(&token, signature, body) {
        return Err(AppError::unauthorized(
            "the X-Notion-Signature does not match the body",
        ));
    }
    let event: Event = serde_json::from_slice(body)
        .map_err(|e| AppError::new(Code::InvalidEvent, format!("not a Notion event: {e}")))?;
    if seen(state, &event.id).await? {
        return Ok(());
    }
    if let Some(workspace) = event.workspace_id.as_deref() {
        for connection in connection::of_workspace(&state.store, workspace).await? {
            enqueue(state, &connection, &event).await?;
        }
    }
    // Only once its jobs are queued: a delivery cut short before that (Notion gave up
    // waiting, the process stopped) is not mistaken for a duplicate when Notion retries it.
    // Two deliveries at once may both queue their re-reads, which are idempotent.
    remember(state, &event.id).await
}

async fn kept_token(state: &AppState) -> Result<Option<SecretString>, AppError> {
    let Some(kept) = subscriptions(state).get(SUBSCRIPTION).await? else {
        return Ok(None);
    };
    let token = state.keys.open(&kept.value.verification_token, binding())?;
    Ok(Some(token))
}

/// Constant-time comparison of `sha256=<hex>` against the body's HMAC.
fn signature_matches(token: &SecretString, signature: &str, body: &[u8]) -> bool {
    let Some(expected) = signature
        .strip_prefix("sha256=")
        .and_then(|hex| hex::decode(hex).ok())
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(token.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn seen_key(id: &str) -> String {
    format!("notion:{id}")
}

/// Whether an event with this id was handled before (Notion retries deliveries).
async fn seen(state: &AppState, id: &str) -> Result<bool, AppError> {
    let events = Typed::<Seen>::new(state.store.clone(), &SEEN_EVENTS);
    Ok(events.get(&seen_key(id)).await?.is_some())
}

async fn remember(state: &AppState, id: &str) -> Result<(), AppError> {
    let seen = Seen {
        expires_at: super::now_ms() + SEEN_FOR_MS,
    };
    match Typed::new(state.store.clone(), &SEEN_EVENTS)
        .insert(&seen_key(id), &seen)
        .await
    {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// Page events re-read the page; database events re-read the database (and its rows); data
/// source events, which can touch many rows, run an incremental sync. Comments change no link.
async fn enqueue(state: &AppState, connection: &Connection, event: &Event) -> anyhow::Result<()> {
    let Some(entity) = &event.entity else {
        return Ok(());
    };
    let refresh = |pages: Vec<String>, databases: Vec<String>| WebhookRefresh {
        connection: connection.id.clone(),
        pages,
        databases,
    };
    match entity.kind.as_str() {
        "page" => {
            state
                .jobs
                .push(&refresh(vec![entity.id.clone()], vec![]))
                .await?
        }
        "database" => {
            state
                .jobs
                .push(&refresh(vec![], vec![entity.id.clone()]))
                .await?
        }
        "data_source" => {
            let sync = SyncWorkspace {
                connection: connection.id.clone(),
            };
            state.jobs.push(&sync).await?
        }
        _ => {
            tracing::debug!(kind = event.kind, "webhook event ignored");
            return Ok(());
        }
    };
    Ok(())
}

/// The kept verification token, for the admin to paste into Notion.
#[utoipa::path(
    responses((status = 200, body = VerificationToken), (status = 404, description = "None received yet"))
)]
#[get("/webhooks/notion/verification-token")]
async fn verification_token(
    state: web::Data<AppState>,
) -> Result<web::Json<VerificationToken>, AppError> {
    let token = kept_token(&state)
        .await?
        .ok_or_else(|| AppError::not_found("no verification token has been received"))?;
    Ok(web::Json(VerificationToken {
        verification_token: token.expose_secret().to_owned(),
    }))
}

/// Forgets the kept token, so that a new subscription's handshake is accepted.
#[utoipa::path(responses((status = 204, description = "Cleared")))]
#[delete("/webhooks/notion/verification-token")]
async fn clear_verification_token(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    subscriptions(&state).delete(SUBSCRIPTION).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_of_the_body_and_nothing_else() {
        // RFC 4231 test case 2.
        let key = SecretString::from("Jefe".to_owned());
        let body = b"what do ya want for nothing?";
        let good = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert!(signature_matches(&key, good, body));
        assert!(!signature_matches(
            &key,
            good,
            b"what do ya want for nothing!"
        ));
        assert!(!signature_matches(&key, &good.replace("sha256=", ""), body));
        assert!(!signature_matches(&key, "sha256=zz", body));
    }
}
