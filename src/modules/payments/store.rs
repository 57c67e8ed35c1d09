//! Persistence of billing, through the document store.

use super::model::{BillingAccount, Invoice, StoredEvent, Subscription};
use crate::storage::{Collection, Filter, Index, Order, Query, Store, StoreResult, Typed};

pub static ACCOUNTS: Collection = Collection {
    name: "billing_accounts",
    indexes: &[Index::on(&["customer"])],
    ttl_field: None,
    archived: false,
};

pub static SUBSCRIPTIONS: Collection = Collection {
    name: "billing_subscriptions",
    indexes: &[
        Index::on(&["user"]),
        Index::on(&["customer"]),
        Index::on(&["status"]),
    ],
    ttl_field: None,
    archived: false,
};

pub static INVOICES: Collection = Collection {
    name: "billing_invoices",
    indexes: &[Index::on(&["user", "created_at"]), Index::on(&["customer"])],
    ttl_field: None,
    archived: false,
};

/// Verified events, kept 30 days: Stripe retries a delivery for up to three.
pub static EVENTS: Collection = Collection {
    name: "billing_stripe_events",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// One document per day whose reconciliation was enqueued, so that it runs once a day.
pub static RECONCILIATIONS: Collection = Collection {
    name: "billing_reconciliations",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// A bound on one account's subscriptions and invoices read at once.
const PER_USER: usize = 100;

pub fn accounts(store: &Store) -> Typed<BillingAccount> {
    Typed::new(store.clone(), &ACCOUNTS)
}

pub fn subscriptions(store: &Store) -> Typed<Subscription> {
    Typed::new(store.clone(), &SUBSCRIPTIONS)
}

pub fn invoices(store: &Store) -> Typed<Invoice> {
    Typed::new(store.clone(), &INVOICES)
}

pub fn events(store: &Store) -> Typed<StoredEvent> {
    Typed::new(store.clone(), &EVENTS)
}

/// The account whose Stripe customer is `customer`.
pub async fn account_of_customer(
    store: &Store,
    customer: &str,
) -> StoreResult<Option<BillingAccount>> {
    let query = Query::new(Filter::all().eq("customer", customer)).limit(1);
    let (page, _) = accounts(store).find(&query).await?;
    Ok(page.into_iter().next().map(|r| r.value))
}

pub async fn subscriptions_of(
    store: &Store,
    user: &str,
) -> StoreResult<Vec<(String, Subscription)>> {
    let query = Query::new(Filter::all().eq("user", user)).limit(PER_USER);
    let (page, _) = subscriptions(store).find(&query).await?;
    Ok(page.into_iter().map(|r| (r.id, r.value)).collect())
}

/// The user's newest invoices first.
pub async fn invoices_of(
    store: &Store,
    user: &str,
    limit: usize,
) -> StoreResult<Vec<(String, Invoice)>> {
    let query = Query::new(Filter::all().eq("user", user))
        .sort("created_at", Order::Desc)
        .limit(limit.min(PER_USER));
    let (page, _) = invoices(store).find(&query).await?;
    Ok(page.into_iter().map(|r| (r.id, r.value)).collect())
}
