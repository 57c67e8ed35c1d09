//! Product analytics (issue 13 item 8, security.md 26) against a local capture server that
//! records exactly what arrived: an opaque distinct id only (no email, name, id or token), no
//! events of a user who opted out, nothing at all without a key, and drops counted when
//! PostHog is down.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use notion_graph::modules::analytics;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, log_in, sign_up};
use crate::dashboard::{get_page, post_form};
use crate::helpers::{Mode, TestApp, eventually, json as json_body, spawn_app_with};
use crate::workspaces::{connected, simulator};

const KEY: &str = "phc_test_project_key";

/// A PostHog stand-in: `POST /batch/` bodies, as received.
struct Capture {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Capture {
    async fn start() -> Self {
        Self::answering(200).await
    }

    /// A capture server that answers every batch with `status` (503: PostHog is down).
    async fn answering(status: u16) -> Self {
        let status = actix_web::http::StatusCode::from_u16(status).unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = web::Data::new(bodies.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            App::new().app_data(kept.clone()).route(
                "/batch/",
                web::post().to(
                    move |body: web::Json<Value>, kept: web::Data<Arc<Mutex<Vec<Value>>>>| async move {
                        kept.lock().unwrap().push(body.into_inner());
                        HttpResponse::build(status).json(json!({"status": 1}))
                    },
                ),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { url, bodies }
    }

    fn events(&self) -> Vec<Value> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .flat_map(|b| b["batch"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    fn raw(&self) -> String {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect()
    }
}

async fn app_sending_to(host: &str, key: Option<&str>, notion: Option<String>) -> TestApp {
    let (host, key) = (host.to_owned(), key.map(str::to_owned));
    spawn_app_with(Mode::Embedded, move |s| {
        s.analytics.posthog_host = host;
        s.analytics.posthog_api_key = key.map(SecretString::from);
        if let Some(url) = notion {
            (s.notion.api_url, s.notion.rate) = (url, 200.0);
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn security_26_analytics_carry_an_opaque_id_only_and_an_opted_out_user_sends_nothing() {
    let capture = Capture::start().await;
    let sim = simulator(91, 15).await;
    let app = app_sending_to(&capture.url, Some(KEY), Some(sim.url.clone())).await;
    let quiet = sign_up(&app, "quiet").await;
    let opt_out = json!({"preferences": {"analytics_opt_out": true}});
    let patched = quiet
        .send(&app, Method::PATCH, "/api/v1/me", &opt_out)
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(
        log_in(&app, &quiet.email, PASSWORD).await.status(),
        StatusCode::OK
    );

    let loud = sign_up(&app, "loud").await;
    connected(&app, &loud, &sim).await;
    // An assistant message is counted, never quoted.
    let said = "what links to the zebra secret words";
    let conversation = loud
        .send(
            &app,
            Method::POST,
            "/api/v1/assistant/conversations",
            &json!({}),
        )
        .await;
    let conversation = json_body(conversation).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/assistant/conversations/{conversation}/messages");
    let message = loud
        .send(&app, Method::POST, &path, &json!({ "text": said }))
        .await;
    assert_eq!(message.status(), StatusCode::OK);
    assert_eq!(
        log_in(&app, &loud.email, PASSWORD).await.status(),
        StatusCode::OK
    );
    let loud_id = analytics::distinct_id("user", &loud.id);
    let quiet_id = analytics::distinct_id("user", &quiet.id);
    let events = eventually(
        Duration::from_secs(30),
        "the loud user's events",
        || async {
            let events = capture.events();
            let names: Vec<&str> = events
                .iter()
                .filter(|e| e["distinct_id"] == loud_id.as_str())
                .filter_map(|e| e["event"].as_str())
                .collect();
            let all = [
                "signed_up",
                "workspace_connected",
                "sync_completed",
                "signed_in",
                "assistant_message",
            ];
            all.iter().all(|n| names.contains(n)).then_some(events)
        },
    )
    .await;
    // The queue is one FIFO: the quiet user's later events went before the loud user's last.
    assert!(
        !events
            .iter()
            .any(|e| e["distinct_id"] == quiet_id.as_str() && e["event"] == "signed_in"),
        "an opted-out user's sign-in was sent"
    );
    let sync = events
        .iter()
        .find(|e| e["event"] == "sync_completed")
        .unwrap();
    assert!(sync["properties"]["pages"].as_u64().unwrap() > 0, "{sync}");
    assert_eq!(capture.bodies.lock().unwrap()[0]["api_key"], KEY);

    let raw = capture.raw();
    assert!(
        !raw.contains("zebra"),
        "the assistant message's text was sent"
    );
    let secrets = [&loud.email, &loud.id, &quiet.email, &quiet.id, &sim.token];
    for secret in secrets {
        assert!(
            !raw.contains(secret.as_str()),
            "`{secret}` reached the analytics server"
        );
    }
    let stats = analytics::stats(&app.state).unwrap();
    assert!(stats.opted_out >= 1 && stats.dropped == 0, "{stats:?}");
}

#[tokio::test]
async fn with_no_posthog_key_nothing_is_sent() {
    let capture = Capture::start().await;
    let app = app_sending_to(&capture.url, None, None).await;
    let user = sign_up(&app, "no-key").await;
    assert_eq!(
        log_in(&app, &user.email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        analytics::stats(&app.state),
        None,
        "no queue exists without a key"
    );
    assert!(capture.bodies.lock().unwrap().is_empty());
}

#[tokio::test]
async fn events_are_dropped_and_counted_while_posthog_is_down() {
    let down = Capture::answering(503).await;
    let app = app_sending_to(&down.url, Some(KEY), None).await;
    let user = sign_up(&app, "posthog-down").await;
    let answered = log_in(&app, &user.email, PASSWORD).await;
    assert_eq!(
        answered.status(),
        StatusCode::OK,
        "requests do not wait for PostHog"
    );
    eventually(
        Duration::from_secs(30),
        "dropped events counted",
        || async {
            let stats = analytics::stats(&app.state)?;
            (stats.dropped >= 2).then_some(())
        },
    )
    .await;
}

/// The account page's analytics box is the same preference as `PATCH /api/v1/me`: unticked and
/// saved, the account is opted out; ticked again, it is back in.
#[tokio::test]
async fn the_account_page_opts_out_of_usage_analytics_and_back_in() {
    let app = spawn_app_with(Mode::Embedded, |_| {}).await.unwrap();
    let user = sign_up(&app, "chooser").await;
    let opted_out = || async {
        let me = user
            .request(&app, Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap();
        let me: Value = me.json().await.unwrap();
        me["user"]["preferences"]["analytics_opt_out"].clone()
    };
    let checkbox = || async {
        let page = get_page(&app, Some(&user), "/account")
            .await
            .text()
            .await
            .unwrap();
        let start = page.find(r#"id="share-usage""#).expect("the analytics box");
        page[start..start + 60].contains("checked")
    };
    assert_eq!(opted_out().await, json!(false));
    assert!(checkbox().await);

    let csrf = user.csrf.as_str();
    let saved = post_form(
        &app,
        Some(&user),
        "/account/analytics",
        &[("csrf_token", csrf)],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(opted_out().await, json!(true));
    assert!(!checkbox().await);

    let form = [("csrf_token", csrf), ("share", "on")];
    let back = post_form(&app, Some(&user), "/account/analytics", &form).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(opted_out().await, json!(false));
}
