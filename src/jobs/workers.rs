//! The workers: one apalis worker per job type on the configured backend, plus the scheduled
//! housekeeping. Each runs under a supervisor that restarts it, with backoff, when its backend
//! fails (a Redis or SQLite outage), and stops it gracefully (in-flight jobs finish).

use std::str::FromStr;
use std::time::Duration;

use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{BackoffRetryPolicy, HasherRng, RetryPolicy};
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Job, dead_letter};
use crate::state::AppState;

/// How often an idle worker looks for new jobs.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// The longest pause between two restarts of a failing worker.
const MAX_RESTART_DELAY: Duration = Duration::from_secs(5);
/// How long a job handed back at shutdown waits in the queue: longer than the process takes
/// to stop, so that another instance, or the next process, runs it.
const HANDED_BACK_FOR: Duration = Duration::from_secs(5);

/// Runs one incarnation of a worker until the stop signal resolves.
pub(super) type RunWorker = Box<
    dyn Fn(
            usize,
            BoxFuture<'static, Result<(), std::io::Error>>,
        ) -> BoxFuture<'static, Result<(), WorkerError>>
        + Send
        + Sync,
>;

/// The running workers of this process.
pub struct Workers {
    stop: watch::Sender<bool>,
    supervisors: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts every worker. Names are unique per process, so a restarted process never clashes
    /// with its dead predecessor, whose jobs the heartbeat sweep re-enqueues.
    pub fn start(state: &AppState) -> anyhow::Result<Self> {
        let instance = uuid::Uuid::now_v7().simple().to_string();
        let schedule = cron::Schedule::from_str(&state.settings.jobs.housekeeping_cron)
            .map_err(|e| anyhow::anyhow!("housekeeping_cron: {e}"))?;
        let (stop, stopped) = watch::channel(false);
        let jobs = state
            .modules
            .jobs()
            .map(|job| (format!("{}-{instance}", job.queue), (job.worker)(state)));
        let housekeeping = (
            format!("housekeeping-{instance}"),
            housekeeping_worker(state, schedule),
        );
        let supervisors = jobs
            .chain([housekeeping])
            .map(|(name, run)| tokio::spawn(supervise(name, run, stopped.clone())))
            .collect();
        tracing::info!(instance, "job workers started");
        Ok(Self { stop, supervisors })
    }

    /// Waits for the jobs in flight (once draining began they stop at a checkpoint, and jobs
    /// fetched meanwhile are handed back), then stops the workers. In that order because a
    /// worker told to stop leaves the backend call it was in unfinished until it exits: on
    /// SQLite an open transaction, whose write lock the jobs still running would wait for.
    pub async fn stop(self, jobs: &super::JobQueue) -> anyhow::Result<()> {
        jobs.none_running().await;
        let _ = self.stop.send(true);
        for supervisor in self.supervisors {
            supervisor.await?;
        }
        Ok(())
    }
}

async fn stopped(mut stop: watch::Receiver<bool>) -> Result<(), std::io::Error> {
    let _ = stop.wait_for(|stopped| *stopped).await;
    Ok(())
}

/// Keeps a worker running until asked to stop, restarting it with growing pauses after errors.
async fn supervise(name: String, run: RunWorker, stop: watch::Receiver<bool>) {
    for restarts in 0.. {
        let result = run(restarts, stopped(stop.clone()).boxed()).await;
        if *stop.borrow() {
            return;
        }
        let delay = Duration::from_millis(200 << restarts.min(8)).min(MAX_RESTART_DELAY);
        match result {
            Ok(()) => tracing::warn!(worker = name, "worker ended by itself; restarting"),
            Err(error) => {
                tracing::warn!(worker = name, %error, ?delay, "worker failed; restarting")
            }
        }
        let mut stop = stop.clone();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// Attempt `n` waits about `base * 2^(n-1)` (with jitter) before it runs.
fn retry_policy(state: &AppState) -> BackoffRetryPolicy<ExponentialBackoff<HasherRng>> {
    let base = Duration::from_millis(state.settings.jobs.backoff_ms.max(1));
    let backoff = ExponentialBackoffMaker::new(base, base * 64, 0.5, HasherRng::default())
        .expect("a valid backoff range")
        .make_backoff();
    RetryPolicy::retries(state.jobs.max_attempts.saturating_sub(1)).with_backoff(backoff)
}

/// The same worker on either backend (their storage types differ, hence a macro).
macro_rules! run_job_worker {
    ($job:ty, $storage:expr, $name:expr, $state:expr, $stop:expr) => {{
        let context = WorkerContext::new(&$name);
        let events = WorkerBuilder::new(context.clone())
            .backend($storage.poll_with_interval(POLL_INTERVAL))
            .concurrency($state.settings.jobs.concurrency.max(1))
            .retry(retry_policy(&$state))
            .data($state.clone())
            .build(execute::<$job>)
            .stream()
            .boxed();
        drive(events, context, $stop).boxed()
    }};
}

/// Runs one incarnation of a worker until its stop signal, or until its backend fails. A
/// failed backend (Redis or SQLite unreachable) ends the incarnation but not the jobs it is
/// running: they finish in the background while the supervisor starts a fresh incarnation.
/// apalis's own `run_until` returns at the first error and so cancels every job in flight,
/// which left an import's sync lease held, and its job unclaimed, until both timed out.
async fn drive(
    mut events: BoxStream<'static, Result<Event, WorkerError>>,
    context: WorkerContext,
    stop: BoxFuture<'static, Result<(), std::io::Error>>,
) -> Result<(), WorkerError> {
    let mut stop = stop.fuse();
    let mut stopping = false;
    loop {
        tokio::select! {
            event = events.next() => match event {
                None => return Ok(()),
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    if context.has_pending_tasks() {
                        tokio::spawn(finish_in_flight(events, context));
                    }
                    return Err(error);
                }
            },
            _ = &mut stop, if !stopping => {
                stopping = true;
                // Not started yet: there is nothing to wait for.
                if context.stop().is_err() {
                    return Ok(());
                }
            }
        }
    }
}

/// Drives a failed incarnation until its jobs in flight have finished and their results are
/// written (apalis does both once it stops fetching), or the backend fails again; a job
/// whose result could not be written runs again once the heartbeat sweep re-enqueues it.
async fn finish_in_flight(
    mut events: BoxStream<'static, Result<Event, WorkerError>>,
    context: WorkerContext,
) {
    while let Some(event) = events.next().await {
        if let Err(error) = event {
            let worker = context.name();
            tracing::warn!(worker, %error, "a failed worker's jobs finished, but not all their results were written");
            return;
        }
    }
}

pub(super) fn job_worker<J: Job>(state: &AppState) -> RunWorker {
    let state = state.clone();
    Box::new(move |restarts, stop| {
        let name = format!("{}-{}-{restarts}", J::QUEUE, uuid::Uuid::now_v7().simple());
        let jobs = &state.jobs;
        match (jobs.sqlite_pool(), jobs.redis_connection()) {
            (Some(pool), _) => {
                let storage =
                    SqliteStorage::<J>::new(pool).with_config(jobs.sqlite_config(J::QUEUE));
                run_job_worker!(J, storage, name, state, stop)
            }
            (None, Some(connection)) => {
                let storage = RedisStorage::<J>::new(connection.clone())
                    .with_config(jobs.redis_config(J::QUEUE));
                run_job_worker!(J, storage, name, state, stop)
            }
            (None, None) => unreachable!("a job queue has one backend"),
        }
    })
}

/// Runs one attempt. The last failing attempt is written to the dead-letter list and aborted,
/// so the backend stops retrying it and an admin can replay it. Once shutdown began, a job
/// that fails (stopped by the shutdown, most likely) or is only fetched goes back to the
/// queue instead, for another instance or the next process, and the attempt does not count.
async fn execute<J: Job>(
    job: J,
    attempt: Attempt,
    task_id: TaskId,
    state: Data<AppState>,
) -> Result<(), BoxDynError> {
    let _running = state.jobs.running();
    let task_id = task_id.to_string();
    if state.lifecycle.is_draining() {
        return hand_back(&state, &job, &task_id, "fetched during shutdown").await;
    }
    let attempt = attempt.current();
    let error = match job.clone().run(&state).await {
        Ok(()) => return Ok(()),
        Err(error) => error,
    };
    if state.lifecycle.is_draining() {
        return hand_back(&state, &job, &task_id, &format!("{error:#}")).await;
    }
    tracing::warn!(queue = J::QUEUE, %task_id, attempt, error = format!("{error:#}"), "job attempt failed");
    if attempt < state.jobs.max_attempts {
        return Err(error.into());
    }
    dead_letter::record(&state, J::QUEUE, &task_id, &job, attempt, &error).await?;
    if let Err(failure) = job.dead_lettered(&state, &error).await {
        tracing::warn!(queue = J::QUEUE, %task_id, error = format!("{failure:#}"), "dead-letter hook failed");
    }
    Err(AbortError::new(error).into())
}

async fn hand_back<J: Job>(
    state: &AppState,
    job: &J,
    task_id: &str,
    why: &str,
) -> Result<(), BoxDynError> {
    state.jobs.push_after(job, HANDED_BACK_FOR).await?;
    tracing::info!(
        queue = J::QUEUE,
        task_id,
        why,
        "job handed back at shutdown"
    );
    Ok(())
}

fn housekeeping_worker(state: &AppState, schedule: cron::Schedule) -> RunWorker {
    let state = state.clone();
    Box::new(move |restarts, stop| {
        WorkerBuilder::new(format!(
            "housekeeping-{}-{restarts}",
            uuid::Uuid::now_v7().simple()
        ))
        .backend(CronScheduler::new(schedule.clone()))
        .data(state.clone())
        .build(housekeeping)
        .run_until(stop)
        .boxed()
    })
}

async fn housekeeping(_tick: Tick, state: Data<AppState>) -> Result<(), BoxDynError> {
    super::housekeeping::run(&state).await?;
    Ok(())
}
