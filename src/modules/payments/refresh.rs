//! Brings what we store of a customer in line with Stripe: its subscriptions and invoices are
//! re-fetched and written where they changed. Webhook events and the nightly reconciliation
//! both end here, so the stored state is Stripe's state whatever order events came in, and
//! running it twice writes nothing the second time (security.md 15 and 19).

use anyhow::Context;

use super::model::{BillingAccount, Subscription};
use super::objects::{self, with_grace};
use super::store::{self, accounts, invoices, subscriptions};
use super::stripe::Stripe;
use crate::modules::analytics;
use crate::modules::auth::users;
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::{StoreError, Typed};

/// The account `customer` belongs to: known already, else named by the customer's metadata
/// (we create customers with `metadata[user_id]`) or by a Checkout Session's
/// `client_reference_id`, when that user exists here. The link is stored.
pub async fn user_of(
    state: &AppState,
    stripe: &Stripe,
    customer: &str,
    reference: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if let Some(account) = store::account_of_customer(&state.store, customer).await? {
        return Ok(Some(account.user));
    }
    let named = match stripe.customer(customer).await? {
        Some(found) => found["metadata"]["user_id"].as_str().map(str::to_owned),
        None => None,
    };
    let Some(user) = named.or(reference.map(str::to_owned)) else {
        return Ok(None);
    };
    if users::get(&state.store, &user).await?.is_none() {
        return Ok(None);
    }
    link(state, &user, customer).await?;
    Ok(Some(user))
}

/// Records `customer` as the user's, unless the user has one already.
async fn link(state: &AppState, user: &str, customer: &str) -> anyhow::Result<()> {
    let updated = accounts(&state.store)
        .update(user, |a| {
            a.customer
                .is_none()
                .then(|| a.customer = Some(customer.to_owned()))
        })
        .await?;
    if updated.is_none() {
        let account = BillingAccount {
            user: user.to_owned(),
            customer: Some(customer.to_owned()),
            manual_plan: None,
            updated_at: now_ms(),
        };
        match accounts(&state.store).insert(user, &account).await {
            Err(StoreError::Conflict(_)) => return Box::pin(link(state, user, customer)).await,
            other => drop(other?),
        }
    }
    Ok(())
}

/// Re-fetches the customer's subscriptions and invoices; returns how many records changed.
/// A customer Stripe no longer has ends its subscriptions (the account's data stays).
pub async fn refresh_customer(
    state: &AppState,
    stripe: &Stripe,
    user: &str,
    customer: &str,
) -> anyhow::Result<usize> {
    if stripe.customer(customer).await?.is_none() {
        return end_subscriptions_of(state, customer).await;
    }
    // Invoices first: once the plan shows, the invoice that paid for it is there too.
    let mut changed = 0;
    for value in stripe
        .invoices(customer)
        .await
        .context("listing invoices")?
    {
        if let Some((id, invoice)) = objects::invoice(&value, user) {
            changed += usize::from(save_if_changed(&invoices(&state.store), &id, invoice).await?);
        }
    }
    let settings = &state.settings.billing;
    for value in stripe
        .subscriptions(customer)
        .await
        .context("listing subscriptions")?
    {
        if let Some((id, fresh)) = objects::subscription(&value, user, settings) {
            changed += usize::from(save_subscription(state, &id, fresh).await?);
        }
    }
    Ok(changed)
}

/// Writes Stripe's view of a subscription, keeping our grace bookkeeping.
async fn save_subscription(
    state: &AppState,
    id: &str,
    fresh: Subscription,
) -> anyhow::Result<bool> {
    let grace = state.settings.billing.billing_grace_days;
    let stored = subscriptions(&state.store).get(id).await?.map(|r| r.value);
    let value = with_grace(fresh, stored.as_ref(), grace, now_ms());
    let event = transition(stored.as_ref(), &value);
    let wrote = save_if_changed(&subscriptions(&state.store), id, value.clone()).await?;
    if let Some(event) = event.filter(|_| wrote) {
        analytics::track(state, &value.user, event);
    }
    Ok(wrote)
}

/// The analytics event of a subscription going from `before` to `after`, if it is one: it
/// starts paying, changes plan while paying, or stops.
fn transition(before: Option<&Subscription>, after: &Subscription) -> Option<analytics::Event> {
    use super::entitlements::grants_plan;
    let paying = |s: &Subscription| grants_plan(s.status, s.grace_end, now_ms());
    let plan = after.plan.clone().unwrap_or_else(|| "unknown".into());
    match (before.filter(|b| paying(b)), paying(after)) {
        (None, true) => Some(analytics::Event::SubscriptionStarted { plan }),
        (Some(b), true) if b.plan != after.plan => {
            Some(analytics::Event::SubscriptionChanged { plan })
        }
        (Some(_), false) => Some(analytics::Event::SubscriptionCanceled { plan }),
        _ => None,
    }
}

/// Inserts or replaces `value` unless it is stored as it is already; true when it wrote.
/// Concurrent writers of the same value write once.
async fn save_if_changed<T>(typed: &Typed<T>, id: &str, value: T) -> anyhow::Result<bool>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + Clone,
{
    loop {
        let mut wrote = false;
        let updated = typed
            .update(id, |stored| {
                wrote = *stored != value;
                wrote.then(|| *stored = value.clone())
            })
            .await?;
        if updated.is_some() {
            return Ok(wrote);
        }
        match typed.insert(id, &value).await {
            Ok(_) => return Ok(true),
            Err(StoreError::Conflict(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
}

/// Marks every subscription of a deleted customer canceled.
async fn end_subscriptions_of(state: &AppState, customer: &str) -> anyhow::Result<usize> {
    let query = crate::storage::Query::new(crate::storage::Filter::all().eq("customer", customer))
        .limit(100);
    let (found, _) = subscriptions(&state.store).find(&query).await?;
    let mut changed = 0;
    for record in found {
        let mut ended = record.value.clone();
        ended.status = super::SubscriptionStatus::Canceled;
        ended.canceled_at = ended.canceled_at.or(Some(now_ms()));
        (ended.past_due_since, ended.grace_end) = (None, None);
        changed +=
            usize::from(save_if_changed(&subscriptions(&state.store), &record.id, ended).await?);
    }
    Ok(changed)
}
