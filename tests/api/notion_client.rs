//! The Notion client against the simulator over real HTTP: pagination, the rate budget,
//! retries of 429s, 5xx and dropped connections, OAuth refresh, typed not-found, the circuit
//! breaker, full relation lists and metrics.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::TryStreamExt;
use notion_graph::cache::{MemoryCache, RateLimit};
use notion_graph::metrics::Metrics;
use notion_graph::modules::notion::model::{Object, PropertyValue};
use notion_graph::modules::notion::{
    ClientConfig, Credentials, NotionClient, NotionError, OAuthApp, OAuthSession, TokenStore,
    Tokens,
};
use notion_sim::{Fault, RunningSim, SimConfig};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

async fn simulator(config: SimConfig) -> RunningSim {
    notion_sim::start(config, "127.0.0.1:0")
        .await
        .expect("the simulator starts")
}

fn unlimited(seed: u64, pages: usize) -> SimConfig {
    SimConfig {
        rate_limit: None,
        short_page_fraction: 0.2,
        ..SimConfig::new(seed, pages)
    }
}

fn config(sim: &RunningSim, rate: RateLimit) -> ClientConfig {
    ClientConfig {
        base_url: sim.url.clone(),
        rate,
        backoff_base: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    }
}

fn client(sim: &RunningSim, rate: RateLimit) -> NotionClient {
    let token = Credentials::Token(SecretString::from(sim.token.clone()));
    NotionClient::new(
        config(sim, rate),
        "test-connection",
        token,
        Arc::new(MemoryCache::default()),
    )
}

fn fast() -> RateLimit {
    RateLimit::new(5000.0, 100)
}

fn ids(objects: &[Object]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| match o {
            Object::Page(p) => Some(p.id.clone()),
            Object::DataSource(d) => Some(d.id.clone()),
            Object::Database(d) => Some(d.id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn lists_are_followed_to_the_end_exactly_once() {
    let sim = simulator(unlimited(11, 400)).await;
    let notion = client(&sim, fast());
    let found: Vec<Object> = notion.search("", None).try_collect().await.unwrap();
    let found = ids(&found);
    let distinct: HashSet<_> = found.iter().collect();
    assert_eq!(distinct.len(), found.len(), "a result appeared twice");
    assert!(
        found.len() > 100,
        "search spans several pages: {}",
        found.len()
    );
    let stats = sim.stats();
    assert!(stats.calls_to("POST /v1/search") >= 2);

    let parent = sim
        .truth()
        .pages
        .iter()
        .find(|p| p.kind == "page" && p.shared && !p.trashed)
        .unwrap()
        .id
        .clone();
    let http = reqwest::Client::new();
    let created: serde_json::Value = http
        .post(format!("{}/_sim/pages", sim.url))
        .json(&json!({ "parent_id": parent, "title": "Many links" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = created["id"].as_str().unwrap().to_owned();
    for _ in 0..230 {
        let response = http
            .post(format!("{}/_sim/pages/{page}/links", sim.url))
            .json(&json!({ "target": parent, "kind": "page_mention" }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    let children: Vec<_> = notion.block_children(&page).try_collect().await.unwrap();
    assert!(children.len() >= 230, "{} children", children.len());
    let distinct: HashSet<_> = children.iter().map(|b| &b.id).collect();
    assert_eq!(distinct.len(), children.len());
    sim.stop().await;
}

#[tokio::test]
async fn a_full_speed_run_stays_within_the_rate_and_burst() {
    let limit = notion_sim::RateLimit {
        per_second: 5.0,
        burst: 5,
    };
    let sim = simulator(SimConfig {
        rate_limit: Some(limit),
        ..SimConfig::new(3, 50)
    })
    .await;
    let notion = client(&sim, RateLimit::new(5.0, 5));
    let window = Duration::from_secs(20);
    let started = Instant::now();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let notion = notion.clone();
            tokio::spawn(async move {
                let mut served = 0;
                while started.elapsed() < window {
                    notion.me().await.expect("calls succeed");
                    served += 1;
                }
                served
            })
        })
        .collect();
    let mut served = 0;
    for worker in workers {
        served += worker.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = sim.stats();
    let ceiling = (5.0 * elapsed) as u64 + 5 + 1;
    assert!(
        served <= ceiling,
        "{served} calls in {elapsed:.1} s exceed rate plus burst ({ceiling})"
    );
    assert!(
        served as f64 >= 5.0 * 20.0 * 0.9,
        "only {served} calls: the budget is under-used"
    );
    assert!(
        stats.rate_limited <= 3,
        "{} 429s: a storm",
        stats.rate_limited
    );
    sim.stop().await;
}

#[tokio::test]
async fn rate_limited_calls_wait_retry_after_and_succeed() {
    let limit = notion_sim::RateLimit {
        per_second: 2.0,
        burst: 2,
    };
    let sim = simulator(SimConfig {
        rate_limit: Some(limit),
        ..SimConfig::new(4, 50)
    })
    .await;
    let notion = client(&sim, fast());
    for _ in 0..6 {
        notion.me().await.expect("each call ends in success");
    }
    assert!(sim.stats().rate_limited > 0, "the simulator did rate-limit");
    sim.stop().await;
}

#[tokio::test]
async fn server_errors_overloads_and_dropped_connections_are_retried_to_success() {
    let sim = simulator(unlimited(5, 300)).await;
    let notion = client(&sim, fast());
    let clean: Vec<Object> = notion.search("", None).try_collect().await.unwrap();
    sim.set_faults(0.3, Fault::ALL.to_vec());
    let faulty: Vec<Object> = notion.search("", None).try_collect().await.unwrap();
    assert_eq!(ids(&faulty), ids(&clean));
    // A rate at which seven drops in a row (the retries run out) is vanishingly rare, over
    // enough calls that the faults surely happen.
    sim.set_faults(0.2, vec![Fault::Drop]);
    for _ in 0..100 {
        notion.me().await.expect("a dropped connection is retried");
    }
    assert!(
        sim.stats().faults >= 8,
        "faults were injected: {}",
        sim.stats().faults
    );
    sim.stop().await;
}

#[tokio::test]
async fn an_unshared_page_is_a_typed_not_found() {
    let sim = simulator(unlimited(6, 300)).await;
    let notion = client(&sim, fast());
    let hidden = sim
        .truth()
        .pages
        .into_iter()
        .find(|p| !p.shared)
        .expect("some pages are not shared");
    match notion.page(&hidden.id).await {
        Err(NotionError::NotFound(_)) => {}
        other => panic!("expected not found, got {other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn repeated_failures_open_the_circuit_and_it_closes_after_recovery() {
    let sim = simulator(unlimited(7, 50)).await;
    let config = ClientConfig {
        max_retries: 1,
        breaker_threshold: 3,
        breaker_cooldown: Duration::from_millis(500),
        ..config(&sim, fast())
    };
    let token = Credentials::Token(SecretString::from(sim.token.clone()));
    let notion = NotionClient::new(config, "breaker", token, Arc::new(MemoryCache::default()));
    sim.set_faults(1.0, vec![Fault::Status500]);
    assert!(matches!(
        notion.me().await,
        Err(NotionError::Exhausted { .. })
    ));
    assert!(notion.me().await.is_err());
    let started = Instant::now();
    assert!(matches!(
        notion.me().await,
        Err(NotionError::CircuitOpen(_))
    ));
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "an open circuit fails fast"
    );
    sim.set_faults(0.0, Vec::new());
    tokio::time::sleep(Duration::from_millis(600)).await;
    notion
        .me()
        .await
        .expect("the half-open trial succeeds and closes the circuit");
    sim.stop().await;
}

#[tokio::test]
async fn relations_beyond_the_page_objects_25_come_from_the_property_endpoint() {
    let sim = simulator(unlimited(8, 600)).await;
    let notion = client(&sim, fast());
    let truth = sim.truth();
    let mut counts = std::collections::HashMap::new();
    for edge in truth.edges.iter().filter(|e| e.kind == "relation") {
        *counts.entry(edge.source.clone()).or_insert(0usize) += 1;
    }
    let readable = |id: &str| {
        truth
            .pages
            .iter()
            .any(|p| p.id == id && p.shared && !p.trashed)
    };
    let (row, expected) = counts
        .into_iter()
        .filter(|(id, _)| readable(id))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .expect("a readable row with relations");
    assert!(
        expected > 100,
        "the generator makes a relation with over 100 targets: {expected}"
    );
    let page = notion.page(&row).await.unwrap();
    let (property, shown) = page
        .properties
        .values()
        .find_map(|p| match p {
            PropertyValue::Relation {
                id,
                targets,
                has_more: true,
            } => Some((id.clone(), targets.len())),
            _ => None,
        })
        .expect("a truncated relation");
    assert_eq!(shown, 25);
    let items: Vec<_> = notion
        .page_property(&row, &property)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), expected);
    sim.stop().await;
}

/// Records what the session persists.
#[derive(Default)]
struct Recorder(Mutex<Vec<Tokens>>);

#[async_trait]
impl TokenStore for Recorder {
    async fn store(&self, tokens: &Tokens) -> anyhow::Result<()> {
        self.0.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

#[tokio::test]
async fn a_refused_oauth_token_is_refreshed_once_and_rotated() {
    let settings = unlimited(9, 50);
    let (client_id, client_secret) = (settings.client_id.clone(), settings.client_secret.clone());
    let sim = simulator(settings).await;
    let app = OAuthApp {
        client_id,
        client_secret: SecretString::from(client_secret),
        base_url: sim.url.clone(),
        redirect_uri: "http://127.0.0.1/callback".into(),
    };
    let http = reqwest::Client::new();
    let grant = app.exchange_code(&http, &sim.oauth_code()).await.unwrap();
    assert!(!grant.bot_id.is_empty());
    let first_refresh = grant.refresh_token.clone().expect("a refresh token");
    let recorder = Arc::new(Recorder::default());
    let tokens = Tokens {
        access: grant.access_token.clone(),
        refresh: grant.refresh_token.clone(),
    };
    let session = Arc::new(OAuthSession::new(app.clone(), tokens, recorder.clone()));
    let notion = NotionClient::new(
        config(&sim, fast()),
        "oauth",
        Credentials::OAuth(session.clone()),
        Arc::new(MemoryCache::default()),
    );
    notion.me().await.unwrap();

    assert!(sim.revoke(grant.access_token.expose_secret()));
    let (a, b) = tokio::join!(notion.me(), notion.me());
    a.unwrap();
    b.unwrap();
    let stored = recorder.0.lock().unwrap().clone();
    assert_eq!(stored.len(), 1, "one refresh for two concurrent refusals");
    assert_ne!(
        stored[0].refresh.as_ref().unwrap().expose_secret(),
        first_refresh.expose_secret(),
        "rotated"
    );
    assert_eq!(
        session.access_token().await.expose_secret(),
        stored[0].access.expose_secret()
    );

    let reuse = http
        .post(format!("{}/v1/oauth/token", sim.url))
        .basic_auth(&app.client_id, Some(app.client_secret.expose_secret()))
        .json(&json!({ "grant_type": "refresh_token", "refresh_token": first_refresh.expose_secret() }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reuse.status(),
        400,
        "a rotated refresh token no longer works"
    );
    sim.stop().await;
}

#[tokio::test]
async fn calls_are_counted_per_endpoint_and_outcome() {
    let sim = simulator(unlimited(10, 50)).await;
    let metrics = Arc::new(Metrics::new());
    let notion = client(&sim, fast()).with_metrics(metrics.clone());
    notion.me().await.unwrap();
    let _ = notion.page("00000000-0000-0000-0000-000000000000").await;
    let text = metrics.render();
    assert!(
        text.contains(
            r#"notion_graph_notion_calls_total{endpoint="GET /v1/users/me",outcome="ok"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"endpoint="GET /v1/pages/{id}",outcome="refused""#),
        "{text}"
    );
    assert!(
        text.contains("notion_graph_notion_call_duration_seconds_bucket"),
        "{text}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_call_that_outlasts_its_timeout_is_retried_then_reported() {
    let sim = simulator(unlimited(12, 50)).await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        max_retries: 1,
        ..config(&sim, fast())
    };
    let token = Credentials::Token(SecretString::from(sim.token.clone()));
    let notion = NotionClient::new(config, "slow", token, Arc::new(MemoryCache::default()));
    sim.set_latency(1500, 1500);
    let started = Instant::now();
    match notion.me().await {
        Err(NotionError::Exhausted { attempts: 2, last }) => {
            assert!(last.contains("timed out"), "{last}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "no call waited for the slow answer"
    );
    sim.stop().await;
}

/// A Notion stand-in that rejects its own cursor once, as Notion does when a list changes
/// under a long crawl.
async fn forgetful_notion() -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpResponse, HttpServer, web};
    use std::sync::atomic::{AtomicBool, Ordering};
    let rejected = Arc::new(AtomicBool::new(false));
    let block = |n: u32| json!({"object": "block", "id": format!("{n:08}-0000-4000-8000-000000000000"), "type": "divider", "divider": {}});
    let server = HttpServer::new(move || {
        let rejected = rejected.clone();
        App::new().route(
            "/v1/blocks/{id}/children",
            web::get().to(move |query: web::Query<std::collections::HashMap<String, String>>| {
                let rejected = rejected.clone();
                async move {
                    let body = match query.get("start_cursor").map(String::as_str) {
                        None => json!({"object": "list", "results": [block(1), block(2)], "next_cursor": "c1", "has_more": true}),
                        Some("c1") if !rejected.swap(true, Ordering::SeqCst) => {
                            return HttpResponse::BadRequest().json(json!({"object": "error", "status": 400,
                                "code": "validation_error", "message": "The start_cursor provided is invalid: c1"}));
                        }
                        Some(_) => json!({"object": "list", "results": [block(3)], "next_cursor": null, "has_more": false}),
                    };
                    HttpResponse::Ok().json(body)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let address = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (address, handle)
}

#[tokio::test]
async fn a_rejected_cursor_restarts_the_list_once() {
    let (address, server) = forgetful_notion().await;
    let config = ClientConfig {
        base_url: address,
        rate: fast(),
        ..ClientConfig::default()
    };
    let token = Credentials::Token(SecretString::from("ntn_test"));
    let notion = NotionClient::new(config, "cursor", token, Arc::new(MemoryCache::default()));
    let blocks: Vec<_> = notion.block_children("page").try_collect().await.unwrap();
    let ids: Vec<_> = blocks.iter().map(|b| &b.id[..8]).collect();
    assert_eq!(
        ids,
        ["00000001", "00000002", "00000001", "00000002", "00000003"],
        "restarted from the top"
    );
    server.stop(false).await;
}
