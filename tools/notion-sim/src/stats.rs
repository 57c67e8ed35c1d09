//! Call counters for `GET /_sim/stats`: calls per route pattern, plus 429s and faults sent.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Served requests per `METHOD /route/{pattern}` (rate-limited ones are not served).
    pub calls: BTreeMap<String, u64>,
    pub total: u64,
    pub rate_limited: u64,
    pub faults: u64,
}

impl Stats {
    /// Calls to one route, by pattern (e.g. `GET /v1/blocks/{id}/children`).
    pub fn calls_to(&self, route: &str) -> u64 {
        self.calls.get(route).copied().unwrap_or(0)
    }
}

#[derive(Debug, Default)]
pub struct Counters(Mutex<Stats>);

impl Counters {
    fn with(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn served(&self, route: &str) {
        self.with(|s| {
            *s.calls.entry(route.to_owned()).or_default() += 1;
            s.total += 1;
        });
    }

    pub fn rate_limited(&self) {
        self.with(|s| s.rate_limited += 1);
    }

    pub fn fault(&self) {
        self.with(|s| s.faults += 1);
    }

    pub fn snapshot(&self) -> Stats {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
