//! Short-lived shared state: a key-value cache with TTL, a GCRA rate limiter and pub/sub for
//! progress events. In process for the embedded default ([`MemoryCache`]); in Redis in
//! production ([`RedisCache`]), where every instance and worker shares the same limits.

mod gcra;
mod memory;
mod redis;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;

pub use gcra::RateLimit;
pub use memory::MemoryCache;
pub use redis::RedisCache;

/// What the limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The caller holds a slot and may proceed after waiting this long (zero: at once).
    Granted { wait: Duration },
    /// No slot within the caller's patience; it may try again after this long.
    Refused { retry_after: Duration },
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache unavailable: {0}")]
    Unavailable(String),
}

pub type CacheResult<T> = Result<T, CacheError>;

impl From<CacheError> for crate::error::AppError {
    fn from(error: CacheError) -> Self {
        crate::error::AppError::new(crate::error::Code::CacheUnavailable, error.to_string())
    }
}

#[async_trait]
pub trait Cache: Send + Sync + 'static {
    async fn get(&self, key: &str) -> CacheResult<Option<Vec<u8>>>;
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> CacheResult<()>;
    async fn delete(&self, key: &str) -> CacheResult<()>;
    /// Adds `member` to the set `key`, which then lives `ttl` from now (each add renews it).
    async fn add_member(&self, key: &str, member: &str, ttl: Duration) -> CacheResult<()>;
    async fn remove_member(&self, key: &str, member: &str) -> CacheResult<()>;
    /// The members of the set `key`, in no order; none once it expired.
    async fn members(&self, key: &str) -> CacheResult<Vec<String>>;
    /// Takes one slot from the bucket `key`. When the next free slot is at most `max_wait`
    /// away it is reserved for the caller, who must wait before using it; otherwise nothing is
    /// reserved. Shared by every process using the same backend.
    async fn acquire(
        &self,
        key: &str,
        limit: RateLimit,
        max_wait: Duration,
    ) -> CacheResult<Admission>;
    /// A number greater than any `key` gave before and at least the current time in
    /// microseconds, so a sequence keeps increasing when the cache is emptied or restarted.
    /// Shared by every process using the same backend: ids for events that resume.
    async fn next_id(&self, key: &str) -> CacheResult<u64>;
    async fn publish(&self, channel: &str, message: &str) -> CacheResult<()>;
    /// Messages published on `channel` from now on.
    async fn subscribe(&self, channel: &str) -> CacheResult<BoxStream<'static, String>>;
    async fn ping(&self) -> CacheResult<()>;
}

pub type SharedCache = Arc<dyn Cache>;

/// Microseconds since the Unix epoch, on this host's clock.
pub fn epoch_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Waits for a slot, however long the queue: the way workers stay inside an external budget.
pub async fn throttle(cache: &dyn Cache, key: &str, limit: RateLimit) -> CacheResult<()> {
    loop {
        match cache.acquire(key, limit, Duration::from_secs(60)).await? {
            Admission::Granted { wait } => {
                tokio::time::sleep(wait).await;
                return Ok(());
            }
            Admission::Refused { retry_after } => tokio::time::sleep(retry_after).await,
        }
    }
}
