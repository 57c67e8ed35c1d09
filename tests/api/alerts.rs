//! In-product alerting against a local receiver (an actix server inside the test): a dead
//! letter fires the `dead_letters` alert, the receiver that fails once gets it again, signed;
//! discarding the letter resolves it; a receiver whose matchers the alert does not satisfy
//! gets nothing; the history shows the alert resolved.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use notion_graph::config::AlertReceiver;
use notion_graph::modules::alerts::{SIGNATURE_HEADER, signature};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, eventually, json, spawn_app_with, within};

const PATIENCE: Duration = Duration::from_secs(30);
const SECRET: &str = "receiver-secret-0123";

/// What the receiver was sent: its path, signature header and body, and what it answered.
#[derive(Debug, Clone)]
struct Delivery {
    path: String,
    signature: Option<String>,
    body: String,
    answered: u16,
}

#[derive(Clone, Default)]
struct Receiver {
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    /// Serves on a free port; the first delivery to `/ops` is answered 500.
    fn start(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let deliveries = self.deliveries.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(deliveries.clone()))
                .default_service(web::to(receive))
        })
        .listen(listener)
        .unwrap()
        .workers(1)
        .disable_signals()
        .run();
        tokio::spawn(server);
        url
    }

    fn delivered(&self, path: &str, status: &str) -> Option<Delivery> {
        let deliveries = self.deliveries.lock().unwrap();
        deliveries
            .iter()
            .find(|d| d.path == path && d.answered == 200 && body(d)["status"] == status)
            .cloned()
    }

    fn to(&self, path: &str) -> Vec<Delivery> {
        let deliveries = self.deliveries.lock().unwrap();
        deliveries
            .iter()
            .filter(|d| d.path == path)
            .cloned()
            .collect()
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    deliveries: web::Data<Arc<Mutex<Vec<Delivery>>>>,
) -> HttpResponse {
    let mut deliveries = deliveries.lock().unwrap();
    let path = request.path().to_owned();
    let first_to_ops = path == "/ops" && !deliveries.iter().any(|d| d.path == "/ops");
    let answered = if first_to_ops { 500 } else { 200 };
    deliveries.push(Delivery {
        path,
        signature: request
            .headers()
            .get(SIGNATURE_HEADER)
            .map(|v| v.to_str().unwrap().to_owned()),
        body: String::from_utf8(body.to_vec()).unwrap(),
        answered,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

fn body(delivery: &Delivery) -> Value {
    serde_json::from_str(&delivery.body).unwrap()
}

fn receiver(
    name: &str,
    url: String,
    secret: Option<&str>,
    matchers: &[(&str, &str)],
) -> AlertReceiver {
    let receiver = json!({
        "name": name,
        "url": url,
        "format": if secret.is_some() { "json" } else { "slack" },
        "secret": secret,
        "match": matchers.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
    });
    serde_json::from_value(receiver).unwrap()
}

/// The signature header carries `t=<secs>` and `v1=<hmac>` of `<secs>.<body>` under SECRET.
fn assert_signed(delivery: &Delivery) {
    let header = delivery.signature.as_deref().expect("a signature header");
    let timestamp: i64 = header
        .split(',')
        .find_map(|part| part.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .expect("a timestamp");
    assert_eq!(
        header,
        signature(SECRET, timestamp, delivery.body.as_bytes())
    );
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 120);
}

async fn spawn(mode: Mode, url: &str) -> Option<TestApp> {
    let ops = receiver(
        "ops",
        format!("{url}/ops"),
        Some(SECRET),
        &[("queue", "canary")],
    );
    let pager = receiver(
        "pager",
        format!("{url}/pager"),
        None,
        &[("severity", "critical")],
    );
    spawn_app_with(mode, |settings| {
        let alerts = &mut settings.alerts;
        alerts.alert_interval_secs = 1;
        let dead = alerts
            .alert_rules
            .iter_mut()
            .find(|r| r.name == "dead_letters");
        dead.unwrap().for_secs = 0;
        alerts.alert_receivers = vec![ops, pager];
    })
    .await
}

async fn dead_letter(app: &TestApp) -> String {
    let canary = json!({ "id": "alerting", "fail_times": 100 });
    let response = app.admin_post("/api/admin/canaries", &canary).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    eventually(PATIENCE, "a dead letter", || async {
        let page = json(app.admin_get("/api/admin/jobs/dead").await).await;
        page["items"][0]["id"].as_str().map(str::to_owned)
    })
    .await
}

/// The job gauges of a `/metrics` text.
fn jobs_lines(metrics: String) -> String {
    let wanted = ["notion_graph_jobs{", "notion_graph_dead_letters{"];
    let lines = metrics
        .lines()
        .filter(|l| wanted.iter().any(|w| l.starts_with(w)));
    lines.collect::<Vec<_>>().join("; ")
}

async fn history(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app.admin_get(&format!("/api/admin/alerts{query}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["items"].as_array().cloned().unwrap()
}

#[tokio::test]
async fn a_dead_letter_fires_an_alert_that_resolves_once_the_letter_is_gone() {
    for mode in Mode::ALL {
        let receiver = Receiver::default();
        let url = receiver.start();
        let Some(app) = spawn(mode, &url).await else {
            continue;
        };
        let letter = dead_letter(&app).await;
        let firing = eventually(PATIENCE, "a firing notification", || async {
            receiver.delivered("/ops", "firing")
        })
        .await;
        let notification = body(&firing);
        assert_eq!(
            notification["group"], "dead_letters{queue=canary}",
            "{mode:?}"
        );
        assert_eq!(notification["labels"]["severity"], "warning");
        assert_signed(&firing);
        // The receiver failed the first delivery: the same notification came again.
        let tries = receiver.to("/ops");
        assert_eq!(
            (tries[0].answered, tries[1].answered),
            (500, 200),
            "{mode:?}"
        );
        assert_eq!(body(&tries[0])["id"], notification["id"]);
        let active = history(&app, "?state=firing").await;
        assert_eq!(active.len(), 1, "{mode:?}: {active:?}");
        assert_eq!(active[0]["value"], 1.0);

        let response = app
            .client
            .delete(app.url(&format!("/api/admin/jobs/dead/{letter}")))
            .bearer_auth(crate::helpers::ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let resolved = within(PATIENCE, || async {
            receiver.delivered("/ops", "resolved")
        })
        .await;
        let Some(resolved) = resolved else {
            // What each part saw, so that a failure here says where the resolution stopped.
            panic!(
                "{mode:?}: no resolved notification in {PATIENCE:?}; alerts: {:?}; dead letters: \
                 {}; jobs: {}; deliveries to /ops: {:?}",
                history(&app, "").await,
                json(app.admin_get("/api/admin/jobs/dead").await).await,
                jobs_lines(app.get("/metrics").await.text().await.unwrap()),
                receiver.to("/ops"),
            )
        };
        assert_signed(&resolved);
        assert_eq!(body(&resolved)["group"], notification["group"]);
        let all = history(&app, "").await;
        assert_eq!(all.len(), 1, "{mode:?}: {all:?}");
        assert_eq!(all[0]["state"], "resolved");
        assert!(all[0]["resolved_at"].as_i64() >= all[0]["fired_at"].as_i64());
        assert!(
            receiver.to("/pager").is_empty(),
            "{mode:?}: routed by severity"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_alert_history_is_admin_only_and_refuses_a_bad_page() {
    let Some(app) = spawn_app_with(Mode::Embedded, |_| {}).await else {
        return;
    };
    assert_eq!(
        app.get("/api/admin/alerts").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let bad = app.admin_get("/api/admin/alerts?limit=0").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(bad).await["code"], "invalid_limit");
    let state = app.admin_get("/api/admin/alerts?state=burning").await;
    assert_eq!(state.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

/// Two instances on one MongoDB and one Redis: each counts its own refused webhooks, the one
/// evaluator sums both, and the alert is sent once.
#[tokio::test]
async fn two_instances_alert_once_on_what_they_counted_together() {
    let receiver = Receiver::default();
    let url = receiver.start();
    let tune = |settings: &mut notion_graph::config::Settings| {
        let alerts = &mut settings.alerts;
        alerts.alert_interval_secs = 1;
        let rule = alerts
            .alert_rules
            .iter_mut()
            .find(|r| r.name == "webhook_rejections");
        let rule = rule.unwrap();
        (rule.threshold, rule.window_secs) = (3.0, 120);
        alerts.alert_receivers = vec![receiver_to(&url)];
    };
    let first_dir = tempfile::TempDir::new().unwrap();
    let Some(mut settings) = crate::helpers::test_settings(Mode::Production, first_dir.path())
    else {
        return;
    };
    tune(&mut settings);
    let first = crate::helpers::start(settings.clone(), first_dir).await;
    let second_dir = tempfile::TempDir::new().unwrap();
    settings.storage.data_dir = second_dir.path().to_owned();
    let second = crate::helpers::start(settings, second_dir).await;
    // Two each: neither instance alone is above the threshold of 3, both together are.
    for app in [&first, &second, &first, &second] {
        let refused = app
            .client
            .post(app.url("/api/webhooks/notion"))
            .header("X-Notion-Signature", "sha256=00")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let firing = eventually(PATIENCE, "a firing notification", || async {
        receiver.delivered("/all", "firing")
    })
    .await;
    assert_eq!(body(&firing)["group"], "webhook_rejections{source=notion}");
    assert_eq!(body(&firing)["value"], 4.0);
    // Three more intervals: the other instance did not send it too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent: Vec<_> = receiver
        .to("/all")
        .iter()
        .map(body)
        .filter(|b| b["status"] == "firing")
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    first.stop().await;
    second.stop().await;
}

fn receiver_to(url: &str) -> AlertReceiver {
    receiver("all", format!("{url}/all"), Some(SECRET), &[])
}
