//! The graph API (issue 11, items 1 to 3) over HTTP, in both modes: every view and format of
//! a synced workspace, precompressed bodies and their ETags, versions and diffs, pages, builds
//! after a sync, and bad parameters refused with a problem naming them.

use std::io::Read;
use std::time::Duration;

use futures::StreamExt;

use notion_graph::modules::graph::{BuildOptions, bin};
use notion_sim::RunningSim;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, eventually, json, raw_client, run_binary, spawn_app_with};
use crate::workspaces::connected;

const PAGES: usize = 40;

/// An app in `mode` talking to a fresh simulated workspace, or `None` to skip.
async fn app_with_sim(mode: Mode, seed: u64) -> Option<(TestApp, RunningSim)> {
    let config = notion_sim::SimConfig {
        rate_limit: None,
        ..notion_sim::SimConfig::new(seed, PAGES)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    let url = sim.url.clone();
    let app = spawn_app_with(mode, move |s| {
        s.notion.api_url = url;
        s.notion.rate = 200.0;
        s.graph.build_debounce_ms = 0;
    })
    .await?;
    Some((app, sim))
}

/// A user with the simulator's workspace imported and the build that follows done; the
/// workspace's API path.
async fn owner(app: &TestApp, sim: &RunningSim) -> (TestUser, String) {
    let user = sign_up(app, "grapher").await;
    let id = connected(app, &user, sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/workspaces/{id}");
    settled(app, &user, &path, 1).await;
    (user, path)
}

/// The workspace's builds once at least `count` exist and all are completed, newest first.
async fn settled(app: &TestApp, user: &TestUser, path: &str, count: usize) -> Vec<Value> {
    let builds = format!("{path}/graph/builds");
    eventually(Duration::from_secs(60), "builds to complete", || async {
        let listed = json(user.get(app, &builds).await).await;
        let listed = listed.as_array().unwrap().clone();
        let done = listed.iter().all(|b| b["state"] == "completed");
        (listed.len() >= count && done).then_some(listed)
    })
    .await
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |v| v.to_str().unwrap())
}

async fn raw_get(app: &TestApp, user: &TestUser, path: &str, accept: &str) -> reqwest::Response {
    raw_client()
        .get(app.url(path))
        .header("cookie", format!("__Host-ng_session={}", user.cookie))
        .header("accept-encoding", accept)
        .send()
        .await
        .unwrap()
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    match encoding {
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut plain)
                .unwrap();
        }
        "br" => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut plain)
                .unwrap();
        }
        "zstd" => plain = zstd::stream::decode_all(body).unwrap(),
        "identity" => plain = body.to_vec(),
        other => panic!("unexpected encoding {other}"),
    }
    plain
}

#[tokio::test]
async fn every_view_and_format_is_served_with_its_content_type() {
    for mode in Mode::ALL {
        let Some((app, sim)) = app_with_sim(mode, 111).await else {
            return;
        };
        let (user, path) = owner(&app, &sim).await;
        let full = user.get(&app, &format!("{path}/graph")).await;
        assert_eq!(full.status(), StatusCode::OK);
        assert_eq!(header(&full, "content-type"), "application/json");
        assert_eq!(header(&full, "cache-control"), "private, no-cache");
        let full = json(full).await;
        let nodes = full["nodes"].as_array().unwrap();
        let truth = sim.truth();
        let shared = truth.pages.iter().filter(|p| p.shared).count();
        assert!(
            nodes.len() >= shared,
            "{} nodes, {shared} shared pages",
            nodes.len()
        );
        assert!(!full["links"].as_array().unwrap().is_empty());

        let linked = &full["links"][0];
        let (from, to) = (
            nodes[linked["source"].as_u64().unwrap() as usize]["id"]
                .as_str()
                .unwrap(),
            nodes[linked["target"].as_u64().unwrap() as usize]["id"]
                .as_str()
                .unwrap(),
        );
        let views = [
            ("view=summary&top=3", "summary"),
            (
                &format!("view=neighbourhood&root={from}&depth=2") as &str,
                "neighbourhood",
            ),
            (
                &format!("view=path&root={from}&to={to}&directed=true"),
                "path",
            ),
            ("view=search&text=a&limit=5", "search"),
        ];
        for (query, name) in views {
            let view = json(user.get(&app, &format!("{path}/graph?{query}")).await).await;
            assert_eq!(view["meta"]["view"], name, "{query}: {view}");
        }
        let path_view = json(
            user.get(&app, &format!("{path}/graph?view=path&root={from}&to={to}"))
                .await,
        )
        .await;
        assert_eq!(
            (
                path_view["meta"]["found"].as_bool(),
                path_view["meta"]["hops"].as_u64()
            ),
            (Some(true), Some(1))
        );

        for (format, content_type) in [
            ("gexf", "application/gexf+xml"),
            ("graphml", "application/graphml+xml"),
            ("bin", bin::CONTENT_TYPE),
        ] {
            let response = user
                .get(&app, &format!("{path}/graph?format={format}"))
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{format}");
            assert_eq!(header(&response, "content-type"), content_type);
            let body = response.bytes().await.unwrap();
            match format {
                "bin" => {
                    let packed = bin::Packed::from_bytes(&body).unwrap();
                    assert_eq!(packed.positions.len(), nodes.len());
                }
                _ => assert!(body.starts_with(b"<?xml"), "{format}"),
            }
        }
    }
}

#[tokio::test]
async fn each_encoding_round_trips_and_a_matching_etag_answers_304() {
    for mode in Mode::ALL {
        let Some((app, sim)) = app_with_sim(mode, 112).await else {
            return;
        };
        let (user, path) = owner(&app, &sim).await;
        let graph = format!("{path}/graph?view=summary");
        let plain = raw_get(&app, &user, &graph, "identity").await;
        assert_eq!(header(&plain, "content-encoding"), "identity");
        let plain_etag = header(&plain, "etag").to_owned();
        let plain = plain.bytes().await.unwrap();
        let mut etags = vec![plain_etag.clone()];
        for encoding in ["gzip", "br", "zstd"] {
            let response = raw_get(&app, &user, &graph, encoding).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(header(&response, "content-encoding"), encoding);
            assert!(header(&response, "vary").contains("Accept-Encoding"));
            let etag = header(&response, "etag").to_owned();
            assert!(
                etag.starts_with('"') && etag.ends_with('"'),
                "a strong ETag: {etag}"
            );
            etags.push(etag);
            let body = response.bytes().await.unwrap();
            assert!(body.len() < plain.len(), "{encoding} is smaller");
            assert_eq!(
                decode(encoding, &body),
                plain,
                "{encoding} decodes to the plain body"
            );
        }
        etags.dedup();
        assert_eq!(etags.len(), 4, "one ETag per encoding: {etags:?}");

        let revalidated = user
            .request(&app, Method::GET, &graph)
            .header("accept-encoding", "identity")
            .header("if-none-match", &plain_etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&revalidated, "etag"), plain_etag);
        assert!(revalidated.bytes().await.unwrap().is_empty());
        let other_view = user
            .request(&app, Method::GET, &format!("{path}/graph"))
            .header("accept-encoding", "identity")
            .header("if-none-match", &plain_etag)
            .send()
            .await
            .unwrap();
        assert_eq!(
            other_view.status(),
            StatusCode::OK,
            "another view has another ETag"
        );

        let pinned = user.get(&app, &format!("{graph}&version=1")).await;
        assert_eq!(pinned.status(), StatusCode::OK);
        assert!(header(&pinned, "cache-control").contains("immutable"));
    }
}

#[tokio::test]
async fn versions_and_diffs_follow_new_snapshots() {
    for mode in Mode::ALL {
        let Some((app, sim)) = app_with_sim(mode, 113).await else {
            return;
        };
        let (user, path) = owner(&app, &sim).await;
        let graphs = notion_graph::modules::graph::service(&app.state);
        let workspace = path.rsplit('/').next().unwrap();
        graphs
            .build(workspace, BuildOptions::default())
            .await
            .unwrap();
        let versions = user.get(&app, &format!("{path}/graph/versions")).await;
        assert_eq!(versions.status(), StatusCode::OK);
        let etag = header(&versions, "etag").to_owned();
        let first = json(versions).await;
        let latest = first["latest"].as_u64().unwrap();
        assert_eq!(first["versions"][0]["version"], latest);
        assert!(first["versions"][0]["nodes"].as_u64().unwrap() > 0);

        let unchanged = user
            .request(&app, Method::GET, &format!("{path}/graph/versions"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

        graphs
            .build(
                workspace,
                BuildOptions {
                    hierarchy: false,
                    ..BuildOptions::default()
                },
            )
            .await
            .unwrap();
        let changed = user
            .request(&app, Method::GET, &format!("{path}/graph/versions"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(
            changed.status(),
            StatusCode::OK,
            "a new version changes the ETag"
        );
        assert_eq!(json(changed).await["latest"], latest + 1);

        let diff = json(
            user.get(
                &app,
                &format!("{path}/graph/diff?from={latest}&to={}", latest + 1),
            )
            .await,
        )
        .await;
        assert_eq!(
            (diff["from"].as_u64(), diff["to"].as_u64()),
            (Some(latest), Some(latest + 1))
        );
        let removed = diff["removed_links"].as_array().unwrap();
        assert!(
            !removed.is_empty(),
            "leaving out hierarchy removes links: {diff}"
        );
        assert!(
            removed.iter().all(|l| l["kind"] == "child_page"
                || l["kind"] == "child_database"
                || l["kind"] == "data_source_row"),
            "{removed:?}"
        );
        let default = json(user.get(&app, &format!("{path}/graph/diff")).await).await;
        assert_eq!(
            default, diff,
            "the default compares the newest with the one before"
        );
        let missing = user.get(&app, &format!("{path}/graph/diff?from=999")).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(json(missing).await["code"], "unknown_snapshot");
    }
}

#[tokio::test]
async fn pages_are_found_by_title_ranked_by_pagerank_and_show_their_links() {
    for mode in Mode::ALL {
        let Some((app, sim)) = app_with_sim(mode, 114).await else {
            return;
        };
        let (user, path) = owner(&app, &sim).await;
        let all = json(user.get(&app, &format!("{path}/pages?limit=200")).await).await;
        let pages = all["pages"].as_array().unwrap();
        assert!(pages.len() > 10);
        let ranks: Vec<f64> = pages
            .iter()
            .map(|p| p["pagerank"].as_f64().unwrap())
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] >= w[1]),
            "highest PageRank first: {ranks:?}"
        );

        let top = pages.iter().find(|p| p["kind"] == "page").unwrap();
        let word = top["title"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_lowercase();
        let found = json(
            user.get(&app, &format!("{path}/pages?q={}", word.to_uppercase()))
                .await,
        )
        .await;
        let found = found["pages"].as_array().unwrap();
        let best = found.iter().find(|p| p["kind"] == "page").unwrap();
        assert_eq!(
            best["id"], top["id"],
            "the best page matching `{word}` is the top page"
        );
        assert!(
            found
                .iter()
                .all(|p| p["title"].as_str().unwrap().to_lowercase().contains(&word))
        );

        let id = top["id"].as_str().unwrap();
        let detail = user.get(&app, &format!("{path}/pages/{id}")).await;
        assert_eq!(detail.status(), StatusCode::OK);
        let detail = json(detail).await;
        let rank = pages.iter().position(|p| p["id"] == top["id"]).unwrap() + 1;
        assert!(
            detail["metrics"]["rank"].as_u64().unwrap() <= rank as u64,
            "{detail}"
        );
        let links_in = detail["links_in"].as_array().unwrap();
        assert_eq!(links_in.len() as u64, top["links_in"].as_u64().unwrap());
        let truth = sim.truth();
        for link in links_in {
            assert!(
                link["kind"].is_string() && link["provenance"].is_string(),
                "{link}"
            );
            let real = truth
                .edges
                .iter()
                .any(|e| e.source == link["id"].as_str().unwrap() && e.target == id);
            assert!(real, "a link in the simulator: {link}");
        }
        let unknown = user.get(&app, &format!("{path}/pages/no-such-page")).await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert_eq!(json(unknown).await["code"], "unknown_page");
    }
}

#[tokio::test]
async fn another_users_workspace_is_404_on_every_graph_route() {
    let Some((app, sim)) = app_with_sim(Mode::Embedded, 115).await else {
        return;
    };
    let (_, path) = owner(&app, &sim).await;
    let stranger = sign_up(&app, "stranger").await;
    for route in [
        "graph",
        "graph?view=galaxy",
        "graph/versions",
        "graph/diff",
        "pages?q=a",
        "pages/x",
    ] {
        let response = stranger.get(&app, &format!("{path}/{route}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{route}");
        assert_eq!(json(response).await["code"], "unknown_workspace", "{route}");
    }
    let anonymous = app.get(&format!("{path}/graph")).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_parameters_are_refused_with_a_problem_naming_them() {
    let Some((app, sim)) = app_with_sim(Mode::Embedded, 116).await else {
        return;
    };
    let (user, path) = owner(&app, &sim).await;
    let cases = [
        ("graph?view=galaxy", "invalid_view", "view"),
        ("graph?format=svg", "invalid_format", "format"),
        (
            "graph?view=neighbourhood&root=x&depth=9",
            "invalid_depth",
            "depth",
        ),
        ("graph?view=search", "invalid_query", "text"),
        (
            "graph?view=search&text=a&limit=-1",
            "invalid_limit",
            "limit",
        ),
        ("graph?view=full&root=x", "invalid_query", "root"),
        ("graph?version=abc", "invalid_query", "version"),
        ("graph/versions?limit=1000", "invalid_limit", "limit"),
        ("graph/diff?from=zero", "invalid_query", "from"),
        ("pages?limit=0", "invalid_limit", "limit"),
        ("pages/x?version=-2", "invalid_query", "version"),
    ];
    for (route, code, parameter) in cases {
        let response = user.get(&app, &format!("{path}/{route}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{route}");
        assert_eq!(
            header(&response, "content-type"),
            "application/problem+json"
        );
        let problem: Value = json(response).await;
        assert_eq!(problem["code"], code, "{route}: {problem}");
        assert_eq!(problem["parameter"], parameter, "{route}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(parameter),
            "{route}: {problem}"
        );
    }
    let unknown = user.get(&app, &format!("{path}/graph?colour=red")).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let problem = json(unknown).await;
    assert_eq!(problem["code"], "invalid_query");
    assert!(
        problem["detail"].as_str().unwrap().contains("colour"),
        "{problem}"
    );
    let missing = user.get(&app, &format!("{path}/graph?version=99")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(missing).await["code"], "unknown_snapshot");
}

/// A link between two pages that the simulator does not have yet, added there.
pub async fn add_a_link(sim: &RunningSim) -> (String, String) {
    let truth = sim.truth();
    let live: Vec<_> = truth
        .pages
        .iter()
        .filter(|p| p.shared && !p.trashed && p.kind == "page")
        .collect();
    let (a, b) = live
        .iter()
        .flat_map(|a| live.iter().map(move |b| (a, b)))
        .find(|(a, b)| {
            a.id != b.id
                && !truth
                    .edges
                    .iter()
                    .any(|e| e.source == a.id && e.target == b.id)
        })
        .unwrap();
    let body = serde_json::json!({ "target": b.id, "kind": "page_mention" });
    crate::sync_import::edit(sim, Method::POST, &format!("/pages/{}/links", a.id), body).await;
    (a.id.clone(), b.id.clone())
}

#[tokio::test]
async fn a_sync_that_changes_the_workspace_is_followed_by_a_new_version() {
    for mode in Mode::ALL {
        let Some((app, sim)) = app_with_sim(mode, 117).await else {
            return;
        };
        let (user, path) = owner(&app, &sim).await;
        let first = json(user.get(&app, &format!("{path}/graph/versions")).await).await;
        let before = first["latest"].as_u64().expect("the import was built");
        let workspace = path.rsplit('/').next().unwrap();
        let channel = notion_graph::modules::graph::builds::versions_channel(workspace);
        let mut announced = app.state.cache.subscribe(&channel).await.unwrap();

        let (source, target) = add_a_link(&sim).await;
        let sync = user
            .send(
                &app,
                Method::POST,
                &format!("{path}/syncs"),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(sync.status(), StatusCode::ACCEPTED);
        let message = tokio::time::timeout(Duration::from_secs(60), announced.next()).await;
        let message: Value = serde_json::from_str(&message.unwrap().unwrap()).unwrap();
        assert_eq!(message["version"], before + 1);
        let builds = settled(&app, &user, &path, 2).await;
        assert_eq!(
            (builds[0]["reason"].as_str(), builds[0]["version"].as_u64()),
            (Some("sync"), Some(before + 1))
        );

        let diff = json(user.get(&app, &format!("{path}/graph/diff")).await).await;
        let added = diff["added_links"].as_array().unwrap();
        let plain = |id: &str| id.replace('-', "");
        assert!(
            added
                .iter()
                .any(|l| plain(l["source"].as_str().unwrap()) == plain(&source)
                    && plain(l["target"].as_str().unwrap()) == plain(&target)),
            "{diff}"
        );
    }
}

#[tokio::test]
async fn builds_asked_for_at_once_make_at_most_one_new_version() {
    for mode in Mode::ALL {
        let Some((app, sim)) = app_with_sim(mode, 118).await else {
            return;
        };
        let (user, path) = owner(&app, &sim).await;
        let versions = format!("{path}/graph/versions");
        let before = json(user.get(&app, &versions).await).await["latest"]
            .as_u64()
            .unwrap();

        let unchanged = user
            .send(
                &app,
                Method::POST,
                &format!("{path}/graph/builds"),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(unchanged.status(), StatusCode::ACCEPTED);
        let location = header(&unchanged, "location").to_owned();
        let done = eventually(Duration::from_secs(60), "the build", || async {
            let build = json(user.get(&app, &location).await).await;
            (build["state"] == "completed").then_some(build)
        })
        .await;
        assert_eq!(
            (done["unchanged"].as_bool(), done["version"].as_u64()),
            (Some(true), Some(before)),
            "{done}"
        );

        // Stored by an import run here; the workspace's own syncs (and their builds) may run
        // meanwhile too, so the versions are counted from the moment the builds are asked for.
        add_a_link(&sim).await;
        let workspace = path.rsplit('/').next().unwrap();
        crate::sync_import::importer_for(&sim, &app.state.store, workspace)
            .run()
            .await
            .unwrap();
        let so_far = settled(&app, &user, &path, 2).await.len();
        let newest = json(user.get(&app, &versions).await).await["latest"]
            .as_u64()
            .unwrap();
        let (route, empty) = (format!("{path}/graph/builds"), serde_json::json!({}));
        let asked = futures::future::join_all(
            (0..3).map(|_| user.send(&app, Method::POST, &route, &empty)),
        )
        .await;
        assert!(asked.iter().all(|r| r.status() == StatusCode::ACCEPTED));
        let builds = settled(&app, &user, &path, so_far + 3).await;
        let requested: Vec<_> = builds
            .iter()
            .filter(|b| b["reason"] == "request")
            .take(3)
            .map(|b| b["version"].as_u64().unwrap())
            .collect();
        let after = json(user.get(&app, &versions).await).await["latest"]
            .as_u64()
            .unwrap();
        assert!(
            after <= newest + 1,
            "one new version at most: {newest} then {after}"
        );
        assert_eq!(
            requested, [after; 3],
            "all three answered by the newest: {builds:?}"
        );

        let unknown = user
            .get(
                &app,
                &format!("{path}/graph/builds/01HZZZZZZZZZZZZZZZZZZZZZZZ"),
            )
            .await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert_eq!(json(unknown).await["code"], "unknown_build");
    }
}

/// The commands run on the data directory before the service starts on it, as an operator
/// sets up a demo.
#[tokio::test]
async fn import_edges_makes_a_built_workspace_of_an_edge_list() {
    let data = tempfile::TempDir::new().unwrap();
    let Some(settings) = crate::helpers::test_settings(Mode::Embedded, data.path()) else {
        return;
    };
    let email = "demo@example.com";
    let password = format!("{}\n", crate::accounts::PASSWORD);
    let create = ["admin", "create-user", "--email", email, "--password-stdin"];
    let created = run_binary(data.path(), &create, &password);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edges.txt");
    // Each node links to its parent and its predecessor: 300 nodes, 596 distinct links (2 -> 1
    // twice, 1 -> 0 twice); a self-link is left out.
    let mut text = String::from("# a generated tree with shortcuts\n5 5\n");
    for n in 2..300u32 {
        text.push_str(&format!("{n} {}\n{n} {} 0.5\n", n / 2, n - 1));
    }
    text.push_str("1 0\n1 0\n");
    std::fs::write(&file, &text).unwrap();
    let file = file.to_str().unwrap();

    let import = [
        "--user",
        email,
        "graph",
        "import-edges",
        file,
        "--name",
        "Demo graph",
    ];
    let output = run_binary(data.path(), &import, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(
        stdout.contains("300 pages") && stdout.contains("snapshot 1"),
        "{stdout}"
    );

    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "0 1\n2 three\n").unwrap();
    let bad = [
        "graph",
        "import-edges",
        bad.to_str().unwrap(),
        "--name",
        "Bad",
    ];
    let refused = run_binary(data.path(), &bad, "");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("line 2") && stderr.contains("bad.txt"),
        "{stderr}"
    );
    let unnamed = ["graph", "import-edges", file, "--name", " "];
    assert_eq!(run_binary(data.path(), &unnamed, "").status.code(), Some(2));

    let app = crate::helpers::start(settings, data).await;
    let signed_in = crate::accounts::log_in(&app, email, crate::accounts::PASSWORD).await;
    let user = crate::accounts::signed_in(signed_in).await;
    let listed = json(user.get(&app, "/api/v1/workspaces").await).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(
        listed.len(),
        1,
        "a refused import stores nothing: {listed:?}"
    );
    let workspace = &listed[0];
    assert_eq!(workspace["name"], "Demo graph");
    assert_eq!(
        (workspace["pages"].as_u64(), workspace["links"].as_u64()),
        (Some(300), Some(596))
    );
    assert_eq!(workspace["status"], "paused", "never synced with Notion");
    let path = format!("/api/v1/workspaces/{}", workspace["id"].as_str().unwrap());
    let graph = json(user.get(&app, &format!("{path}/graph")).await).await;
    assert_eq!(graph["meta"]["version"], 1, "built by the command");
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 300);
    assert_eq!(graph["links"].as_array().unwrap().len(), 596);
    let found = user
        .get(&app, &format!("{path}/pages?q=roadmap&limit=200"))
        .await;
    let found = json(found).await["pages"].as_array().unwrap().len();
    assert_eq!(
        found,
        300usize.div_ceil(16),
        "one title in 16 starts with Roadmap"
    );
    let root = json(user.get(&app, &format!("{path}/pages/Roadmap%200")).await).await;
    assert_eq!(root["links_in"].as_array().unwrap().len(), 1, "{root}");
    assert_eq!(root["links_in"][0]["provenance"], "edge list");
}
