//! Share links (issue 11, item 4): created, listed, changed and revoked by their owner only;
//! the token is in the URL and nowhere in the store; bad values name their field; a share that
//! pins a snapshot keeps it through pruning.

use notion_graph::modules::embed::SHARES;
use notion_graph::modules::graph::{BuildOptions, service};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, binary, json, spawn_app_with};
use crate::workspaces::{app_for, connected, simulator};

/// Creates a share of `workspace` as `user` and returns its body.
pub async fn share(app: &TestApp, user: &TestUser, workspace: &str, body: Value) -> Value {
    let path = format!("/api/v1/workspaces/{workspace}/shares");
    let response = user.send(app, Method::POST, &path, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await
}

/// The token at the end of a share's URL.
pub fn token(share: &Value) -> String {
    let url = share["url"].as_str().unwrap();
    url.rsplit_once("/embed/").unwrap().1.to_owned()
}

async fn refused(app: &TestApp, user: &TestUser, method: Method, path: &str, body: Value) -> Value {
    let response = user.send(app, method, path, &body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    json(response).await
}

#[tokio::test]
async fn a_share_link_is_created_listed_changed_and_revoked_by_its_owner_only() {
    for mode in Mode::ALL {
        let sim = simulator(41, 30).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let owner = sign_up(&app, "owner").await;
        let other = sign_up(&app, "other").await;
        let workspace = connected(&app, &owner, &sim).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let preset = json!({ "view": "summary", "theme": "dark", "hide_titles": true });
        let created = share(
            &app,
            &owner,
            &workspace,
            json!({ "name": "Team map", "preset": preset }),
        )
        .await;
        let id = created["id"].as_str().unwrap();
        let secret = token(&created);
        assert!(secret.len() >= 22, "at least 128 bits: {secret}");
        assert_eq!(created["preset"]["theme"], "dark");
        assert_eq!(created["preset"]["labels"], true, "defaults fill the rest");

        let stored = app.state.store.get(&SHARES, id).await.unwrap().unwrap();
        let raw = serde_json::to_string(&stored.body).unwrap();
        assert!(
            !raw.contains(&secret),
            "the token is stored only hashed and sealed"
        );

        let listed = json(
            owner
                .get(&app, &format!("/api/v1/workspaces/{workspace}/shares"))
                .await,
        )
        .await;
        assert_eq!(
            listed[0]["url"], created["url"],
            "the owner sees the same URL again"
        );
        let path = format!("/api/v1/shares/{id}");
        let renamed = owner
            .send(
                &app,
                Method::PATCH,
                &path,
                &json!({ "name": "Renamed", "expires_at": "2999-01-01T00:00:00Z" }),
            )
            .await;
        assert_eq!(renamed.status(), StatusCode::OK);
        let renamed = json(renamed).await;
        assert_eq!(
            (renamed["name"].as_str(), renamed["preset"]["view"].as_str()),
            (Some("Renamed"), Some("summary"))
        );
        assert_eq!(renamed["expires_at"], "2999-01-01T00:00:00.000Z");

        for (method, path) in [
            (
                Method::GET,
                format!("/api/v1/workspaces/{workspace}/shares"),
            ),
            (Method::PATCH, path.clone()),
            (Method::DELETE, path.clone()),
        ] {
            let response = other.send(&app, method.clone(), &path, &json!({})).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
        let revoked = owner.send(&app, Method::DELETE, &path, &json!({})).await;
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let again = owner
            .send(&app, Method::PATCH, &path, &json!({ "name": "x" }))
            .await;
        assert_eq!(json(again).await["code"], "unknown_share");
        let listed = json(
            owner
                .get(&app, &format!("/api/v1/workspaces/{workspace}/shares"))
                .await,
        )
        .await;
        assert_eq!(listed, json!([]));
    }
}

#[tokio::test]
async fn bad_share_values_are_refused_naming_their_field() {
    let sim = simulator(42, 20).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let owner = sign_up(&app, "owner").await;
    let workspace = connected(&app, &owner, &sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/workspaces/{workspace}/shares");
    for (body, code, field) in [
        (json!({ "name": "" }), "invalid_value", "name"),
        (
            json!({ "name": "s", "preset": { "depth": 9 } }),
            "invalid_preset",
            "preset.depth",
        ),
        (
            json!({ "name": "s", "preset": { "kinds": ["folder"] } }),
            "invalid_preset",
            "preset.kinds",
        ),
        (
            json!({ "name": "s", "preset": { "view": "neighbourhood" } }),
            "invalid_preset",
            "preset.root",
        ),
        (
            json!({ "name": "s", "preset": { "view": "neighbourhood", "root": "No such page" } }),
            "invalid_preset",
            "preset.root",
        ),
        (
            json!({ "name": "s", "preset": { "version": 99 } }),
            "invalid_preset",
            "preset.version",
        ),
        (
            json!({ "name": "s", "expires_at": "2001-01-01T00:00:00Z" }),
            "invalid_expiry",
            "expires_at",
        ),
        (
            json!({ "name": "s", "expires_at": "next week" }),
            "invalid_expiry",
            "expires_at",
        ),
    ] {
        let problem = refused(&app, &owner, Method::POST, &path, body.clone()).await;
        assert_eq!(
            (problem["code"].as_str(), problem["field"].as_str()),
            (Some(code), Some(field)),
            "{body}: {problem}"
        );
    }
    let unknown = refused(
        &app,
        &owner,
        Method::POST,
        &path,
        json!({ "name": "s", "preset": { "colour": "red" } }),
    )
    .await;
    assert_eq!(unknown["code"], "invalid_json");
    let listed = json(owner.get(&app, &path).await).await;
    assert_eq!(listed, json!([]), "nothing refused was stored");
}

#[tokio::test]
async fn a_share_pinning_a_version_keeps_that_snapshot_until_it_is_revoked() {
    let sim = simulator(43, 20).await;
    let url = sim.url.clone();
    let Some(app) = spawn_app_with(Mode::Embedded, move |s| {
        (s.notion.api_url, s.notion.rate) = (url, 200.0);
        s.graph.snapshots_kept = 2;
    })
    .await
    else {
        return;
    };
    let owner = sign_up(&app, "owner").await;
    let workspace = connected(&app, &owner, &sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let graph = service(&app.state);
    let first = graph
        .build(&workspace, BuildOptions::default())
        .await
        .unwrap();
    let pinned = first.meta.version;
    let created = share(
        &app,
        &owner,
        &workspace,
        json!({ "name": "v", "preset": { "version": pinned } }),
    )
    .await;
    let kept = app.state.settings.graph.snapshots_kept;
    for _ in 0..=kept {
        graph
            .build(&workspace, BuildOptions::default())
            .await
            .unwrap();
    }
    assert!(
        graph.snapshot(&workspace, Some(pinned)).await.is_ok(),
        "the pinned snapshot stays"
    );

    let path = format!("/api/v1/shares/{}", created["id"].as_str().unwrap());
    owner.send(&app, Method::DELETE, &path, &json!({})).await;
    graph
        .build(&workspace, BuildOptions::default())
        .await
        .unwrap();
    assert!(
        graph.snapshot(&workspace, Some(pinned)).await.is_err(),
        "revoking let it go"
    );
}

#[tokio::test]
async fn share_commands_create_list_and_revoke_a_link() {
    let config = notion_sim::SimConfig {
        rate_limit: None,
        ..notion_sim::SimConfig::new(44, 20)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    let run = |args: Vec<String>| {
        let mut command = std::process::Command::new(binary());
        command
            .arg("--data-dir")
            .arg(&dir)
            .args(args)
            .env_remove("MONGODB_URI")
            .env_remove("REDIS_URL");
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let args = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let sync = format!(
        "sync --token {} --notion-url {} --rate 200",
        sim.token, sim.url
    );
    assert!(run(args(&sync)).await.unwrap().status.success());

    let created = run(args("share create --name Map --view summary --hide-titles"))
        .await
        .unwrap();
    let url = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(created.status.success() && url.contains("/embed/"), "{url}");
    let listed = run(args("share list")).await.unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&url));

    let bad = run(args("share create --depth 9")).await.unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("preset.depth"));

    let revoked = run(vec!["share".into(), "revoke".into(), url.clone()])
        .await
        .unwrap();
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let listed = run(args("share list")).await.unwrap();
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(&url));
    let twice = run(vec!["share".into(), "revoke".into(), url])
        .await
        .unwrap();
    assert_eq!(
        twice.status.code(),
        Some(2),
        "an unknown link is the user's mistake"
    );
}
