//! Simulator settings: what the generated workspace looks like and how the server misbehaves.

use serde::{Deserialize, Serialize};

/// A per-token request budget: `per_second` on average, `burst` requests at once.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl Default for RateLimit {
    /// Notion's documented average of about three requests per second, with a burst allowance.
    fn default() -> Self {
        Self {
            per_second: 3.0,
            burst: 10,
        }
    }
}

/// One kind of injected failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fault {
    /// What an HTTP server in front answers a request that came in too slowly.
    Status408,
    Status500,
    Status502,
    Status503,
    Status504,
    Overloaded529,
    /// Close the connection without writing any response.
    Drop,
}

impl Fault {
    /// Every fault kind, the default mix.
    pub const ALL: [Fault; 7] = [
        Fault::Status408,
        Fault::Status500,
        Fault::Status502,
        Fault::Status503,
        Fault::Status504,
        Fault::Overloaded529,
        Fault::Drop,
    ];
}

/// Everything the simulator can be told at start.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// Number of page objects (ordinary pages plus database rows) to generate.
    pub pages: usize,
    /// Fraction of pages and data sources that search never returns.
    pub search_hidden_fraction: f64,
    pub rate_limit: Option<RateLimit>,
    /// Latency added to every API answer, uniform in `[min, max]` milliseconds.
    pub latency_ms: (u64, u64),
    /// Probability that an API request is answered with one of `faults`.
    pub fault_rate: f64,
    pub faults: Vec<Fault>,
    /// Fraction of list responses that return fewer results than `page_size` although more exist.
    pub short_page_fraction: f64,
    /// Where to deliver signed webhook events; `None` disables webhooks.
    pub webhook_url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            pages: 300,
            search_hidden_fraction: 0.2,
            rate_limit: Some(RateLimit::default()),
            latency_ms: (0, 0),
            fault_rate: 0.0,
            faults: Fault::ALL.to_vec(),
            short_page_fraction: 0.1,
            webhook_url: None,
            client_id: "notion-sim-client".to_owned(),
            client_secret: "notion-sim-secret".to_owned(),
        }
    }
}

impl SimConfig {
    /// Defaults with the given seed and number of pages.
    pub fn new(seed: u64, pages: usize) -> Self {
        Self {
            seed,
            pages,
            ..Self::default()
        }
    }

    pub fn search_hidden_fraction(mut self, fraction: f64) -> Self {
        self.search_hidden_fraction = fraction;
        self
    }

    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    pub fn latency_ms(mut self, min: u64, max: u64) -> Self {
        self.latency_ms = (min, max.max(min));
        self
    }

    pub fn faults(mut self, rate: f64, kinds: Vec<Fault>) -> Self {
        self.fault_rate = rate;
        self.faults = kinds;
        self
    }

    pub fn short_page_fraction(mut self, fraction: f64) -> Self {
        self.short_page_fraction = fraction;
        self
    }

    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    pub fn client_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }
}
