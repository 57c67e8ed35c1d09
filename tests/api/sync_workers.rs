//! Sync in real processes: an import killed with SIGKILL resumes where it stopped (from the
//! command line, and on another worker with MongoDB + Redis), and two workers never sync one
//! workspace at once.

use std::sync::Arc;
use std::time::Duration;

use notion_graph::modules::sync::run::{self, RunKind, RunState};
use notion_graph::storage::{MongoStore, Store};
use notion_sim::RunningSim;

use crate::helpers::{Mode, Process, eventually, service, unique};
use crate::sync_import::{
    assert_connection_equals_truth, assert_everything_discovered_was_fetched,
};
use crate::sync_jobs::{connect_probe, sim};

/// Calls the same import makes uninterrupted: the command line against a simulator with the
/// same seed (so the same workspace) and rate.
async fn uninterrupted_calls(seed: u64, pages: usize) -> u64 {
    let sim = sim(seed, pages, Some(RESUME_RATE), None).await;
    let data = tempfile::tempdir().unwrap();
    let mut process = Process::start(data.path(), &sync_args(&sim, false), &[]);
    let status = tokio::task::spawn_blocking(move || process.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    let calls = sim.stats().total;
    eprintln!("uninterrupted by route {:?}", sim.stats().calls);
    sim.stop().await;
    calls
}

/// Waits until the simulator has served `calls`, then kills `process` outright.
async fn kill_after(sim: &RunningSim, process: &mut Process, calls: u64) -> u64 {
    eventually(
        Duration::from_secs(180),
        "the import to get going",
        || async { (sim.stats().total >= calls).then_some(()) },
    )
    .await;
    process.signal("KILL");
    let _ = process.child.wait();
    sim.stats().total
}

/// After a restart, the import makes about the calls an uninterrupted one had left.
fn assert_resumed_cheaply(total: u64, before: u64, after: u64) {
    let left = total.saturating_sub(before);
    eprintln!(
        "resume: {total} calls uninterrupted, {before} before the kill, {after} after ({left} were left)"
    );
    // A few calls of slack: the restart's token check and the search page it continues from.
    assert!(
        after as f64 <= left as f64 * 1.05 + 5.0,
        "{after} calls after the restart for {left} left"
    );
}

/// The rate the resume tests import at: high enough to keep them short, low enough that a
/// loaded test machine's store keeps up (what is in flight at the kill is done again).
const RESUME_RATE: f64 = 150.0;

/// `sync` against the simulator at [`RESUME_RATE`], queued for workers or run here.
fn sync_args(sim: &RunningSim, enqueue: bool) -> Vec<String> {
    let mut args = vec!["sync".to_owned()];
    if enqueue {
        args.push("--enqueue".into());
    }
    let rate = RESUME_RATE.to_string();
    let flags = [
        "--token",
        &sim.token,
        "--notion-url",
        &sim.url,
        "--rate",
        &rate,
    ];
    args.extend(flags.map(String::from));
    args
}

const RESUME_SEED: u64 = 44;
const RESUME_PAGES: usize = 1500;
/// The MongoDB-protocol test server stores a few hundred documents a second: a smaller
/// workspace keeps the production resume test within minutes.
const RESUME_PAGES_PRODUCTION: usize = 700;

#[tokio::test]
async fn an_import_killed_mid_way_resumes_without_rereading_finished_pages() {
    let total = uninterrupted_calls(RESUME_SEED, RESUME_PAGES).await;
    let sim = sim(RESUME_SEED, RESUME_PAGES, Some(RESUME_RATE), None).await;
    let data = tempfile::tempdir().unwrap();
    let args = sync_args(&sim, false);
    let mut first = Process::start(data.path(), &args, &[]);
    let before = kill_after(&sim, &mut first, total / 2).await;
    let at_kill = sim.stats().calls;
    let mut second = Process::start(data.path(), &args, &[]);
    let status = tokio::task::spawn_blocking(move || second.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "the resumed import completes");
    let after = sim.stats().total - before;
    let by_route: Vec<_> = sim
        .stats()
        .calls
        .iter()
        .map(|(k, v)| (k.clone(), v - at_kill.get(k).copied().unwrap_or(0)))
        .collect();
    eprintln!("after restart by route {by_route:?}\nbefore {at_kill:?}");
    assert_resumed_cheaply(total, before, after);
    let settings = crate::helpers::test_settings(Mode::Embedded, data.path()).unwrap();
    let state = notion_graph::state::AppState::build(settings, notion_graph::modules::ALL)
        .await
        .unwrap();
    let id = connect_probe(&sim).await;
    assert_connection_equals_truth(&sim, &state.store, &id).await;
    let history = run::history(&state.store, &id, 10).await.unwrap();
    assert_eq!(history.len(), 1, "one run, resumed: {history:?}");
    assert_eq!(
        (history[0].state, history[0].resumed),
        (RunState::Completed, 1)
    );
    assert_everything_discovered_was_fetched(&history[0].progress);
    sim.stop().await;
}

/// The environment of a production process (MongoDB + Redis) with its own database and prefix,
/// talking to `sim` as its Notion.
pub fn production_env(sim: &RunningSim) -> Option<Vec<(String, String)>> {
    Some(vec![
        ("NOTION_GRAPH_NOTION_API_URL".into(), sim.url.clone()),
        ("MONGODB_URI".into(), service("TEST_MONGODB_URI")?),
        ("REDIS_URL".into(), service("TEST_REDIS_URL")?),
        ("NOTION_GRAPH_MONGODB_DATABASE".into(), unique("t")),
        ("NOTION_GRAPH_REDIS_PREFIX".into(), unique("t")),
    ])
}

pub fn start(data: &std::path::Path, args: &[&str], env: &[(String, String)]) -> Process {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Process::start(data, &args, &env)
}

pub async fn production_store(env: &[(String, String)]) -> Store {
    let value = |key: &str| env.iter().find(|(k, _)| k == key).unwrap().1.clone();
    let store = MongoStore::connect(
        &value("MONGODB_URI"),
        &value("NOTION_GRAPH_MONGODB_DATABASE"),
    )
    .await
    .unwrap();
    Arc::new(store)
}

/// Enqueues the sync with the command line, as an operator would.
async fn enqueue(data: &std::path::Path, sim: &RunningSim, env: &[(String, String)]) {
    let args = sync_args(sim, true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut process = start(data, &args, env);
    let status = tokio::task::spawn_blocking(move || process.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
}

async fn completed_runs(store: &Store, id: &str) -> Vec<run::Run> {
    let history = run::history(store, id, 100).await.unwrap();
    history
        .into_iter()
        .filter(|r| r.state == RunState::Completed)
        .collect()
}

#[tokio::test]
async fn a_worker_killed_mid_import_is_taken_over_by_another_that_resumes() {
    let total = uninterrupted_calls(RESUME_SEED + 1, RESUME_PAGES_PRODUCTION).await;
    let sim = sim(
        RESUME_SEED + 1,
        RESUME_PAGES_PRODUCTION,
        Some(RESUME_RATE),
        None,
    )
    .await;
    let Some(env) = production_env(&sim) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    enqueue(data.path(), &sim, &env).await;
    let mut first = start(data.path(), &["worker"], &env);
    let before = kill_after(&sim, &mut first, total / 2).await;
    let _second = start(data.path(), &["worker"], &env);
    let store = production_store(&env).await;
    let id = connect_probe(&sim).await;
    eventually(Duration::from_secs(300), "the resumed import", || async {
        (!completed_runs(&store, &id).await.is_empty()).then_some(())
    })
    .await;
    // Reported, not asserted: with the MongoDB-protocol test server the work in flight at
    // the kill is much larger than in embedded mode (see the closing note of issue 4).
    let after = sim.stats().total - before;
    eprintln!(
        "worker resume: {total} calls uninterrupted, {before} before the kill, {after} after"
    );
    assert_connection_equals_truth(&sim, &store, &id).await;
    // One full import, resumed: once by the second worker, more if a slow store made a
    // renewal miss and a retry resumed. It need not be the newest run: the schedule queued a
    // sync of the new connection beside the one `--enqueue` queued, and whichever the second
    // worker takes later finds the import done and syncs incrementally (sooner than the
    // checks above end, when the machine is loaded).
    let history = run::history(&store, &id, 100).await.unwrap();
    let full: Vec<_> = history.iter().filter(|r| r.kind == RunKind::Full).collect();
    assert_eq!(
        full.len(),
        1,
        "one full import, not one started afresh: {history:?}"
    );
    assert_eq!(full[0].state, RunState::Completed);
    assert!(full[0].resumed >= 1, "{:?}", full[0]);
    sim.stop().await;
}

#[tokio::test]
async fn two_workers_never_sync_the_same_workspace_at_once() {
    let sim = sim(46, 400, Some(200.0), None).await;
    let Some(env) = production_env(&sim) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let _workers = [
        start(data.path(), &["worker"], &env),
        start(data.path(), &["worker"], &env),
    ];
    for _ in 0..3 {
        enqueue(data.path(), &sim, &env).await;
    }
    let store = production_store(&env).await;
    let id = connect_probe(&sim).await;
    eventually(Duration::from_secs(240), "the syncs to finish", || async {
        let history = run::history(&store, &id, 100).await.unwrap();
        let settled = !history.is_empty() && history.iter().all(|r| r.state != RunState::Running);
        // The queued jobs either ran after the first or found it busy; give them time to.
        settled.then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut history = run::history(&store, &id, 100).await.unwrap();
    history.sort_by_key(|r| r.started_at);
    assert!(
        history.iter().all(|r| r.state == RunState::Completed),
        "{history:?}"
    );
    for pair in history.windows(2) {
        assert!(
            pair[0].finished_at.unwrap() <= pair[1].started_at,
            "two syncs overlapped: {pair:?}"
        );
    }
    assert_connection_equals_truth(&sim, &store, &id).await;
    sim.stop().await;
}
