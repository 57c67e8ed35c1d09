//! What billing stores: an account's billing record (its Stripe customer, a manual plan),
//! subscriptions and invoices as Stripe last showed them, and the webhook events received.
//! Stripe ids are not secrets (security.md 7); nothing here is a card or a key.

use serde::{Deserialize, Serialize};

use super::entitlements::{Standing, SubscriptionStatus};

/// One per user (its id is the user's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAccount {
    pub user: String,
    /// The Stripe customer made for the user, once.
    pub customer: Option<String>,
    /// A plan an admin gave by hand; it outranks subscriptions.
    pub manual_plan: Option<String>,
    pub updated_at: i64,
}

/// A Stripe subscription as last fetched from Stripe (its id is Stripe's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub user: String,
    pub customer: String,
    /// The configured plan whose price it pays; `None` for a price no plan names.
    pub plan: Option<String>,
    pub price: Option<String>,
    pub status: SubscriptionStatus,
    /// What it brings in a month, in the smallest currency unit (yearly prices divided by 12).
    pub monthly_amount: i64,
    pub currency: String,
    /// Epoch milliseconds, from Stripe.
    pub created_at: i64,
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<i64>,
    /// When we first saw it `past_due` in this stretch; the grace runs from here.
    pub past_due_since: Option<i64>,
    pub grace_end: Option<i64>,
}

impl Subscription {
    pub fn standing(&self) -> Option<Standing<'_>> {
        Some(Standing {
            plan: self.plan.as_deref()?,
            status: self.status,
            grace_end: self.grace_end,
        })
    }
}

/// A Stripe invoice as last fetched (its id is Stripe's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub user: String,
    pub customer: String,
    pub number: Option<String>,
    pub status: String,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    pub hosted_invoice_url: Option<String>,
    pub created_at: i64,
    /// When it was paid (Stripe's `status_transitions.paid_at`), for revenue by month.
    pub paid_at: Option<i64>,
}

/// A verified webhook event (its id is Stripe's), kept so that a redelivery is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub kind: String,
    /// The customer it concerns, when the event names one.
    pub customer: Option<String>,
    /// `client_reference_id` of a completed Checkout Session: our user id.
    pub client_reference: Option<String>,
    pub received_at: i64,
    pub processed_at: Option<i64>,
    pub expires_at: i64,
}
