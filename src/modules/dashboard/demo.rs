//! The sample workspace: a built-in Notion simulator (`tools/notion-sim`) on a loopback port
//! serves a generated workspace, and **Try a sample workspace** connects it, so that someone
//! without a Notion account sees the whole product in a minute.
//!
//! Every embedded instance serves it: only the sample connection talks to the simulator (its
//! connection says `api: sample`), every other one to Notion. With `serve --demo` the whole
//! instance talks to the simulator instead of Notion (the simulator's URL becomes
//! `notion_api_url`), which also lets OAuth and webhooks be tried. The workspace is the same at
//! every start (a fixed seed), so a sample connected before a restart keeps working, and each
//! process of an instance serves the same one. It answers faster than Notion (30 requests per
//! second rather than 3) so that the sample imports in seconds.

use std::net::TcpListener;

use crate::config::{SampleNotion, Settings};
use crate::state::AppState;

/// The sample workspace: the same pages and links at every start.
const SEED: u64 = 2026;
const PAGES: usize = 200;
const RATE: f64 = 30.0;

/// Whether this instance offers the sample workspace.
pub fn enabled(state: &AppState) -> bool {
    state.settings.notion.sample.is_some()
}

/// When this instance serves the sample (embedded, or `demo` asked for), binds its port and
/// records it in `settings`; [`serve`] then starts the simulator on it. Split in two so that
/// the simulator starts after the application, whose first log line says where it listens.
pub fn reserve(settings: &mut Settings) -> anyhow::Result<Option<TcpListener>> {
    if !(settings.notion.demo || settings.mode().is_embedded()) {
        return Ok(None);
    }
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let api_url = format!("http://{}", listener.local_addr()?);
    if settings.notion.demo {
        settings.notion.api_url = api_url.clone();
        settings.notion.rate = RATE;
    }
    settings.notion.sample = Some(SampleNotion {
        api_url,
        token: notion_sim::auth::Tokens::new(SEED).integration,
        rate: RATE,
    });
    Ok(Some(listener))
}

/// Serves the sample workspace on the port [`reserve`] bound, until the handle is dropped.
pub async fn serve(listener: TcpListener) -> anyhow::Result<notion_sim::RunningSim> {
    let limit = notion_sim::RateLimit {
        per_second: RATE,
        burst: RATE as u32,
    };
    let config = notion_sim::SimConfig::new(SEED, PAGES).rate_limit(Some(limit));
    let sim = notion_sim::start_on(config, listener).await?;
    tracing::info!(url = %sim.url, pages = PAGES, "a Notion simulator serves the sample workspace");
    Ok(sim)
}

/// [`reserve`] and [`serve`] at once, for a caller that logs nothing first.
pub async fn start(settings: &mut Settings) -> anyhow::Result<Option<notion_sim::RunningSim>> {
    match reserve(settings)? {
        Some(listener) => Ok(Some(serve(listener).await?)),
        None => Ok(None),
    }
}
