//! The demo (`serve --demo`, the `demo` setting): the instance talks to a built-in Notion
//! simulator (`tools/notion-sim`) on a loopback port instead of Notion, and **Try a sample
//! workspace** connects the simulator's generated workspace with its integration token. This
//! is how someone without a Notion account sees the whole product.
//!
//! The simulator is started before the application and its URL becomes `notion_api_url`, so
//! every part of the product reaches it the way it reaches Notion. It answers faster than
//! Notion (30 requests per second rather than 3) so that the sample imports in seconds.

use secrecy::SecretString;

use crate::config::Settings;
use crate::state::AppState;

/// The sample workspace: the same pages and links at every start.
const SEED: u64 = 2026;
const PAGES: usize = 200;
const RATE: f64 = 30.0;

/// Whether this instance runs the demo.
pub fn enabled(state: &AppState) -> bool {
    state.settings.notion.demo
}

/// The integration token of the sample workspace, when the demo runs.
pub fn token(state: &AppState) -> Option<SecretString> {
    enabled(state).then(|| SecretString::from(notion_sim::auth::Tokens::new(SEED).integration))
}

/// Starts the simulator when `settings` ask for the demo and points them at it; the returned
/// handle serves until dropped.
pub async fn start(settings: &mut Settings) -> anyhow::Result<Option<notion_sim::RunningSim>> {
    if !settings.notion.demo {
        return Ok(None);
    }
    let limit = notion_sim::RateLimit {
        per_second: RATE,
        burst: RATE as u32,
    };
    let config = notion_sim::SimConfig::new(SEED, PAGES).rate_limit(Some(limit));
    let sim = notion_sim::start(config, "127.0.0.1:0").await?;
    tracing::info!(url = %sim.url, pages = PAGES, "demo: a Notion simulator serves the sample workspace");
    settings.notion.api_url = sim.url.clone();
    settings.notion.rate = RATE;
    Ok(Some(sim))
}
