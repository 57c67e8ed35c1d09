//! `POST /api/graphql`: one query answers what REST answers in several calls, with the same
//! figures; it reaches only the caller's workspaces; sessions need their CSRF token, API keys
//! of any scope may read; and queries that are wrong or too large are refused with a code.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{TestUser, sign_up};
use crate::graph::simulator;
use crate::helpers::{Mode, TestApp, json, spawn_app_with};
use crate::mcp::{imported_for, read_key};

/// How the caller proves who they are.
enum As<'a> {
    Session(&'a TestUser),
    Key(&'a str),
}

async fn query(app: &TestApp, who: As<'_>, query: &str, variables: Value) -> Value {
    let body = json!({"query": query, "variables": variables});
    let request = match who {
        As::Session(user) => user.request(app, Method::POST, "/api/graphql"),
        As::Key(key) => app.client.post(app.url("/api/graphql")).bearer_auth(key),
    };
    let request = request.json(&body);
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

/// The `extensions.code` of each error of an answer.
fn codes(answer: &Value) -> Vec<&str> {
    let errors = answer["errors"].as_array();
    let codes = errors.into_iter().flatten();
    codes
        .map(|e| e["extensions"]["code"].as_str().unwrap_or("none"))
        .collect()
}

const PAGE: &str = "query($page: String!) { workspace { id graph { version pageCount
    page(page: $page) { id title rank community { id size }
      linksOut(first: 100) { total items { kind page { id linksIn(first: 1) { total } } } }
      linksIn(first: 100) { total items { kind page { id linksIn(first: 1) { total } } } } }
    search(text: \"\", first: 5) { total nextCursor items { id } }
    neighbourhood(page: $page, depth: 2, first: 500) { totalPages truncated pages { id } links { kind } }
    communities(first: 100) { total items { size } }
    changes { from to addedPages { total } } } } }";

#[tokio::test]
async fn one_query_answers_a_page_its_links_and_the_pages_they_reach_as_rest_does() {
    let sim = simulator(73).await;
    let Some(app) = spawn_app_with(Mode::Embedded, |s| {
        (s.notion.api_url, s.notion.rate) = (sim.url.clone(), 500.0);
    })
    .await
    else {
        return;
    };
    let user = sign_up(&app, "graphql").await;
    imported_for(&app, &user, &sim.token).await;
    let workspaces = json(user.get(&app, "/api/v1/workspaces").await).await;
    let id = workspaces[0]["id"].as_str().unwrap().to_owned();
    let hubs = json(
        user.get(&app, &format!("/api/v1/workspaces/{id}/pages?limit=1"))
            .await,
    )
    .await;
    let hub = hubs["pages"][0]["id"].as_str().unwrap().to_owned();

    let answer = query(&app, As::Session(&user), PAGE, json!({"page": hub})).await;
    assert!(answer["errors"].is_null(), "{answer}");
    let graph = &answer["data"]["workspace"]["graph"];
    let page = &graph["page"];
    let rest = json(
        user.get(&app, &format!("/api/v1/workspaces/{id}/pages/{hub}"))
            .await,
    )
    .await;
    assert_eq!(page["title"], rest["title"]);
    assert_eq!(page["rank"], rest["metrics"]["rank"]);
    assert_eq!(page["community"]["id"], rest["metrics"]["community"]);
    for (field, direction) in [("linksOut", "links_out"), ("linksIn", "links_in")] {
        let expected = rest[direction].as_array().unwrap();
        assert_eq!(page[field]["total"], expected.len(), "{field}");
        let kinds: Vec<&Value> = page[field]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| &l["kind"])
            .collect();
        let rest_kinds: Vec<&Value> = expected.iter().take(100).map(|l| &l["kind"]).collect();
        assert_eq!(kinds, rest_kinds, "{field} in the order REST lists them");
    }
    let linked = |field: &str| page[field]["items"][0]["page"].clone();
    let reached = Some(linked("linksOut"))
        .filter(|p| !p.is_null())
        .unwrap_or(linked("linksIn"));
    let other = reached["id"].as_str().unwrap();
    let theirs = json(
        user.get(&app, &format!("/api/v1/workspaces/{id}/pages/{other}"))
            .await,
    )
    .await;
    assert_eq!(
        reached["linksIn"]["total"],
        theirs["links_in"].as_array().unwrap().len(),
        "a page reached through a link has its own links"
    );

    let pages = graph["pageCount"].as_u64().unwrap();
    assert_eq!(
        graph["search"]["total"], pages,
        "an empty text finds every page"
    );
    assert_eq!(
        graph["search"]["items"][0]["id"],
        hub.as_str(),
        "highest PageRank first"
    );
    assert_eq!(graph["search"]["nextCursor"], "5");
    let around = &graph["neighbourhood"];
    assert_eq!(around["pages"][0]["id"], hub.as_str(), "the root first");
    assert_eq!(around["truncated"], false);
    assert_eq!(
        around["pages"].as_array().unwrap().len(),
        around["totalPages"].as_u64().unwrap() as usize
    );
    let communities = &graph["communities"];
    let sizes: u64 = communities["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .sum();
    assert!(
        communities["total"].as_u64().unwrap() <= 100,
        "{communities}"
    );
    assert_eq!(sizes, pages, "every page is in one community");
    let version = graph["version"].as_u64().unwrap();
    assert_eq!(graph["changes"]["to"], version);

    let next = "query($after: String) { workspace { graph { search(text: \"\", first: 5, after: $after) { items { id } } } } }";
    let paged = query(&app, As::Session(&user), next, json!({"after": "5"})).await;
    let second = &paged["data"]["workspace"]["graph"]["search"]["items"][0]["id"];
    assert_ne!(
        second, &graph["search"]["items"][0]["id"],
        "the cursor moves on"
    );

    let path = "query($from: String!, $to: String!) { workspace { graph { shortestPath(from: $from, to: $to) { pages { id } links { source { id } target { id } } } } } }";
    let path = query(
        &app,
        As::Session(&user),
        path,
        json!({"from": hub, "to": other}),
    )
    .await;
    let path = &path["data"]["workspace"]["graph"]["shortestPath"];
    assert_eq!(
        path["pages"],
        json!([{"id": hub}, {"id": other}]),
        "one link apart"
    );

    let key = read_key(&app, &user).await;
    let listed = query(
        &app,
        As::Key(&key),
        "{ workspaces { id name status } }",
        json!({}),
    )
    .await;
    assert_eq!(
        listed["data"]["workspaces"][0]["id"],
        id.as_str(),
        "a read-only key reads"
    );

    let stranger = sign_up(&app, "graphql-stranger").await;
    let theirs = query(
        &app,
        As::Session(&stranger),
        "{ workspaces { id } }",
        json!({}),
    )
    .await;
    assert_eq!(theirs["data"]["workspaces"], json!([]));
    let named = "query($id: String) { workspace(id: $id) { name } }";
    let refused = query(&app, As::Session(&stranger), named, json!({"id": id})).await;
    assert_eq!(
        codes(&refused),
        ["unknown_workspace"],
        "another account's: {refused}"
    );
    let unknown = "{ workspace { graph { page(page: \"No page has this title\") { id } } } }";
    let unknown = query(&app, As::Session(&user), unknown, json!({})).await;
    assert_eq!(codes(&unknown), ["unknown_page"], "{unknown}");
}

#[tokio::test]
async fn wrong_unauthenticated_and_oversized_queries_are_refused_with_their_reason() {
    let Some(app) = spawn_app_with(Mode::Embedded, |_| {}).await else {
        return;
    };
    let user = sign_up(&app, "graphql-edges").await;
    let me = || As::Session(&user);
    let endpoint = app.url("/api/graphql");
    let ask = json!({"query": "{ workspaces { id } }"});

    let anonymous = app.client.post(&endpoint).json(&ask).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let cookie = format!("__Host-ng_session={}", user.cookie);
    let no_csrf = app
        .client
        .post(&endpoint)
        .header("cookie", cookie)
        .json(&ask);
    assert_eq!(
        no_csrf.send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let not_graphql = user
        .send(&app, Method::POST, "/api/graphql", &json!({"q": 1}))
        .await;
    assert_eq!(not_graphql.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(not_graphql).await["code"], "invalid_json");

    let answer = query(&app, me(), "{ workspaces { id } }", json!({})).await;
    assert_eq!(answer["data"]["workspaces"], json!([]));
    let none = query(&app, me(), "{ workspace { id } }", json!({})).await;
    assert_eq!(codes(&none), ["no_workspace"], "{none}");
    let typo = query(&app, me(), "{ workspaces { idd } }", json!({})).await;
    assert_eq!(codes(&typo), ["invalid_graphql"], "{typo}");
    assert!(typo["data"].is_null());

    let mut deep = String::from("id");
    for _ in 0..6 {
        deep = format!("linksOut(first: 1) {{ items {{ page {{ {deep} }} }} }}");
    }
    let deep = format!("{{ workspace {{ graph {{ page(page: \"x\") {{ {deep} }} }} }} }}");
    let refused = query(&app, me(), &deep, json!({})).await;
    assert_eq!(codes(&refused), ["query_too_deep"], "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than 12"), "{message}");

    let wide = "{ workspace { graph { search(text: \"\", first: 100) { items {
        linksOut(first: 100) { items { page { linksIn(first: 100) { total } } } } } } } } }";
    let refused = query(&app, me(), wide, json!({})).await;
    assert_eq!(codes(&refused), ["query_too_complex"], "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("smaller `first`"), "{message}");
}
