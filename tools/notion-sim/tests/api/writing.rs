//! Notion's write endpoints change the same workspace the truth describes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{config, spawn};

#[tokio::test]
async fn pages_and_blocks_can_be_created_appended_and_deleted() {
    let t = spawn(config()).await;
    let truth = t.sim.truth();
    let home = truth.pages[0].id.clone();
    let target = truth
        .pages
        .iter()
        .find(|p| p.kind == "page" && p.id != home && p.shared)
        .unwrap()
        .id
        .clone();
    let body = json!({
        "parent": { "page_id": home.replace('-', "") },
        "properties": { "title": [{ "text": { "content": "Made by API" } }] },
        "children": [{ "object": "block", "type": "paragraph", "paragraph": { "rich_text": [
            { "type": "mention", "mention": { "type": "page", "page": { "id": target } } }
        ] } }],
    });
    let (status, page) = t.post("/v1/pages", body).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let id = page["id"].as_str().unwrap().to_owned();
    assert_eq!(page["parent"]["page_id"], home.as_str());
    let truth = t.sim.truth();
    assert!(
        truth
            .edges
            .iter()
            .any(|e| e.source == home && e.target == id && e.kind == "child_page")
    );
    assert!(
        truth
            .edges
            .iter()
            .any(|e| e.source == id && e.target == target && e.kind == "page_mention")
    );

    let url = format!("https://www.notion.so/Some-Title-{}", home.replace('-', ""));
    let append = json!({ "children": [{ "paragraph": { "rich_text": [{ "text": { "content": "home", "link": { "url": url } } }] } }] });
    let (status, list) = t.patch(&format!("/v1/blocks/{id}/children"), append).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(
        t.sim
            .truth()
            .edges
            .iter()
            .any(|e| e.source == id && e.target == home && e.kind == "notion_url")
    );
    let block_id = list["results"][0]["id"].as_str().unwrap().to_owned();
    let (status, deleted) = t
        .send(t.request(Method::DELETE, &format!("/v1/blocks/{block_id}")))
        .await;
    assert_eq!(
        (status, deleted["in_trash"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert!(
        !t.sim
            .truth()
            .edges
            .iter()
            .any(|e| e.source == id && e.kind == "notion_url")
    );

    let (status, patched) = t
        .patch(&format!("/v1/pages/{id}"), json!({ "in_trash": true }))
        .await;
    assert_eq!(
        (status, patched["in_trash"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (_, lb) = t
        .control(Method::GET, "/_sim/lower_bound", json!(null))
        .await;
    assert!(lb["calls"].as_u64().unwrap() > lb["pages"].as_u64().unwrap());
    let (_, truth) = t.control(Method::GET, "/_sim/truth", json!(null)).await;
    let truth: notion_sim::Truth = serde_json::from_value(truth).unwrap();
    assert_eq!(truth, t.sim.truth());
    let (_, stats) = t.control(Method::GET, "/_sim/stats", json!(null)).await;
    assert_eq!(stats["calls"]["POST /v1/pages"], 1);
    t.stop().await;
}
