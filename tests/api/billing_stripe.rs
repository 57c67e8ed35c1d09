//! Stripe billing against a Stripe-compatible test server (`stripe_fake`): the webhook's
//! signature (security.md 14), duplicate and out-of-order events (15), Checkout granting
//! nothing by itself (16), idempotency keys on creates (17), entitlements by status (18), a
//! deleted customer, the nightly reconciliation. Events are signed here with our own HMAC
//! code, independent of the product's verifier.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use notion_graph::jobs::Job;
use notion_graph::modules::payments::jobs::Reconcile;
use notion_graph::modules::payments::signature::TOLERANCE_SECS;
use notion_graph::modules::payments::{EVENTS, SUBSCRIPTIONS};
use notion_graph::storage::Filter;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, eventually, json, spawn_app_with};
use crate::stripe_fake::{FakeStripe, KEY};

pub const SECRET_NEW: &str = "whsec_test_new_secret";
pub const SECRET_OLD: &str = "whsec_test_old_secret";
pub const PRO_PRICE: &str = "price_pro_test";
pub const TEAM_PRICE: &str = "price_team_test";

/// An instance billing through `stripe` (any Stripe-compatible base URL), on the free plan.
pub async fn billing_app(
    mode: Mode,
    stripe: &str,
    adjust: impl FnOnce(&mut notion_graph::config::Settings),
) -> Option<TestApp> {
    let base = stripe.to_owned();
    spawn_app_with(mode, move |s| {
        let billing = &mut s.billing;
        billing.default_plan = "free".into();
        billing.stripe_secret_key = Some(SecretString::from(KEY));
        billing.stripe_api_base = base;
        billing.stripe_webhook_secrets =
            Some(SecretString::from(format!("{SECRET_NEW},{SECRET_OLD}")));
        billing.plans[1].price_id = Some(PRO_PRICE.into());
        billing.plans[2].price_id = Some(TEAM_PRICE.into());
        adjust(s);
    })
    .await
}

pub fn sign(secret: &str, t: i64, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn event(id: &str, kind: &str, object: Value) -> String {
    json!({"id": id, "object": "event", "type": kind, "created": now(), "data": {"object": object}})
        .to_string()
}

pub async fn deliver(app: &TestApp, payload: &str, signature: Option<String>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(payload.to_owned());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.unwrap()
}

/// Delivers `payload` signed with the newest secret, as Stripe would.
pub async fn signed(app: &TestApp, payload: &str) -> reqwest::Response {
    let t = now();
    deliver(
        app,
        payload,
        Some(format!("t={t},v1={}", sign(SECRET_NEW, t, payload))),
    )
    .await
}

async fn billing(app: &TestApp, user: &TestUser) -> Value {
    json(user.get(app, "/api/v1/billing").await).await
}

async fn plan_becomes(app: &TestApp, user: &TestUser, plan: &str) -> Value {
    eventually(Duration::from_secs(30), &format!("plan {plan}"), || async {
        let view = billing(app, user).await;
        (view["plan"] == plan).then_some(view)
    })
    .await
}

async fn processed(app: &TestApp, id: &str) {
    eventually(
        Duration::from_secs(30),
        &format!("event {id} processed"),
        || async {
            let record = app.state.store.get(&EVENTS, id).await.unwrap()?;
            record
                .body
                .get("processed_at")
                .filter(|v| !v.is_null())
                .map(drop)
        },
    )
    .await
}

async fn stored_events(app: &TestApp) -> u64 {
    app.state
        .store
        .count(&EVENTS, &Filter::all())
        .await
        .unwrap()
}

fn subscription_object(id: &str, customer: &str, status: &str) -> Value {
    json!({"id": id, "object": "subscription", "customer": customer, "status": status})
}

#[tokio::test]
async fn security_14_webhook_signatures_are_checked_over_t_and_payload_with_rotated_secrets() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(Mode::Embedded, &stripe.url, |_| {})
        .await
        .unwrap();
    let payload = event(
        "evt_sig_1",
        "invoice.paid",
        json!({"object": "invoice", "customer": "cus_nobody"}),
    );
    let t = now();
    // Well outside the tolerance: the deliveries take time, and a timestamp one second past
    // it would be inside once the clock ticks (the exact boundary is a unit test).
    let stale = TOLERANCE_SECS + 60;
    let refused = [
        None,
        Some(format!(
            "t={t},v1={}",
            sign("whsec_someone_else", t, &payload)
        )),
        Some(format!(
            "t={},v1={}",
            t - stale,
            sign(SECRET_NEW, t - stale, &payload)
        )),
        Some(format!(
            "t={},v1={}",
            t + stale,
            sign(SECRET_NEW, t + stale, &payload)
        )),
        Some(format!(
            "t={t},v1={}",
            sign(
                SECRET_NEW,
                t,
                &payload.replace("invoice.paid", "invoice.paid ")
            )
        )),
        Some(format!("v1={}", sign(SECRET_NEW, t, &payload))),
        Some("garbage".to_owned()),
    ];
    for signature in refused {
        let answer = deliver(&app, &payload, signature.clone()).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{signature:?}");
        assert_eq!(json(answer).await["code"], "invalid_signature");
    }
    assert_eq!(
        stored_events(&app).await,
        0,
        "a refused delivery changes nothing"
    );

    let old = format!("t={t},v1={}", sign(SECRET_OLD, t, &payload));
    assert_eq!(
        deliver(&app, &payload, Some(old)).await.status(),
        StatusCode::OK,
        "the older secret still verifies"
    );
    let second = event(
        "evt_sig_2",
        "invoice.paid",
        json!({"object": "invoice", "customer": "cus_nobody"}),
    );
    let several = format!(
        "t={t},v1={},v1={}",
        sign("whsec_retired", t, &second),
        sign(SECRET_NEW, t, &second)
    );
    assert_eq!(
        deliver(&app, &second, Some(several)).await.status(),
        StatusCode::OK,
        "any v1 may match"
    );
    assert_eq!(stored_events(&app).await, 2);
}

#[tokio::test]
async fn webhooks_are_verified_while_billing_is_off_and_processed_once_it_is_on() {
    // Two instances of one store, one after the other: billing off, then on (as when the key
    // is set and the service restarted).
    let stripe = FakeStripe::start().await;
    let Some(off) = spawn_app_with(Mode::Production, |s| {
        s.billing.stripe_webhook_secrets = Some(SecretString::from(SECRET_NEW));
    })
    .await
    else {
        return;
    };
    let user = sign_up(&off, "waiting").await;
    let customer = stripe.add_customer(&user.id);
    stripe.set_subscription("sub_w", &customer, PRO_PRICE, "active");
    let payload = event(
        "evt_off_1",
        "customer.subscription.created",
        subscription_object("sub_w", &customer, "active"),
    );
    let t = now();
    let bad = deliver(
        &off,
        &payload,
        Some(format!("t={t},v1={}", sign("nope", t, &payload))),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(signed(&off, &payload).await.status(), StatusCode::OK);
    let stored = off.state.store.get(&EVENTS, "evt_off_1").await.unwrap();
    let stored = stored.expect("a verified event is stored while billing is off");
    assert!(stored.body["processed_at"].is_null(), "{:?}", stored.body);
    let subscriptions = off.state.store.count(&SUBSCRIPTIONS, &Filter::all()).await;
    assert_eq!(subscriptions.unwrap(), 0, "nothing calls Stripe");
    let storage = off.state.settings.storage.clone();
    off.stop().await;

    let on = billing_app(Mode::Production, &stripe.url, move |s| {
        s.storage.redis_prefix = storage.redis_prefix;
        s.storage.mongodb_database = storage.mongodb_database;
    })
    .await
    .unwrap();
    let day = Reconcile {
        day: "2026-12-03".into(),
    };
    day.run(&on.state).await.unwrap();
    processed(&on, "evt_off_1").await;
    plan_becomes(&on, &user, "pro").await;
    on.stop().await;
}

#[tokio::test]
async fn security_15_the_same_event_three_times_changes_state_once_and_order_does_not_matter() {
    for mode in Mode::ALL {
        let stripe = FakeStripe::start().await;
        let Some(app) = billing_app(mode, &stripe.url, |_| {}).await else {
            return;
        };
        let user = sign_up(&app, "duplicates").await;
        let customer = stripe.add_customer(&user.id);
        stripe.set_subscription("sub_dup", &customer, PRO_PRICE, "active");
        let payload = event(
            "evt_dup",
            "customer.subscription.created",
            subscription_object("sub_dup", &customer, "active"),
        );
        let (a, b) = tokio::join!(signed(&app, &payload), signed(&app, &payload));
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
        processed(&app, "evt_dup").await;
        assert_eq!(signed(&app, &payload).await.status(), StatusCode::OK);
        plan_becomes(&app, &user, "pro").await;
        let record = app
            .state
            .store
            .get(&SUBSCRIPTIONS, "sub_dup")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.version, 1, "written once for three deliveries");
        assert_eq!(stored_events(&app).await, 1);

        // Stripe now holds it canceled; the events arrive newest first, and the older one
        // still claims `active`: the stored state is Stripe's, not the last event's.
        stripe.set_subscription("sub_dup", &customer, PRO_PRICE, "canceled");
        let deleted = event(
            "evt_del",
            "customer.subscription.deleted",
            subscription_object("sub_dup", &customer, "canceled"),
        );
        let stale = event(
            "evt_upd",
            "customer.subscription.updated",
            subscription_object("sub_dup", &customer, "active"),
        );
        assert_eq!(signed(&app, &deleted).await.status(), StatusCode::OK);
        assert_eq!(signed(&app, &stale).await.status(), StatusCode::OK);
        processed(&app, "evt_del").await;
        processed(&app, "evt_upd").await;
        let view = billing(&app, &user).await;
        assert_eq!(
            (&view["plan"], &view["status"]),
            (&json!("free"), &json!("canceled")),
            "{view}"
        );
        stripe.stop().await;
    }
}

#[tokio::test]
async fn security_16_returning_from_checkout_grants_nothing_by_itself() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(Mode::Embedded, &stripe.url, |_| {})
        .await
        .unwrap();
    let user = sign_up(&app, "checkout").await;
    let started = user
        .send(
            &app,
            Method::POST,
            "/api/v1/billing/checkout",
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    let url = json(started).await["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/checkout/cs_", stripe.url)),
        "{url}"
    );

    // The browser comes back to the success page: nothing is granted.
    let success = user
        .get(&app, "/billing/success?session_id=cs_forged")
        .await;
    assert_eq!(success.status(), StatusCode::OK);
    let view = billing(&app, &user).await;
    assert_eq!(
        (&view["plan"], &view["status"]),
        (&json!("free"), &Value::Null)
    );

    // Stripe confirms by webhook: the subscription Stripe holds decides.
    let customer = stripe.customers()[0]["id"].as_str().unwrap().to_owned();
    stripe.set_subscription("sub_paid", &customer, PRO_PRICE, "active");
    let completed = event(
        "evt_cs",
        "checkout.session.completed",
        json!({"object": "checkout.session",
        "id": "cs_1", "customer": customer, "client_reference_id": user.id, "subscription": "sub_paid"}),
    );
    assert_eq!(signed(&app, &completed).await.status(), StatusCode::OK);
    let view = plan_becomes(&app, &user, "pro").await;
    assert_eq!(
        (&view["status"], &view["source"]),
        (&json!("active"), &json!("subscription"))
    );
    let again = user
        .send(
            &app,
            Method::POST,
            "/api/v1/billing/checkout",
            &json!({"plan": "team"}),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a subscriber changes plan in the portal"
    );
}

#[tokio::test]
async fn security_17_requests_to_stripe_that_create_things_carry_an_idempotency_key() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(Mode::Embedded, &stripe.url, |_| {})
        .await
        .unwrap();
    let user = sign_up(&app, "idempotent").await;
    let checkout = |key: &'static str| {
        user.request(&app, Method::POST, "/api/v1/billing/checkout")
            .header("idempotency-key", key)
            .json(&json!({"plan": "team"}))
            .send()
    };
    let first = json(checkout("retry-1").await.unwrap()).await;
    let retried = json(checkout("retry-1").await.unwrap()).await;
    assert_eq!(
        first["url"], retried["url"],
        "a retry makes the same session"
    );
    let other = json(checkout("retry-2").await.unwrap()).await;
    assert_ne!(first["url"], other["url"]);
    let portal = user
        .send(&app, Method::POST, "/api/v1/billing/portal", &json!({}))
        .await;
    assert_eq!(portal.status(), StatusCode::OK);
    assert!(
        json(portal).await["url"]
            .as_str()
            .unwrap()
            .contains("/portal/bps_")
    );

    let requests = stripe.requests();
    let creates: Vec<_> = requests.iter().filter(|r| r.method == "POST").collect();
    assert!(creates.len() >= 4, "{requests:?}");
    assert!(
        creates
            .iter()
            .all(|r| r.idempotency_key.as_deref().is_some_and(|k| !k.is_empty()))
    );
    assert_eq!(stripe.customers().len(), 1, "one customer per user");
    let session = creates
        .iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    let field = |name: &str| {
        session
            .form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("mode"), Some("subscription"));
    assert_eq!(field("client_reference_id"), Some(user.id.as_str()));
    assert_eq!(field("line_items[0][price]"), Some(TEAM_PRICE));
    assert!(
        field("success_url")
            .unwrap()
            .starts_with(&app.state.settings.public_url())
    );

    let unknown = user
        .send(
            &app,
            Method::POST,
            "/api/v1/billing/checkout",
            &json!({"plan": "free"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(unknown).await["code"], "unknown_plan");
    stripe.fail_next(5);
    let down = user
        .send(&app, Method::POST, "/api/v1/billing/portal", &json!({}))
        .await;
    assert_eq!(
        down.status(),
        StatusCode::BAD_GATEWAY,
        "bounded retries, then a clear error"
    );
    assert_eq!(json(down).await["code"], "stripe_unavailable");
}

#[tokio::test]
async fn security_18_entitlements_follow_the_subscription_status_and_data_is_kept() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(Mode::Embedded, &stripe.url, |s| {
        s.billing.billing_grace_days = 7
    })
    .await
    .unwrap();
    let user = sign_up(&app, "statuses").await;
    let customer = stripe.add_customer(&user.id);
    let expected = [
        ("trialing", "pro"),
        ("active", "pro"),
        ("past_due", "pro"),
        ("unpaid", "free"),
        ("active", "pro"),
        ("incomplete_expired", "free"),
        ("canceled", "free"),
    ];
    for (n, (status, plan)) in expected.into_iter().enumerate() {
        stripe.set_subscription("sub_status", &customer, PRO_PRICE, status);
        let id = format!("evt_status_{n}");
        let payload = event(
            &id,
            "customer.subscription.updated",
            subscription_object("sub_status", &customer, status),
        );
        assert_eq!(signed(&app, &payload).await.status(), StatusCode::OK);
        processed(&app, &id).await;
        let view = billing(&app, &user).await;
        assert_eq!(
            (view["plan"].as_str(), view["status"].as_str()),
            (Some(plan), Some(status)),
            "{view}"
        );
        if status == "past_due" {
            assert!(view["grace_end"].is_string(), "{view}");
        }
    }
}

#[tokio::test]
async fn past_due_ends_with_the_grace_and_a_deleted_customer_downgrades() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(Mode::Embedded, &stripe.url, |s| {
        s.billing.billing_grace_days = 0
    })
    .await
    .unwrap();
    let user = sign_up(&app, "grace").await;
    let customer = stripe.add_customer(&user.id);
    stripe.set_subscription("sub_g", &customer, TEAM_PRICE, "active");
    stripe.add_invoice(&customer, 4900, now());
    let created = event(
        "evt_g1",
        "invoice.paid",
        json!({"object": "invoice", "customer": customer}),
    );
    assert_eq!(signed(&app, &created).await.status(), StatusCode::OK);
    let view = plan_becomes(&app, &user, "team").await;
    assert_eq!(view["invoices"][0]["amount_paid"], 4900, "{view}");

    stripe.set_subscription("sub_g", &customer, TEAM_PRICE, "past_due");
    let failed = event(
        "evt_g2",
        "invoice.payment_failed",
        json!({"object": "invoice", "customer": customer}),
    );
    signed(&app, &failed).await;
    processed(&app, "evt_g2").await;
    assert_eq!(
        billing(&app, &user).await["plan"],
        "free",
        "a grace of 0 days is over at once"
    );

    stripe.set_subscription("sub_g", &customer, TEAM_PRICE, "active");
    let cured = event(
        "evt_g3",
        "invoice.paid",
        json!({"object": "invoice", "customer": customer}),
    );
    signed(&app, &cured).await;
    plan_becomes(&app, &user, "team").await;
    stripe.delete_customer(&customer);
    let gone = event(
        "evt_g4",
        "customer.deleted",
        json!({"object": "customer", "id": customer}),
    );
    signed(&app, &gone).await;
    let view = plan_becomes(&app, &user, "free").await;
    assert_eq!(view["status"], "canceled");
    assert_eq!(
        view["invoices"].as_array().unwrap().len(),
        1,
        "its invoices are kept"
    );
}

#[tokio::test]
async fn the_nightly_reconciliation_catches_a_missed_webhook() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(Mode::Embedded, &stripe.url, |_| {})
        .await
        .unwrap();
    let user = sign_up(&app, "reconcile").await;
    let customer = stripe.add_customer(&user.id);
    stripe.set_subscription("sub_r", &customer, PRO_PRICE, "active");
    signed(
        &app,
        &event(
            "evt_r1",
            "customer.subscription.created",
            subscription_object("sub_r", &customer, "active"),
        ),
    )
    .await;
    plan_becomes(&app, &user, "pro").await;

    // The cancellation's webhook never comes.
    stripe.set_subscription("sub_r", &customer, PRO_PRICE, "canceled");
    let day = Reconcile {
        day: "2026-12-02".into(),
    };
    day.clone().run(&app.state).await.unwrap();
    assert_eq!(billing(&app, &user).await["plan"], "free");
    let before = app
        .state
        .store
        .get(&SUBSCRIPTIONS, "sub_r")
        .await
        .unwrap()
        .unwrap()
        .version;
    day.run(&app.state).await.unwrap();
    let after = app
        .state
        .store
        .get(&SUBSCRIPTIONS, "sub_r")
        .await
        .unwrap()
        .unwrap()
        .version;
    assert_eq!(before, after, "a second run changes nothing");
}

#[tokio::test]
async fn the_billing_pages_work_in_a_real_browser() {
    let Some(browser) = crate::helpers::Browser::available() else {
        return;
    };
    let stripe = FakeStripe::start().await;
    let sim = crate::workspaces::simulator(85, 60).await;
    let sim_url = sim.url.clone();
    let app = billing_app(Mode::Embedded, &stripe.url, move |s| {
        (s.notion.api_url, s.notion.rate) = (sim_url, 200.0);
        s.billing.plans[0].pages_per_workspace = notion_graph::config::Limit::at(10);
    })
    .await
    .unwrap();
    let user = sign_up(&app, "browser-billing").await;
    let workspace = crate::workspaces::connected(&app, &user, &sim).await;
    assert_eq!(workspace["page_limit_reached"], 10, "{workspace}");

    // What Stripe will hold once the card is taken, and the event that says so.
    let customer = stripe.add_customer(&user.id);
    let account = notion_graph::modules::payments::model::BillingAccount {
        user: user.id.clone(),
        customer: Some(customer.clone()),
        manual_plan: None,
        updated_at: 0,
    };
    let accounts = notion_graph::modules::payments::store::accounts(&app.state.store);
    accounts.insert(&user.id, &account).await.unwrap();
    stripe.set_subscription("sub_browser", &customer, PRO_PRICE, "active");
    let payload = event(
        "evt_browser",
        "checkout.session.completed",
        json!({"object": "checkout.session",
        "customer": customer, "client_reference_id": user.id}),
    );
    let t = now();
    let config = json!({
        "base": app.address, "stripe": stripe.url, "email": user.email,
        "password": crate::accounts::PASSWORD, "workspace": workspace["id"],
        "webhook": {"payload": payload, "signature": format!("t={t},v1={}", sign(SECRET_NEW, t, &payload))},
    });
    browser.run("billing_pages.py", config).await;
}
