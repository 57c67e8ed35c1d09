//! The cache contract: memory and Redis behave the same; and the Redis rate limiter holds one
//! limit across application instances.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use notion_graph::cache::{Admission, MemoryCache, RateLimit, RedisCache, SharedCache, throttle};

use crate::helpers::{Mode, service, spawn_app_with, unique};

fn backends() -> Vec<(&'static str, SharedCache)> {
    let mut all: Vec<(&'static str, SharedCache)> =
        vec![("memory", Arc::new(MemoryCache::default()))];
    if let Some(url) = service("TEST_REDIS_URL") {
        all.push((
            "redis",
            Arc::new(RedisCache::connect(&url, &unique("cache")).unwrap()),
        ));
    }
    all
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    for (name, cache) in backends() {
        cache
            .set("k", b"v", Duration::from_millis(1000))
            .await
            .unwrap();
        assert_eq!(
            cache.get("k").await.unwrap().as_deref(),
            Some(&b"v"[..]),
            "{name}"
        );
        tokio::time::sleep(Duration::from_millis(1300)).await;
        assert_eq!(cache.get("k").await.unwrap(), None, "{name}");
        cache.set("d", b"1", Duration::from_secs(60)).await.unwrap();
        cache.delete("d").await.unwrap();
        assert_eq!(cache.get("d").await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn sets_gain_and_lose_members_and_expire_after_their_last_add() {
    for (name, cache) in backends() {
        let ttl = Duration::from_millis(1000);
        cache.add_member("s", "a", ttl).await.unwrap();
        cache.add_member("s", "b", ttl).await.unwrap();
        cache.add_member("s", "a", ttl).await.unwrap();
        let mut members = cache.members("s").await.unwrap();
        members.sort();
        assert_eq!(members, ["a", "b"], "{name}");
        cache.remove_member("s", "a").await.unwrap();
        assert_eq!(cache.members("s").await.unwrap(), ["b"], "{name}");
        assert!(cache.members("none").await.unwrap().is_empty(), "{name}");
        tokio::time::sleep(Duration::from_millis(1300)).await;
        assert!(cache.members("s").await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test]
async fn the_limiter_allows_a_burst_then_refuses_with_the_time_to_wait() {
    for (name, cache) in backends() {
        // One token a second: a slow machine cannot refill the bucket between the calls.
        let limit = RateLimit::new(1.0, 5);
        for i in 0..5 {
            let admission = cache.acquire("burst", limit, Duration::ZERO).await.unwrap();
            assert_eq!(
                admission,
                Admission::Granted {
                    wait: Duration::ZERO
                },
                "{name}: request {i}"
            );
        }
        match cache.acquire("burst", limit, Duration::ZERO).await.unwrap() {
            Admission::Refused { retry_after } => {
                assert!(
                    retry_after > Duration::from_millis(500)
                        && retry_after <= Duration::from_secs(1),
                    "{name}: {retry_after:?}"
                );
            }
            other => panic!("{name}: the sixth request in a burst of five was {other:?}"),
        }
        let patient = cache
            .acquire("burst", limit, Duration::from_secs(2))
            .await
            .unwrap();
        assert!(
            matches!(patient, Admission::Granted { wait } if wait > Duration::ZERO),
            "{name}: {patient:?}"
        );
    }
}

#[tokio::test]
async fn throttled_callers_keep_to_the_sustained_rate() {
    for (name, cache) in backends() {
        let limit = RateLimit::new(20.0, 1);
        let started = Instant::now();
        for _ in 0..11 {
            throttle(cache.as_ref(), "steady", limit).await.unwrap();
        }
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(480),
            "{name}: 11 calls at 20/s took {elapsed:?}"
        );
    }
}

#[tokio::test]
async fn ids_increase_per_key_from_the_clock_even_when_called_at_once() {
    for (name, cache) in backends() {
        let before = notion_graph::cache::epoch_us();
        let calls = (0..50).map(|_| cache.next_id("events"));
        let mut ids = futures::future::join_all(calls)
            .await
            .into_iter()
            .collect::<Result<Vec<u64>, _>>()
            .unwrap();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 50, "{name}: an id was given twice");
        // Redis's clock and ours may differ a little: a second is the slack allowed.
        assert!(
            ids[0] + 1_000_000 > before,
            "{name}: {} before {before}",
            ids[0]
        );
        let other = cache.next_id("other").await.unwrap();
        assert!(
            other < ids[49] + 1_000_000,
            "{name}: keys share nothing but the clock"
        );
        assert!(cache.next_id("events").await.unwrap() > ids[49], "{name}");
    }
}

#[tokio::test]
async fn subscribers_receive_published_messages_in_order() {
    for (name, cache) in backends() {
        let mut messages = cache.subscribe("progress").await.unwrap();
        for i in 0..3 {
            cache.publish("progress", &format!("m{i}")).await.unwrap();
        }
        let mut received = Vec::new();
        for _ in 0..3 {
            let next = tokio::time::timeout(Duration::from_secs(5), messages.next()).await;
            received.push(
                next.unwrap_or_else(|_| panic!("{name}: no message"))
                    .unwrap(),
            );
        }
        assert_eq!(received, ["m0", "m1", "m2"], "{name}");
    }
}

/// Counts the slots `cache` obtains from a shared bucket during `window`.
async fn consume(cache: SharedCache, limit: RateLimit, window: Duration) -> usize {
    let started = Instant::now();
    let mut granted = 0;
    while started.elapsed() < window {
        match cache
            .acquire("notion:workspace-1", limit, Duration::ZERO)
            .await
            .unwrap()
        {
            Admission::Granted { .. } => granted += 1,
            Admission::Refused { retry_after } => {
                tokio::time::sleep(retry_after.min(Duration::from_millis(20))).await
            }
        }
    }
    granted
}

#[tokio::test]
async fn two_instances_sharing_redis_stay_within_one_limit() {
    let prefix = unique("shared");
    let Some(first) = spawn_app_with(Mode::Production, |s| {
        s.storage.redis_prefix = prefix.clone()
    })
    .await
    else {
        return;
    };
    let Some(second) = spawn_app_with(Mode::Production, |s| {
        s.storage.redis_prefix = prefix.clone()
    })
    .await
    else {
        return;
    };
    let limit = RateLimit::new(20.0, 5);
    let window = Duration::from_secs(3);
    let (a, b) = tokio::join!(
        consume(first.state.cache.clone(), limit, window),
        consume(second.state.cache.clone(), limit, window)
    );
    let ceiling = (20.0 * window.as_secs_f64()) as usize + 5 + 1;
    assert!(
        a + b <= ceiling,
        "combined {a} + {b} exceeds one limit of {ceiling}"
    );
    assert!(
        a + b >= ceiling - 8,
        "combined {a} + {b} is far below the limit: the bucket is not shared fairly"
    );
    assert!(
        a >= 10 && b >= 10,
        "both instances draw from the bucket: {a} and {b}"
    );
    first.stop().await;
    second.stop().await;
}
