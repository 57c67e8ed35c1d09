//! The Redis backend: shared by every `serve` and `worker` process of a deployment. The rate
//! limiter is one Lua script on Redis's own clock, so buckets hold across processes and hosts.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Admission, Cache, CacheError, CacheResult, RateLimit};

/// GCRA on Redis time, in microseconds; mirrors `gcra::step`.
/// ARGV: interval_us, burst, max_wait_us. Returns {granted (0|1), wait_us}.
const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - burst * interval - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, wait}
";

/// The next id of a sequence: one more than the last, at least Redis's time in microseconds
/// (exact in Lua's doubles until 2255). The key expires a day after its last use; the clock
/// keeps later ids above earlier ones.
const NEXT_ID_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[1]) or 0)
local id = math.max(now, last + 1)
redis.call('SET', KEYS[1], string.format('%d', id), 'EX', 86400)
return string.format('%d', id)
";

#[derive(Clone)]
pub struct RedisCache {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
    gcra: redis::Script,
    next_id: redis::Script,
}

impl RedisCache {
    /// Connects lazily with bounded timeouts: an outage fails calls quickly and the manager
    /// reconnects on its own afterwards.
    pub fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("REDIS_URL is not usable: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Self {
            client,
            connection,
            prefix: prefix.to_owned(),
            gcra: redis::Script::new(GCRA_SCRIPT),
            next_id: redis::Script::new(NEXT_ID_SCRIPT),
        })
    }

    /// The shared connection, also used by the Redis job queue.
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    fn key(&self, space: &str, key: &str) -> String {
        format!("{}:{space}:{key}", self.prefix)
    }
}

fn unavailable(error: redis::RedisError) -> CacheError {
    CacheError::Unavailable(error.to_string())
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> CacheResult<Option<Vec<u8>>> {
        self.connection
            .clone()
            .get(self.key("kv", key))
            .await
            .map_err(unavailable)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> CacheResult<()> {
        let ms = ttl.as_millis().max(1) as u64;
        self.connection
            .clone()
            .pset_ex(self.key("kv", key), value, ms)
            .await
            .map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> CacheResult<()> {
        self.connection
            .clone()
            .del(self.key("kv", key))
            .await
            .map_err(unavailable)
    }

    async fn add_member(&self, key: &str, member: &str, ttl: Duration) -> CacheResult<()> {
        let key = self.key("set", key);
        let ms = ttl.as_millis().max(1) as u64;
        redis::pipe()
            .atomic()
            .sadd(&key, member)
            .ignore()
            .pexpire(&key, ms as i64)
            .ignore()
            .query_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)
    }

    async fn remove_member(&self, key: &str, member: &str) -> CacheResult<()> {
        self.connection
            .clone()
            .srem(self.key("set", key), member)
            .await
            .map_err(unavailable)
    }

    async fn members(&self, key: &str) -> CacheResult<Vec<String>> {
        self.connection
            .clone()
            .smembers(self.key("set", key))
            .await
            .map_err(unavailable)
    }

    async fn acquire(
        &self,
        key: &str,
        limit: RateLimit,
        max_wait: Duration,
    ) -> CacheResult<Admission> {
        let (granted, wait_us): (i64, i64) = self
            .gcra
            .key(self.key("rl", key))
            .arg(limit.interval_us())
            .arg(limit.burst)
            .arg(max_wait.as_micros() as u64)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        let wait = Duration::from_micros(wait_us.max(0) as u64);
        Ok(if granted == 1 {
            Admission::Granted { wait }
        } else {
            Admission::Refused { retry_after: wait }
        })
    }

    async fn next_id(&self, key: &str) -> CacheResult<u64> {
        let id: String = self
            .next_id
            .key(self.key("seq", key))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        id.parse()
            .map_err(|_| CacheError::Unavailable(format!("Redis gave `{id}` as an id")))
    }

    async fn publish(&self, channel: &str, message: &str) -> CacheResult<()> {
        let _: i64 = self
            .connection
            .clone()
            .publish(self.key("ps", channel), message)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> CacheResult<BoxStream<'static, String>> {
        let mut pubsub = self.client.get_async_pubsub().await.map_err(unavailable)?;
        pubsub
            .subscribe(self.key("ps", channel))
            .await
            .map_err(unavailable)?;
        Ok(pubsub
            .into_on_message()
            .filter_map(|msg| async move { msg.get_payload::<String>().ok() })
            .boxed())
    }

    async fn ping(&self) -> CacheResult<()> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
