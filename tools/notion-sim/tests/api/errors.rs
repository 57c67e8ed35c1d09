//! Notion's error answers: versions, tokens, sizes, cursors and invisible pages.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{config, spawn};

fn assert_error(status: StatusCode, body: &Value, expected: u16, code: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["object"], "error");
    assert_eq!(body["status"], expected);
    assert_eq!(body["code"], code);
    assert!(body["message"].is_string());
    assert_eq!(body["request_id"].as_str().map(str::len), Some(36));
}

#[tokio::test]
async fn a_request_without_notion_version_is_refused() {
    let t = spawn(config()).await;
    let request = t
        .http
        .post(format!("{}/v1/search", t.sim.url))
        .bearer_auth(&t.sim.token)
        .json(&json!({}));
    let (status, body) = t.send(request).await;
    assert_error(status, &body, 400, "missing_version");
    t.stop().await;
}

#[tokio::test]
async fn missing_or_bad_tokens_are_unauthorized() {
    let t = spawn(config()).await;
    let bad = t
        .http
        .get(format!("{}/v1/users/me", t.sim.url))
        .bearer_auth("ntn_wrong")
        .header("Notion-Version", "2025-09-03");
    let (status, body) = t.send(bad).await;
    assert_error(status, &body, 401, "unauthorized");
    let none = t
        .http
        .get(format!("{}/v1/users/me", t.sim.url))
        .header("Notion-Version", "2025-09-03");
    let (status, body) = t.send(none).await;
    assert_error(status, &body, 401, "unauthorized");
    assert!(t.sim.token.starts_with("ntn_") && t.sim.token.len() == 50);
    t.stop().await;
}

#[tokio::test]
async fn page_size_must_be_between_1_and_100() {
    let t = spawn(config()).await;
    let (status, body) = t.post("/v1/search", json!({ "page_size": 101 })).await;
    assert_error(status, &body, 400, "validation_error");
    let home = t.sim.truth().pages[0].id.clone();
    let (status, body) = t
        .get(&format!("/v1/blocks/{home}/children?page_size=0"))
        .await;
    assert_error(status, &body, 400, "validation_error");
    let (status, _) = t
        .get(&format!("/v1/blocks/{home}/children?page_size=100"))
        .await;
    assert_eq!(status, StatusCode::OK);
    t.stop().await;
}

#[tokio::test]
async fn invalid_cursors_are_rejected() {
    let t = spawn(config()).await;
    let home = t.sim.truth().pages[0].id.clone();
    let (status, body) = t
        .get(&format!("/v1/blocks/{home}/children?start_cursor=bogus"))
        .await;
    assert_error(status, &body, 400, "validation_error");
    assert!(body["message"].as_str().unwrap().contains("start_cursor"));
    // A real cursor from another list is not valid here either.
    let (_, search) = t.post("/v1/search", json!({ "page_size": 2 })).await;
    let cursor = search["next_cursor"].as_str().unwrap();
    let (status, body) = t
        .get(&format!("/v1/blocks/{home}/children?start_cursor={cursor}"))
        .await;
    assert_error(status, &body, 400, "validation_error");
    t.stop().await;
}

#[tokio::test]
async fn unshared_and_unknown_pages_are_not_found() {
    let t = spawn(config()).await;
    let hidden = t
        .sim
        .truth()
        .pages
        .into_iter()
        .find(|p| !p.shared && p.kind == "page")
        .unwrap();
    for path in [
        format!("/v1/pages/{}", hidden.id),
        format!("/v1/blocks/{}/children", hidden.id),
    ] {
        let (status, body) = t.get(&path).await;
        assert_error(status, &body, 404, "object_not_found");
    }
    let (status, body) = t
        .get("/v1/pages/00000000-0000-4000-8000-000000000000")
        .await;
    assert_error(status, &body, 404, "object_not_found");
    let (status, body) = t.get("/v1/pages/not-an-id").await;
    assert_error(status, &body, 400, "validation_error");
    let (status, body) = t.send(t.request(Method::GET, "/v1/nothing-here")).await;
    assert_error(status, &body, 400, "invalid_request_url");
    t.stop().await;
}
