//! The embed viewer in a real browser (issue 11, items 7-9): headless Chromium through
//! playwright (`tests/browser/embed_viewer.py`), against the real application. Skipped unless
//! `scripts/test` provides the browser ([`Browser`]).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Browser, Mode, free_port, json, spawn_app_with};
use crate::shares::{share, token};
use crate::workspaces::{connected, simulator};

/// The page to search for (highest PageRank with a title no other page has), and the ids of
/// the largest nodes (whose pixels the driver checks).
fn targets(labels: &Value, ranks: &[f32]) -> (Value, Vec<String>) {
    let titles = labels["titles"].as_array().unwrap();
    let mut order: Vec<usize> = (0..titles.len()).collect();
    order.sort_by(|&a, &b| ranks[b].total_cmp(&ranks[a]));
    let unique = |i: &&usize| {
        let title = titles[**i].as_str().unwrap();
        title.len() > 3 && titles.iter().filter(|t| t.as_str() == Some(title)).count() == 1
    };
    let best = *order
        .iter()
        .find(unique)
        .expect("a page with a unique title");
    let target = json!({
        "id": labels["ids"][best], "title": titles[best], "url": labels["urls"][best],
    });
    let largest = order[..5]
        .iter()
        .map(|&i| labels["ids"][i].as_str().unwrap().to_owned())
        .collect();
    (target, largest)
}

#[tokio::test]
async fn the_viewer_works_in_a_real_browser_and_only_allowed_parents_frame_it() {
    let Some(browser) = Browser::available() else {
        return;
    };
    let sim = simulator(61, 400).await;
    let (allowed, denied) = (free_port(), free_port());
    let url = sim.url.clone();
    let app = spawn_app_with(Mode::Embedded, move |s| {
        (s.notion.api_url, s.notion.rate) = (url, 200.0);
        s.server.embed_frame_ancestors = vec![format!("http://127.0.0.1:{allowed}")];
    })
    .await
    .expect("embedded mode needs no services");
    let owner = crate::accounts::sign_up(&app, "viewer").await;
    let workspace = connected(&app, &owner, &sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let live = share(
        &app,
        &owner,
        &workspace,
        json!({ "name": "Browser", "preset": { "labels": false } }),
    )
    .await;
    let gone = share(&app, &owner, &workspace, json!({ "name": "Gone" })).await;
    let path = format!("/api/v1/shares/{}", gone["id"].as_str().unwrap());
    assert_eq!(
        owner
            .send(&app, Method::DELETE, &path, &json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let base = app.url(&format!("/embed/{}", token(&live)));
    let labels = json(
        app.client
            .get(format!("{base}/labels.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let bin = app
        .client
        .get(format!("{base}/graph.bin"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let packed = notion_graph::modules::graph::bin::Packed::from_bytes(&bin).unwrap();
    let (target, largest) = targets(&labels, &packed.ranks);
    let config = json!({
        "page": base, "target": target, "largest": largest,
        "revoked": app.url(&format!("/embed/{}", token(&gone))),
        "allowed": allowed, "denied": denied,
    });
    browser.run("embed_viewer.py", config).await;
}
