//! Settings of the assistant's language model: any OpenAI-compatible Chat Completions server.
//! Unset, the assistant understands messages with its offline grammar alone.

use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;
use super::values::parsed;

/// The language model the assistant asks to understand messages (none by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssistantSettings {
    /// The API's base, e.g. `https://api.openai.com/v1`; requests go to
    /// `{llm_base_url}/chat/completions`.
    pub llm_base_url: Option<String>,
    /// The model to ask (required with `llm_base_url`).
    pub llm_model: Option<String>,
    /// Sent as a bearer token; never logged, never shown.
    pub llm_api_key: Option<SecretString>,
    /// How long one request to the model may take, its streamed reply included.
    #[serde(deserialize_with = "parsed")]
    pub llm_timeout_ms: u64,
}

impl Default for AssistantSettings {
    fn default() -> Self {
        Self {
            llm_base_url: None,
            llm_model: None,
            llm_api_key: None,
            llm_timeout_ms: 30_000,
        }
    }
}

impl AssistantSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let Some(base) = &self.llm_base_url else {
            return Ok(());
        };
        let url = url::Url::parse(base).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
            return Err(ConfigError(format!(
                "key `llm_base_url`: `{base}` is not an http(s) URL (e.g. `https://api.openai.com/v1`)"
            )));
        }
        if self
            .llm_model
            .as_deref()
            .is_none_or(|m| m.trim().is_empty())
        {
            return Err(ConfigError(
                "key `llm_model`: required with `llm_base_url` (the model's name, e.g. `gpt-4o-mini`)"
                    .into(),
            ));
        }
        if self.llm_timeout_ms < 100 {
            return Err(ConfigError(
                "key `llm_timeout_ms`: expected at least 100 milliseconds".into(),
            ));
        }
        Ok(())
    }
}
