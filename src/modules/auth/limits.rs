//! Abuse limits on signing in, shared by every instance (they live in the cache: Redis in
//! production). Failures are counted per account and per client IP with the cache's GCRA
//! buckets; once a bucket is empty, that account or IP is blocked until it refills, whatever
//! the password, and answers 429 with `Retry-After`. Unknown emails count like known ones, so
//! the limits tell nothing about which accounts exist. Password reset has limits of its own,
//! so a locked account can still be recovered.

use std::time::Duration;

use super::AuthError;
use super::tokens::digest;
use crate::cache::{Admission, Cache, RateLimit};
use crate::modules::sync::now_ms;

/// Five failures at once, then one a minute.
fn per_account() -> RateLimit {
    RateLimit::new(1.0 / 60.0, 5)
}

/// Twenty failures at once, then one every ten seconds, across all accounts.
fn per_ip() -> RateLimit {
    RateLimit::new(0.1, 20)
}

/// Mail-sending requests (sign-up, verification, reset): three at once, then one every
/// five minutes per address, and ten at once then one a minute per IP.
pub fn mail_per_address() -> RateLimit {
    RateLimit::new(1.0 / 300.0, 3)
}

pub fn mail_per_ip() -> RateLimit {
    RateLimit::new(1.0 / 60.0, 10)
}

/// Who a login attempt is counted against.
pub struct Subjects {
    account: String,
    ip: Option<String>,
}

impl Subjects {
    pub fn new(email: &str, ip: Option<&str>) -> Self {
        Self {
            account: format!("account:{}", digest(email)),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = (&str, RateLimit)> {
        std::iter::once((self.account.as_str(), per_account()))
            .chain(self.ip.as_deref().map(|ip| (ip, per_ip())))
    }
}

fn block_key(subject: &str) -> String {
    format!("login:blocked:{subject}")
}

/// Refuses the attempt while the account or the IP is blocked.
pub async fn check(cache: &dyn Cache, subjects: &Subjects) -> Result<(), AuthError> {
    for (subject, _) in subjects.all() {
        let Some(until) = cache
            .get(&block_key(subject))
            .await
            .map_err(anyhow::Error::from)?
        else {
            continue;
        };
        let until: i64 = std::str::from_utf8(&until)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let wait_ms = until - now_ms();
        if wait_ms > 0 {
            return Err(AuthError::TooManyAttempts((wait_ms as u64).div_ceil(1000)));
        }
    }
    Ok(())
}

/// Counts a failure; the one that empties a bucket blocks its subject until it refills.
pub async fn record_failure(cache: &dyn Cache, subjects: &Subjects) -> anyhow::Result<()> {
    for (subject, limit) in subjects.all() {
        let bucket = format!("login:failures:{subject}");
        if let Admission::Refused { retry_after } =
            cache.acquire(&bucket, limit, Duration::ZERO).await?
        {
            let until = now_ms() + retry_after.as_millis() as i64;
            let value = until.to_string();
            cache
                .set(&block_key(subject), value.as_bytes(), retry_after)
                .await?;
        }
    }
    Ok(())
}

/// A password reset proves the owner: the account's block ends.
pub async fn clear_account(cache: &dyn Cache, email: &str) -> anyhow::Result<()> {
    let subjects = Subjects::new(email, None);
    cache.delete(&block_key(&subjects.account)).await?;
    Ok(())
}

/// Takes a slot of a plain request limit, or answers 429.
pub async fn admit(cache: &dyn Cache, key: &str, limit: RateLimit) -> Result<(), AuthError> {
    match cache
        .acquire(key, limit, Duration::ZERO)
        .await
        .map_err(anyhow::Error::from)?
    {
        Admission::Granted { .. } => Ok(()),
        Admission::Refused { retry_after } => {
            Err(AuthError::TooManyAttempts(retry_after.as_secs().max(1)))
        }
    }
}
