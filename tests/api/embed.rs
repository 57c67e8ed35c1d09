//! The public embed routes (issue 11, items 4-5; security.md 11 and 12): the page may be framed
//! only by the configured origins and sets no cookie; its data is precompressed, strongly
//! tagged and immutable per snapshot; hidden titles never leave the server; a revoked or
//! expired link is 404 at once, on every instance; oEmbed and Open Graph describe it.

use std::time::Duration;

use notion_graph::modules::graph::bin::Packed;
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, json, raw_client, start};
use crate::shares::{share, token};
use crate::workspaces::{app_for, connected, simulator};

const NOTION: &str = "frame-ancestors 'self' https://www.notion.so https://*.notion.so https://notion.site https://*.notion.site";

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = raw_client().get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

async fn owner_with_workspace(app: &TestApp, sim: &notion_sim::RunningSim) -> (TestUser, String) {
    let owner = sign_up(app, "owner").await;
    let workspace = connected(app, &owner, sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (owner, workspace)
}

#[tokio::test]
async fn embed_page_allows_framing_only_by_notion_and_sets_no_cookie() {
    let sim = simulator(51, 30).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let created = share(&app, &owner, &workspace, json!({ "name": "Team <map>" })).await;
    let page = get(&app, &format!("/embed/{}", token(&created)), &[]).await;
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert!(header(&headers, header::CONTENT_SECURITY_POLICY).ends_with(NOTION));
    assert!(headers.get(header::X_FRAME_OPTIONS).is_none());
    assert!(headers.get(header::SET_COOKIE).is_none());
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<meta property="og:title" content="Team &#60;map&#62;">"#)
            || html.contains("Team &lt;map&gt;"),
        "the name is escaped: {html}"
    );
    let image = format!("{}/preview.png", created["url"].as_str().unwrap());
    assert!(html.contains(&format!(r#"<meta property="og:image" content="{image}">"#)));
    assert!(html.contains(r#"<meta property="og:image:type" content="image/png">"#));
    let png = raw_client().get(&image).send().await.unwrap();
    assert_eq!(header(png.headers(), header::CONTENT_TYPE), "image/png");
    let png = png.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(&png[16..24], [0, 0, 3, 32, 0, 0, 1, 244], "of 800 x 500");
    assert!(html.contains(r#"type="application/json+oembed""#));

    let script = html.split(r#"<script type="module" src=""#).nth(1).unwrap();
    let script = script.split('"').next().unwrap();
    let asset = get(&app, script, &[]).await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(header(asset.headers(), header::CACHE_CONTROL).contains("immutable"));
    assert!(header(asset.headers(), header::CONTENT_TYPE).starts_with("text/javascript"));

    let api = get(&app, "/api/v1/me", &[]).await;
    assert!(
        header(api.headers(), header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'")
    );
    assert_eq!(header(api.headers(), header::X_FRAME_OPTIONS), "DENY");
}

#[tokio::test]
async fn embed_data_is_precompressed_tagged_and_immutable_per_snapshot() {
    let sim = simulator(52, 40).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let created = share(&app, &owner, &workspace, json!({ "name": "Data" })).await;
    let base = format!("/embed/{}", token(&created));
    let html = get(&app, &base, &[]).await.text().await.unwrap();
    let versioned = html
        .split(r#"data-graph=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");

    let plain = get(&app, &versioned, &[]).await;
    assert!(header(plain.headers(), header::CACHE_CONTROL).contains("immutable"));
    let etag = header(plain.headers(), header::ETAG).to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with("-identity\""),
        "a strong tag: {etag}"
    );
    let packed = Packed::from_bytes(&plain.bytes().await.unwrap()).unwrap();
    let labels = json(get(&app, &format!("{base}/labels.json"), &[]).await).await;
    assert_eq!(
        labels["ids"].as_array().unwrap().len(),
        packed.positions.len()
    );
    assert!(labels["titles"].as_array().unwrap().iter().any(|t| t != ""));

    let brotli = get(
        &app,
        &format!("{base}/graph.bin"),
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(header(brotli.headers(), header::CONTENT_ENCODING), "br");
    assert_eq!(
        header(brotli.headers(), header::CACHE_CONTROL),
        "private, no-cache",
        "an unversioned URL revalidates"
    );
    let brotli_tag = header(brotli.headers(), header::ETAG).to_owned();
    assert_ne!(brotli_tag, etag, "each encoding has its own strong tag");
    let again = get(
        &app,
        &format!("{base}/graph.bin"),
        &[
            ("accept-encoding", "gzip, br"),
            ("if-none-match", &brotli_tag),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let svg = get(&app, &format!("{base}/static.svg"), &[]).await;
    assert_eq!(header(svg.headers(), header::CONTENT_TYPE), "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<svg"));
}

#[tokio::test]
async fn hidden_titles_never_leave_the_server() {
    let sim = simulator(53, 30).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let open = share(&app, &owner, &workspace, json!({ "name": "Open" })).await;
    let public = share(
        &app,
        &owner,
        &workspace,
        json!({ "name": "Public", "preset": { "hide_titles": true } }),
    )
    .await;
    let titles: Vec<String> =
        json(get(&app, &format!("/embed/{}/labels.json", token(&open)), &[]).await).await["titles"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str().filter(|t| t.len() > 3).map(str::to_owned))
            .collect();
    assert!(!titles.is_empty());
    let base = format!("/embed/{}", token(&public));
    let mut served = String::new();
    for path in ["", "/labels.json", "/static.svg", "/preview.png"] {
        served += &get(&app, &format!("{base}{path}"), &[])
            .await
            .text()
            .await
            .unwrap();
    }
    for title in &titles {
        assert!(!served.contains(title.as_str()), "`{title}` leaked");
    }
    assert!(
        !served.contains("notion.so/"),
        "no Notion URL (they spell titles)"
    );
    assert!(!served.contains(&workspace), "nor the workspace's id");
    let labels = json(get(&app, &format!("{base}/labels.json"), &[]).await).await;
    for absent in ["workspace", "ids", "titles", "urls"] {
        assert!(labels.get(absent).is_none(), "{absent} in {labels}");
    }
}

async fn all_gone(app: &TestApp, token: &str, url: &str) {
    let paths = [
        "/graph.bin",
        "/labels.json",
        "/static.svg",
        "/preview.png",
        "/versions",
    ];
    for path in [""].into_iter().chain(paths) {
        let response = get(app, &format!("/embed/{token}{path}"), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let page = get(app, &format!("/embed/{token}"), &[]).await;
    assert!(header(page.headers(), header::CONTENT_TYPE).starts_with("text/html"));
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("revoked or has expired")
    );
    let oembed = raw_client()
        .get(app.url("/oembed"))
        .query(&[("url", url)])
        .send()
        .await
        .unwrap();
    assert_eq!(oembed.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_revoked_share_is_404_at_once_on_every_instance() {
    for mode in Mode::ALL {
        let sim = simulator(54, 20).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let mut settings = (*app.state.settings).clone();
        settings.server.port = 0;
        let other = start(settings, TempDir::new().unwrap()).await;
        let (owner, workspace) = owner_with_workspace(&app, &sim).await;
        let created = share(&app, &owner, &workspace, json!({ "name": "Soon gone" })).await;
        let (secret, url) = (token(&created), created["url"].as_str().unwrap().to_owned());
        for instance in [&app, &other] {
            assert_eq!(
                get(instance, &format!("/embed/{secret}/graph.bin"), &[])
                    .await
                    .status(),
                StatusCode::OK
            );
        }
        let path = format!("/api/v1/shares/{}", created["id"].as_str().unwrap());
        let revoked = owner.send(&app, Method::DELETE, &path, &json!({})).await;
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        all_gone(&app, &secret, &url).await;
        all_gone(&other, &secret, &url).await;
        other.stop().await;
    }
}

#[tokio::test]
async fn an_expired_share_is_404_and_a_made_up_token_too() {
    let sim = simulator(55, 20).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let body = json!({ "name": "Brief", "expires_at": soon.to_rfc3339() });
    let created = share(&app, &owner, &workspace, body).await;
    let secret = token(&created);
    assert_eq!(
        get(&app, &format!("/embed/{secret}"), &[]).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    all_gone(&app, &secret, created["url"].as_str().unwrap()).await;
    let made_up = "A".repeat(43);
    all_gone(&app, &made_up, &format!("http://localhost/embed/{made_up}")).await;
}

#[tokio::test]
async fn oembed_describes_a_share_as_an_iframe_with_its_preview() {
    let sim = simulator(56, 20).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let created = share(&app, &owner, &workspace, json!({ "name": "Described" })).await;
    let url = created["url"].as_str().unwrap();
    let query = |extra: &[(&str, &str)]| {
        let mut pairs = vec![("url", url)];
        pairs.extend_from_slice(extra);
        raw_client().get(app.url("/oembed")).query(&pairs).send()
    };
    let described: Value = query(&[("maxwidth", "600")])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (described["type"].as_str(), described["version"].as_str()),
        (Some("rich"), Some("1.0"))
    );
    assert_eq!(described["title"], "Described");
    assert_eq!(described["width"], 600);
    assert!(
        described["html"]
            .as_str()
            .unwrap()
            .contains(&format!(r#"<iframe src="{url}""#))
    );
    assert_eq!(described["thumbnail_url"], format!("{url}/preview.png"));
    let xml = query(&[("format", "xml")]).await.unwrap();
    assert_eq!(
        xml.status(),
        StatusCode::NOT_IMPLEMENTED,
        "oEmbed 1.0, 2.3.4.2"
    );
    assert!(header(xml.headers(), header::CONTENT_TYPE).starts_with("application/problem+json"));
    assert_eq!(json(xml).await["code"], "unsupported_format");
}

#[tokio::test]
async fn a_neighbourhood_share_names_only_the_communities_it_shows() {
    let sim = simulator(57, 60).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let full = share(&app, &owner, &workspace, json!({ "name": "All" })).await;
    let everything =
        json(get(&app, &format!("/embed/{}/labels.json", token(&full)), &[]).await).await;
    let root = everything["ids"][0].as_str().unwrap();
    let preset = json!({ "view": "neighbourhood", "root": root, "depth": 1 });
    let local = share(
        &app,
        &owner,
        &workspace,
        json!({ "name": "Local", "preset": preset }),
    )
    .await;
    let base = format!("/embed/{}", token(&local));
    let labels = json(get(&app, &format!("{base}/labels.json"), &[]).await).await;
    let bin = get(&app, &format!("{base}/graph.bin"), &[])
        .await
        .bytes()
        .await
        .unwrap();
    let shown: std::collections::BTreeSet<u64> = Packed::from_bytes(&bin)
        .unwrap()
        .communities
        .iter()
        .map(|&c| u64::from(c))
        .collect();
    let named: std::collections::BTreeSet<u64> = labels["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(named, shown);
    assert!(
        named.len() < everything["communities"].as_array().unwrap().len(),
        "the workspace has more"
    );
}

#[tokio::test]
async fn a_share_of_a_disconnected_workspace_is_gone_for_good() {
    let sim = simulator(58, 20).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let (owner, workspace) = owner_with_workspace(&app, &sim).await;
    let created = share(&app, &owner, &workspace, json!({ "name": "Orphaned" })).await;
    let path = format!("/api/v1/workspaces/{workspace}");
    let gone = owner.send(&app, Method::DELETE, &path, &json!({})).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    all_gone(&app, &token(&created), created["url"].as_str().unwrap()).await;
    let id = created["id"].as_str().unwrap();
    let stored = app
        .state
        .store
        .get(&notion_graph::modules::embed::SHARES, id)
        .await
        .unwrap();
    assert!(stored.is_none(), "the link was deleted, not only refused");
}

/// The next `version` event of an SSE body (comments skipped), or `None` once it ends.
async fn next_version(
    body: &mut (impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    text: &mut String,
) -> Option<Value> {
    use futures::StreamExt;
    loop {
        if let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if let Some(data) = event.strip_prefix("event: version\ndata: ") {
                return Some(serde_json::from_str(data.trim_end()).unwrap());
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(60), body.next())
            .await
            .expect("an event or the end within a minute")?;
        text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
    }
}

#[tokio::test]
async fn an_open_embed_hears_of_each_new_version_from_any_instance_until_revoked() {
    for mode in Mode::ALL {
        let sim = simulator(59, 20).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        // Production instances share Redis; an embedded one is its own pub/sub.
        let other = match mode {
            Mode::Production => {
                let mut settings = (*app.state.settings).clone();
                settings.server.port = 0;
                Some(start(settings, TempDir::new().unwrap()).await)
            }
            Mode::Embedded => None,
        };
        let listener = other.as_ref().unwrap_or(&app);
        let (owner, workspace) = owner_with_workspace(&app, &sim).await;
        let live = share(&app, &owner, &workspace, json!({ "name": "Live" })).await;
        let secret = token(&live);
        let graph = get(&app, &format!("/embed/{secret}/graph.bin"), &[]).await;
        assert_eq!(graph.status(), StatusCode::OK, "a snapshot to start from");

        let response = get(listener, &format!("/embed/{secret}/versions"), &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(response.headers(), header::CONTENT_TYPE),
            "text/event-stream"
        );
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        let (mut body, mut text) = (response.bytes_stream(), String::new());
        let first = next_version(&mut body, &mut text).await.unwrap();
        let mut keys: Vec<_> = first.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["created_at", "version"],
            "only a version and its time"
        );
        let pinned = json!({ "name": "Pinned", "preset": { "version": first["version"] } });
        let pinned = share(&app, &owner, &workspace, pinned).await;

        crate::graph_api::add_a_link(&sim).await;
        crate::sync_import::importer_for(&sim, &app.state.store, &workspace)
            .run()
            .await
            .unwrap();
        let builds = format!("/api/v1/workspaces/{workspace}/graph/builds");
        let asked = owner.send(&app, Method::POST, &builds, &json!({})).await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
        let second = next_version(&mut body, &mut text).await.unwrap();
        assert!(
            second["version"].as_u64() > first["version"].as_u64(),
            "{first} then {second}"
        );
        let fixed = get(
            listener,
            &format!("/embed/{}/versions", token(&pinned)),
            &[],
        )
        .await;
        assert_eq!(
            fixed.status(),
            StatusCode::NO_CONTENT,
            "a pinned share never changes"
        );

        let path = format!("/api/v1/shares/{}", live["id"].as_str().unwrap());
        let revoked = owner.send(&app, Method::DELETE, &path, &json!({})).await;
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let channel = notion_graph::modules::graph::builds::versions_channel(&workspace);
        app.state.cache.publish(&channel, "{}").await.unwrap();
        assert!(
            next_version(&mut body, &mut text).await.is_none(),
            "the stream of a revoked share ends at its next wake"
        );
        if let Some(other) = other {
            other.stop().await;
        }
    }
}
