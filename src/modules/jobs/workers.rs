//! The workers: one apalis worker per job type on the configured backend, plus the scheduled
//! housekeeping, all under one monitor that stops gracefully (in-flight jobs finish).

use std::str::FromStr;
use std::time::Duration;

use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{BackoffRetryPolicy, HasherRng, RetryPolicy};
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{Job, dead_letter};
use crate::modules::ops;
use crate::state::AppState;

/// How often an idle worker looks for new jobs.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The running workers of this process.
pub struct Workers {
    stop: oneshot::Sender<()>,
    monitor: JoinHandle<Result<(), MonitorError>>,
}

impl Workers {
    /// Starts every worker. Names are unique per process, so a restarted process never clashes
    /// with its dead predecessor, whose jobs the heartbeat sweep re-enqueues.
    pub fn start(state: &AppState) -> anyhow::Result<Self> {
        let instance = uuid::Uuid::now_v7().simple().to_string();
        let schedule = cron::Schedule::from_str(&state.settings.housekeeping_cron)
            .map_err(|e| anyhow::anyhow!("housekeeping_cron: {e}"))?;
        let timeout = Duration::from_secs(state.settings.shutdown_timeout_secs);
        let monitor = Monitor::new().shutdown_timeout(timeout);
        let monitor = register::<ops::Canary>(monitor, state, &instance);
        let monitor = register_housekeeping(monitor, state, schedule, &instance);
        let (stop, stopped) = oneshot::channel();
        let monitor = tokio::spawn(monitor.run_with_signal(async move {
            let _ = stopped.await;
            Ok(())
        }));
        tracing::info!(instance, "job workers started");
        Ok(Self { stop, monitor })
    }

    /// Stops taking jobs and waits for the ones in flight (up to the shutdown timeout).
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.monitor
            .await?
            .map_err(|e| anyhow::anyhow!("job workers stopped badly: {e}"))
    }
}

/// Attempt `n` waits about `base * 2^(n-1)` (with jitter) before it runs.
fn retry_policy(state: &AppState) -> BackoffRetryPolicy<ExponentialBackoff<HasherRng>> {
    let base = Duration::from_millis(state.settings.job_backoff_ms.max(1));
    let backoff = ExponentialBackoffMaker::new(base, base * 64, 0.5, HasherRng::default())
        .expect("a valid backoff range")
        .make_backoff();
    RetryPolicy::retries(state.jobs.max_attempts.saturating_sub(1)).with_backoff(backoff)
}

fn register<J: Job>(monitor: Monitor, state: &AppState, instance: &str) -> Monitor {
    let state = state.clone();
    let concurrency = state.settings.job_concurrency.max(1);
    let instance = instance.to_owned();
    let name = move |restarts: usize| format!("{}-{instance}-{restarts}", J::QUEUE);
    if let Some(pool) = state.jobs.sqlite_pool().cloned() {
        monitor.register(move |restarts| {
            let storage =
                SqliteStorage::<J>::new(&pool).with_config(state.jobs.sqlite_config(J::QUEUE));
            WorkerBuilder::new(name(restarts))
                .backend(storage.poll_with_interval(POLL_INTERVAL))
                .concurrency(concurrency)
                .retry(retry_policy(&state))
                .data(state.clone())
                .build(execute::<J>)
        })
    } else {
        let connection = state
            .jobs
            .redis_connection()
            .cloned()
            .expect("one backend or the other");
        monitor.register(move |restarts| {
            let storage = RedisStorage::<J>::new(connection.clone())
                .with_config(state.jobs.redis_config(J::QUEUE));
            WorkerBuilder::new(name(restarts))
                .backend(storage.poll_with_interval(POLL_INTERVAL))
                .concurrency(concurrency)
                .retry(retry_policy(&state))
                .data(state.clone())
                .build(execute::<J>)
        })
    }
}

/// Runs one attempt. The last failing attempt is written to the dead-letter list and aborted,
/// so the backend stops retrying it and an admin can replay it.
async fn execute<J: Job>(
    job: J,
    attempt: Attempt,
    task_id: TaskId,
    state: Data<AppState>,
) -> Result<(), BoxDynError> {
    let attempt = attempt.current();
    let error = match job.clone().run(&state).await {
        Ok(()) => return Ok(()),
        Err(error) => error,
    };
    let task_id = task_id.to_string();
    tracing::warn!(queue = J::QUEUE, %task_id, attempt, error = format!("{error:#}"), "job attempt failed");
    if attempt < state.jobs.max_attempts {
        return Err(error.into());
    }
    dead_letter::record(&state, J::QUEUE, &task_id, &job, attempt, &error).await?;
    Err(AbortError::new(error).into())
}

fn register_housekeeping(
    monitor: Monitor,
    state: &AppState,
    schedule: cron::Schedule,
    instance: &str,
) -> Monitor {
    let state = state.clone();
    let instance = instance.to_owned();
    monitor.register(move |restarts| {
        WorkerBuilder::new(format!("housekeeping-{instance}-{restarts}"))
            .backend(CronScheduler::new(schedule.clone()))
            .data(state.clone())
            .build(housekeeping)
    })
}

async fn housekeeping(_tick: Tick, state: Data<AppState>) -> Result<(), BoxDynError> {
    ops::housekeeping(&state).await.map_err(Into::into)
}
