//! The rate limit and injected faults.

use notion_sim::{Fault, RateLimit};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{config, spawn};

#[tokio::test]
async fn a_burst_beyond_the_bucket_draws_429_with_retry_after() {
    let t = spawn(config().rate_limit(Some(RateLimit {
        per_second: 3.0,
        burst: 5,
    })))
    .await;
    let mut limited = None;
    let mut served = 0;
    for _ in 0..20 {
        let response = t.request(Method::GET, "/v1/users/me").send().await.unwrap();
        if response.status() == StatusCode::OK {
            served += 1;
        }
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            limited = Some((retry, response.json::<serde_json::Value>().await.unwrap()));
            break;
        }
    }
    let (retry, body) = limited.expect("the burst was refused");
    assert!(retry >= 1);
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["additional_data"]["rate_limit_reason"], "integration");
    let stats = t.sim.stats();
    assert_eq!(stats.rate_limited, 1);
    // The burst of 5 passes (a slow machine may earn one more token meanwhile).
    assert!(served >= 5);
    assert_eq!(stats.calls_to("GET /v1/users/me"), served);
    t.sim.set_rate_limit(None);
    let (status, _) = t.get("/v1/users/me").await;
    assert_eq!(status, StatusCode::OK);
    t.stop().await;
}

#[tokio::test]
async fn dropped_connections_give_connection_errors_not_responses() {
    let t = spawn(config().faults(1.0, vec![Fault::Drop])).await;
    for _ in 0..3 {
        let client = reqwest::Client::new();
        let result = client
            .post(format!("{}/v1/search", t.sim.url))
            .bearer_auth(&t.sim.token)
            .header("Notion-Version", "2025-09-03")
            .json(&json!({}))
            .send()
            .await;
        assert!(
            result.is_err(),
            "expected a connection error, got {:?}",
            result.map(|r| r.status())
        );
    }
    assert_eq!(t.sim.stats().faults, 3);
    t.stop().await;
}

#[tokio::test]
async fn status_faults_use_notion_codes_and_can_be_switched_off() {
    let t = spawn(config()).await;
    for (fault, status, code) in [
        (Fault::Status408, 408, "request_timeout"),
        (Fault::Status500, 500, "internal_server_error"),
        (Fault::Status502, 502, "bad_gateway"),
        (Fault::Status503, 503, "service_unavailable"),
        (Fault::Status504, 504, "gateway_timeout"),
        (Fault::Overloaded529, 529, "service_overload"),
    ] {
        t.sim.set_faults(1.0, vec![fault]);
        let response = t.request(Method::GET, "/v1/users/me").send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        if status == 529 {
            assert!(response.headers().contains_key("retry-after"));
        }
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], code);
    }
    t.sim.set_faults(0.0, vec![]);
    let (status, _) = t.get("/v1/users/me").await;
    assert_eq!(status, StatusCode::OK);
    let stats = t.sim.stats();
    assert_eq!((stats.faults, stats.total), (6, 7));
    t.stop().await;
}

#[tokio::test]
async fn latency_delays_answers() {
    let t = spawn(config().latency_ms(50, 60)).await;
    let started = std::time::Instant::now();
    let (status, _) = t.get("/v1/users/me").await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    t.stop().await;
}
