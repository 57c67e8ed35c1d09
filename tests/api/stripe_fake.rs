//! A small Stripe-compatible server for the billing tests: the calls the product makes
//! (customers, Checkout and Portal sessions, subscription and invoice lists) with Stripe's
//! shapes, bearer authentication, `Idempotency-Key` replay and error bodies. localstripe has
//! no Checkout, Portal or prices; this has, and the test sets what Stripe would hold (a
//! subscription after a payment) and records every request for assertions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub form: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    url: String,
    next: u64,
    customers: BTreeMap<String, Value>,
    subscriptions: BTreeMap<String, Value>,
    invoices: BTreeMap<String, Value>,
    sessions: BTreeMap<String, Value>,
    /// (path, key) → the answer given, replayed for the same key.
    replies: HashMap<(String, String), Value>,
    requests: Vec<Recorded>,
    /// Answer this many requests 503 first.
    failures: u32,
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_{:06}", self.next)
    }
}

pub struct FakeStripe {
    pub url: String,
    state: web::Data<Mutex<State>>,
    handle: ServerHandle,
}

pub const KEY: &str = "sk_test_fake_0123456789";

impl FakeStripe {
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = web::Data::new(Mutex::new(State {
            url: url.clone(),
            ..State::default()
        }));
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { url, state, handle }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|s| s.requests.clone())
    }

    pub fn fail_next(&self, times: u32) {
        self.with(|s| s.failures = times);
    }

    /// A customer as the product would have made it for `user`.
    pub fn add_customer(&self, user: &str) -> String {
        self.with(|s| {
            let id = s.id("cus");
            let customer = json!({"id": id, "object": "customer", "metadata": {"user_id": user}});
            s.customers.insert(id.clone(), customer);
            id
        })
    }

    pub fn customers(&self) -> Vec<Value> {
        self.with(|s| s.customers.values().cloned().collect())
    }

    pub fn delete_customer(&self, id: &str) {
        self.with(|s| s.customers.remove(id));
    }

    /// Sets (creates or replaces) a subscription as Stripe holds it.
    pub fn set_subscription(&self, id: &str, customer: &str, price: &str, status: &str) {
        self.with(|s| {
            let subscription = json!({
                "id": id, "object": "subscription", "customer": customer, "status": status,
                "created": 1_764_000_000, "cancel_at_period_end": false, "canceled_at": null,
                "items": {"object": "list", "data": [{"id": format!("si_{id}"), "quantity": 1,
                    "current_period_end": 1_766_592_000,
                    "price": {"id": price, "unit_amount": 1200, "currency": "usd",
                        "recurring": {"interval": "month", "interval_count": 1}}}]}
            });
            s.subscriptions.insert(id.to_owned(), subscription);
        });
    }

    pub fn add_invoice(&self, customer: &str, amount: i64, paid_at: i64) -> String {
        self.with(|s| {
            let id = s.id("in");
            let invoice = json!({"id": id, "object": "invoice", "customer": customer,
                "number": format!("NG-{}", s.next), "status": "paid", "amount_due": amount,
                "amount_paid": amount, "currency": "usd", "created": paid_at,
                "hosted_invoice_url": format!("{}/invoices/{id}", s.url),
                "status_transitions": {"paid_at": paid_at}});
            s.invoices.insert(id.clone(), invoice);
            id
        })
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

fn error(status: u16, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap();
    HttpResponse::build(status)
        .json(json!({"error": {"type": "invalid_request_error", "message": message}}))
}

fn list(items: Vec<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"object": "list", "data": items, "has_more": false}))
}

async fn answer(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let raw: &[u8] = match request.method().as_str() {
        "GET" => request.query_string().as_bytes(),
        _ => &body,
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = request.path().to_owned();
    if request.method() == "GET" && (path.starts_with("/checkout/") || path.starts_with("/portal/"))
    {
        // Stripe's hosted pages, where the browser is sent: a page saying where it is.
        let body = format!("<!doctype html><title>Stripe</title><h1>Stripe stand-in: {path}</h1>");
        return HttpResponse::Ok().content_type("text/html").body(body);
    }
    let mut s = state.lock().unwrap();
    s.requests.push(Recorded {
        method: request.method().to_string(),
        path: path.clone(),
        idempotency_key: key.clone(),
        form: form.clone(),
    });
    if s.failures > 0 {
        s.failures -= 1;
        return error(503, "try again");
    }
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {KEY}"));
    if !authorized {
        return error(401, "Invalid API Key provided");
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if request.method() == "POST" {
        let Some(key) = key else {
            return error(
                400,
                "this fake insists on an Idempotency-Key for every create",
            );
        };
        if let Some(reply) = s.replies.get(&(path.clone(), key.clone())) {
            return HttpResponse::Ok().json(reply);
        }
        let created = match path.as_str() {
            "/v1/customers" => {
                let id = s.id("cus");
                let user = field("metadata[user_id]");
                let customer = json!({"id": id, "object": "customer", "email": field("email"),
                    "metadata": {"user_id": user}});
                s.customers.insert(id, customer.clone());
                customer
            }
            "/v1/checkout/sessions" => {
                let customer = field("customer").unwrap_or_default();
                if !s.customers.contains_key(&customer)
                    || field("mode").as_deref() != Some("subscription")
                {
                    return error(400, "a subscription session needs an existing customer");
                }
                let id = s.id("cs");
                let session = json!({"id": id, "object": "checkout.session", "mode": "subscription",
                    "customer": customer, "client_reference_id": field("client_reference_id"),
                    "success_url": field("success_url"), "cancel_url": field("cancel_url"),
                    "price": field("line_items[0][price]"), "url": format!("{}/checkout/{id}", s.url)});
                s.sessions.insert(id, session.clone());
                session
            }
            "/v1/billing_portal/sessions" => {
                if !s
                    .customers
                    .contains_key(&field("customer").unwrap_or_default())
                {
                    return error(404, "No such customer");
                }
                let id = s.id("bps");
                json!({"id": id, "object": "billing_portal.session", "url": format!("{}/portal/{id}", s.url),
                    "return_url": field("return_url")})
            }
            _ => return error(404, "Unrecognized request URL"),
        };
        s.replies.insert((path, key), created.clone());
        return HttpResponse::Ok().json(created);
    }
    let customer = field("customer");
    let of_customer = |items: &BTreeMap<String, Value>| -> Vec<Value> {
        items
            .values()
            .filter(|v| customer.is_none() || v["customer"].as_str() == customer.as_deref())
            .cloned()
            .collect()
    };
    match path.as_str() {
        "/v1/subscriptions" => list(of_customer(&s.subscriptions)),
        "/v1/invoices" => list(of_customer(&s.invoices)),
        other => match other.strip_prefix("/v1/customers/") {
            Some(id) => match s.customers.get(id) {
                Some(customer) => HttpResponse::Ok().json(customer),
                None => error(404, &format!("No such customer: '{id}'")),
            },
            None => error(404, "Unrecognized request URL"),
        },
    }
}
