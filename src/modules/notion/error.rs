//! What a Notion call can end in, and how each HTTP answer is classified (notion-api.md, "Rate
//! limits and errors"): wait exactly `Retry-After` on 429 and 529; back off with jitter on 408
//! (what an HTTP server or proxy in front answers when a request came in too slowly), 409, 500,
//! 502, 503, 504 and dropped connections; refresh once on 401; never retry other 4xx.

use std::time::Duration;

use super::model::ErrorBody;
use crate::error::{AppError, Code};

#[derive(Debug, thiserror::Error)]
pub enum NotionError {
    /// Deleted, or not shared with the integration: Notion does not say which.
    #[error("not found or not shared with the integration: {0}")]
    NotFound(String),
    #[error("Notion refused the credentials: {0}")]
    Unauthorized(String),
    #[error("the integration may not read this: {0}")]
    Restricted(String),
    /// The list must be restarted from the beginning.
    #[error("Notion rejected the pagination cursor")]
    InvalidCursor,
    #[error("Notion answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("gave up after {attempts} attempts; last: {last}")]
    Exhausted { attempts: u32, last: String },
    #[error("too many recent failures on this connection; calls resume in {0:?}")]
    CircuitOpen(Duration),
    #[error("unexpected response from Notion: {0}")]
    Decode(String),
    #[error("the rate limiter is unavailable: {0}")]
    Limiter(String),
    #[error("could not reach Notion: {0}")]
    Transport(String),
    #[error("cannot persist refreshed tokens: {0}")]
    Persist(String),
}

impl From<NotionError> for AppError {
    fn from(error: NotionError) -> Self {
        let code = match &error {
            NotionError::NotFound(_) => Code::NotionNotFound,
            NotionError::Unauthorized(_) => Code::NotionTokenRefused,
            NotionError::Restricted(_) => Code::NotionRestricted,
            NotionError::Limiter(_) => Code::CacheUnavailable,
            NotionError::Persist(_) => return AppError::Internal(error.into()),
            NotionError::InvalidCursor
            | NotionError::Api { .. }
            | NotionError::Exhausted { .. }
            | NotionError::CircuitOpen(_)
            | NotionError::Decode(_)
            | NotionError::Transport(_) => Code::NotionUnavailable,
        };
        AppError::new(code, error.to_string())
    }
}

/// How one HTTP exchange ended.
#[derive(Debug)]
pub(super) enum Outcome {
    Done(bytes::Bytes),
    /// 429 or 529: wait exactly this long.
    Wait {
        after: Duration,
        code: &'static str,
    },
    /// Worth retrying after a backoff.
    Transient(String),
    /// The access token was refused.
    Unauthorized(String),
    Fatal(NotionError),
}

pub(super) async fn classify(response: reqwest::Response) -> Outcome {
    let status = response.status();
    if status.is_success() {
        return match response.bytes().await {
            Ok(bytes) => Outcome::Done(bytes),
            Err(error) => Outcome::Transient(format!("body cut short: {error}")),
        };
    }
    let retry_after = retry_after(&response);
    let body: ErrorBody = response.json().await.unwrap_or(ErrorBody {
        status: status.as_u16(),
        code: String::new(),
        message: status.canonical_reason().unwrap_or_default().to_owned(),
        request_id: None,
        additional_data: None,
    });
    match status.as_u16() {
        429 => Outcome::Wait {
            after: retry_after,
            code: "rate_limited",
        },
        529 => Outcome::Wait {
            after: retry_after,
            code: "service_overload",
        },
        401 => Outcome::Unauthorized(body.message),
        408 | 409 | 500 | 502 | 503 | 504 => {
            Outcome::Transient(format!("{} {}", status.as_u16(), body.code))
        }
        400 if body.code == "validation_error" && body.message.contains("start_cursor") => {
            Outcome::Fatal(NotionError::InvalidCursor)
        }
        403 => Outcome::Fatal(NotionError::Restricted(body.message)),
        404 => Outcome::Fatal(NotionError::NotFound(body.message)),
        _ => Outcome::Fatal(NotionError::Api {
            status: status.as_u16(),
            code: body.code,
            message: body.message,
        }),
    }
}

/// `Retry-After` in whole seconds, as Notion sends it; one second when absent or unreadable.
fn retry_after(response: &reqwest::Response) -> Duration {
    let seconds = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds.min(300.0))
}

/// Exponential backoff with jitter: attempt `n` waits between half and all of
/// `base * 2^(n-1)`, capped at 30 s.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let full = base
        .saturating_mul(1 << attempt.saturating_sub(1).min(10))
        .min(Duration::from_secs(30));
    let jitter: f64 = rand::random::<f64>() * 0.5 + 0.5;
    full.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        for attempt in 1..=4 {
            let full = base * (1 << (attempt - 1));
            let wait = backoff(base, attempt);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?}"
            );
        }
        assert!(backoff(base, 40) <= Duration::from_secs(30));
    }
}
