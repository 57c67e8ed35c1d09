//! Where jobs wait: apalis on SQLite in embedded mode, on Redis in production. Enqueueing is
//! the same call in both; the payload is JSON either way, so a dead letter can be replayed
//! without knowing its Rust type.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use apalis::prelude::{TaskBuilder, TaskId, TaskSink};
use apalis_core::backend::Vacuum;
use apalis_redis::RedisStorage;
use apalis_sqlite::{SqlitePool, SqliteStorage};
use redis::aio::ConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;

use super::Job;
use crate::cache::CacheError;
use crate::config::Settings;
use crate::manifest::Modules;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct JobQueue {
    backend: Backend,
    pub(super) max_attempts: usize,
    pub(super) heartbeat: Duration,
    redis_prefix: String,
    /// How many jobs this process is running.
    running: Arc<watch::Sender<usize>>,
}

/// One job running in this process, counted until dropped.
pub(super) struct Running(Arc<watch::Sender<usize>>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.send_modify(|running| *running -= 1);
    }
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Redis(ConnectionManager),
}

impl JobQueue {
    /// The embedded queue, in the same SQLite file as the documents.
    ///
    /// Only apalis's migrations run here, not its `setup`: that also runs `PRAGMA optimize`
    /// (a write, which waits for the lock of an instance serving the same file, so a command
    /// beside a live instance stalled on "database is locked") and turns `synchronous` off on
    /// whichever pooled connections it happens to use. The store's connection options already
    /// give every connection the pragmas the file needs.
    pub async fn sqlite(pool: SqlitePool, settings: &Settings) -> anyhow::Result<Self> {
        SqliteStorage::<()>::migrations()
            .run(&pool)
            .await
            .context("cannot prepare the SQLite job tables")?;
        Ok(Self::with(Backend::Sqlite(pool), settings))
    }

    pub fn redis(connection: ConnectionManager, settings: &Settings) -> Self {
        Self::with(Backend::Redis(connection), settings)
    }

    fn with(backend: Backend, settings: &Settings) -> Self {
        Self {
            backend,
            max_attempts: settings.jobs.max_attempts.max(1) as usize,
            heartbeat: Duration::from_millis(settings.jobs.heartbeat_ms.max(100)),
            redis_prefix: settings.storage.redis_prefix.clone(),
            running: Arc::new(watch::Sender::new(0)),
        }
    }

    /// Enqueues a job; returns its task id.
    pub async fn push<J: Job>(&self, job: &J) -> anyhow::Result<String> {
        self.push_to(J::QUEUE, job, Duration::ZERO).await
    }

    /// Enqueues a job to run no sooner than `delay` from now.
    pub(super) async fn push_after<J: Job>(
        &self,
        job: &J,
        delay: Duration,
    ) -> anyhow::Result<String> {
        self.push_to(J::QUEUE, job, delay).await
    }

    /// Enqueues a stored JSON payload on a queue by name (replaying a dead letter).
    pub(super) async fn push_raw(&self, queue: &str, payload: &Value) -> anyhow::Result<String> {
        self.push_to(queue, payload, Duration::ZERO).await
    }

    async fn push_to<T>(&self, queue: &str, args: &T, delay: Duration) -> anyhow::Result<String>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static,
    {
        // Both backends store task ids as ULIDs.
        let id = ulid::Ulid::generate();
        let mut task = TaskBuilder::new(args.clone())
            .task_id(TaskId::from(id))
            .max_attempts(self.max_attempts);
        if !delay.is_zero() {
            task = task.run_after(delay);
        }
        let task = task.build();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut storage =
                    SqliteStorage::<T>::new(pool).with_config(self.sqlite_config(queue));
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot enqueue on {queue}: {e}"))?;
            }
            Backend::Redis(connection) => {
                let mut storage = RedisStorage::<T>::new(connection.clone())
                    .with_config(self.redis_config(queue));
                // Typed as the cache's outage, so that a request that enqueues answers 503.
                storage.push_task(task).await.map_err(|e| {
                    anyhow::Error::new(CacheError::Unavailable(e.to_string()))
                        .context(format!("cannot enqueue on {queue}"))
                })?;
            }
        }
        Ok(id.to_string())
    }

    /// Drops the records of jobs that finished (done, failed or killed) more than `older_than`
    /// ago from every queue; returns how many.
    pub(super) async fn forget_finished(
        &self,
        queues: &[&str],
        older_than: Duration,
    ) -> anyhow::Result<usize> {
        let mut forgotten = 0;
        for queue in queues {
            forgotten += match &self.backend {
                Backend::Sqlite(pool) => {
                    let mut storage =
                        SqliteStorage::<Value>::new(pool).with_config(self.sqlite_config(queue));
                    storage.vacuum_before(older_than).await?
                }
                Backend::Redis(connection) => {
                    let mut storage = RedisStorage::<Value>::new(connection.clone())
                        .with_config(self.redis_config(queue));
                    storage.vacuum_before(older_than).await?
                }
            };
        }
        Ok(forgotten)
    }

    /// Counts a job as running in this process until the guard is dropped.
    pub(super) fn running(&self) -> Running {
        self.running.send_modify(|running| *running += 1);
        Running(self.running.clone())
    }

    /// Resolves once this process runs no job.
    pub(super) async fn none_running(&self) {
        let mut running = self.running.subscribe();
        // The sender lives in `self`: the wait ends only when the count is zero.
        let _ = running.wait_for(|running| *running == 0).await;
    }

    pub(super) fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite(pool) => Some(pool),
            Backend::Redis(_) => None,
        }
    }

    pub(super) fn redis_connection(&self) -> Option<&ConnectionManager> {
        match &self.backend {
            Backend::Redis(connection) => Some(connection),
            Backend::Sqlite(_) => None,
        }
    }

    /// A dead worker's jobs are re-enqueued after this many missed heartbeats...
    const MISSED_HEARTBEATS: u64 = 3;
    /// ...and never sooner than this. Both backends stamp heartbeats in whole seconds, so a
    /// shorter window (fast heartbeats, as the tests use) would take live workers for dead
    /// ones: their jobs would be re-enqueued and run twice at once.
    const ORPHANED_AFTER_AT_LEAST: Duration = Duration::from_secs(4);

    /// Missed heartbeats before a worker counts as dead.
    fn missed_heartbeats(&self) -> usize {
        let beat = self.heartbeat.as_millis().max(1) as u64;
        let floor = (Self::ORPHANED_AFTER_AT_LEAST.as_millis() as u64).div_ceil(beat);
        Self::MISSED_HEARTBEATS.max(floor) as usize
    }

    pub(super) fn sqlite_config(&self, queue: &str) -> apalis_sqlite::Config {
        apalis_sqlite::Config::default()
            .queue(queue)
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats())
    }

    pub(super) fn redis_config(&self, queue: &str) -> apalis_redis::Config {
        apalis_redis::Config::default()
            .queue(format!("{}:jobs:{queue}", self.redis_prefix))
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats())
    }

    /// Updates the job gauges, read from the backend: counts by queue and state, and how long
    /// the oldest job due to run has waited.
    pub async fn refresh_metrics(&self, metrics: &Metrics, modules: Modules) {
        let counts = match &self.backend {
            Backend::Sqlite(pool) => sqlite_counts(pool).await,
            Backend::Redis(connection) => self.redis_counts(connection.clone(), modules).await,
        };
        match counts {
            Ok(counts) => {
                for (queue, state, count) in counts {
                    metrics.set_jobs(&queue, &state, count);
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot read job counts"),
        }
        let now = chrono::Utc::now().timestamp_millis();
        let oldest = match &self.backend {
            Backend::Sqlite(pool) => sqlite_oldest_due(pool).await,
            Backend::Redis(connection) => self.redis_oldest_due(connection.clone(), modules).await,
        };
        match oldest {
            Ok(oldest) => {
                for queue in modules.jobs().map(|job| job.queue) {
                    let since = oldest.iter().find(|(q, _)| q == queue).map(|(_, at)| *at);
                    let age = since.map_or(0, |at| (now - at).max(0) / 1000);
                    metrics.set_job_queue_age(queue, age);
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot read job ages"),
        }
    }

    /// Per queue, when the job at the head of the active list was enqueued (epoch ms): task ids
    /// are ULIDs, which carry their creation time, and the list is first in, first out.
    async fn redis_oldest_due(
        &self,
        mut connection: ConnectionManager,
        modules: Modules,
    ) -> anyhow::Result<Vec<(String, i64)>> {
        let mut oldest = Vec::new();
        for queue in modules.jobs().map(|job| job.queue) {
            let config = self.redis_config(queue);
            let head: Option<String> = redis::cmd("LINDEX")
                .arg(config.active_jobs_list())
                .arg(0)
                .query_async(&mut connection)
                .await?;
            if let Some(id) = head.and_then(|h| h.parse::<ulid::Ulid>().ok()) {
                oldest.push((queue.to_owned(), id.timestamp_ms() as i64));
            }
        }
        Ok(oldest)
    }

    async fn redis_counts(
        &self,
        mut connection: ConnectionManager,
        modules: Modules,
    ) -> anyhow::Result<Vec<(String, String, i64)>> {
        let mut counts = Vec::new();
        for queue in modules.jobs().map(|job| job.queue) {
            let config = self.redis_config(queue);
            let (pending, scheduled, done, dead): (i64, i64, i64, i64) = redis::pipe()
                .llen(config.active_jobs_list())
                .zcard(config.scheduled_jobs_set())
                .scard(config.done_jobs_set())
                .scard(config.dead_jobs_set())
                .query_async(&mut connection)
                .await?;
            for (state, count) in [
                ("pending", pending),
                ("scheduled", scheduled),
                ("done", done),
                ("killed", dead),
            ] {
                counts.push((queue.to_string(), state.to_owned(), count));
            }
        }
        Ok(counts)
    }
}

async fn sqlite_counts(pool: &SqlitePool) -> anyhow::Result<Vec<(String, String, i64)>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT job_type, lower(status), COUNT(*) FROM Jobs GROUP BY job_type, status",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Per queue, since when its oldest pending job has been due (epoch ms; `run_at` is seconds).
async fn sqlite_oldest_due(pool: &SqlitePool) -> anyhow::Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT job_type, MIN(run_at) * 1000 FROM Jobs \
         WHERE status = 'Pending' AND run_at <= strftime('%s', 'now') GROUP BY job_type",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
