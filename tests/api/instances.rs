//! Many instances (issue 16, item 2): two `serve` and two `worker` processes of the real binary
//! on one MongoDB-protocol server and one Redis. A session made on one instance works on the
//! other; login lockouts and mail rate limits are shared; a sync started through instance A
//! and run by a worker streams its progress through instance B's Server-Sent Events, and goes
//! on when that worker is killed mid-way; a share revoked on A is gone on B at once. The
//! timings are printed, not asserted.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, TestUser, signed_in};
use crate::helpers::{Process, eventually, json};
use crate::shares::token;
use crate::sync_import::assert_connection_equals_truth;
use crate::sync_jobs::sim;
use crate::sync_workers::{production_env, production_store, start};

/// One instance as a browser or API client sees it.
struct Instance {
    process: Process,
    client: reqwest::Client,
}

impl Instance {
    async fn serve(data: &std::path::Path, env: &[(String, String)]) -> Self {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let process = Process::serve(data, &env);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        process.wait_ready(&client).await;
        Self { process, client }
    }

    fn request(
        &self,
        user: Option<&TestUser>,
        method: Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let request = self
            .client
            .request(method, format!("{}{path}", self.process.address));
        match user {
            Some(user) => request
                .header("cookie", format!("__Host-ng_session={}", user.cookie))
                .header("x-csrf-token", &user.csrf),
            None => request,
        }
    }

    async fn send(
        &self,
        user: Option<&TestUser>,
        method: Method,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        let request = self.request(user, method, path);
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        request.send().await.unwrap()
    }

    async fn get(&self, user: &TestUser, path: &str) -> reqwest::Response {
        self.send(Some(user), Method::GET, path, Value::Null).await
    }

    async fn log_in(&self, email: &str, password: &str) -> StatusCode {
        let body = json!({ "email": email, "password": password });
        let response = self
            .send(None, Method::POST, "/api/v1/auth/login", body)
            .await;
        response.status()
    }

    async fn reset(&self, email: &str) -> StatusCode {
        let body = json!({ "email": email });
        let response = self
            .send(None, Method::POST, "/api/v1/auth/password-reset", body)
            .await;
        response.status()
    }
}

async fn sign_up(instance: &Instance, name: &str) -> TestUser {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    let body = json!({ "email": email, "password": PASSWORD, "name": name });
    let response = instance
        .send(None, Method::POST, "/api/v1/auth/signup", body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    signed_in(response).await
}

/// Reads `events` (a Server-Sent Events body) until a `done` event; returns it with the
/// progress events before it, calling `on_progress` with each.
async fn until_done(
    events: reqwest::Response,
    mut on_progress: impl FnMut(&Value),
) -> (Value, usize) {
    let mut body = events.bytes_stream();
    let (mut text, mut seen) = (String::new(), 0);
    while let Some(chunk) = body.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        while let Some((event, rest)) = text.split_once("\n\n") {
            let (event, rest) = (event.to_owned(), rest.to_owned());
            text = rest;
            let Some((name, data)) = event.split_once("\ndata: ") else {
                continue;
            };
            let data: Value = serde_json::from_str(data).unwrap();
            match name {
                "event: done" => return (data, seen),
                "event: progress" => {
                    seen += 1;
                    on_progress(&data);
                }
                _ => {}
            }
        }
    }
    panic!("the event stream ended without a done event");
}

#[tokio::test]
async fn two_instances_and_two_workers_share_sessions_limits_progress_and_shares() {
    let sim = sim(61, 300, Some(100.0), None).await;
    sim.set_latency(5, 15);
    let Some(mut env) = production_env(&sim) else {
        return;
    };
    env.push(("NOTION_GRAPH_NOTION_RATE".into(), "100".into()));
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (
        Instance::serve(data.path(), &env).await,
        Instance::serve(data.path(), &env).await,
    );
    let mut first_worker = start(data.path(), &["worker"], &env);

    // A session made on A is a session on B.
    let user = sign_up(&a, "many").await;
    let me = json(b.get(&user, "/api/v1/me").await).await;
    assert_eq!(me["user"]["id"], user.id.as_str(), "{me}");

    // Failures on both count against one account: three on A and three on B lock it.
    let other = sign_up(&b, "locked").await;
    for instance in [&a, &a, &a, &b, &b, &b] {
        let failed = instance.log_in(&other.email, "not the password").await;
        assert_eq!(failed, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        a.log_in(&other.email, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Mail to one address is limited across instances: the sign-up's mail (on A) and two
    // resets (A, B) use the three allowed at once; a fourth on A is refused.
    assert_eq!(a.reset(&user.email).await, StatusCode::ACCEPTED);
    assert_eq!(b.reset(&user.email).await, StatusCode::ACCEPTED);
    assert_eq!(a.reset(&user.email).await, StatusCode::TOO_MANY_REQUESTS);

    // A workspace connected on A is imported by a worker, its progress streamed by B.
    let connected = a
        .send(
            Some(&user),
            Method::POST,
            "/api/v1/workspaces",
            json!({ "token": sim.token }),
        )
        .await;
    assert_eq!(connected.status(), StatusCode::CREATED);
    let id = json(connected).await["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    let events = b
        .get(&user, &format!("/api/v1/workspaces/{id}/progress"))
        .await;
    assert_eq!(events.status(), StatusCode::OK);
    // Mid-way, a second worker starts and the first is killed: the second resumes the run.
    let mut second_worker = None;
    let mut killed_at = None;
    let (done, progress_events) = tokio::time::timeout(
        Duration::from_secs(240),
        until_done(events, |event| {
            let fetched = event["progress"]["fetched"].as_u64().unwrap_or(0);
            if killed_at.is_none() && fetched >= 60 {
                second_worker = Some(start(data.path(), &["worker"], &env));
                first_worker.child.kill().unwrap();
                killed_at = Some(started.elapsed());
            }
        }),
    )
    .await
    .expect("a done event through B within 240 s");
    assert_eq!(done["end"], "completed", "{done}");
    let killed_at = killed_at.expect("the first worker was killed mid-import");
    let store = production_store(&env).await;
    let connection = json(a.get(&user, &format!("/api/v1/workspaces/{id}")).await).await;
    assert_connection_equals_truth(&sim, &store, &id).await;
    let synced = started.elapsed();
    eprintln!(
        "instances: import {synced:?} through B's SSE ({progress_events} progress events), \
         first worker killed at {killed_at:?}; {} pages",
        connection["pages"]
    );

    // A share made on A shows on B, and is gone on B the moment A revokes it.
    let path = format!("/api/v1/workspaces/{id}/shares");
    let body = json!({ "name": "Across instances" });
    let made = a.send(Some(&user), Method::POST, &path, body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let share = json(made).await;
    let embed = format!("/embed/{}", token(&share));
    let shown = Instant::now();
    eventually(Duration::from_secs(60), "the embed on B", || async {
        let page = b.send(None, Method::GET, &embed, Value::Null).await;
        (page.status() == StatusCode::OK).then_some(())
    })
    .await;
    let shown = shown.elapsed();
    let revoke = format!("/api/v1/shares/{}", share["id"].as_str().unwrap());
    let revoked = a
        .send(Some(&user), Method::DELETE, &revoke, Value::Null)
        .await;
    assert!(revoked.status().is_success(), "{}", revoked.status());
    let gone = b.send(None, Method::GET, &embed, Value::Null).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    eprintln!("instances: share on B after {shown:?}, 404 on B right after the revocation on A");
    drop(second_worker);
    sim.stop().await;
}
