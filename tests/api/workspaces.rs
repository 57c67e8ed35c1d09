//! The workspace API (issue 10, items 10-12), in both modes: connecting with a token queues the
//! import, settings, syncs on demand and their history, progress as Server-Sent Events,
//! disconnecting deletes everything, and the tenant-isolation sweep over every route of the
//! OpenAPI document (security.md 9 and 10).

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use notion_graph::modules::embed::SHARES;
use notion_graph::modules::graph::{BuildOptions, GraphService, SNAPSHOT_PINS, SNAPSHOTS};
use notion_graph::modules::sync::{EDGES, ENTITIES, FRONTIER, RUNS};
use notion_graph::storage::Filter;
use notion_sim::{RunningSim, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, eventually, json, spawn_app_with};

pub async fn simulator(seed: u64, pages: usize) -> RunningSim {
    let config = SimConfig {
        rate_limit: None,
        ..SimConfig::new(seed, pages)
    };
    notion_sim::start(config, "127.0.0.1:0").await.unwrap()
}

pub async fn app_for(mode: Mode, sim: &RunningSim) -> Option<TestApp> {
    let url = sim.url.clone();
    spawn_app_with(mode, move |s| {
        s.notion.api_url = url;
        s.notion.rate = 200.0;
    })
    .await
}

/// Connects the simulator's workspace as `user` and waits for the first import to finish.
pub async fn connected(app: &TestApp, user: &TestUser, sim: &RunningSim) -> Value {
    let created = user
        .send(
            app,
            Method::POST,
            "/api/v1/workspaces",
            &json!({ "token": sim.token }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = json(created).await["id"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(120), "the first import", || async {
        let view = json(user.get(app, &format!("/api/v1/workspaces/{id}")).await).await;
        view["last_sync_at"].is_string().then_some(view)
    })
    .await
}

#[tokio::test]
async fn a_workspace_connected_with_a_token_is_imported_and_its_settings_change() {
    for mode in Mode::ALL {
        let sim = simulator(31, 40).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let user = sign_up(&app, "owner").await;
        let bad = user
            .send(
                &app,
                Method::POST,
                "/api/v1/workspaces",
                &json!({ "token": "ntn_wrong" }),
            )
            .await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json(bad).await["code"], "notion_token_refused");

        let view = connected(&app, &user, &sim).await;
        let id = view["id"].as_str().unwrap();
        assert!(view["pages"].as_u64().unwrap() > 0, "{view}");
        assert_eq!(view["status"], "active");
        let listed = json(user.get(&app, "/api/v1/workspaces").await).await;
        assert_eq!(listed[0]["id"], id);

        let path = format!("/api/v1/workspaces/{id}");
        let too_often = user
            .send(
                &app,
                Method::PATCH,
                &path,
                &json!({ "sync_interval_minutes": 1 }),
            )
            .await;
        assert_eq!(too_often.status(), StatusCode::BAD_REQUEST);
        let paused = json(
            user.send(
                &app,
                Method::PATCH,
                &path,
                &json!({ "paused": true, "name": "Renamed", "sync_interval_minutes": 30 }),
            )
            .await,
        )
        .await;
        assert_eq!(
            (
                paused["status"].as_str(),
                paused["name"].as_str(),
                paused["sync_interval_minutes"].as_u64()
            ),
            (Some("paused"), Some("Renamed"), Some(30))
        );
        let refused = user
            .send(&app, Method::POST, &format!("{path}/syncs"), &json!({}))
            .await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        user.send(&app, Method::PATCH, &path, &json!({ "paused": false }))
            .await;
        let queued = user
            .send(&app, Method::POST, &format!("{path}/syncs"), &json!({}))
            .await;
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
        let runs = eventually(Duration::from_secs(60), "a second run", || async {
            let runs = json(user.get(&app, &format!("{path}/syncs")).await).await;
            let done = runs
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["state"] == "completed")
                .count();
            (done >= 2).then_some(runs)
        })
        .await;
        assert_eq!(runs[0]["kind"], "incremental", "newest first");
    }
}

#[tokio::test]
async fn progress_streams_as_server_sent_events_with_its_phase_and_a_done_event() {
    for mode in Mode::ALL {
        let sim = simulator(32, 300).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        sim.set_latency(20, 40);
        let user = sign_up(&app, "watcher").await;
        let created = user
            .send(
                &app,
                Method::POST,
                "/api/v1/workspaces",
                &json!({ "token": sim.token }),
            )
            .await;
        let id = json(created).await["id"].as_str().unwrap().to_owned();
        let response = user
            .get(&app, &format!("/api/v1/workspaces/{id}/progress"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let mut body = response.bytes_stream();
        let mut text = String::new();
        let done = tokio::time::timeout(Duration::from_secs(90), async {
            while let Some(chunk) = body.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
                let last = text.split("event: done\ndata: ").nth(1);
                if let Some(data) = last.and_then(|rest| rest.split_once("\n\n")) {
                    return Some(serde_json::from_str::<Value>(data.0).unwrap());
                }
            }
            None
        })
        .await
        .unwrap_or_else(|_| panic!("no done event: {text}"))
        .expect("the stream stays open");
        let phases = sse_data(&text, "progress")
            .map(|event| event["progress"]["phase"].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>();
        assert!(!phases.is_empty(), "progress events came first: {text}");
        assert!(
            phases.is_subset(
                &["searching", "reading", "finishing"]
                    .map(String::from)
                    .into()
            )
        );
        assert_eq!(done["end"], "completed", "{done}");
        let last = &done["progress"];
        assert_eq!(last["phase"], "finishing");
        assert_eq!(last["fetched"], last["discovered"], "{last}");
        assert!(last["fetched"].as_u64().unwrap() >= 300, "{last}");
    }
}

/// The data of each complete Server-Sent Event named `name` in `text`.
fn sse_data<'a>(text: &'a str, name: &'a str) -> impl Iterator<Item = Value> + 'a {
    text.split("\n\n")
        .filter_map(move |event| event.strip_prefix(&format!("event: {name}\ndata: ")))
        .filter_map(|data| serde_json::from_str(data).ok())
}

#[tokio::test]
async fn disconnecting_a_workspace_leaves_nothing_of_it_in_the_store() {
    for mode in Mode::ALL {
        let sim = simulator(33, 40).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let user = sign_up(&app, "leaver").await;
        let id = connected(&app, &user, &sim).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let built = GraphService::new(app.state.store.clone())
            .build(&id, BuildOptions::default())
            .await
            .unwrap();
        // A share link that pins the snapshot.
        let shared = user
            .send(
                &app,
                Method::POST,
                &format!("/api/v1/workspaces/{id}/shares"),
                &json!({ "name": "pinned", "preset": { "version": built.meta.version } }),
            )
            .await;
        assert_eq!(shared.status(), StatusCode::CREATED);
        let store = &app.state.store;
        let mine = Filter::all().eq("connection", id.as_str());
        let its = Filter::all().eq("workspace", id.as_str());
        assert!(store.count(&ENTITIES, &mine).await.unwrap() > 0);
        assert_eq!(store.count(&SHARES, &its).await.unwrap(), 1);
        assert_eq!(store.count(&SNAPSHOT_PINS, &its).await.unwrap(), 1);

        let deleted = user
            .send(
                &app,
                Method::DELETE,
                &format!("/api/v1/workspaces/{id}"),
                &json!({}),
            )
            .await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            user.get(&app, &format!("/api/v1/workspaces/{id}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        for collection in [&ENTITIES, &EDGES, &RUNS] {
            assert_eq!(
                store.count(collection, &mine).await.unwrap(),
                0,
                "{}",
                collection.name
            );
        }
        assert_eq!(store.count(&FRONTIER, &Filter::all()).await.unwrap(), 0);
        for collection in [&SNAPSHOTS, &SNAPSHOT_PINS, &SHARES] {
            assert_eq!(
                store.count(collection, &its).await.unwrap(),
                0,
                "{}",
                collection.name
            );
        }
        assert_eq!(
            store
                .count(
                    &notion_graph::modules::graph::SNAPSHOT_CHUNKS,
                    &Filter::all()
                )
                .await
                .unwrap(),
            0
        );
    }
}

/// A conversation of `user`'s with the assistant, a plan it proposed and the task that
/// confirming the plan queued.
async fn assistant_task(
    app: &TestApp,
    user: &TestUser,
    sim: &RunningSim,
) -> (String, String, String) {
    let truth = sim.truth();
    let titles: Vec<&str> = truth.pages.iter().map(|p| p.title.as_str()).collect();
    let unique = titles
        .iter()
        .find(|t| titles.iter().filter(|o| o.eq_ignore_ascii_case(t)).count() == 1)
        .expect("a page with a title of its own");
    let path = "/api/v1/assistant/conversations";
    let conversation = json(user.send(app, Method::POST, path, &json!({})).await).await;
    let conversation = conversation["id"].as_str().unwrap().to_owned();
    let text = format!("create page Sweep under {unique}");
    let messages = format!("{path}/{conversation}/messages");
    let reply = json(
        user.send(app, Method::POST, &messages, &json!({ "text": text }))
            .await,
    )
    .await;
    let plan = reply["plan"]["id"].as_str().expect("a plan").to_owned();
    let confirm = format!("/api/v1/assistant/plans/{plan}/confirm");
    let task = json(user.send(app, Method::POST, &confirm, &json!({})).await).await;
    let task = task["id"].as_str().unwrap().to_owned();
    (conversation, plan, task)
}

/// The ids of what user A owns, by the path segment that names them.
fn owned_id<'a>(path: &str, param: &str, ids: &'a [(&'static str, String)]) -> &'a str {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments
        .iter()
        .position(|s| *s == format!("{{{param}}}"))
        .unwrap();
    let collection = segments[at - 1];
    ids.iter()
        .find(|(name, _)| *name == collection)
        .map(|(_, id)| id.as_str())
        .unwrap_or_else(|| {
            panic!("teach the tenant sweep which of user A's ids fills `{{{param}}}` in {path}")
        })
}

/// A body with every required property of `schema`, so that the route reaches its check.
fn fill(schema: &Value, document: &Value) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return fill(&document["components"]["schemas"][name], document);
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    if let Some(any) = schema["oneOf"].get(0).or(schema["allOf"].get(0)) {
        return fill(any, document);
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or_default(),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("string") => json!("sweep-value-0123456789"),
        Some("integer") | Some("number") => json!(60),
        Some("boolean") => json!(false),
        Some("array") => json!([fill(&schema["items"], document)]),
        _ => {
            let mut object = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                object.insert(name.to_owned(), fill(&schema["properties"][name], document));
            }
            Value::Object(object)
        }
    }
}

#[tokio::test]
async fn every_route_answers_404_to_another_user_and_403_to_a_non_admin() {
    for mode in Mode::ALL {
        let sim = simulator(34, 30).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let a = sign_up(&app, "alice").await;
        let b = sign_up(&app, "bob").await;
        let workspace = connected(&app, &a, &sim).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let key = json(
            a.send(
                &app,
                Method::POST,
                "/api/v1/api-keys",
                &json!({ "name": "k", "scopes": ["read"] }),
            )
            .await,
        )
        .await;
        let share = json(
            a.send(
                &app,
                Method::POST,
                &format!("/api/v1/workspaces/{workspace}/shares"),
                &json!({ "name": "s" }),
            )
            .await,
        )
        .await;
        let (conversation, plan, task) = assistant_task(&app, &a, &sim).await;
        let sessions = json(a.get(&app, "/api/v1/me/sessions").await).await;
        let ids = vec![
            ("sessions", sessions[0]["id"].as_str().unwrap().to_owned()),
            ("workspaces", workspace.clone()),
            ("api-keys", key["id"].as_str().unwrap().to_owned()),
            // Refused at the workspace, before any page is looked up.
            ("pages", "any-page".to_owned()),
            ("shares", share["id"].as_str().unwrap().to_owned()),
            ("builds", "any-build".to_owned()),
            // Refused at the workspace, before the export is looked up.
            ("exports", "any-export".to_owned()),
            ("conversations", conversation),
            ("plans", plan),
            ("tasks", task),
            // The embed routes take a link's token, not a user: anyone holding a live one may
            // read (tests/api/embed.rs); a made-up one must reveal nothing.
            ("embed", "made-up-token".to_owned()),
        ];
        let document = json(app.get("/api/openapi.json").await).await;
        let b_is_admin = b.get(&app, "/api/admin/users").await.status() == StatusCode::OK;
        assert!(!b_is_admin);
        let mut checked = BTreeSet::new();
        for (template, operations) in document["paths"].as_object().unwrap() {
            if template.starts_with("/api/v1/auth/") {
                continue; // no ids: they act on the caller's own session (and would end B's)
            }
            for (method, operation) in operations.as_object().unwrap() {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                let mut path = template.clone();
                for param in operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                {
                    let name = param["name"].as_str().unwrap();
                    let id = if template.starts_with("/api/admin") {
                        "any" // refused before any lookup
                    } else {
                        owned_id(template, name, &ids)
                    };
                    path = path.replace(&format!("{{{name}}}"), id);
                }
                let body =
                    operation["requestBody"]["content"]["application/json"]["schema"].clone();
                let body = if body.is_null() {
                    json!({})
                } else {
                    fill(&body, &document)
                };
                let response = b.send(&app, method.clone(), &path, &body).await;
                let status = response.status();
                let text = response.text().await.unwrap();
                let what = format!("{method} {path} as another user: {status} {text}");
                if template.starts_with("/api/admin") {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
                } else if template.contains('{') && template.starts_with("/api/v1") {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
                } else {
                    for (_, id) in &ids {
                        assert!(!text.contains(id.as_str()), "{what} shows user A's {id}");
                    }
                }
                checked.insert(format!("{method} {template}"));
            }
        }
        assert!(
            checked.contains("DELETE /api/v1/workspaces/{id}"),
            "{checked:?}"
        );
        let still = a
            .get(&app, &format!("/api/v1/workspaces/{workspace}"))
            .await;
        assert_eq!(
            still.status(),
            StatusCode::OK,
            "nothing B did reached A's workspace"
        );
    }
}
