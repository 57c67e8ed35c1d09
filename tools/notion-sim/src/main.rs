//! `notion-sim`: serves a generated Notion workspace until Ctrl-C.
//!
//! `cargo run -p notion-sim -- --pages 10000 --seed 7 --port 4010`

use clap::Parser;
use notion_sim::{RateLimit, SimConfig};

#[derive(Parser, Debug)]
#[command(about = "A Notion API simulator for tests, demos and load tests")]
struct Args {
    /// Page objects to generate (ordinary pages plus database rows).
    #[arg(long, default_value_t = 1000)]
    pages: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, default_value_t = 4010)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Average requests per second per token; 0 disables the rate limit.
    #[arg(long, default_value_t = 3.0)]
    rate: f64,
    #[arg(long, default_value_t = 10)]
    burst: u32,
    /// Added latency as MIN,MAX milliseconds.
    #[arg(long, value_parser = parse_range, default_value = "0,0")]
    latency_ms: (u64, u64),
    /// Probability that a request is answered with an injected fault.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Fraction of pages and data sources that search does not return.
    #[arg(long, default_value_t = 0.2)]
    hidden: f64,
    /// Deliver signed webhook events to this URL.
    #[arg(long)]
    webhook_url: Option<String>,
}

fn parse_range(text: &str) -> Result<(u64, u64), String> {
    let (min, max) = text.split_once(',').ok_or("expected MIN,MAX")?;
    let min = min.trim().parse::<u64>().map_err(|e| e.to_string())?;
    let max = max.trim().parse::<u64>().map_err(|e| e.to_string())?;
    if max < min {
        return Err("MAX must be at least MIN".into());
    }
    Ok((min, max))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let rate_limit = (args.rate > 0.0).then_some(RateLimit {
        per_second: args.rate,
        burst: args.burst,
    });
    let mut config = SimConfig::new(args.seed, args.pages)
        .search_hidden_fraction(args.hidden)
        .rate_limit(rate_limit)
        .latency_ms(args.latency_ms.0, args.latency_ms.1);
    config.fault_rate = args.fault_rate;
    config.webhook_url = args.webhook_url;
    let sim = notion_sim::start(config, &format!("{}:{}", args.bind, args.port)).await?;
    println!("notion-sim listening on {}", sim.url);
    println!("token: {}", sim.token);
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
