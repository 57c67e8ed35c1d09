//! Stripe's subscription and invoice objects read into ours, leniently: the price is
//! `items.data[0].price` (or the older `plan`), the period end is on the subscription or (in
//! newer API versions) on its item, and times are Unix seconds. Pure, so that both dialects
//! are tested without a server.

use serde_json::Value;

use super::entitlements::SubscriptionStatus;
use super::model::{Invoice, Subscription};
use crate::config::BillingSettings;

fn seconds_to_ms(value: &Value) -> Option<i64> {
    value.as_i64().map(|s| s * 1000)
}

fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Object(object) => object.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// The subscription's id and our record of it, or `None` for something that is not one.
/// `user` is the account its customer belongs to; `settings` map its price to a plan.
pub fn subscription(
    value: &Value,
    user: &str,
    settings: &BillingSettings,
) -> Option<(String, Subscription)> {
    let id = value["id"].as_str()?.to_owned();
    let status: SubscriptionStatus = serde_json::from_value(value["status"].clone()).ok()?;
    let item = &value["items"]["data"][0];
    let price = [&item["price"], &item["plan"], &value["plan"]]
        .into_iter()
        .find(|p| p.is_object())
        .unwrap_or(&Value::Null);
    let price_id = price["id"].as_str().map(str::to_owned);
    let plan = settings
        .plans
        .iter()
        .find(|p| p.price_id.is_some() && p.price_id == price_id)
        .map(|p| p.name.clone());
    let quantity = item["quantity"]
        .as_i64()
        .or(value["quantity"].as_i64())
        .unwrap_or(1);
    let amount = price["unit_amount"]
        .as_i64()
        .or(price["amount"].as_i64())
        .unwrap_or(0);
    let recurring = if price["recurring"].is_object() {
        &price["recurring"]
    } else {
        price
    };
    let interval = recurring["interval"].as_str().unwrap_or("month");
    let count = recurring["interval_count"].as_i64().unwrap_or(1).max(1);
    let period_end = seconds_to_ms(&value["current_period_end"])
        .or_else(|| seconds_to_ms(&item["current_period_end"]));
    Some((
        id,
        Subscription {
            user: user.to_owned(),
            customer: id_of(&value["customer"])?,
            plan,
            price: price_id,
            status,
            monthly_amount: monthly(amount * quantity, interval, count),
            currency: price["currency"].as_str().unwrap_or("usd").to_owned(),
            created_at: seconds_to_ms(&value["created"])
                .or_else(|| seconds_to_ms(&value["start_date"]))
                .unwrap_or(0),
            current_period_end: period_end,
            cancel_at_period_end: value["cancel_at_period_end"] == true,
            canceled_at: seconds_to_ms(&value["canceled_at"])
                .or_else(|| seconds_to_ms(&value["ended_at"])),
            past_due_since: None,
            grace_end: None,
        },
    ))
}

/// An amount per `count` `interval`s as an amount per month (rounded down).
fn monthly(amount: i64, interval: &str, count: i64) -> i64 {
    match interval {
        "year" => amount / (12 * count),
        "week" => amount * 52 / (12 * count),
        "day" => amount * 365 / (12 * count),
        _ => amount / count,
    }
}

/// Carries the grace of a failed payment over from what was stored: it starts the first time
/// the subscription is seen `past_due` and lasts `billing_grace_days`; any other status
/// ends it.
pub fn with_grace(
    mut fresh: Subscription,
    stored: Option<&Subscription>,
    grace_days: u32,
    now: i64,
) -> Subscription {
    if fresh.status == SubscriptionStatus::PastDue {
        let since = stored
            .filter(|s| s.status == SubscriptionStatus::PastDue)
            .and_then(|s| s.past_due_since)
            .unwrap_or(now);
        fresh.past_due_since = Some(since);
        fresh.grace_end = Some(since + i64::from(grace_days) * 86_400_000);
    }
    fresh
}

/// The invoice's id and our record of it.
pub fn invoice(value: &Value, user: &str) -> Option<(String, Invoice)> {
    let id = value["id"].as_str()?.to_owned();
    let created = seconds_to_ms(&value["created"]).or_else(|| seconds_to_ms(&value["date"]));
    Some((
        id,
        Invoice {
            user: user.to_owned(),
            customer: id_of(&value["customer"])?,
            number: value["number"].as_str().map(str::to_owned),
            status: value["status"].as_str().unwrap_or("unknown").to_owned(),
            amount_due: value["amount_due"].as_i64().unwrap_or(0),
            amount_paid: value["amount_paid"].as_i64().unwrap_or(0),
            currency: value["currency"].as_str().unwrap_or("usd").to_owned(),
            hosted_invoice_url: value["hosted_invoice_url"].as_str().map(str::to_owned),
            created_at: created.unwrap_or(0),
            paid_at: seconds_to_ms(&value["status_transitions"]["paid_at"])
                .or_else(|| (value["status"] == "paid").then_some(created).flatten()),
        },
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn settings() -> BillingSettings {
        let mut settings = BillingSettings::default();
        settings.plans[1].price_id = Some("price_pro".into());
        settings.plans[2].price_id = Some("plan_team".into());
        settings
    }

    #[test]
    fn a_subscription_with_a_price_reads_its_plan_amount_and_period() {
        let stripe = json!({
            "id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active",
            "created": 1_700_000_000, "cancel_at_period_end": true, "canceled_at": null,
            "items": {"data": [{"quantity": 2, "current_period_end": 1_702_592_000,
                "price": {"id": "price_pro", "unit_amount": 1200, "currency": "eur",
                    "recurring": {"interval": "month", "interval_count": 1}}}]}
        });
        let (id, sub) = subscription(&stripe, "u1", &settings()).unwrap();
        assert_eq!((id.as_str(), sub.plan.as_deref()), ("sub_1", Some("pro")));
        assert_eq!((sub.monthly_amount, sub.currency.as_str()), (2400, "eur"));
        assert_eq!(sub.current_period_end, Some(1_702_592_000_000));
        assert_eq!(sub.created_at, 1_700_000_000_000);
        assert!(sub.cancel_at_period_end);
    }

    #[test]
    fn localstripes_plan_dialect_and_yearly_prices_read_the_same() {
        let local = json!({
            "id": "sub_2", "customer": {"id": "cus_2"}, "status": "past_due",
            "start_date": 1_700_000_000, "current_period_end": 1_731_536_000,
            "plan": {"id": "plan_team", "amount": 48_000, "interval": "year", "currency": "usd"},
            "items": {"data": [{"quantity": 1, "plan": {"id": "plan_team", "amount": 48_000,
                "interval": "year", "currency": "usd"}}]}
        });
        let (_, sub) = subscription(&local, "u2", &settings()).unwrap();
        assert_eq!(sub.plan.as_deref(), Some("team"));
        assert_eq!(sub.monthly_amount, 4000);
        assert_eq!(sub.customer, "cus_2");
        assert_eq!(sub.status, SubscriptionStatus::PastDue);
        let unpriced = json!({"id": "sub_3", "customer": "c", "status": "active",
            "items": {"data": [{"price": {"id": "price_other", "unit_amount": 5}}]}});
        assert_eq!(
            subscription(&unpriced, "u", &settings()).unwrap().1.plan,
            None
        );
        assert!(subscription(&json!({"id": "x"}), "u", &settings()).is_none());
    }

    #[test]
    fn the_grace_starts_when_first_seen_past_due_and_ends_with_it() {
        let stripe = json!({"id": "s", "customer": "c", "status": "past_due"});
        let (_, fresh) = subscription(&stripe, "u", &settings()).unwrap();
        let day = 86_400_000;
        let first = with_grace(fresh.clone(), None, 7, 10 * day);
        assert_eq!(
            (first.past_due_since, first.grace_end),
            (Some(10 * day), Some(17 * day))
        );
        let later = with_grace(fresh.clone(), Some(&first), 7, 12 * day);
        assert_eq!(
            later.grace_end,
            Some(17 * day),
            "a redelivery does not extend it"
        );
        let mut active = fresh;
        active.status = SubscriptionStatus::Active;
        let cured = with_grace(active, Some(&first), 7, 12 * day);
        assert_eq!((cured.past_due_since, cured.grace_end), (None, None));
    }

    #[test]
    fn an_invoice_reads_its_amounts_and_when_it_was_paid() {
        let paid = json!({"id": "in_1", "customer": "cus_1", "number": "A-1", "status": "paid",
            "amount_due": 1200, "amount_paid": 1200, "currency": "usd", "created": 1_700_000_000,
            "hosted_invoice_url": "https://invoice.example/1",
            "status_transitions": {"paid_at": 1_700_000_100}});
        let (id, invoice) = super::invoice(&paid, "u").unwrap();
        assert_eq!(
            (id.as_str(), invoice.number.as_deref()),
            ("in_1", Some("A-1"))
        );
        assert_eq!(invoice.paid_at, Some(1_700_000_100_000));
        let local = json!({"id": "in_2", "customer": "cus_1", "status": "paid", "date": 1_700_000_000,
            "amount_paid": 500, "amount_due": 500});
        assert_eq!(
            super::invoice(&local, "u").unwrap().1.paid_at,
            Some(1_700_000_000_000)
        );
    }
}
