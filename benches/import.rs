//! Full-import benchmark against a simulator run as its own process (so that this process's
//! peak RSS is the importer's): calls against the simulator's lower bound, share of the rate
//! budget used, 429s, wall time and peak RSS. `IMPORT_PAGES` (default 10000), `IMPORT_RATE`
//! (default 300 rps), `IMPORT_LATENCY_MS` (default 100,300).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notion_graph::cache::{MemoryCache, RateLimit};
use notion_graph::modules::notion::{ClientConfig, Credentials, NotionClient};
use notion_graph::modules::sync::Importer;
use notion_graph::modules::sync::service::concurrency_for;
use notion_graph::storage::{SqliteStore, Store};
use secrecy::SecretString;
use serde_json::Value;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

#[tokio::main]
async fn main() {
    let pages = env("IMPORT_PAGES", "10000");
    let rate: f64 = env("IMPORT_RATE", "300").parse().expect("a rate");
    let latency = env("IMPORT_LATENCY_MS", "100,300");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sim = Command::new(env!("CARGO"))
        .args([
            "run",
            "--release",
            "-q",
            "-p",
            "notion-sim",
            "--",
            "--pages",
            &pages,
            "--seed",
            "7",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--rate",
            &rate.to_string(),
            "--burst",
            "20",
            "--latency-ms",
            &latency,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the simulator starts");
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    let token = loop {
        let up = http.get(format!("{url}/_sim/stats")).send().await;
        if up.is_ok_and(|r| r.status().is_success()) {
            break read_token(&mut sim);
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the simulator did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let dir = tempfile::tempdir().unwrap();
    let store: Store = Arc::new(
        SqliteStore::open(&dir.path().join("import.sqlite"))
            .await
            .unwrap(),
    );
    store
        .prepare(&notion_graph::modules::collections())
        .await
        .unwrap();
    let config = ClientConfig {
        base_url: url.clone(),
        rate: RateLimit::new(rate, 20),
        ..ClientConfig::default()
    };
    let client = NotionClient::new(
        config,
        "bench",
        Credentials::Token(SecretString::from(token)),
        Arc::new(MemoryCache::default()),
    );
    let started = Instant::now();
    let report = Importer::new(client, store, "bench", concurrency_for(rate))
        .run()
        .await
        .expect("import");
    let wall = started.elapsed().as_secs_f64();
    let stats = control(&http, &url, "stats").await;
    let bound = control(&http, &url, "lower_bound").await;
    let calls = stats["total"].as_f64().unwrap_or(0.0);
    let floor = bound["calls"].as_f64().unwrap_or(1.0);
    println!(
        "| {pages:>6} pages | {calls:>7.0} calls | bound {floor:>7.0} | {:.3}x | {:>5.1} % of budget | {:>4} 429s | {wall:>6.1} s | peak RSS {:.0} MB | {} entities, {} edges |",
        calls / floor,
        100.0 * calls / (rate * wall + 20.0),
        stats["rate_limited"],
        peak_rss_mb(),
        report.entities,
        report.edges
    );
    let _ = sim.kill();
    let _ = sim.wait();
}

fn read_token(sim: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stdout = sim.stdout.take().expect("piped stdout");
    BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("token: ").map(str::to_owned))
        .expect("the simulator prints its token")
}

/// A report from the simulator's control API.
async fn control(http: &reqwest::Client, url: &str, name: &str) -> Value {
    let response = http
        .get(format!("{url}/_sim/{name}"))
        .send()
        .await
        .expect("the simulator answers");
    response.json().await.expect("a JSON report")
}
