//! `POST /api/webhooks/stripe`: Stripe's webhook. The signature is checked first, against
//! every configured secret (security.md 14), even while billing is otherwise off, so that a
//! secret can be set up before the key; a bad or stale one is a 400 that stores nothing. A
//! verified event is stored by its id and handed to a [`StripeEvent`] job; a redelivery of a
//! processed event only answers 200, one not yet processed is queued again (the job is
//! idempotent). While billing is off an event is only stored: the first reconciliation once
//! the key is set processes what waited ([`super::jobs::Reconcile`]).

use actix_web::{HttpRequest, HttpResponse, post, web};
use secrecy::ExposeSecret;
use serde::Deserialize;
use utoipa::OpenApi;

use super::jobs::StripeEvent;
use super::model::StoredEvent;
use super::signature;
use super::store::events;
use crate::error::{AppError, Code};
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::StoreError;

/// How long an event id is remembered: Stripe retries a delivery for up to three days.
const KEPT_MS: i64 = 30 * 86_400_000;

/// The events that change what billing stores; others are acknowledged and dropped.
pub const HANDLED: [&str; 8] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.trial_will_end",
    "customer.deleted",
    "invoice.paid",
    "invoice.payment_failed",
];
/// localstripe's name for `invoice.paid`.
const ALSO_HANDLED: [&str; 1] = ["invoice.payment_succeeded"];

#[derive(OpenApi)]
#[openapi(paths(stripe))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(stripe);
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: serde_json::Value,
}

/// Receives a Stripe event.
#[utoipa::path(
    request_body(content = String, content_type = "application/json", description = "A Stripe event, signed in `Stripe-Signature`"),
    responses(
        (status = 200, description = "Verified and stored (or already known)"),
        (status = 400, description = "`invalid_signature`: missing, wrong or stale; nothing stored. `invalid_event`: signed but not an event")))]
#[post("/stripe")]
async fn stripe(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    verify(&state, &request, &body).inspect_err(|_| {
        state.metrics.observe_webhook_rejection("stripe");
    })?;
    let event: Envelope = serde_json::from_slice(&body)
        .map_err(|e| AppError::new(Code::InvalidEvent, format!("not a Stripe event: {e}")))?;
    let queued = receive(&state, event).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "received": true, "queued": queued })))
}

fn verify(state: &AppState, request: &HttpRequest, body: &[u8]) -> Result<(), AppError> {
    let header = request
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let configured = state.settings.billing.stripe_webhook_secrets.as_ref();
    let text = configured
        .map(|s| s.expose_secret().to_owned())
        .unwrap_or_default();
    let secrets: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() {
        return Err(AppError::new(
            Code::InvalidSignature,
            "no webhook signing secret is configured (`stripe_webhook_secrets`)",
        ));
    }
    let now = chrono::Utc::now().timestamp();
    signature::verify(header, body, &secrets, now)
        .map_err(|e| AppError::new(Code::InvalidSignature, e.to_string()))
}

/// Stores the event once and queues its processing; false when it was processed already.
async fn receive(state: &AppState, event: Envelope) -> Result<bool, AppError> {
    let handled =
        HANDLED.contains(&event.kind.as_str()) || ALSO_HANDLED.contains(&event.kind.as_str());
    let object = &event.data.object;
    let customer = match object["object"].as_str() {
        Some("customer") => object["id"].as_str(),
        _ => object["customer"]
            .as_str()
            .or(object["customer"]["id"].as_str()),
    };
    let now = now_ms();
    let stored = StoredEvent {
        kind: event.kind.clone(),
        customer: customer.filter(|_| handled).map(str::to_owned),
        client_reference: object["client_reference_id"].as_str().map(str::to_owned),
        received_at: now,
        processed_at: None,
        expires_at: now + KEPT_MS,
    };
    match events(&state.store).insert(&event.id, &stored).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            let known = events(&state.store).get(&event.id).await?;
            if known.is_some_and(|k| k.value.processed_at.is_some()) {
                return Ok(false);
            }
        }
        Err(other) => return Err(other.into()),
    }
    if state.settings.billing.enabled() {
        state.jobs.push(&StripeEvent { event: event.id }).await?;
    }
    Ok(true)
}
