//! The in-process backend for the embedded default: one process, so plain maps and a
//! broadcast channel per pub/sub channel.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::{Admission, Cache, CacheResult, RateLimit, gcra};

/// Messages a slow subscriber may fall behind by before it misses some.
const CHANNEL_CAPACITY: usize = 1024;
/// Sets between two sweeps of expired entries.
const SWEEP_EVERY: u64 = 1024;

pub struct MemoryCache {
    started: Instant,
    entries: Mutex<Entries>,
    sets: Mutex<HashMap<String, (HashSet<String>, Instant)>>,
    buckets: Mutex<HashMap<String, u64>>,
    sequences: Mutex<HashMap<String, u64>>,
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, (Vec<u8>, Instant)>,
    sets: u64,
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            entries: Mutex::default(),
            sets: Mutex::default(),
            buckets: Mutex::default(),
            sequences: Mutex::default(),
            channels: Mutex::default(),
        }
    }
}

impl MemoryCache {
    fn now_us(&self) -> u64 {
        self.started.elapsed().as_micros() as u64
    }

    fn sender(&self, channel: &str) -> broadcast::Sender<String> {
        let mut channels = self.channels.lock().expect("channel map poisoned");
        channels
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .clone()
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> CacheResult<Option<Vec<u8>>> {
        let entries = self.entries.lock().expect("cache poisoned");
        Ok(entries
            .map
            .get(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(v, _)| v.clone()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> CacheResult<()> {
        let mut entries = self.entries.lock().expect("cache poisoned");
        let now = Instant::now();
        entries
            .map
            .insert(key.to_owned(), (value.to_vec(), now + ttl));
        entries.sets += 1;
        if entries.sets.is_multiple_of(SWEEP_EVERY) {
            entries.map.retain(|_, (_, expires)| *expires > now);
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> CacheResult<()> {
        self.entries.lock().expect("cache poisoned").map.remove(key);
        Ok(())
    }

    async fn add_member(&self, key: &str, member: &str, ttl: Duration) -> CacheResult<()> {
        let mut sets = self.sets.lock().expect("sets poisoned");
        let now = Instant::now();
        // Few sets live here (the embedded mode keeps sessions in its documents): a sweep per
        // add costs little.
        sets.retain(|_, (_, expires)| *expires > now);
        let (members, expires) = sets
            .entry(key.to_owned())
            .or_insert_with(|| (HashSet::new(), now));
        members.insert(member.to_owned());
        *expires = now + ttl;
        Ok(())
    }

    async fn remove_member(&self, key: &str, member: &str) -> CacheResult<()> {
        if let Some((members, _)) = self.sets.lock().expect("sets poisoned").get_mut(key) {
            members.remove(member);
        }
        Ok(())
    }

    async fn members(&self, key: &str) -> CacheResult<Vec<String>> {
        let sets = self.sets.lock().expect("sets poisoned");
        Ok(sets
            .get(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(members, _)| members.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn acquire(
        &self,
        key: &str,
        limit: RateLimit,
        max_wait: Duration,
    ) -> CacheResult<Admission> {
        let now = self.now_us();
        let mut buckets = self.buckets.lock().expect("limiter poisoned");
        let (admission, tat) = gcra::step(buckets.get(key).copied(), now, limit, max_wait);
        if let Some(tat) = tat {
            buckets.insert(key.to_owned(), tat);
        }
        Ok(admission)
    }

    async fn next_id(&self, key: &str) -> CacheResult<u64> {
        let now = super::epoch_us();
        let mut sequences = self.sequences.lock().expect("sequences poisoned");
        let last = sequences.entry(key.to_owned()).or_default();
        *last = now.max(*last + 1);
        Ok(*last)
    }

    async fn publish(&self, channel: &str, message: &str) -> CacheResult<()> {
        // Nobody listening is not an error: progress events are best effort.
        let _ = self.sender(channel).send(message.to_owned());
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> CacheResult<BoxStream<'static, String>> {
        let receiver = self.sender(channel).subscribe();
        Ok(BroadcastStream::new(receiver)
            .filter_map(|m| async move { m.ok() })
            .boxed())
    }

    async fn ping(&self) -> CacheResult<()> {
        Ok(())
    }
}
