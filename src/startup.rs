//! `Application`: builds the state, binds the HTTP server and starts the workers its role
//! asks for, then runs until SIGTERM/SIGINT (or a test's [`ShutdownTrigger`]) and stops
//! gracefully: readiness turns 503 at once, in-flight requests and jobs finish, nothing is lost.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::{Server, ServerHandle};
use anyhow::Context;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::app::create_app;
use crate::config::Settings;
use crate::jobs::Workers;
use crate::modules;
use crate::state::AppState;

/// What this process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// HTTP; job workers too in embedded mode or when asked.
    Server { with_workers: bool },
    /// Job workers only.
    Worker,
}

pub struct Application {
    state: AppState,
    port: Option<u16>,
    server: Option<Server>,
    workers: Option<Workers>,
    /// This process's alert loop (counter reports; evaluation when it holds the lease).
    alerts: JoinHandle<()>,
    shutdown: ShutdownTrigger,
}

/// Starts a graceful shutdown from inside the process, as SIGTERM would.
#[derive(Clone, Default)]
pub struct ShutdownTrigger(Arc<Notify>);

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.0.notify_one();
    }
}

impl Application {
    pub async fn build(settings: Settings, role: Role) -> anyhow::Result<Self> {
        let mode = settings.mode();
        let listener = match role {
            Role::Server { .. } => {
                let address = format!("{}:{}", settings.server.bind, settings.server.port);
                let listener = TcpListener::bind(&address)
                    .with_context(|| format!("cannot listen on {address}"))?;
                tracing::info!(mode = %mode, "notion-graph listening on http://{}", listener.local_addr()?);
                Some(listener)
            }
            Role::Worker => {
                tracing::info!(mode = %mode, "notion-graph worker starting");
                None
            }
        };
        let mut settings = settings;
        if let Some(listener) = &listener {
            // Port 0 asked for any free port: links in mail must name the one we got.
            settings.server.port = listener.local_addr()?.port();
        }
        let state = AppState::build(settings, modules::ALL).await?;
        let run_workers = match role {
            Role::Server { with_workers } => with_workers || mode.is_embedded(),
            Role::Worker => true,
        };
        let workers = if run_workers {
            Some(Workers::start(&state)?)
        } else {
            None
        };
        let port = listener
            .as_ref()
            .map(|l| l.local_addr())
            .transpose()?
            .map(|a| a.port());
        let server = match (listener, role) {
            (Some(listener), _) => Some(serve(listener, state.clone())?),
            (None, Role::Worker) => serve_worker_metrics(&state)?,
            (None, _) => None,
        };
        let alerts = modules::alerts::start(&state);
        Ok(Self {
            state,
            port,
            server,
            workers,
            alerts,
            shutdown: ShutdownTrigger::default(),
        })
    }

    /// The bound port (tests bind port 0); `None` for a worker.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn shutdown_trigger(&self) -> ShutdownTrigger {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Application {
            state,
            server,
            workers,
            alerts,
            shutdown,
            ..
        } = self;
        let handle = server.as_ref().map(Server::handle);
        let server_task = server.map(tokio::spawn);
        tokio::select! {
            () = termination_signal() => {}
            () = shutdown.0.notified() => {}
        }
        alerts.abort();
        drain(&state, handle, workers).await?;
        if let Some(task) = server_task {
            task.await?.context("HTTP server failed")?;
        }
        tracing::info!("notion-graph stopped");
        Ok(())
    }
}

fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let timeout = state.settings.server.shutdown_timeout_secs;
    let server = HttpServer::new(move || create_app(state.clone()))
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(timeout)
        .run();
    Ok(server)
}

/// A worker's `/metrics`, `/livez` and `/readyz` on `worker_metrics_addr`, when it is set: its
/// counters (Notion calls, sync runs, exports) are kept in the worker and scraped there.
fn serve_worker_metrics(state: &AppState) -> anyhow::Result<Option<Server>> {
    let Some(address) = &state.settings.server.worker_metrics_addr else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address)
        .with_context(|| format!("cannot listen on {address} (worker_metrics_addr)"))?;
    tracing::info!(
        "worker metrics on http://{}/metrics",
        listener.local_addr()?
    );
    let state = state.clone();
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(actix_web::web::Data::new(state.clone()))
            .configure(modules::ops::probes)
    })
    .listen(listener)?
    .workers(1)
    .disable_signals()
    .run();
    Ok(Some(server))
}

/// Readiness first, so load balancers stop sending; then HTTP and workers finish their work.
async fn drain(
    state: &AppState,
    server: Option<ServerHandle>,
    workers: Option<Workers>,
) -> anyhow::Result<()> {
    state.lifecycle.begin_shutdown();
    tracing::info!("shutting down: finishing in-flight requests and jobs");
    tokio::time::sleep(Duration::from_millis(
        state.settings.server.shutdown_drain_ms,
    ))
    .await;
    let limit = Duration::from_secs(state.settings.server.shutdown_timeout_secs + 5);
    let stop_server = async {
        if let Some(handle) = server {
            handle.stop(true).await;
        }
    };
    let stop_workers = async {
        match workers {
            Some(workers) => workers.stop(&state.jobs).await,
            None => Ok(()),
        }
    };
    let (_, workers) =
        tokio::time::timeout(limit, async { tokio::join!(stop_server, stop_workers) })
            .await
            .context("shutdown took longer than the shutdown timeout")?;
    workers
}

async fn termination_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM received"),
        _ = interrupt.recv() => tracing::info!("SIGINT received"),
    }
}
