//! Starting and stopping a simulator: generate the workspace, bind, and run the actix server
//! in its own task so that it works inside a caller's `#[tokio::test]` runtime.

use std::io;

use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

use crate::config::{Fault, RateLimit, SimConfig};
use crate::lower_bound::LowerBound;
use crate::model::Workspace;
use crate::server::{self, SimState, gate};
use crate::stats::Stats;
use crate::truth::Truth;
use crate::webhooks;

/// A simulator serving on a local port.
pub struct RunningSim {
    /// `http://HOST:PORT`, without a trailing slash.
    pub url: String,
    /// The integration token (`ntn_` + 46 alphanumerics), stable for a seed.
    pub token: String,
    /// The webhook verification token, when webhooks are configured.
    pub verification_token: Option<String>,
    state: web::Data<SimState>,
    handle: ServerHandle,
    server: JoinHandle<io::Result<()>>,
    webhooks: Option<JoinHandle<()>>,
}

/// Generates the workspace and starts serving it on `bind` (e.g. `"127.0.0.1:0"`).
pub async fn start(config: SimConfig, bind: &str) -> io::Result<RunningSim> {
    start_on(config, std::net::TcpListener::bind(bind)?).await
}

/// Generates the workspace and starts serving it on a socket already bound, so that the
/// caller can know and hand out the address before the server runs.
pub async fn start_on(
    config: SimConfig,
    listener: std::net::TcpListener,
) -> io::Result<RunningSim> {
    let (seed, pages, hidden) = (config.seed, config.pages, config.search_hidden_fraction);
    let ws = tokio::task::spawn_blocking(move || {
        let mut ws = crate::generate(seed, pages);
        ws.apply_search_hidden(hidden);
        ws
    })
    .await
    .map_err(io::Error::other)?;
    let hooks = config
        .webhook_url
        .clone()
        .map(|url| webhooks::spawn(url, ws.workspace_id));
    let state = web::Data::new(SimState::new(
        ws,
        &config,
        hooks
            .as_ref()
            .map(|h| (h.sender.clone(), h.verification_token.clone())),
    ));
    let address = listener.local_addr()?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let app_state = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(app_state.clone())
            .wrap(from_fn(gate::gate))
            .configure(server::configure)
    })
    .workers(workers)
    .disable_signals()
    .shutdown_timeout(1)
    .on_connect(gate::on_connect)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let token = state.tokens().integration.clone();
    Ok(RunningSim {
        url: format!("http://{address}"),
        token,
        verification_token: state.verification_token.clone(),
        state,
        handle,
        server: tokio::spawn(server),
        webhooks: hooks.map(|h| h.task),
    })
}

impl RunningSim {
    /// Every entity and edge as things stand now.
    pub fn truth(&self) -> Truth {
        Truth::of(&self.state.read())
    }

    pub fn stats(&self) -> Stats {
        self.state.counters.snapshot()
    }

    pub fn lower_bound(&self) -> LowerBound {
        LowerBound::of(&self.state.read())
    }

    /// Reads the workspace model directly (for assertions that need more than the truth).
    pub fn with_workspace<T>(&self, f: impl FnOnce(&Workspace) -> T) -> T {
        f(&self.state.read())
    }

    pub fn set_faults(&self, rate: f64, kinds: Vec<Fault>) {
        self.state.limits.set_faults(rate, kinds);
    }

    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.state.limits.set_rate_limit(limit);
    }

    pub fn set_latency(&self, min_ms: u64, max_ms: u64) {
        self.state.limits.set_latency(min_ms, max_ms);
    }

    /// A single-use OAuth authorization code.
    pub fn oauth_code(&self) -> String {
        self.state.tokens().issue_code()
    }

    /// Revokes an access (or refresh) token; returns whether it was known.
    pub fn revoke(&self, token: &str) -> bool {
        self.state.tokens().revoke(token)
    }

    /// Stops serving and delivering webhooks.
    pub async fn stop(self) {
        self.handle.stop(false).await;
        let _ = self.server.await;
        if let Some(task) = self.webhooks {
            task.abort();
        }
    }
}
