//! Liveness and readiness, including outages of Redis and MongoDB that the process must ride
//! out without a restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::{
    Mode, TestApp, eventually, free_port, json, service, spawn_app, spawn_app_with,
};

const OUTAGE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn liveness_and_readiness_answer_in_both_modes() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            continue;
        };
        assert_eq!(app.get("/livez").await.status(), StatusCode::OK, "{mode:?}");
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), StatusCode::OK, "{mode:?}");
        let body = json(ready).await;
        assert_eq!(body["checks"].as_array().unwrap().len(), 3, "{mode:?}");
        app.stop().await;
    }
}

/// A server process of our own, so that the test can take it down and bring it back.
struct Server {
    child: Child,
}

impl Server {
    fn redis(port: u16, dir: &Path) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                // As deploy/compose.yaml runs it: a restart keeps the queues.
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs");
        Self { child }
    }

    fn mongo(program: &str, port: u16, dir: &Path) -> Self {
        let child = Command::new(program)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--log-level",
                "WARNING",
                "--storage-path",
            ])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the MongoDB-protocol server runs");
        Self { child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_until(app: &TestApp, status: StatusCode) -> serde_json::Value {
    eventually(OUTAGE, &format!("/readyz to answer {status}"), || async {
        let response = app.get("/readyz").await;
        (response.status() == status).then_some(())?;
        response.json().await.ok()
    })
    .await
}

async fn canary(app: &TestApp, id: &str) -> Option<serde_json::Value> {
    let response = app.admin_get(&format!("/api/admin/canaries/{id}")).await;
    response.json().await.ok()
}

async fn canary_runs(app: &TestApp, id: &str) {
    let response = app
        .admin_post("/api/admin/canaries", &json!({ "id": id }))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    eventually(OUTAGE, "the canary after recovery", || async {
        (canary(app, id).await?["completions"] == 1).then_some(())
    })
    .await;
}

/// A production-mode app on a Redis of the test's own, ready.
async fn on_own_redis(port: u16, dir: &Path) -> Option<(TestApp, Server)> {
    let redis = Server::redis(port, dir);
    listening(port).await;
    let url = format!("redis://127.0.0.1:{port}");
    let app = spawn_app_with(Mode::Production, |s| {
        s.storage.redis_url = Some(SecretString::from(url))
    })
    .await?;
    wait_until(&app, StatusCode::OK).await;
    Some((app, redis))
}

async fn listening(port: u16) {
    eventually(OUTAGE, "the server to listen", || async {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .map(|_| ())
    })
    .await;
}

#[tokio::test]
async fn readiness_fails_while_redis_is_down_and_recovers_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let Some((app, redis)) = on_own_redis(port, dir.path()).await else {
        return;
    };
    drop(redis);
    let body = wait_until(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["code"], "not_ready");
    assert!(body["detail"].as_str().unwrap().contains("cache"), "{body}");
    assert_eq!(
        app.get("/livez").await.status(),
        StatusCode::OK,
        "liveness depends on nothing"
    );
    let _redis = Server::redis(port, dir.path());
    wait_until(&app, StatusCode::OK).await;
    canary_runs(&app, "after-redis-outage").await;
    app.stop().await;
}

#[tokio::test]
async fn readiness_fails_while_mongodb_is_down_and_recovers_without_a_restart() {
    let Some(program) = service("TEST_MONGO_SERVER") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mongo = Server::mongo(&program, port, dir.path());
    let uri = format!("mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false");
    listening(port).await;
    let app = spawn_app_with(Mode::Embedded, |s| {
        s.storage.mongodb_uri = Some(SecretString::from(uri))
    })
    .await
    .unwrap();
    wait_until(&app, StatusCode::OK).await;
    drop(mongo);
    let body = wait_until(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        body["detail"].as_str().unwrap().contains("documents"),
        "{body}"
    );
    let _mongo = Server::mongo(&program, port, dir.path());
    wait_until(&app, StatusCode::OK).await;
    canary_runs(&app, "after-mongo-outage").await;
    app.stop().await;
}

/// A Redis outage fails the workers' polls. The jobs they were running go on and complete
/// (before, apalis cancelled them, and they ran again only once the heartbeat sweep took their
/// worker for dead); jobs queued after Redis is back run at once.
#[tokio::test]
async fn a_job_running_when_redis_fails_is_not_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let Some((app, redis)) = on_own_redis(port, dir.path()).await else {
        return;
    };
    let slow = json!({ "id": "in-flight", "sleep_ms": 2500 });
    let response = app.admin_post("/api/admin/canaries", &slow).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    eventually(OUTAGE, "the canary to start", || async {
        (canary(&app, "in-flight").await?["attempts"] == 1).then_some(())
    })
    .await;
    drop(redis);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _redis = Server::redis(port, dir.path());
    let done = eventually(OUTAGE, "the canary to complete", || async {
        let state = canary(&app, "in-flight").await?;
        (state["completions"] == 1).then_some(state)
    })
    .await;
    assert_eq!(
        done["completed_by"], 1,
        "the first attempt finished: {done}"
    );
    canary_runs(&app, "after-redis-failure").await;
    app.stop().await;
}
