//! Webhook intake: `WEBHOOK_EVENTS` (default 1,000) signed Stripe events, a fifth of them
//! duplicates, posted by `WEBHOOK_CLIENTS` (default 16) concurrent clients to a release build
//! running embedded (SQLite, jobs in process) against a small Stripe stand-in started here.
//! Prints events accepted per second, p50/p99 intake latency, the time until every event was
//! processed (each one re-fetches its customer from the stand-in), and whether the final state
//! equals the expected one: every customer on the plan of its subscription's last status.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, KeyInit, Mac};
use notion_graph::config::Settings;
use notion_graph::modules::auth::model::Role as UserRole;
use notion_graph::modules::auth::users::{self, NewUser};
use notion_graph::modules::payments;
use notion_graph::startup::{Application, Role};
use notion_graph::storage::Filter;
use secrecy::SecretString;
use serde_json::json;
use sha2::Sha256;

const SECRET: &str = "whsec_bench";
const PRICE: &str = "price_bench_pro";
const CUSTOMERS: usize = 100;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The stand-in: customer `cus_{n}` belongs to `users[n]`; its subscription is `active` for
/// even n and `canceled` for odd n.
async fn stripe(users: Arc<Vec<String>>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let users = users.clone();
        App::new().default_service(web::to(move |request: HttpRequest| {
            let users = users.clone();
            async move { answer(&request, &users) }
        }))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    url
}

fn customer_number(text: &str) -> Option<usize> {
    text.strip_prefix("cus_")?.parse().ok()
}

fn answer(request: &HttpRequest, users: &[String]) -> HttpResponse {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let customer = query
        .iter()
        .find(|(k, _)| k == "customer")
        .and_then(|(_, v)| customer_number(v));
    let path = request.path();
    if let Some(n) = path
        .strip_prefix("/v1/customers/")
        .and_then(customer_number)
    {
        return HttpResponse::Ok()
            .json(json!({"id": format!("cus_{n}"), "metadata": {"user_id": users[n]}}));
    }
    let data = match (path, customer) {
        ("/v1/subscriptions", Some(n)) => vec![json!({
            "id": format!("sub_{n}"), "customer": format!("cus_{n}"),
            "status": if n % 2 == 0 { "active" } else { "canceled" }, "created": 1_764_000_000,
            "items": {"data": [{"quantity": 1, "price": {"id": PRICE, "unit_amount": 1200,
                "currency": "usd", "recurring": {"interval": "month"}}}]}
        })],
        ("/v1/invoices", Some(_)) => vec![],
        _ => return HttpResponse::NotFound().json(json!({"error": {"message": "unknown"}})),
    };
    HttpResponse::Ok().json(json!({"object": "list", "data": data}))
}

fn signed(payload: &str) -> String {
    let t = chrono::Utc::now().timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The events to post: `unique` distinct ones over the customers, then a fifth of them again,
/// shuffled in among the rest deterministically.
fn events(total: usize) -> Vec<String> {
    let unique = total * 4 / 5;
    let kinds = [
        "customer.subscription.created",
        "customer.subscription.updated",
        "invoice.paid",
    ];
    let mut out: Vec<String> = (0..unique)
        .map(|i| {
            let n = i % CUSTOMERS;
            json!({"id": format!("evt_bench_{i}"), "type": kinds[i % kinds.len()], "created": 0,
                "data": {"object": {"id": format!("sub_{n}"), "object": "subscription", "customer": format!("cus_{n}")}}})
            .to_string()
        })
        .collect();
    let duplicates: Vec<String> = (0..total - unique)
        .map(|i| out[(i * 7) % unique].clone())
        .collect();
    for (i, dup) in duplicates.into_iter().enumerate() {
        out.insert((i * 5 + 3).min(out.len()), dup);
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let total = env("WEBHOOK_EVENTS", 1000);
    let clients = env("WEBHOOK_CLIENTS", 16);
    let data = tempfile::TempDir::new().unwrap();
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.storage.data_dir = data.path().to_owned();
    let billing = &mut settings.billing;
    billing.stripe_secret_key = Some(SecretString::from("sk_test_bench"));
    billing.stripe_webhook_secrets = Some(SecretString::from(SECRET));
    billing.plans[1].price_id = Some(PRICE.into());

    // Accounts first (the app resolves each customer's user), then Stripe, then the app.
    let bootstrap =
        notion_graph::state::AppState::build(settings.clone(), notion_graph::modules::ALL)
            .await
            .unwrap();
    let mut ids = Vec::new();
    for n in 0..CUSTOMERS {
        let email = format!("bench-{n}@example.com");
        let new = NewUser {
            email: &email,
            name: "bench",
            role: UserRole::User,
            password_hash: None,
            notion_user_id: None,
            email_verified: true,
        };
        ids.push(
            users::create(&bootstrap.store, new)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    drop(bootstrap);
    let ids = Arc::new(ids);
    settings.billing.stripe_api_base = stripe(ids.clone()).await;
    let app = Application::build(settings, Role::Server { with_workers: true })
        .await
        .unwrap();
    let url = format!(
        "http://127.0.0.1:{}/api/webhooks/stripe",
        app.port().unwrap()
    );
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());

    let events = Arc::new(events(total));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (events, next, http, url) = (events.clone(), next.clone(), http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(payload) = events.get(i) else {
                    return latencies;
                };
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .header("stripe-signature", signed(payload))
                    .header("content-type", "application/json")
                    .body(payload.clone())
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                latencies.push(sent.elapsed());
            }
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let intake = started.elapsed();
    latencies.sort();
    let unique = total * 4 / 5;
    let processed = loop {
        let stored = state
            .store
            .count(&payments::EVENTS, &Filter::all())
            .await
            .unwrap();
        let mut done = 0;
        for i in 0..unique {
            let doc = state
                .store
                .get(&payments::EVENTS, &format!("evt_bench_{i}"))
                .await
                .unwrap();
            done += usize::from(
                doc.is_some_and(|d| d.body.get("processed_at").is_some_and(|v| !v.is_null())),
            );
        }
        if done == unique || started.elapsed() > Duration::from_secs(600) {
            break (stored, done, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut right = 0;
    for (n, user) in ids.iter().enumerate() {
        let plan = payments::entitlements(&state, user)
            .await
            .unwrap()
            .plan
            .name;
        right += usize::from(plan == if n % 2 == 0 { "pro" } else { "free" });
    }
    println!(
        "webhook intake: {total} events ({unique} distinct, {} duplicates) from {clients} clients",
        total - unique
    );
    println!(
        "accepted: {:.0} events/s ({:.2} s); latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        total as f64 / intake.as_secs_f64(),
        intake.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "stored events: {} (expected {unique}); processed {}/{unique} after {:.2} s",
        processed.0,
        processed.1,
        processed.2.as_secs_f64()
    );
    println!(
        "final state: {right}/{CUSTOMERS} customers on the expected plan: {}",
        if right == CUSTOMERS && processed.0 as usize == unique {
            "equal to the expected one"
        } else {
            "DIFFERENT"
        }
    );
}
