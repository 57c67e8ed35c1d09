//! Reading the workspace through the API: search, blocks, pages, databases, data sources and
//! property items, with full pagination.

use std::collections::{BTreeSet, HashSet};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{config, ids, spawn};

#[tokio::test]
async fn full_search_pagination_returns_every_searchable_object_once() {
    let t = spawn(config()).await;
    let results = t.post_all("/v1/search", json!({}), 7).await;
    let got = ids(&results);
    let unique: HashSet<_> = got.iter().cloned().collect();
    assert_eq!(unique.len(), got.len(), "no duplicates");
    let expected: HashSet<String> = t
        .sim
        .truth()
        .pages
        .into_iter()
        .filter(|p| p.shared && p.in_search && !p.trashed && p.kind != "database")
        .map(|p| p.id)
        .collect();
    assert_eq!(unique, expected);
    assert!(results.iter().any(|r| r["object"] == "data_source"));
    let times: Vec<&str> = results
        .iter()
        .map(|r| r["last_edited_time"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "sorted by last_edited_time descending"
    );
    t.stop().await;
}

#[tokio::test]
async fn search_filters_by_object_and_title() {
    let t = spawn(config()).await;
    let pages = t
        .post_all(
            "/v1/search",
            json!({ "filter": { "property": "object", "value": "page" } }),
            100,
        )
        .await;
    assert!(pages.iter().all(|r| r["object"] == "page"));
    let sources = t
        .post_all(
            "/v1/search",
            json!({ "filter": { "property": "object", "value": "data_source" } }),
            100,
        )
        .await;
    assert!(!sources.is_empty() && sources.iter().all(|r| r["object"] == "data_source"));
    let title = t
        .sim
        .truth()
        .pages
        .into_iter()
        .find(|p| p.kind == "page" && p.in_search && p.shared && !p.trashed)
        .unwrap()
        .title;
    let hits = t
        .post_all("/v1/search", json!({ "query": title.to_uppercase() }), 100)
        .await;
    assert!(
        hits.iter()
            .any(|r| r["properties"]["title"]["title"][0]["plain_text"] == title.as_str())
    );
    let (status, _) = t
        .post(
            "/v1/search",
            json!({ "filter": { "property": "object", "value": "database" } }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    t.stop().await;
}

#[tokio::test]
async fn block_children_paginate_to_everything_exactly_once() {
    let t = spawn(config()).await;
    let home = t.sim.truth().pages[0].id.clone();
    let expected = t
        .sim
        .with_workspace(|ws| ws.live(ws.entity(0).blocks()).len());
    let children = t.get_all(&format!("/v1/blocks/{home}/children"), 3).await;
    let got = ids(&children);
    assert_eq!(got.len(), expected);
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), expected);
    let types: BTreeSet<&str> = children
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    for kind in [
        "paragraph",
        "link_to_page",
        "synced_block",
        "table",
        "column_list",
        "ai_block",
        "transcription",
    ] {
        assert!(
            types.contains(kind),
            "home page has a {kind} block: {types:?}"
        );
    }
    for block in &children {
        assert_eq!(block["object"], "block");
        assert_eq!(block["parent"]["page_id"], home.as_str());
        assert!(block.get("in_trash").is_some() && block.get("archived").is_some());
    }
    // Nested content is reachable through has_children.
    let toggle = children.iter().find(|b| b["type"] == "toggle").unwrap();
    assert_eq!(toggle["has_children"], true);
    let inner = t
        .get_all(
            &format!("/v1/blocks/{}/children", toggle["id"].as_str().unwrap()),
            100,
        )
        .await;
    assert!(!inner.is_empty());
    t.stop().await;
}

#[tokio::test]
async fn pages_databases_and_data_sources_have_notion_shapes() {
    let t = spawn(config()).await;
    let truth = t.sim.truth();
    let home = &truth.pages[0];
    let (status, page) = t
        .get(&format!("/v1/pages/{}", home.id.replace('-', "")))
        .await;
    assert_eq!(status, StatusCode::OK);
    for field in [
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "parent",
        "archived",
        "in_trash",
        "properties",
        "url",
    ] {
        assert!(page.get(field).is_some(), "page has {field}");
    }
    assert!(
        page["last_edited_time"]
            .as_str()
            .unwrap()
            .ends_with(":00.000Z")
    );
    let db = truth
        .pages
        .iter()
        .find(|p| p.kind == "database" && p.shared)
        .unwrap();
    let (status, database) = t.get(&format!("/v1/databases/{}", db.id)).await;
    assert_eq!(status, StatusCode::OK);
    let source = database["data_sources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, ds) = t.get(&format!("/v1/data_sources/{source}")).await;
    assert_eq!(ds["object"], "data_source");
    assert_eq!(ds["parent"]["database_id"], db.id.as_str());
    assert_eq!(ds["properties"]["Related"]["type"], "relation");
    let rows = t
        .post_all(&format!("/v1/data_sources/{source}/query"), json!({}), 9)
        .await;
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row["parent"]["type"], "data_source_id");
        assert_eq!(row["parent"]["data_source_id"], source.as_str());
        assert_eq!(row["parent"]["database_id"], db.id.as_str());
    }
    t.stop().await;
}

#[tokio::test]
async fn query_filters_on_last_edited_time() {
    let t = spawn(config()).await;
    let db = t
        .sim
        .truth()
        .pages
        .into_iter()
        .find(|p| p.kind == "data_source" && p.shared)
        .unwrap();
    let path = format!("/v1/data_sources/{}/query", db.id);
    let all = t.post_all(&path, json!({}), 100).await;
    let mut times: Vec<&str> = all
        .iter()
        .map(|r| r["last_edited_time"].as_str().unwrap())
        .collect();
    times.sort();
    let middle = times[times.len() / 2].to_owned();
    let filter = json!({ "filter": { "timestamp": "last_edited_time", "last_edited_time": { "on_or_after": middle } } });
    let recent = t.post_all(&path, filter, 100).await;
    assert_eq!(
        recent.len(),
        times.iter().filter(|t| **t >= middle.as_str()).count()
    );
    let (status, body) = t
        .post(
            &path,
            json!({ "filter": { "property": "Name", "title": { "contains": "x" } } }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("validation_error"))
    );
    t.stop().await;
}

/// The source row with the most relation targets.
fn biggest_relation(truth: &notion_sim::Truth) -> (String, BTreeSet<String>) {
    let mut best: (String, BTreeSet<String>) = Default::default();
    for page in truth.pages.iter().filter(|p| p.kind == "row" && p.shared) {
        let targets: BTreeSet<String> = truth
            .edges
            .iter()
            .filter(|e| e.kind == "relation" && e.source == page.id)
            .map(|e| e.target.clone())
            .collect();
        if targets.len() > best.1.len() {
            best = (page.id.clone(), targets);
        }
    }
    best
}

#[tokio::test]
async fn relations_over_100_targets_paginate_through_the_property_endpoint() {
    let t = spawn(config()).await;
    let (row, targets) = biggest_relation(&t.sim.truth());
    assert!(targets.len() > 100);
    let (_, page) = t.get(&format!("/v1/pages/{row}")).await;
    let related = &page["properties"]["Related"];
    assert_eq!(related["relation"].as_array().unwrap().len(), 25);
    assert_eq!(related["has_more"], true);
    let items = t
        .get_all(
            &format!(
                "/v1/pages/{row}/properties/{}",
                related["id"].as_str().unwrap()
            ),
            100,
        )
        .await;
    let got: BTreeSet<String> = items
        .iter()
        .map(|i| i["relation"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(items.len(), targets.len());
    assert_eq!(got, targets);
    assert!(
        items
            .iter()
            .all(|i| i["object"] == "property_item" && i["type"] == "relation")
    );
    let (_, first) = t
        .get(&format!(
            "/v1/pages/{row}/properties/Rl%253Ax?page_size=100"
        ))
        .await;
    assert_eq!(first["type"], "property_item");
    assert_eq!(first["property_item"]["type"], "relation");
    assert!(first["property_item"]["next_url"].is_string() || first["has_more"] == false);
    t.stop().await;
}

#[tokio::test]
async fn unknown_block_mention_and_property_types_are_served() {
    let t = spawn(config()).await;
    let home = t.sim.truth().pages[0].id.clone();
    let blocks = t.get_all(&format!("/v1/blocks/{home}/children"), 100).await;
    let text = serde_json::to_string(&blocks).unwrap();
    for needle in [
        "\"person_group\"",
        "\"template_mention\"",
        "\"link_preview\"",
        "\"ai_block\"",
        "\"transcription\"",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let row = t
        .sim
        .truth()
        .pages
        .into_iter()
        .find(|p| p.kind == "row" && p.shared && !p.trashed)
        .unwrap();
    let (_, page) = t.get(&format!("/v1/pages/{}", row.id)).await;
    assert_eq!(page["properties"]["Action"]["type"], "button");
    assert_eq!(page["properties"]["Where"]["type"], "place");
    let (_, user) = t.get("/v1/users/me").await;
    assert_eq!(
        (user["object"].as_str(), user["type"].as_str()),
        (Some("user"), Some("bot"))
    );
    t.stop().await;
}
