//! Sync as the product runs it: sealed connections, scheduled jobs, progress, webhooks, leases
//! and imports that survive being killed.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use notion_graph::modules::sync::connection::{self, CONNECTIONS};
use notion_graph::modules::sync::lease;
use notion_graph::modules::sync::run::{self, RunKind, RunState};
use notion_graph::modules::sync::service;
use notion_graph::storage::{MongoStore, Store};
use notion_sim::{RunningSim, SimConfig};
use secrecy::{ExposeSecret, SecretString};

use crate::helpers::{ADMIN_TOKEN, Mode, Process, TestApp, eventually, service, spawn_app, unique};
use crate::sync_import::{
    assert_connection_equals_truth, edit_every_kind, expected, notion_get, stored,
};

async fn sim(seed: u64, pages: usize, rate: Option<f64>, webhook: Option<String>) -> RunningSim {
    let config = SimConfig {
        rate_limit: rate.map(|per_second| notion_sim::RateLimit {
            per_second,
            burst: 10,
        }),
        webhook_url: webhook,
        ..SimConfig::new(seed, pages)
    };
    notion_sim::start(config, "127.0.0.1:0").await.unwrap()
}

async fn connect(app: &TestApp, sim: &RunningSim, rate: f64) -> String {
    let token = SecretString::from(sim.token.clone());
    service::connect_with_token(&app.state, token, &sim.url, rate)
        .await
        .unwrap()
        .id
}

/// Whether what `connection` holds equals the truth (the assertion gives the details).
async fn converged(sim: &RunningSim, store: &Store, connection: &str) -> bool {
    let truth = sim.truth();
    let (entities, edges) = expected(&truth);
    let (stored_entities, stored_edges) = stored(store, connection).await;
    let pages: BTreeSet<&str> = truth.pages.iter().map(|p| p.id.as_str()).collect();
    let comparable: BTreeSet<_> = stored_edges
        .into_iter()
        .filter(|(_, target, kind)| kind != "synced_block" || pages.contains(target.as_str()))
        .collect();
    entities == stored_entities && edges == comparable
}

#[tokio::test]
async fn tokens_are_sealed_at_rest_and_open_only_for_their_connection() {
    let Some(app) = spawn_app(Mode::Embedded).await else {
        return;
    };
    let sim = sim(41, 20, None, None).await;
    let id = connect(&app, &sim, 50.0).await;
    let raw = app
        .state
        .store
        .get(&CONNECTIONS, &id)
        .await
        .unwrap()
        .unwrap();
    let stored = serde_json::to_string(&raw.body).unwrap();
    assert!(
        !stored.contains(&sim.token),
        "the raw document holds the token"
    );
    let connection = connection::get(&app.state.store, &id)
        .await
        .unwrap()
        .unwrap();
    let opened = connection.access_token(&app.state.keys).unwrap();
    assert_eq!(opened.expose_secret(), sim.token);
    let mut moved = connection.clone();
    moved.tenant = "someone-else".into();
    assert!(moved.access_token(&app.state.keys).is_err());
    sim.stop().await;
}

#[tokio::test]
async fn a_new_connection_is_synced_by_the_schedule_with_progress_published_and_stored() {
    let Some(app) = spawn_app(Mode::Embedded).await else {
        return;
    };
    let sim = sim(42, 300, Some(150.0), None).await;
    let token = SecretString::from(sim.token.clone());
    let bot = connect_probe(&sim).await;
    let channel = service::progress_channel(&bot);
    let mut messages = app.state.cache.subscribe(&channel).await.unwrap();
    service::connect_with_token(&app.state, token, &sim.url, 150.0)
        .await
        .unwrap();
    let synced = eventually(Duration::from_secs(60), "the scheduled sync", || async {
        let c = connection::get(&app.state.store, &bot).await.unwrap()?;
        c.last_sync_at.map(|_| c)
    })
    .await;
    assert!(synced.next_sync_at.unwrap() > synced.last_sync_at.unwrap());
    assert_connection_equals_truth(&sim, &app.state.store, &bot).await;
    let message = tokio::time::timeout(Duration::from_secs(1), messages.next())
        .await
        .ok()
        .flatten()
        .expect("progress was published while the import ran");
    let message: serde_json::Value = serde_json::from_str(&message).unwrap();
    assert!(message["progress"]["calls"].as_u64().is_some(), "{message}");
    let history = run::history(&app.state.store, &bot, 10).await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (history[0].kind, history[0].state),
        (RunKind::Full, RunState::Completed)
    );
    assert!(history[0].progress.calls >= sim.lower_bound().calls as u64 / 2);
    sim.stop().await;
}

/// The bot id the simulator gives its token: the connection's id.
async fn connect_probe(sim: &RunningSim) -> String {
    let me = notion_get(sim, "/users/me").await;
    me["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn webhooks_keep_the_graph_equal_to_the_truth_and_bad_signatures_change_nothing() {
    let Some(app) = spawn_app(Mode::Embedded).await else {
        return;
    };
    let hook = format!("{}/api/webhooks/notion", app.address);
    let sim = sim(43, 300, None, Some(hook.clone())).await;
    let kept = format!(
        "{}/api/admin/webhooks/notion/verification-token",
        app.address
    );
    let token: serde_json::Value = eventually(Duration::from_secs(10), "the handshake", || async {
        let response = app
            .client
            .get(&kept)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .ok()?;
        response.status().is_success().then_some(())?;
        response.json().await.ok()
    })
    .await;
    assert_eq!(
        token["verification_token"],
        sim.verification_token.clone().unwrap()
    );
    let forged_handshake = app
        .client
        .post(&hook)
        .json(&serde_json::json!({ "verification_token": "secret_forged" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged_handshake.status(), 409);

    let id = connect(&app, &sim, 1000.0).await;
    eventually(Duration::from_secs(30), "the scheduled import", || async {
        let c = connection::get(&app.state.store, &id).await.unwrap()?;
        c.last_sync_at.map(|_| ())
    })
    .await;

    let page = sim
        .truth()
        .pages
        .iter()
        .find(|p| p.shared)
        .unwrap()
        .id
        .clone();
    let event = serde_json::json!({
        "id": "evt-1", "type": "page.content_updated", "workspace_id": workspace_of(&app, &id).await,
        "entity": { "id": page, "type": "page" },
    })
    .to_string();
    let refused = post_event(&app, &hook, &event, "sha256=00").await;
    assert_eq!(refused.status(), 401);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("X-Notion-Signature"),
        "{body}"
    );
    let signature = notion_sim::webhooks::signature(
        sim.verification_token.as_deref().unwrap(),
        event.as_bytes(),
    );
    for _ in 0..3 {
        assert_eq!(
            post_event(&app, &hook, &event, &signature).await.status(),
            200
        );
    }
    eventually(Duration::from_secs(30), "the re-read", || async {
        (webhook_runs(&app, &id).await == 1).then_some(())
    })
    .await;

    edit_every_kind(&sim).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !converged(&sim, &app.state.store, &id).await && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_connection_equals_truth(&sim, &app.state.store, &id).await;
    assert!(
        webhook_runs(&app, &id).await > 5,
        "the edits came through webhooks"
    );
    sim.stop().await;
}

async fn workspace_of(app: &TestApp, id: &str) -> String {
    let c = connection::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    c.workspace_id.unwrap()
}

async fn post_event(app: &TestApp, hook: &str, body: &str, signature: &str) -> reqwest::Response {
    app.client
        .post(hook)
        .header("content-type", "application/json")
        .header("X-Notion-Signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn webhook_runs(app: &TestApp, id: &str) -> usize {
    let history = run::history(&app.state.store, id, 100).await.unwrap();
    history
        .iter()
        .filter(|r| r.kind == RunKind::Webhook)
        .count()
}

#[tokio::test]
async fn the_lease_goes_to_one_holder_at_a_time_and_to_another_once_expired() {
    let Some(app) = spawn_app(Mode::Embedded).await else {
        return;
    };
    let store = app.state.store.clone();
    let ttl = Duration::from_millis(300);
    let attempts = (0..8).map(|i| {
        let store = store.clone();
        async move {
            lease::acquire(&store, "w", &format!("holder-{i}"), ttl)
                .await
                .unwrap()
        }
    });
    let held: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(held.len(), 1, "exactly one holder");
    assert!(
        lease::acquire(&store, "w", "late", ttl)
            .await
            .unwrap()
            .is_none()
    );
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert!(
        lease::acquire(&store, "w", "late", ttl)
            .await
            .unwrap()
            .is_some()
    );
}

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
    let state = notion_graph::state::AppState::build(settings)
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
    sim.stop().await;
}

/// The environment of a production process (MongoDB + Redis) with its own database and prefix.
fn production_env() -> Option<Vec<(String, String)>> {
    Some(vec![
        ("MONGODB_URI".into(), service("TEST_MONGODB_URI")?),
        ("REDIS_URL".into(), service("TEST_REDIS_URL")?),
        ("NOTION_GRAPH_MONGODB_DATABASE".into(), unique("t")),
        ("NOTION_GRAPH_REDIS_PREFIX".into(), unique("t")),
    ])
}

fn start(data: &std::path::Path, args: &[&str], env: &[(String, String)]) -> Process {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Process::start(data, &args, &env)
}

async fn production_store(env: &[(String, String)]) -> Store {
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
    let Some(env) = production_env() else { return };
    let total = uninterrupted_calls(RESUME_SEED + 1, RESUME_PAGES_PRODUCTION).await;
    let sim = sim(
        RESUME_SEED + 1,
        RESUME_PAGES_PRODUCTION,
        Some(RESUME_RATE),
        None,
    )
    .await;
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
    // Once by the second worker, more if a slow store made a renewal miss and a retry resumed.
    assert!(completed_runs(&store, &id).await[0].resumed >= 1);
    sim.stop().await;
}

#[tokio::test]
async fn two_workers_never_sync_the_same_workspace_at_once() {
    let Some(env) = production_env() else { return };
    let sim = sim(46, 400, Some(200.0), None).await;
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
