//! Achieved call rate of the Notion client against the simulator: at Notion's 3 requests per
//! second (over `RATE_WINDOW_SECS`, default 60) and at 300 per second (client overhead), with
//! 16 concurrent callers sharing one connection's limiter. Prints calls/s, budget used and 429s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use notion_graph::cache::{MemoryCache, RateLimit};
use notion_graph::modules::notion::{ClientConfig, Credentials, NotionClient};
use notion_sim::SimConfig;
use secrecy::SecretString;

async fn measure(rate: f64, burst: u32, window: Duration) {
    let sim_limit = notion_sim::RateLimit {
        per_second: rate,
        burst,
    };
    let sim = notion_sim::start(
        SimConfig {
            rate_limit: Some(sim_limit),
            ..SimConfig::new(1, 200)
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    let config = ClientConfig {
        base_url: sim.url.clone(),
        rate: RateLimit::new(rate, burst),
        ..ClientConfig::default()
    };
    let token = Credentials::Token(SecretString::from(sim.token.clone()));
    let client = NotionClient::new(config, "bench", token, Arc::new(MemoryCache::default()));
    let started = Instant::now();
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut calls = 0u64;
                while started.elapsed() < window {
                    client.me().await.expect("call");
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let mut calls = 0;
    for caller in callers {
        calls += caller.await.expect("caller");
    }
    let seconds = started.elapsed().as_secs_f64();
    let budget = rate * seconds + f64::from(burst);
    let stats = sim.stats();
    println!(
        "| {rate:>5} rps | {seconds:>5.1} s | {calls:>6} calls | {:>7.2} calls/s | {:>5.1} % of budget | {:>3} 429s |",
        calls as f64 / seconds,
        100.0 * calls as f64 / budget,
        stats.rate_limited
    );
    sim.stop().await;
}

#[tokio::main]
async fn main() {
    let window = std::env::var("RATE_WINDOW_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    measure(3.0, 10, Duration::from_secs(window)).await;
    measure(300.0, 30, Duration::from_secs(window.min(20))).await;
}
