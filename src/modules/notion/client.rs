//! The Notion HTTP client. Every call passes through the connection's shared rate limiter
//! (the foundation's GCRA: in Redis it holds across every process), a circuit breaker and a
//! timeout, and is retried as notion-api.md prescribes. A 401 refreshes an OAuth token once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::breaker::Breaker;
use super::error::{NotionError, Outcome, backoff, classify};
use super::oauth::OAuthSession;
use crate::cache::{RateLimit, SharedCache, throttle};
use crate::metrics::Metrics;

/// Where and how to reach Notion (or the simulator).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub version: String,
    pub rate: RateLimit,
    pub timeout: Duration,
    /// Retries of transient failures (5xx, 409, dropped connections, timeouts).
    pub max_retries: u32,
    /// Waits on 429/529 before giving up.
    pub max_rate_limited_waits: u32,
    pub backoff_base: Duration,
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.notion.com".into(),
            version: "2025-09-03".into(),
            rate: RateLimit::new(3.0, 10),
            timeout: Duration::from_secs(30),
            max_retries: 6,
            max_rate_limited_waits: 20,
            backoff_base: Duration::from_millis(500),
            breaker_threshold: 10,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// How the client proves who it is.
#[derive(Clone)]
pub enum Credentials {
    /// An internal integration token (`ntn_...` or `secret_...`).
    Token(SecretString),
    /// A public integration's OAuth tokens, refreshed when Notion refuses them.
    OAuth(Arc<OAuthSession>),
}

impl Credentials {
    async fn access_token(&self) -> SecretString {
        match self {
            Credentials::Token(token) => token.clone(),
            Credentials::OAuth(session) => session.access_token().await,
        }
    }
}

/// A client for one workspace connection; cheap to clone.
#[derive(Clone)]
pub struct NotionClient {
    pub(super) http: reqwest::Client,
    pub(super) config: Arc<ClientConfig>,
    connection: String,
    credentials: Credentials,
    cache: SharedCache,
    breaker: Arc<Breaker>,
    metrics: Option<Arc<Metrics>>,
    counters: Arc<CallCounters>,
}

/// What one client (and its clones) has done, for progress reports.
#[derive(Debug, Default)]
pub struct CallCounters {
    pub calls: AtomicU64,
    pub rate_limited: AtomicU64,
    pub retries: AtomicU64,
    /// Time spent in exchanges with Notion (not waiting on the rate limiter), in microseconds.
    pub busy_micros: AtomicU64,
}

impl CallCounters {
    /// Mean time one exchange takes, once there is one.
    pub fn mean_latency(&self) -> Option<Duration> {
        let calls = self.calls.load(Ordering::Relaxed);
        (calls > 0).then(|| Duration::from_micros(self.busy_micros.load(Ordering::Relaxed) / calls))
    }
}

/// One call: what to send, and the endpoint's name for metrics (`GET /v1/pages/{id}`).
pub(super) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub endpoint: &'static str,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<&'a Value>,
}

impl NotionClient {
    /// `connection` names the rate budget and breaker: calls for one workspace share them.
    pub fn new(
        config: ClientConfig,
        connection: &str,
        credentials: Credentials,
        cache: SharedCache,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("notion-graph/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS-capable HTTP client");
        let breaker = Arc::new(Breaker::new(
            config.breaker_threshold,
            config.breaker_cooldown,
        ));
        Self {
            http,
            config: Arc::new(config),
            connection: connection.to_owned(),
            credentials,
            cache,
            breaker,
            metrics: None,
            counters: Arc::default(),
        }
    }

    /// Records calls, retries, 429s and latency per endpoint.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Calls, 429s and retries so far, across clones.
    pub fn counters(&self) -> Arc<CallCounters> {
        self.counters.clone()
    }

    /// Requests per second this client may make.
    pub fn rate(&self) -> f64 {
        self.config.rate.per_second
    }

    pub(super) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, NotionError> {
        let bytes = self.send(&call).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| NotionError::Decode(format!("{}: {e}", call.endpoint)))
    }

    async fn send(&self, call: &Call<'_>) -> Result<bytes::Bytes, NotionError> {
        let (mut failures, mut waits, mut refreshed) = (0, 0, false);
        loop {
            self.breaker.allow().map_err(NotionError::CircuitOpen)?;
            let limiter_key = format!("notion:{}", self.connection);
            throttle(self.cache.as_ref(), &limiter_key, self.config.rate)
                .await
                .map_err(|e| NotionError::Limiter(e.to_string()))?;
            let token = self.credentials.access_token().await;
            let started = Instant::now();
            let outcome = self.exchange(call, &token).await;
            let took = started.elapsed();
            self.counters.calls.fetch_add(1, Ordering::Relaxed);
            let micros = took.as_micros() as u64;
            self.counters
                .busy_micros
                .fetch_add(micros, Ordering::Relaxed);
            self.record(call.endpoint, &outcome, took);
            match outcome {
                Outcome::Done(bytes) => {
                    self.breaker.success();
                    return Ok(bytes);
                }
                Outcome::Wait { after, code } => {
                    self.breaker.success();
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    waits += 1;
                    if waits > self.config.max_rate_limited_waits {
                        return Err(NotionError::Exhausted {
                            attempts: waits,
                            last: code.into(),
                        });
                    }
                    tokio::time::sleep(after).await;
                }
                Outcome::Transient(reason) => {
                    self.breaker.failure();
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    failures += 1;
                    if failures > self.config.max_retries {
                        return Err(NotionError::Exhausted {
                            attempts: failures,
                            last: reason,
                        });
                    }
                    tokio::time::sleep(backoff(self.config.backoff_base, failures)).await;
                }
                Outcome::Unauthorized(message) => match &self.credentials {
                    Credentials::OAuth(session) if !refreshed => {
                        self.breaker.success();
                        session.refresh(&self.http, &token).await?;
                        refreshed = true;
                    }
                    _ => return Err(NotionError::Unauthorized(message)),
                },
                Outcome::Fatal(error) => {
                    self.breaker.success();
                    return Err(error);
                }
            }
        }
    }

    async fn exchange(&self, call: &Call<'_>, token: &SecretString) -> Outcome {
        let url = format!(
            "{}{}",
            self.config.base_url.trim_end_matches('/'),
            call.path
        );
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token.expose_secret())
            .header("Notion-Version", &self.config.version)
            .query(&call.query);
        if let Some(body) = call.body {
            request = request.json(body);
        }
        match request.send().await {
            Ok(response) => classify(response).await,
            Err(error) if error.is_timeout() => Outcome::Transient("timed out".into()),
            Err(error) => Outcome::Transient(format!("connection failed: {}", error.without_url())),
        }
    }

    fn record(&self, endpoint: &str, outcome: &Outcome, elapsed: Duration) {
        let Some(metrics) = &self.metrics else { return };
        let label = match outcome {
            Outcome::Done(_) => "ok",
            Outcome::Wait { code, .. } => code,
            Outcome::Transient(_) => "transient",
            Outcome::Unauthorized(_) => "unauthorized",
            Outcome::Fatal(_) => "refused",
        };
        metrics.observe_notion_call(endpoint, label, elapsed);
    }
}
