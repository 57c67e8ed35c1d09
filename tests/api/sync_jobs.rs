//! Sync as the product runs it in one process: sealed connections, scheduled jobs, progress,
//! webhooks and leases (the multi-process cases are in `sync_workers`).

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use notion_graph::modules::sync::connection::{self, Api, CONNECTIONS, LOCAL_TENANT};
use notion_graph::modules::sync::lease;
use notion_graph::modules::sync::model::EntityKind;
use notion_graph::modules::sync::run::{self, RunKind, RunState};
use notion_graph::modules::sync::service;
use notion_graph::storage::Store;
use notion_sim::{RunningSim, SimConfig};
use secrecy::{ExposeSecret, SecretString};

use crate::helpers::{
    ADMIN_TOKEN, Mode, TestApp, eventually, free_port, spawn_app, spawn_app_with,
};
use crate::sync_import::{
    all_entities, assert_connection_equals_truth, edit, edit_every_kind, expected, notion_get,
    stored,
};

pub async fn sim(
    seed: u64,
    pages: usize,
    rate: Option<f64>,
    webhook: Option<String>,
) -> RunningSim {
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

/// An embedded instance whose Notion is `sim`, connecting workspaces at `rate`; on `port`
/// when given (a webhook sender must know it before the instance starts).
async fn app_for(sim: &RunningSim, rate: f64, port: Option<u16>) -> Option<TestApp> {
    spawn_app_with(Mode::Embedded, |s| {
        (s.notion.api_url, s.notion.rate) = (sim.url.clone(), rate);
        s.server.port = port.unwrap_or(0);
    })
    .await
}

async fn connect(app: &TestApp, sim: &RunningSim) -> String {
    let token = SecretString::from(sim.token.clone());
    service::connect_with_token(&app.state, LOCAL_TENANT, token, Api::Notion)
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
    let sim = sim(41, 20, None, None).await;
    let Some(app) = app_for(&sim, 50.0, None).await else {
        return;
    };
    let id = connect(&app, &sim).await;
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
    let sim = sim(42, 300, Some(150.0), None).await;
    let Some(app) = app_for(&sim, 150.0, None).await else {
        return;
    };
    let token = SecretString::from(sim.token.clone());
    let bot = connect_probe(&sim).await;
    let channel = service::progress_channel(&bot);
    let mut messages = app.state.cache.subscribe(&channel).await.unwrap();
    service::connect_with_token(&app.state, LOCAL_TENANT, token, Api::Notion)
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
pub async fn connect_probe(sim: &RunningSim) -> String {
    let me = notion_get(sim, "/users/me").await;
    me["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn webhooks_keep_the_graph_equal_to_the_truth_and_bad_signatures_change_nothing() {
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/api/webhooks/notion");
    let sim = sim(43, 300, None, Some(hook.clone())).await;
    let Some(app) = app_for(&sim, 1000.0, Some(port)).await else {
        return;
    };
    await_handshake(&app, &sim).await;
    let forged_handshake = app
        .client
        .post(&hook)
        .json(&serde_json::json!({ "verification_token": "secret_forged" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged_handshake.status(), 409);

    let id = connect(&app, &sim).await;
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
    let started = std::time::Instant::now();
    while webhook_runs(&app, &id).await == 0 {
        if started.elapsed() > Duration::from_secs(30) {
            let history = run::history(&app.state.store, &id, 100).await.unwrap();
            let dead = notion_graph::jobs::list(&app.state, 10, None)
                .await
                .unwrap()
                .0;
            panic!("no re-read after 30 s; runs {history:#?}; dead letters {dead:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The two deliveries repeated by Notion are recognised as the same event.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(webhook_runs(&app, &id).await, 1);

    edit_every_kind(&sim).await;
    await_convergence(&app, &sim, &id).await;
    sim.stop().await;
}

/// Events that arrive while an import holds the workspace are re-read once it is free,
/// instead of being lost with a job that found the lease held until it ran out of attempts.
#[tokio::test]
async fn webhook_events_during_an_import_are_reread_once_it_ends() {
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/api/webhooks/notion");
    let sim = sim(44, 300, None, Some(hook)).await;
    // Slow enough that the import outlasts every attempt of a refresh waiting for the lease.
    let Some(app) = app_for(&sim, 25.0, Some(port)).await else {
        return;
    };
    await_handshake(&app, &sim).await;
    let id = connect(&app, &sim).await;
    eventually(Duration::from_secs(60), "the import under way", || async {
        let history = run::history(&app.state.store, &id, 10).await.unwrap();
        let running = |r: &run::Run| r.kind == RunKind::Full && r.state == RunState::Running;
        history
            .iter()
            .any(|r| running(r) && r.progress.fetched >= 30)
            .then_some(())
    })
    .await;
    edit_every_kind(&sim).await;
    await_convergence(&app, &sim, &id).await;
    let history = run::history(&app.state.store, &id, 100).await.unwrap();
    let import = history.iter().find(|r| r.kind == RunKind::Full).unwrap();
    let import_end = import.finished_at.expect("the import finished");
    assert!(
        history
            .iter()
            .any(|r| r.kind == RunKind::Webhook && r.started_at >= import_end),
        "the events that found the import holding the lease were re-read after it: {history:#?}"
    );
    sim.stop().await;
}

/// Waits until the instance has received the simulator's verification token.
async fn await_handshake(app: &TestApp, sim: &RunningSim) {
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
}

/// Waits for the store to equal the truth, and checks that webhooks brought it there: no
/// sync ran besides the first import.
async fn await_convergence(app: &TestApp, sim: &RunningSim, id: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while !converged(sim, &app.state.store, id).await && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_connection_equals_truth(sim, &app.state.store, id).await;
    let history = run::history(&app.state.store, id, 100).await.unwrap();
    let syncs = history
        .iter()
        .filter(|r| r.kind != RunKind::Webhook)
        .count();
    assert_eq!(syncs, 1, "the edits came through webhooks: {history:#?}");
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

/// A workspace held at its plan's page limit stays there when webhooks name a new page: what
/// it holds is still read again (a rename comes through), the new page waits for a plan that
/// allows it.
#[tokio::test]
async fn webhooks_keep_a_workspace_at_its_page_limit_and_still_update_what_it_holds() {
    use notion_graph::config::Limit;
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/api/webhooks/notion");
    let sim = sim(45, 120, None, Some(hook)).await;
    let Some(app) = spawn_app_with(Mode::Embedded, |s| {
        (s.notion.api_url, s.notion.rate) = (sim.url.clone(), 1000.0);
        s.server.port = port;
        s.billing.default_plan = "free".into();
        s.billing.plans[0].pages_per_workspace = Limit::at(40);
    })
    .await
    else {
        return;
    };
    await_handshake(&app, &sim).await;
    let id = connect(&app, &sim).await;
    let idle = || async {
        let history = run::history(&app.state.store, &id, 100).await.unwrap();
        history.iter().all(|r| r.state != RunState::Running)
    };
    eventually(
        Duration::from_secs(60),
        "the import at the limit",
        || async {
            let c = connection::get(&app.state.store, &id).await.unwrap()?;
            (c.page_limit_reached == Some(40) && idle().await).then_some(())
        },
    )
    .await;
    let held = all_entities(&app.state.store, &id).await;
    assert_eq!(held.len(), 40);
    let page = held
        .iter()
        .find(|e| e.shared && !e.in_trash && e.kind == EntityKind::Page)
        .unwrap()
        .notion_id
        .clone();

    // In this order: the simulator delivers events one after the other, so the new page's
    // event has been received by the time the rename's re-read is done.
    let parent = serde_json::json!({ "parent_id": page, "title": "Beyond the limit" });
    edit(&sim, reqwest::Method::POST, "/pages", parent).await;
    let title = serde_json::json!({ "title": "Renamed at the limit" });
    edit(
        &sim,
        reqwest::Method::PATCH,
        &format!("/pages/{page}"),
        title,
    )
    .await;
    eventually(Duration::from_secs(60), "the rename re-read", || async {
        let entities = all_entities(&app.state.store, &id).await;
        let renamed = entities
            .iter()
            .any(|e| e.notion_id == page && e.title == "Renamed at the limit");
        (renamed && webhook_runs(&app, &id).await > 0 && idle().await).then_some(())
    })
    .await;
    let after = all_entities(&app.state.store, &id).await;
    assert_eq!(after.len(), 40, "nothing new past the limit");
    assert!(after.iter().all(|e| e.title != "Beyond the limit"));
    let c = connection::get(&app.state.store, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.page_limit_reached, Some(40));
    sim.stop().await;
}
