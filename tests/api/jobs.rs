//! Jobs, proven with the canary job in both modes: processed, retried with backoff,
//! dead-lettered and replayed, idempotent, recovered after a crash, and housekeeping on a
//! schedule.

use std::time::Duration;

use notion_graph::modules::ops::CANARIES;
use notion_graph::modules::ops::CanaryState;
use notion_graph::storage::{Document, SqliteStore, Typed};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Mode, Process, TestApp, eventually, json, spawn_app};

const PATIENCE: Duration = Duration::from_secs(30);

async fn enqueue(app: &TestApp, canary: Value) {
    let response = app.admin_post("/api/admin/canaries", &canary).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

async fn canary(app: &TestApp, id: &str) -> Option<Value> {
    let response = app.admin_get(&format!("/api/admin/canaries/{id}")).await;
    (response.status() == StatusCode::OK).then_some(json(response).await)
}

async fn completed(app: &TestApp, id: &str) -> Value {
    eventually(PATIENCE, "the canary to complete", || async {
        canary(app, id).await.filter(|c| c["completions"] == 1)
    })
    .await
}

/// The canary queue's dead-letter gauge on `/metrics`, as the text after its labels.
async fn dead_letter_gauge(app: &TestApp) -> String {
    let text = app.get("/metrics").await.text().await.unwrap();
    let prefix = r#"notion_graph_dead_letters{queue="canary"}"#;
    let line = text.lines().find_map(|l| l.strip_prefix(prefix));
    line.unwrap_or_else(|| panic!("no {prefix} in {text}"))
        .to_owned()
}

async fn dead_letters(app: &TestApp) -> Vec<Value> {
    let page = json(app.admin_get("/api/admin/jobs/dead").await).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_enqueued_job_is_processed() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        enqueue(&app, json!({ "id": "hello" })).await;
        let state = completed(&app, "hello").await;
        assert_eq!(state["attempts"], 1, "{mode:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_job_longer_than_a_few_heartbeats_runs_once() {
    // The suite's heartbeats (400 ms) are shorter than the backends' one-second stamps: a
    // live worker must not be taken for a dead one and its job started again meanwhile.
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        enqueue(&app, json!({ "id": "long", "sleep_ms": 3000 })).await;
        let state = completed(&app, "long").await;
        assert_eq!(state["attempts"], 1, "{mode:?}: {state}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_failing_job_is_retried_with_growing_delays() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app_with_backoff(mode, 200).await else {
            continue;
        };
        enqueue(&app, json!({ "id": "flaky", "fail_times": 2 })).await;
        let state = completed(&app, "flaky").await;
        assert_eq!(state["attempts"], 3, "{mode:?}");
        let times: Vec<i64> = state["started_at"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_i64().unwrap())
            .collect();
        let (first_gap, second_gap) = (times[1] - times[0], times[2] - times[1]);
        assert!(
            first_gap >= 200,
            "{mode:?}: first retry after {first_gap} ms"
        );
        assert!(
            second_gap >= 400 && second_gap > first_gap,
            "{mode:?}: second retry after {second_gap} ms"
        );
        assert!(dead_letters(&app).await.is_empty(), "{mode:?}");
        app.stop().await;
    }
}

async fn spawn_app_with_backoff(mode: Mode, backoff_ms: u64) -> Option<TestApp> {
    crate::helpers::spawn_app_with(mode, |s| s.jobs.backoff_ms = backoff_ms).await
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_dead_lettered_and_can_be_replayed() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        enqueue(&app, json!({ "id": "doomed", "fail_times": 5 })).await;
        let letter = eventually(PATIENCE, "a dead letter", || async {
            dead_letters(&app).await.pop()
        })
        .await;
        assert_eq!(letter["queue"], "canary", "{mode:?}");
        assert_eq!(letter["attempts"], 3, "{mode:?}");
        assert_eq!(letter["payload"]["id"], "doomed", "{mode:?}");
        assert!(
            letter["error"]
                .as_str()
                .unwrap()
                .contains("fails attempt 3"),
            "{mode:?}: {letter}"
        );
        assert_eq!(dead_letter_gauge(&app).await, " 1", "{mode:?}");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            canary(&app, "doomed").await.unwrap()["attempts"],
            3,
            "{mode:?}: a dead job is not retried"
        );

        let id = letter["id"].as_str().unwrap();
        let replayed = app
            .admin_post(&format!("/api/admin/jobs/dead/{id}/replay"), &json!({}))
            .await;
        assert_eq!(replayed.status(), StatusCode::ACCEPTED, "{mode:?}");
        let state = completed(&app, "doomed").await;
        assert_eq!(state["attempts"], 6, "{mode:?}");
        assert!(dead_letters(&app).await.is_empty(), "{mode:?}");
        assert_eq!(dead_letter_gauge(&app).await, " 0", "{mode:?}");
        let again = app
            .admin_post(&format!("/api/admin/jobs/dead/{id}/replay"), &json!({}))
            .await;
        assert_eq!(again.status(), StatusCode::NOT_FOUND, "{mode:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_job_delivered_twice_takes_effect_once() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        enqueue(&app, json!({ "id": "twice" })).await;
        enqueue(&app, json!({ "id": "twice" })).await;
        eventually(PATIENCE, "both deliveries", || async {
            canary(&app, "twice").await.filter(|c| c["attempts"] == 2)
        })
        .await;
        let state = completed(&app, "twice").await;
        assert_eq!(state["completions"], 1, "{mode:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn housekeeping_deletes_expired_documents_on_schedule() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        let expired = json!({ "attempts": 1, "started_at": [], "completions": 0, "completed_at": null, "expires_at": 1 });
        let doc = Document::new("stale", expired.as_object().cloned().unwrap());
        app.state.store.insert(&CANARIES, doc).await.unwrap();
        eventually(PATIENCE, "housekeeping", || async {
            app.state
                .store
                .get(&CANARIES, "stale")
                .await
                .unwrap()
                .is_none()
                .then_some(())
        })
        .await;
        app.stop().await;
    }
}

#[tokio::test]
async fn job_counts_by_state_are_exported() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        enqueue(&app, json!({ "id": "counted" })).await;
        completed(&app, "counted").await;
        // The backend acknowledges a job just after its effect is visible: poll.
        eventually(PATIENCE, "a done job in the metrics", || async {
            let text = app.get("/metrics").await.text().await.ok()?;
            text.lines()
                .find(|l| {
                    l.starts_with("notion_graph_jobs{")
                        && l.contains("canary")
                        && l.contains("state=\"done\"")
                })
                .filter(|l| !l.ends_with(" 0"))
                .map(|_| ())
        })
        .await;
        app.stop().await;
    }
}

#[tokio::test]
async fn admin_job_routes_need_the_admin_token() {
    let Some(app) = spawn_app(Mode::Embedded).await else {
        return;
    };
    let anonymous = app.get("/api/admin/jobs/dead").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .get(app.url("/api/admin/jobs/dead"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body = json(wrong).await;
    assert_eq!(body["code"], "unauthorized");
    let bad = app
        .admin_post("/api/admin/canaries", &json!({ "id": "no spaces allowed" }))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(bad).await["code"], "invalid_id");
    app.stop().await;
}

#[tokio::test]
async fn a_job_cut_short_by_a_killed_process_completes_once_after_restart() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let first = Process::serve(data.path(), &[]);
    first.wait_ready(&client).await;
    let enqueue = client
        .post(format!("{}/api/admin/canaries", first.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .json(&json!({ "id": "crash", "sleep_ms": 4000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(enqueue.status(), StatusCode::ACCEPTED);
    let status_url = format!("{}/api/admin/canaries/crash", first.address);
    eventually(PATIENCE, "the job to start", || async {
        let response = client
            .get(&status_url)
            .bearer_auth(crate::helpers::ADMIN_TOKEN)
            .send()
            .await
            .ok()?;
        let state: Value = response.json().await.ok()?;
        (state["attempts"] == 1).then_some(())
    })
    .await;
    drop(first); // SIGKILL, mid-sleep

    let second = Process::serve(data.path(), &[]);
    second.wait_ready(&client).await;
    let status_url = format!("{}/api/admin/canaries/crash", second.address);
    let state: Value = eventually(PATIENCE, "the job to complete after restart", || async {
        let response = client
            .get(&status_url)
            .bearer_auth(crate::helpers::ADMIN_TOKEN)
            .send()
            .await
            .ok()?;
        let state: Value = response.json().await.ok()?;
        (state["completions"] == 1).then_some(state)
    })
    .await;
    assert_eq!(
        state["attempts"], 2,
        "the killed attempt and the one after restart: {state}"
    );
    drop(second);
    assert_eq!(stored_canary(data.path(), "crash").await.completions, 1);
}

/// A canary's state as an embedded instance in `data_dir` stored it (no process running).
async fn stored_canary(data_dir: &std::path::Path, id: &str) -> CanaryState {
    let store = SqliteStore::open(&data_dir.join("notion-graph.sqlite"))
        .await
        .unwrap();
    let canaries = Typed::<CanaryState>::new(std::sync::Arc::new(store), &CANARIES);
    canaries.get(id).await.unwrap().unwrap().value
}

#[tokio::test]
async fn a_job_failing_during_shutdown_is_handed_back_not_retried_in_the_stopping_process() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let canary_state = |process: &Process| {
        let request = client
            .get(format!("{}/api/admin/canaries/drain", process.address))
            .bearer_auth(crate::helpers::ADMIN_TOKEN);
        async move { request.send().await.ok()?.json::<Value>().await.ok() }
    };
    let mut first = Process::serve(data.path(), &[("NOTION_GRAPH_JOB_BACKOFF_MS", "20")]);
    first.wait_ready(&client).await;
    let enqueue = client
        .post(format!("{}/api/admin/canaries", first.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .json(&json!({ "id": "drain", "sleep_ms": 2000, "fail_times": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(enqueue.status(), StatusCode::ACCEPTED);
    eventually(PATIENCE, "the job to start", || async {
        canary_state(&first).await.filter(|s| s["attempts"] == 1)
    })
    .await;
    first.signal("TERM"); // mid-sleep: the attempt fails once the drain has begun
    let exit = tokio::task::spawn_blocking(move || first.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let stored = stored_canary(data.path(), "drain").await;
    assert_eq!(
        (stored.attempts, stored.completions),
        (1, 0),
        "the stopping process did not try again"
    );

    let second = Process::serve(data.path(), &[]);
    second.wait_ready(&client).await;
    let state = eventually(PATIENCE, "the job to complete after restart", || async {
        canary_state(&second)
            .await
            .filter(|s| s["completions"] == 1)
    })
    .await;
    assert_eq!(
        state["attempts"], 2,
        "the attempt the drain stopped, then one in the next process, none retried while \
         stopping: {state}"
    );
    let dead = client
        .get(format!("{}/api/admin/jobs/dead", second.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(json(dead).await["items"], json!([]));
}
