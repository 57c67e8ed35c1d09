//! Stripe's HTTP API, the few calls billing makes: create a customer, a Checkout Session, a
//! Customer Portal session; read a customer, its subscriptions and its invoices. Form-encoded
//! requests with the secret key as bearer, to `stripe_api_base` (Stripe's, or a test's
//! server): nothing here knows which. Every create carries an `Idempotency-Key` (security.md
//! 17), so that a retried create makes one object. Failures of the network and 5xx answers are
//! retried a few times with backoff; 4xx answers are Stripe's word and come back as they are.
//!
//! Plain HTTP rather than async-stripe: the six calls need a dozen fields, which we read
//! leniently (`serde_json::Value`), so that Stripe's own API versions and the test servers
//! (localstripe speaks an older dialect: `plan` where Stripe now has `price`) parse the same.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::config::BillingSettings;

/// Attempts per request (the first and two retries).
const ATTEMPTS: u32 = 3;
/// Stripe's own advice for list pages: at most 100.
const PAGE: &str = "100";

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// The network failed or Stripe answered 5xx, after the retries.
    #[error("Stripe could not be reached or failed: {0}")]
    Unavailable(String),
    /// Stripe refused the request (4xx): its message.
    #[error("Stripe refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
}

impl StripeError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StripeError::Refused { status: 404, .. })
    }
}

/// A client for the configured Stripe; `None` when billing is off.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    key: SecretString,
}

impl Stripe {
    pub fn from_settings(settings: &BillingSettings) -> Option<Self> {
        let key = settings.stripe_secret_key.clone()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .ok()?;
        Some(Self {
            http,
            base: settings.stripe_api_base.trim_end_matches('/').to_owned(),
            key,
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, StripeError> {
        let url = format!("{}{path}", self.base);
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.key.expose_secret());
            request = match method {
                reqwest::Method::GET => request.query(form),
                _ => request.form(form),
            };
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            match request.send().await {
                Err(error) => last = without_url(&error),
                Ok(response) if response.status().is_server_error() => {
                    last = format!("HTTP {}", response.status().as_u16());
                }
                Ok(response) => return read(response).await,
            }
        }
        Err(StripeError::Unavailable(last))
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, StripeError> {
        self.send(reqwest::Method::GET, path, query, None).await
    }

    async fn create(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<Value, StripeError> {
        self.send(reqwest::Method::POST, path, form, Some(idempotency_key))
            .await
    }

    /// A customer for `user`, with the user id in its metadata (how webhooks find the user).
    pub async fn create_customer(&self, user: &str, email: &str) -> Result<String, StripeError> {
        let form = [
            ("email", email.to_owned()),
            ("metadata[user_id]", user.to_owned()),
        ];
        // Keyed by the user: concurrent first checkouts make one customer.
        let created = self
            .create("/v1/customers", &form, &format!("customer-{user}"))
            .await?;
        string(&created, "id")
    }

    /// A Checkout Session in subscription mode; its `url`.
    pub async fn checkout_session(
        &self,
        session: &CheckoutRequest<'_>,
        idempotency_key: &str,
    ) -> Result<String, StripeError> {
        let form = [
            ("mode", "subscription".to_owned()),
            ("customer", session.customer.to_owned()),
            ("client_reference_id", session.user.to_owned()),
            ("line_items[0][price]", session.price.to_owned()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("success_url", session.success_url.to_owned()),
            ("cancel_url", session.cancel_url.to_owned()),
            ("metadata[user_id]", session.user.to_owned()),
            (
                "subscription_data[metadata][user_id]",
                session.user.to_owned(),
            ),
        ];
        let created = self
            .create("/v1/checkout/sessions", &form, idempotency_key)
            .await?;
        string(&created, "url")
    }

    /// A Customer Portal session; its `url`.
    pub async fn portal_session(
        &self,
        customer: &str,
        return_url: &str,
        idempotency_key: &str,
    ) -> Result<String, StripeError> {
        let form = [
            ("customer", customer.to_owned()),
            ("return_url", return_url.to_owned()),
        ];
        let created = self
            .create("/v1/billing_portal/sessions", &form, idempotency_key)
            .await?;
        string(&created, "url")
    }

    /// The customer, or `None` when Stripe no longer has it (deleted, or never existed).
    pub async fn customer(&self, id: &str) -> Result<Option<Value>, StripeError> {
        match self.get(&format!("/v1/customers/{id}"), &[]).await {
            Ok(customer) if customer["deleted"] == true => Ok(None),
            Ok(customer) => Ok(Some(customer)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every subscription of the customer, whatever its status.
    pub async fn subscriptions(&self, customer: &str) -> Result<Vec<Value>, StripeError> {
        let query = [
            ("customer", customer.to_owned()),
            ("status", "all".to_owned()),
            ("limit", PAGE.to_owned()),
        ];
        list(self.get("/v1/subscriptions", &query).await?)
    }

    /// The customer's newest invoices.
    pub async fn invoices(&self, customer: &str) -> Result<Vec<Value>, StripeError> {
        let query = [
            ("customer", customer.to_owned()),
            ("limit", PAGE.to_owned()),
        ];
        list(self.get("/v1/invoices", &query).await?)
    }
}

/// What a Checkout Session is made of.
pub struct CheckoutRequest<'a> {
    pub user: &'a str,
    pub customer: &'a str,
    pub price: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

/// A transport error without its URL (which carries ids) or anything from the request.
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    kind.to_owned()
}

async fn read(response: reqwest::Response) -> Result<Value, StripeError> {
    let status = response.status();
    let body: Value = response.json().await.map_err(|_| {
        StripeError::Unavailable(format!(
            "HTTP {} with a body that is not JSON",
            status.as_u16()
        ))
    })?;
    if status.is_success() {
        return Ok(body);
    }
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or("no message")
        .to_owned();
    Err(StripeError::Refused {
        status: status.as_u16(),
        message,
    })
}

fn string(value: &Value, field: &str) -> Result<String, StripeError> {
    value[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| StripeError::Unavailable(format!("an answer without `{field}`")))
}

fn list(value: Value) -> Result<Vec<Value>, StripeError> {
    match value {
        Value::Object(mut map) => match map.remove("data") {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(StripeError::Unavailable("a list without `data`".into())),
        },
        _ => Err(StripeError::Unavailable(
            "a list that is not an object".into(),
        )),
    }
}
