//! Billing's jobs. [`StripeEvent`] processes one stored webhook event: it re-fetches the
//! customer's subscriptions from Stripe instead of trusting the event's content or order
//! (security.md 15). [`Reconcile`] runs nightly (enqueued by housekeeping once a day) and does
//! the same for every customer with a subscription that grants a plan, catching webhooks that
//! never came, and queues the events still waiting (received while billing was off). Both
//! are idempotent: a second run finds nothing to change.

use serde::{Deserialize, Serialize};

use super::SubscriptionStatus;
use super::refresh::{refresh_customer, user_of};
use super::store::{RECONCILIATIONS, events, subscriptions};
use super::stripe::Stripe;
use crate::jobs::Job;
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::{Document, Filter, Query, StoreError};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StripeEvent {
    /// The event's id (`evt_...`), under which it is stored.
    pub event: String,
}

impl Job for StripeEvent {
    const QUEUE: &'static str = "stripe_event";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        let Some(record) = events(&state.store).get(&self.event).await? else {
            return Ok(()); // expired long ago: nothing to do
        };
        let event = record.value;
        let Some(stripe) = Stripe::from_settings(&state.settings.billing) else {
            return Ok(()); // billing is off: it waits for the reconciliation once it is on
        };
        if let Some(customer) = event.customer.as_deref() {
            let reference = event.client_reference.as_deref();
            match user_of(state, &stripe, customer, reference).await? {
                Some(user) => {
                    let changed = refresh_customer(state, &stripe, &user, customer).await?;
                    tracing::info!(event = %self.event, kind = %event.kind, changed, "stripe event processed");
                }
                None => {
                    tracing::info!(event = %self.event, "stripe event for a customer of no account here")
                }
            }
        }
        events(&state.store)
            .update(&self.event, |e| {
                e.processed_at
                    .is_none()
                    .then(|| e.processed_at = Some(now_ms()))
            })
            .await?;
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reconcile {
    /// The UTC day it is for (`2026-12-02`).
    pub day: String,
}

impl Job for Reconcile {
    const QUEUE: &'static str = "billing_reconcile";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        let Some(stripe) = Stripe::from_settings(&state.settings.billing) else {
            return Ok(());
        };
        let mut customers = std::collections::BTreeMap::new();
        for status in [
            SubscriptionStatus::Active,
            SubscriptionStatus::Trialing,
            SubscriptionStatus::PastDue,
        ] {
            let query = Query::new(Filter::all().eq("status", status.name())).limit(500);
            subscriptions(&state.store)
                .for_each(&query, |r| {
                    customers.insert(r.value.customer, r.value.user);
                })
                .await?;
        }
        let mut changed = 0;
        for (customer, user) in &customers {
            changed += refresh_customer(state, &stripe, user, customer).await?;
        }
        let waiting = queue_waiting_events(state).await?;
        tracing::info!(day = %self.day, customers = customers.len(), changed, waiting, "billing reconciled");
        Ok(())
    }
}

/// Queues every stored event not processed yet (kept 30 days, so a bounded scan); how many.
async fn queue_waiting_events(state: &AppState) -> anyhow::Result<usize> {
    let mut waiting = Vec::new();
    let query = Query::new(Filter::all()).limit(500);
    events(&state.store)
        .for_each(&query, |r| {
            if r.value.processed_at.is_none() {
                waiting.push(r.id);
            }
        })
        .await?;
    for event in &waiting {
        state
            .jobs
            .push(&StripeEvent {
                event: event.clone(),
            })
            .await?;
    }
    Ok(waiting.len())
}

/// At each housekeeping tick: the day's reconciliation, once (the first tick of a UTC day
/// that finds no mark for it enqueues it; the mark is an insert, so one instance wins).
pub async fn enqueue_reconciliation(state: &AppState) -> anyhow::Result<()> {
    if !state.settings.billing.enabled() {
        return Ok(());
    }
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let mut body = serde_json::Map::new();
    body.insert("expires_at".into(), (now_ms() + 3 * 86_400_000).into());
    match state
        .store
        .insert(&RECONCILIATIONS, Document::new(day.clone(), body))
        .await
    {
        Ok(_) => {
            state.jobs.push(&Reconcile { day }).await?;
            Ok(())
        }
        Err(StoreError::Conflict(_)) => Ok(()),
        Err(other) => Err(other.into()),
    }
}
