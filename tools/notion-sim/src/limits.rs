//! Misbehaviour on purpose: the per-token rate limit (GCRA, equivalent to a token bucket),
//! injected latency and injected faults. All of it can be changed while the server runs.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::config::{Fault, RateLimit, SimConfig};

#[derive(Clone, Debug)]
struct Behaviour {
    rate_limit: Option<RateLimit>,
    latency_ms: (u64, u64),
    fault_rate: f64,
    faults: Vec<Fault>,
}

#[derive(Debug)]
pub struct Limits {
    behaviour: RwLock<Behaviour>,
    /// Theoretical arrival time per token: the GCRA state.
    buckets: Mutex<HashMap<String, Instant>>,
}

impl Limits {
    pub fn new(config: &SimConfig) -> Self {
        Self {
            behaviour: RwLock::new(Behaviour {
                rate_limit: config.rate_limit,
                latency_ms: config.latency_ms,
                fault_rate: config.fault_rate,
                faults: config.faults.clone(),
            }),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn behaviour(&self) -> Behaviour {
        self.behaviour
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Admits one request for `token`, or says how many whole seconds to wait (at least 1).
    ///
    /// GCRA: each request pushes the token's theoretical arrival time `tat` one emission
    /// interval `T = 1/rate` further; a request is refused while `tat - now` exceeds the burst
    /// tolerance `(burst - 1) * T`. Refused requests leave the state untouched.
    pub fn admit(&self, token: &str) -> Result<(), u64> {
        let Some(limit) = self.behaviour().rate_limit else {
            return Ok(());
        };
        let interval = Duration::from_secs_f64(1.0 / limit.per_second.max(1e-6));
        let tolerance = interval * limit.burst.saturating_sub(1);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let tat = buckets.get(token).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead > tolerance {
            let wait = (ahead - tolerance).as_secs_f64().ceil() as u64;
            return Err(wait.max(1));
        }
        buckets.insert(token.to_owned(), tat + interval);
        Ok(())
    }

    /// A latency drawn uniformly from the configured range.
    pub fn latency(&self) -> Duration {
        let (min, max) = self.behaviour().latency_ms;
        if max == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::rng().random_range(min..=max.max(min)))
    }

    /// The fault to inject into this request, if any.
    pub fn fault(&self) -> Option<Fault> {
        let b = self.behaviour();
        let mut rng = rand::rng();
        if b.fault_rate <= 0.0 || !rng.random_bool(b.fault_rate.min(1.0)) {
            return None;
        }
        b.faults.choose(&mut rng).copied()
    }

    pub fn set_faults(&self, rate: f64, kinds: Vec<Fault>) {
        let mut b = self.behaviour.write().unwrap_or_else(|e| e.into_inner());
        b.fault_rate = rate.clamp(0.0, 1.0);
        b.faults = kinds;
    }

    /// Changes the limit and forgets every token's history.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.behaviour
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .rate_limit = limit;
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn set_latency(&self, min: u64, max: u64) {
        self.behaviour
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .latency_ms = (min, max.max(min));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_with_retry_after() {
        let config = SimConfig::default().rate_limit(Some(RateLimit {
            per_second: 3.0,
            burst: 5,
        }));
        let limits = Limits::new(&config);
        for _ in 0..5 {
            assert!(limits.admit("t").is_ok());
        }
        assert_eq!(limits.admit("t"), Err(1));
        assert!(limits.admit("other").is_ok());
    }
}
