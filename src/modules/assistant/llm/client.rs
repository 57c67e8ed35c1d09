//! One request to the model: `POST {llm_base_url}/chat/completions` with `stream: true`, the
//! reply's text handed out as it streams in. Each request has a timeout; timeouts, dropped
//! connections, 408, 429 and 5xx are retried with backoff (unless text was already streamed);
//! a circuit breaker stops asking a model that keeps failing. The API key goes in the
//! `Authorization` header only: no error or log line carries it, nor any reply body.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::protocol::{Accumulator, ChatMessage, Completion, Malformed, SseLines, whole};
use crate::config::AssistantSettings;
use crate::modules::notion::{Breaker, backoff};

/// Retries of a transient failure.
const RETRIES: u32 = 2;
const BACKOFF: Duration = Duration::from_millis(250);
/// Failures in a row that open the breaker, and how long it stays open.
const BREAKER_THRESHOLD: u32 = 5;
const BREAKER_COOLDOWN: Duration = Duration::from_secs(30);

/// Why the model gave no usable reply, in words fit for the user (no secret, no body).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("it did not answer within {0} ms")]
    Timeout(u64),
    #[error("it answered HTTP {0}")]
    Status(u16),
    #[error("it could not be reached")]
    Unreachable,
    #[error("its reply was malformed: {0}")]
    Malformed(#[from] Malformed),
    #[error("it failed repeatedly, so it is not asked again for a while")]
    CircuitOpen,
}

impl LlmError {
    /// Worth another try: the next attempt may well succeed.
    fn transient(&self) -> bool {
        match self {
            LlmError::Timeout(_) | LlmError::Unreachable => true,
            LlmError::Status(status) => matches!(status, 408 | 429 | 500..=599),
            LlmError::Malformed(_) | LlmError::CircuitOpen => false,
        }
    }

    /// A sign the model is unwell (rather than refusing this one request).
    fn counts_against_it(&self) -> bool {
        self.transient() || matches!(self, LlmError::Malformed(_))
    }
}

/// The configured model; one per process, shared by every conversation.
pub struct Llm {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<SecretString>,
    timeout_ms: u64,
    breaker: Breaker,
}

impl Llm {
    /// The model the settings name, if any.
    pub fn new(settings: &AssistantSettings) -> Option<Self> {
        let base = settings.llm_base_url.as_deref()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.llm_timeout_ms))
            .connect_timeout(Duration::from_millis(settings.llm_timeout_ms.min(10_000)))
            .user_agent(concat!("notion-graph/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS-capable HTTP client");
        Some(Self {
            http,
            url: format!("{}/chat/completions", base.trim_end_matches('/')),
            model: settings.llm_model.clone().unwrap_or_default(),
            key: settings.llm_api_key.clone(),
            timeout_ms: settings.llm_timeout_ms,
            breaker: Breaker::new(BREAKER_THRESHOLD, BREAKER_COOLDOWN),
        })
    }

    /// The model's next turn after `messages`, offered `tools`; `on_token` gets its text as
    /// it streams.
    pub async fn complete(
        &self,
        messages: &[ChatMessage],
        tools: &Value,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, LlmError> {
        let body = json!({
            "model": self.model,
            "messages": messages,
            "tools": tools,
            "tool_choice": "auto",
            "temperature": 0,
            "stream": true,
        });
        let mut failures = 0;
        loop {
            self.breaker.allow().map_err(|_| LlmError::CircuitOpen)?;
            let mut streamed = false;
            let error = match self.attempt(&body, on_token, &mut streamed).await {
                Ok(completion) => {
                    self.breaker.success();
                    return Ok(completion);
                }
                Err(error) => error,
            };
            match error.counts_against_it() {
                true => self.breaker.failure(),
                false => self.breaker.success(),
            }
            failures += 1;
            tracing::warn!(reason = %error, attempt = failures, "the language model failed");
            if !error.transient() || streamed || failures > RETRIES {
                return Err(error);
            }
            tokio::time::sleep(backoff(BACKOFF, failures)).await;
        }
    }

    async fn attempt(
        &self,
        body: &Value,
        on_token: &mut (dyn FnMut(&str) + Send),
        streamed: &mut bool,
    ) -> Result<Completion, LlmError> {
        let mut request = self
            .http
            .post(&self.url)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key.expose_secret());
        }
        let mut response = request.send().await.map_err(|e| self.transport(e))?;
        if !response.status().is_success() {
            return Err(LlmError::Status(response.status().as_u16()));
        }
        let streaming = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !streaming {
            let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
            return Ok(whole(&bytes)?);
        }
        let (mut lines, mut accumulator) = (SseLines::default(), Accumulator::default());
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(e))? {
            for event in lines.push(&chunk) {
                if let Some(token) = accumulator.feed(&event)? {
                    *streamed = true;
                    on_token(&token);
                }
            }
        }
        for event in lines.finish() {
            if let Some(token) = accumulator.feed(&event)? {
                on_token(&token);
            }
        }
        Ok(accumulator.finish()?)
    }

    fn transport(&self, error: reqwest::Error) -> LlmError {
        match error.is_timeout() {
            true => LlmError::Timeout(self.timeout_ms),
            false => LlmError::Unreachable,
        }
    }
}
