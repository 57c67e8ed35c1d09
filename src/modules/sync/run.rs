//! Sync runs and their checkpoints. A run records what kind of sync it is, who ran it, how it
//! ended and its progress (the history a dashboard shows). A full import also keeps its
//! frontier in the store: every task it discovered, marked done once its results (the tasks it
//! led to) are recorded, and how far the search seed has got. A run that is killed resumes
//! from there without re-reading finished pages.

use serde::{Deserialize, Serialize};

use super::connection::{self, Connection, LatestRun};
use super::crawl::{ImportReport, Task};
use super::progress::ProgressSnapshot;
use crate::storage::{Collection, Filter, Index, Order, Query, Store, StoreResult, Typed};

pub static RUNS: Collection = Collection {
    name: "sync_runs",
    indexes: &[
        Index::on(&["connection", "state"]),
        Index::on(&["connection", "started_at"]),
    ],
    ttl_field: Some("expires_at"),
    archived: true,
};

pub static FRONTIER: Collection = Collection {
    name: "sync_frontier",
    indexes: &[Index::on(&["run", "done"])],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// A finished run is archived after this long (it stays in the dashboard's history till then).
const RUN_HISTORY_MS: i64 = 90 * 24 * 3600 * 1000;

/// A finished run's frontier is only history; housekeeping drops it after this long.
const FRONTIER_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Full,
    Incremental,
    /// Targeted re-reads of the pages webhooks named.
    Webhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub connection: String,
    pub kind: RunKind,
    pub state: RunState,
    /// Epoch milliseconds.
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The process that ran (or last resumed) it.
    pub holder: String,
    /// How many times it was resumed after an interruption.
    pub resumed: u32,
    /// The search seed's next cursor, and whether the seed is complete.
    pub search_cursor: Option<String>,
    pub seeded: bool,
    pub progress: ProgressSnapshot,
    pub report: Option<ImportReport>,
    pub error: Option<String>,
    /// When a finished run becomes history for the archive (epoch milliseconds).
    #[serde(default)]
    pub expires_at: Option<i64>,
}

pub fn runs(store: &Store) -> Typed<Run> {
    Typed::new(store.clone(), &RUNS)
}

/// The connection's unfinished full import, if one was interrupted.
pub async fn interrupted(store: &Store, connection: &str) -> StoreResult<Option<(String, Run)>> {
    let filter = Filter::all()
        .eq("connection", connection)
        .eq("state", "running");
    let (page, _) = runs(store).find(&Query::new(filter).limit(10)).await?;
    Ok(page
        .into_iter()
        .find(|r| r.value.kind == RunKind::Full)
        .map(|r| (r.id, r.value)))
}

/// The connection's runs, newest first.
pub async fn history(store: &Store, connection: &str, limit: usize) -> StoreResult<Vec<Run>> {
    let query = Query::new(Filter::all().eq("connection", connection))
        .sort("started_at", Order::Desc)
        .limit(limit);
    Ok(runs(store)
        .find(&query)
        .await?
        .0
        .into_iter()
        .map(|r| r.value)
        .collect())
}

/// Resumes the connection's interrupted full import, or starts a run of the right kind: full
/// the first time (or when `full`), incremental afterwards.
pub async fn begin(
    store: &Store,
    connection: &Connection,
    holder: &str,
    started: i64,
    full: bool,
) -> StoreResult<(String, RunKind)> {
    if let Some((id, _)) = interrupted(store, &connection.id).await? {
        let resumed = runs(store)
            .update(&id, |run| {
                run.resumed += 1;
                run.holder = holder.to_owned();
                Some(())
            })
            .await?;
        if let Some(resumed) = resumed {
            // Running again: the failure it stopped at is history now.
            let latest = LatestRun {
                state: RunState::Running,
                error: None,
                ..latest(&id, &resumed.value)
            };
            connection::record_run(store, &connection.id, latest, |_| {}).await?;
        }
        return Ok((id, RunKind::Full));
    }
    let kind = match connection.last_sync_started_at {
        Some(_) if !full => RunKind::Incremental,
        _ => RunKind::Full,
    };
    Ok((start(store, connection, kind, holder, started).await?, kind))
}

/// Records a new run; returns its id.
pub async fn start(
    store: &Store,
    connection: &Connection,
    kind: RunKind,
    holder: &str,
    started: i64,
) -> StoreResult<String> {
    let id = ulid::Ulid::generate().to_string();
    let run = Run {
        connection: connection.id.clone(),
        kind,
        state: RunState::Running,
        started_at: started,
        finished_at: None,
        holder: holder.to_owned(),
        resumed: 0,
        search_cursor: None,
        seeded: false,
        progress: Default::default(),
        report: None,
        error: None,
        expires_at: None,
    };
    runs(store).insert(&id, &run).await?;
    connection::record_run(store, &connection.id, latest(&id, &run), |_| {}).await?;
    Ok(id)
}

/// The run `id` in short, for its connection. A full import that failed stays `running` to
/// be resumed, but its latest attempt failed.
fn latest(id: &str, run: &Run) -> LatestRun {
    let failed = run.state == RunState::Running && run.error.is_some();
    LatestRun {
        run: id.to_owned(),
        kind: run.kind,
        state: if failed { RunState::Failed } else { run.state },
        started_at: run.started_at,
        finished_at: run.finished_at,
        error: run.error.clone(),
    }
}

/// Records how a run ended (`Running` keeps a full import resumable): first on its connection,
/// with the counts of what is now stored and what `settle` sets there, then on the run. So
/// whoever sees the run ended finds its workspace saying so too.
pub async fn finish(
    store: &Store,
    id: &str,
    end: Ending,
    settle: impl Fn(&mut Connection),
) -> StoreResult<()> {
    let finished_at = (end.state != RunState::Running).then(super::now_ms);
    let close = |run: &mut Run| {
        run.state = end.state;
        run.finished_at = finished_at;
        run.expires_at = finished_at.map(|at| at + RUN_HISTORY_MS);
        run.report = end.report.clone();
        run.error = end.error.clone();
        run.progress = end.progress.clone();
    };
    let Some(mut ended) = runs(store).get(id).await?.map(|record| record.value) else {
        return Ok(());
    };
    close(&mut ended);
    connection::record_run(store, &ended.connection, latest(id, &ended), settle).await?;
    runs(store)
        .update(id, |run| {
            close(run);
            Some(())
        })
        .await?;
    Ok(())
}

/// How a run ended.
pub struct Ending {
    pub state: RunState,
    pub report: Option<ImportReport>,
    pub error: Option<String>,
    pub progress: ProgressSnapshot,
}

impl Ending {
    pub fn completed(report: &ImportReport, progress: ProgressSnapshot) -> Self {
        let report = Some(report.clone());
        Self {
            state: RunState::Completed,
            report,
            error: None,
            progress,
        }
    }

    /// Failed with `error`; `state` is `Running` for a full import that stays resumable.
    pub fn failed(state: RunState, error: &anyhow::Error, progress: ProgressSnapshot) -> Self {
        let error = Some(format!("{error:#}"));
        Self {
            state,
            report: None,
            error,
            progress,
        }
    }
}

/// A full import's frontier in the store.
#[derive(Clone)]
pub struct Checkpoint {
    store: Store,
    run: String,
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct FrontierEntry {
    run: String,
    task: Task,
    done: bool,
    expires_at: i64,
}

impl Checkpoint {
    pub fn new(store: Store, run: &str) -> Self {
        Self {
            store,
            run: run.to_owned(),
            expires_at: super::now_ms() + FRONTIER_TTL_MS,
        }
    }

    /// Records what `finished` led to, then `finished` itself as done, in one write: a crash
    /// before it re-runs `finished` (tasks are idempotent); after it, nothing is lost. Facts
    /// are recorded done; an answered read marks the read itself done.
    pub async fn record(&self, finished: Option<&Task>, found: &[Task]) -> StoreResult<()> {
        let pending = found.iter().map(|task| match task {
            Task::Answered(read) => self.entry(read, true),
            task => self.entry(task, task.is_fact()),
        });
        let entries: Vec<_> = pending
            .chain(finished.map(|task| self.entry(task, true)))
            .collect();
        if !entries.is_empty() {
            self.frontier().bulk_upsert(&entries).await?;
        }
        Ok(())
    }

    fn frontier(&self) -> Typed<FrontierEntry> {
        Typed::new(self.store.clone(), &FRONTIER)
    }

    fn entry(&self, task: &Task, done: bool) -> (String, FrontierEntry) {
        let entry = FrontierEntry {
            run: self.run.clone(),
            task: task.clone(),
            done,
            expires_at: self.expires_at,
        };
        (format!("{}:{}", self.run, task.key()), entry)
    }

    /// Every task recorded so far, with whether it is done.
    pub async fn restore(&self) -> StoreResult<Vec<(Task, bool)>> {
        let query = Query::new(Filter::all().eq("run", self.run.as_str())).limit(1000);
        let mut restored = Vec::new();
        self.frontier()
            .for_each(&query, |r| restored.push((r.value.task, r.value.done)))
            .await?;
        Ok(restored)
    }

    /// Remembers where the search seed stands.
    pub async fn seeded_to(&self, cursor: Option<&str>) -> StoreResult<()> {
        runs(&self.store)
            .update(&self.run, |run| {
                run.search_cursor = cursor.map(str::to_owned);
                run.seeded = cursor.is_none();
                Some(())
            })
            .await?;
        Ok(())
    }

    /// Where the search seed should continue: `None` when it is complete.
    pub async fn search_from(&self) -> StoreResult<Option<Option<String>>> {
        let run = runs(&self.store).get(&self.run).await?;
        Ok(match run {
            Some(r) if r.value.seeded => None,
            Some(r) => Some(r.value.search_cursor),
            None => Some(None),
        })
    }
}
