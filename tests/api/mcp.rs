//! The MCP endpoint: a real client (the `mcp` package from PyPI) lists and calls every tool
//! with a read-only API key, and sees only its own account's workspaces; the protocol's edges
//! (notifications, batches, unknown methods, versions, origins) and its authentication.

use std::time::Duration;

use notion_graph::modules::sync::connection::Api;
use notion_graph::modules::sync::run::{self, RunState};
use notion_graph::modules::sync::service;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::accounts::{TestUser, sign_up};
use crate::graph::simulator;
use crate::helpers::{Mode, TestApp, eventually, json, service as test_service, spawn_app_with};

const TOOLS: [&str; 7] = [
    "list_workspaces",
    "search_pages",
    "get_page",
    "neighbourhood",
    "shortest_path",
    "graph_summary",
    "changes_since",
];

pub async fn read_key(app: &TestApp, user: &TestUser) -> String {
    let body = json!({"name": "mcp", "scopes": ["read"]});
    let created = user
        .send(app, Method::POST, "/api/v1/api-keys", &body)
        .await;
    json(created).await["secret"].as_str().unwrap().to_owned()
}

async fn rpc(app: &TestApp, key: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = app.client.post(app.url("/mcp")).json(&body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap()
}

/// A workspace of `user`'s, imported from the simulator.
pub async fn imported_for(app: &TestApp, user: &TestUser, token: &str) {
    let token = SecretString::from(token.to_owned());
    let id = service::connect_with_token(&app.state, &user.id, token, Api::Notion)
        .await
        .unwrap()
        .id;
    eventually(Duration::from_secs(60), "the import", || async {
        let history = run::history(&app.state.store, &id, 10).await.unwrap();
        history
            .iter()
            .any(|r| r.state == RunState::Completed)
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_real_mcp_client_lists_and_calls_every_tool_with_a_read_only_key() {
    let Some(python) = test_service("TEST_PYTHON") else {
        return;
    };
    let sim = simulator(71).await;
    let Some(app) = spawn_app_with(Mode::Embedded, |s| {
        (s.notion.api_url, s.notion.rate) = (sim.url.clone(), 500.0);
    })
    .await
    else {
        return;
    };
    let user = sign_up(&app, "mcp").await;
    imported_for(&app, &user, &sim.token).await;
    let key = read_key(&app, &user).await;
    let titles: Vec<String> = sim.truth().pages.iter().map(|p| p.title.clone()).collect();
    let config = json!({"url": app.url("/mcp"), "key": key, "page": titles[0], "other": titles[1]});
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/client.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .arg(config.to_string())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the client failed: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(report["tools"], json!(TOOLS));
    let schema = &report["schemas"]["get_page"];
    assert_eq!(schema["type"], "object");
    assert!(schema["properties"]["page"].is_object(), "{schema}");
    let results = &report["results"];
    assert_eq!(
        results["list_workspaces"]["workspaces"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let first = &results["search_pages"];
    let total = first["total"].as_u64().unwrap();
    assert!(total > 10, "{first}");
    assert_eq!(first["pages"].as_array().unwrap().len(), 5);
    assert_eq!(first["next_cursor"], "5");
    let next = &results["search_pages_next"]["pages"];
    assert_ne!(
        next[0]["id"], first["pages"][0]["id"],
        "the cursor moves on"
    );
    let page = &results["get_page"];
    assert_eq!(page["title"], titles[0].as_str());
    for direction in ["links_in", "links_out"] {
        let links = &page[direction];
        let listed = links["items"].as_array().unwrap().len() as u64;
        assert_eq!(listed, links["total"].as_u64().unwrap().min(3), "{page}");
    }
    let around = &results["neighbourhood"];
    assert_eq!(
        around["pages"][0]["title"],
        titles[0].as_str(),
        "the root first"
    );
    let path = &results["shortest_path"];
    if path["found"] == true {
        let hops = path["hops"].as_u64().unwrap() as usize;
        assert_eq!(path["pages"].as_array().unwrap().len(), hops + 1, "{path}");
        assert_eq!(path["pages"][hops]["title"], titles[1].as_str());
    }
    let summary = &results["graph_summary"];
    assert_eq!(summary["pages"].as_u64().unwrap(), total);
    assert!(summary["communities"]["largest"].as_array().unwrap().len() <= 3);
    assert!(results["changes_since"]["added_pages"]["total"].is_u64());
    let unknown = results["unknown_page"]["error"].as_str().unwrap();
    assert!(unknown.contains("No page has this title"), "{unknown}");

    let stranger = sign_up(&app, "mcp-stranger").await;
    let theirs = read_key(&app, &stranger).await;
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "list_workspaces"}});
    let listed = json(rpc(&app, Some(&theirs), list).await).await;
    assert_eq!(
        listed["result"]["structuredContent"]["workspaces"],
        json!([])
    );
    let workspace = &results["list_workspaces"]["workspaces"][0]["id"];
    let search = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "search_pages", "arguments": {"workspace": workspace}}});
    let refused = json(rpc(&app, Some(&theirs), search).await).await;
    assert_eq!(
        refused["result"]["isError"], true,
        "another account's: {refused}"
    );
}

#[tokio::test]
async fn the_endpoint_speaks_json_rpc_to_api_keys_only() {
    let Some(app) = spawn_app_with(Mode::Embedded, |_| {}).await else {
        return;
    };
    let user = sign_up(&app, "mcp-edges").await;
    let secret = read_key(&app, &user).await;
    let key = Some(secret.as_str());
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});

    assert_eq!(
        rpc(&app, None, ping.clone()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let with_cookie = user
        .request(&app, Method::POST, "/mcp")
        .json(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_cookie.status(),
        StatusCode::UNAUTHORIZED,
        "sessions are not accepted"
    );
    assert_eq!(
        json(rpc(&app, key, ping.clone()).await).await["result"],
        json!({})
    );

    let notification = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        rpc(&app, key, notification.clone()).await.status(),
        StatusCode::ACCEPTED
    );
    let batch =
        json!([ping.clone(), notification, {"jsonrpc": "2.0", "id": "b", "method": "nope"}]);
    let answered = json(rpc(&app, key, batch).await).await;
    assert_eq!(answered.as_array().unwrap().len(), 2, "{answered}");
    assert_eq!(answered[1]["error"]["code"], -32601);
    let call = |name: &str, arguments: Value| {
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": name, "arguments": arguments}})
    };
    let bad = json(rpc(&app, key, call("get_page", json!({"pages": "x"}))).await).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let deep = json!({"page": "x", "depth": 9});
    let too_deep = json(rpc(&app, key, call("neighbourhood", deep)).await).await;
    assert!(
        too_deep["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1 to 3")
    );
    let none = json(rpc(&app, key, call("search_pages", json!({}))).await).await;
    assert_eq!(none["result"]["isError"], true, "no workspace yet: {none}");

    let ping_with = |name: &'static str, value: &'static str| {
        let request = app.client.post(app.url("/mcp")).bearer_auth(&secret);
        request.header(name, value).json(&ping).send()
    };
    let foreign = ping_with("origin", "https://evil.example").await.unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let future = ping_with("mcp-protocol-version", "1999-01-01")
        .await
        .unwrap();
    assert_eq!(future.status(), StatusCode::BAD_REQUEST);
    let stream = app.client.get(app.url("/mcp")).bearer_auth(&secret);
    assert_eq!(
        stream.send().await.unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}
