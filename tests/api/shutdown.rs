//! SIGTERM: readiness turns 503 at once, in-flight requests and jobs finish, the process exits
//! 0 within the shutdown timeout, and no job is lost.

use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Process, eventually};

#[tokio::test]
async fn sigterm_drains_requests_and_jobs_then_exits_zero() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut process = Process::serve(
        data.path(),
        &[
            ("NOTION_GRAPH_SHUTDOWN_DRAIN_MS", "1500"),
            ("NOTION_GRAPH_SHUTDOWN_TIMEOUT_SECS", "20"),
        ],
    );
    process.wait_ready(&client).await;
    let admin = |path: &str| {
        client
            .post(format!("{}{path}", process.address))
            .bearer_auth(ADMIN_TOKEN)
    };
    let started = admin("/api/admin/canaries")
        .json(&json!({ "id": "inflight", "sleep_ms": 2500 }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let status_url = format!("{}/api/admin/canaries/inflight", process.address);
    eventually(Duration::from_secs(20), "the job to start", || async {
        let response = client
            .get(&status_url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .ok()?;
        (response.status() == StatusCode::OK).then_some(())
    })
    .await;

    // A request whose body is still arriving when the signal comes.
    let chunks = ["{\"id\": ", "\"slow-body\"}"].map(|c| c.as_bytes().to_vec());
    let body = stream::iter(chunks).then(|chunk| async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        Ok::<_, std::io::Error>(chunk)
    });
    let slow = admin("/api/admin/canaries")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let slow = tokio::spawn(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    process.signal("TERM");
    // The signal is handled asynchronously; readiness must flip well within the drain.
    let readyz = format!("{}/readyz", process.address);
    let ready = eventually(
        Duration::from_millis(1000),
        "readiness to turn 503",
        || async {
            let response = client.get(&readyz).send().await.ok()?;
            (response.status() == StatusCode::SERVICE_UNAVAILABLE).then_some(response)
        },
    )
    .await;
    let body: Value = ready.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("serving"),
        "{body}"
    );

    let slow = slow
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(slow.status(), StatusCode::ACCEPTED);
    let exit = tokio::task::spawn_blocking(move || process.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(20),
        "took {:?}",
        signalled.elapsed()
    );

    // The in-flight job finished before exit; the job enqueued during the drain survives.
    let restarted = Process::serve(data.path(), &[]);
    restarted.wait_ready(&client).await;
    let state: Value = client
        .get(format!("{}/api/admin/canaries/inflight", restarted.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (state["attempts"].clone(), state["completions"].clone()),
        (json!(1), json!(1)),
        "{state}"
    );
    let url = format!("{}/api/admin/canaries/slow-body", restarted.address);
    eventually(
        Duration::from_secs(20),
        "the job enqueued during the drain to run",
        || async {
            let state: Value = client
                .get(&url)
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (state["completions"] == 1).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn live_streams_end_cleanly_once_the_drain_begins() {
    use crate::accounts::sign_up;
    use crate::helpers::{Mode, spawn_app_with};
    use crate::workspaces::{connected, simulator};

    let sim = simulator(33, 40).await;
    let url = sim.url.clone();
    let Some(app) = spawn_app_with(Mode::Embedded, move |s| {
        s.notion.api_url = url;
        // A stream held open to the end would be cut off when this runs out.
        s.server.shutdown_timeout_secs = 60;
    })
    .await
    else {
        return;
    };
    let user = sign_up(&app, "streams").await;
    let workspace = connected(&app, &user, &sim).await;
    let progress = format!(
        "/api/v1/workspaces/{}/progress",
        workspace["id"].as_str().unwrap()
    );
    let response = user.get(&app, &progress).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.bytes_stream();
    let opening = body.next().await.unwrap().unwrap();
    assert!(opening.starts_with(b": connected"), "{opening:?}");

    let stopping = tokio::spawn(app.stop());
    while let Some(chunk) = body.next().await {
        chunk.expect("the stream ends with its last chunk, not cut at the shutdown timeout");
    }
    stopping.await.unwrap();
    sim.stop().await;
}
