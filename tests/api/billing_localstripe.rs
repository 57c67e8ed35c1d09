//! Billing against localstripe (started by `scripts/test`): a customer, a card, a subscription
//! through a plan, its invoice, cancellation, and localstripe's own signed webhook deliveries
//! (`customer.subscription.created|deleted`, `invoice.payment_succeeded`) into the running app.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::accounts::sign_up;
use crate::billing_stripe::{SECRET_NEW, billing_app};
use crate::helpers::{Mode, eventually, json, service, unique};

const KEY: &str = "sk_test_localstripe";

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    form: &[(&str, &str)],
) -> Value {
    let response = client
        .request(method, url)
        .bearer_auth(KEY)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "localstripe answered {status}: {body}");
    body
}

#[tokio::test]
async fn a_localstripe_subscription_and_its_signed_webhooks_set_and_end_the_plan() {
    let Some(localstripe) = service("TEST_STRIPE_URL") else {
        return;
    };
    let plan_id = unique("plan_pro");
    let price = plan_id.clone();
    let Some(app) = billing_app(Mode::Embedded, &localstripe, move |s| {
        s.billing.stripe_secret_key = Some(secrecy::SecretString::from(KEY));
        s.billing.plans[1].price_id = Some(price);
    })
    .await
    else {
        return;
    };
    let http = reqwest::Client::new();
    let post = reqwest::Method::POST;
    // localstripe delivers every event to every registered webhook, signed with its secret.
    let hook = format!("{localstripe}/_config/webhooks/{}", unique("hook"));
    let url = app.url("/api/webhooks/stripe");
    call(
        &http,
        post.clone(),
        hook,
        &[("url", &url), ("secret", SECRET_NEW)],
    )
    .await;
    call(
        &http,
        post.clone(),
        format!("{localstripe}/v1/plans"),
        &[
            ("id", &plan_id),
            ("amount", "1200"),
            ("currency", "usd"),
            ("interval", "month"),
            ("product[name]", "Pro"),
        ],
    )
    .await;

    let user = sign_up(&app, "localstripe").await;
    let card = call(
        &http,
        post.clone(),
        format!("{localstripe}/v1/payment_methods"),
        &[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2031"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let card = card["id"].as_str().unwrap();
    let customer = call(
        &http,
        post.clone(),
        format!("{localstripe}/v1/customers"),
        &[
            ("email", &user.email),
            ("metadata[user_id]", &user.id),
            ("payment_method", card),
            ("invoice_settings[default_payment_method]", card),
        ],
    )
    .await;
    let customer = customer["id"].as_str().unwrap().to_owned();
    let subscription = call(
        &http,
        post.clone(),
        format!("{localstripe}/v1/subscriptions"),
        &[("customer", &customer), ("items[0][plan]", &plan_id)],
    )
    .await;
    assert_eq!(subscription["status"], "active", "{subscription}");
    let subscription = subscription["id"].as_str().unwrap().to_owned();

    let billing = eventually(
        Duration::from_secs(60),
        "the plan from localstripe's webhook",
        || async {
            let view = json(user.get(&app, "/api/v1/billing").await).await;
            (view["plan"] == "pro" && !view["invoices"].as_array().unwrap().is_empty())
                .then_some(view)
        },
    )
    .await;
    assert_eq!(billing["status"], "active");
    assert_eq!(billing["invoices"][0]["amount_paid"], 1200, "{billing}");
    assert!(billing["current_period_end"].is_string());

    let canceled = call(
        &http,
        reqwest::Method::DELETE,
        format!("{localstripe}/v1/subscriptions/{subscription}"),
        &[],
    )
    .await;
    assert_eq!(canceled["status"], "canceled");
    let billing = eventually(
        Duration::from_secs(60),
        "the cancellation's webhook",
        || async {
            let view = json(user.get(&app, "/api/v1/billing").await).await;
            (view["plan"] == "free").then_some(view)
        },
    )
    .await;
    assert_eq!(billing["status"], "canceled");
    let report = app.admin_get("/api/admin/billing/report").await;
    assert_eq!(report.status(), StatusCode::OK);
    let report = json(report).await;
    assert_eq!(report["canceled"], 1, "{report}");
    let revenue: i64 = report["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["revenue"]["usd"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(revenue, 1200, "the paid invoice counts as revenue");
}
