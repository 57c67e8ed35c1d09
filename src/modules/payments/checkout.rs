//! Buying a plan: a Stripe Checkout Session in subscription mode, and the Customer Portal
//! where a subscriber changes plan, card or cancels. Each user gets one Stripe customer,
//! made on first need and kept. Returning from Checkout grants nothing (security.md 16):
//! only a verified webhook, or the reconciliation, writes a subscription.

use super::entitlements::PlanSource;
use super::model::BillingAccount;
use super::service::{entitlements, unknown_plan};
use super::store::accounts;
use super::stripe::{CheckoutRequest, Stripe, StripeError};
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::StoreError;

impl From<StripeError> for AppError {
    fn from(error: StripeError) -> Self {
        AppError::new(Code::StripeUnavailable, error.to_string())
    }
}

fn stripe(state: &AppState) -> Result<Stripe, AppError> {
    Stripe::from_settings(&state.settings.billing).ok_or_else(|| {
        AppError::new(
            Code::BillingDisabled,
            "billing is off on this instance (no Stripe key is configured): an admin sets plans with `notion-graph admin set-plan`",
        )
    })
}

/// The key Stripe deduplicates a create by: the caller's `Idempotency-Key` (scoped to the
/// user and the action, so that two users' keys never meet), else a fresh one.
pub fn idempotency_key(user: &str, action: &str, given: Option<&str>) -> String {
    match given {
        Some(key) => format!("{action}-{user}-{key}"),
        None => format!("{action}-{user}-{}", uuid::Uuid::new_v4().simple()),
    }
}

/// The user's Stripe customer, made once: the create is keyed by the user, and the id is
/// stored only where none is yet.
async fn customer(state: &AppState, stripe: &Stripe, user: &AuthUser) -> Result<String, AppError> {
    let stored = accounts(&state.store).get(user.id()).await?;
    if let Some(customer) = stored.as_ref().and_then(|r| r.value.customer.clone()) {
        return Ok(customer);
    }
    let created = stripe.create_customer(user.id(), &user.user.email).await?;
    let updated = accounts(&state.store)
        .update(user.id(), |a| {
            a.customer
                .is_none()
                .then(|| a.customer = Some(created.clone()))
        })
        .await?;
    let account = match updated {
        Some(record) => record.value,
        None => {
            let fresh = BillingAccount {
                user: user.id().to_owned(),
                customer: Some(created.clone()),
                manual_plan: None,
                updated_at: now_ms(),
            };
            match accounts(&state.store).insert(user.id(), &fresh).await {
                Ok(record) => record.value,
                Err(StoreError::Conflict(_)) => {
                    let kept = accounts(&state.store).get(user.id()).await?;
                    kept.map(|r| r.value).unwrap_or(fresh)
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    Ok(account.customer.unwrap_or(created))
}

/// A Checkout Session's URL for `plan`.
pub async fn checkout(
    state: &AppState,
    user: &AuthUser,
    plan: &str,
    given_key: Option<&str>,
) -> Result<String, AppError> {
    let stripe = stripe(state)?;
    let price = state
        .settings
        .billing
        .plan(plan)
        .and_then(|p| p.price_id.clone())
        .ok_or_else(|| unknown_plan(state, plan))?;
    let current = entitlements(state, user.id()).await?;
    if current.source == PlanSource::Subscription {
        return Err(AppError::new(
            Code::Conflict,
            format!(
                "you subscribe to the {} plan already: change plans in the billing portal (POST /api/v1/billing/portal)",
                current.plan.name
            ),
        ));
    }
    let customer = customer(state, &stripe, user).await?;
    let base = state.settings.public_url();
    let success_url = format!("{base}/billing/success?session_id={{CHECKOUT_SESSION_ID}}");
    let cancel_url = format!("{base}/billing?checkout=canceled");
    let request = CheckoutRequest {
        user: user.id(),
        customer: &customer,
        price: &price,
        success_url: &success_url,
        cancel_url: &cancel_url,
    };
    let key = idempotency_key(user.id(), &format!("checkout-{plan}"), given_key);
    Ok(stripe.checkout_session(&request, &key).await?)
}

/// A Customer Portal session's URL.
pub async fn portal(
    state: &AppState,
    user: &AuthUser,
    given_key: Option<&str>,
) -> Result<String, AppError> {
    let stripe = stripe(state)?;
    let customer = customer(state, &stripe, user).await?;
    let return_url = format!("{}/billing", state.settings.public_url());
    let key = idempotency_key(user.id(), "portal", given_key);
    Ok(stripe.portal_session(&customer, &return_url, &key).await?)
}
