//! `notion-graph export` in real processes against a simulated workspace imported first: the
//! files equal the workspace's ground truth (every page a file, every link a relative link to
//! an existing file), two exports are byte-identical, an unchanged page costs no Notion call,
//! and an export killed with SIGKILL continues to the same tree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use notion_sim::RunningSim;
use serde_norway::Value as Yaml;

use crate::helpers::{Process, eventually};
use crate::sync_jobs::sim;

/// Imports `sim`'s workspace into `data` with `sync`, spending `rate` requests a second.
async fn import(sim: &RunningSim, data: &Path, rate: f64) {
    let args = [
        "sync",
        "--token",
        &sim.token,
        "--notion-url",
        &sim.url,
        "--rate",
        &rate.to_string(),
    ]
    .map(String::from);
    assert!(
        finish(Process::start(data, &args, &[])).await,
        "the import completes"
    );
}

/// `export --out OUT` as its own process, talking to `sim` as its Notion.
fn export(sim: &RunningSim, data: &Path, out: &Path) -> Process {
    let args = ["export", "--out", out.to_str().unwrap()].map(String::from);
    Process::start(data, &args, &[("NOTION_GRAPH_NOTION_API_URL", &sim.url)])
}

async fn finish(mut process: Process) -> bool {
    tokio::task::spawn_blocking(move || process.child.wait().unwrap().success())
        .await
        .unwrap()
}

/// Every file under `root`, by relative path (the manifest aside), with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            if relative != "manifest.json" {
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A Markdown file's front matter, parsed as YAML.
fn front_matter(text: &str) -> Yaml {
    let yaml = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(yaml, _)| yaml)
        .expect("front matter");
    serde_norway::from_str(yaml).expect("front matter is YAML")
}

/// The targets of the Markdown links in `body` that are not URLs.
fn relative_links(body: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let target = &rest[..end];
        if !target.contains("://") {
            links.push(target.to_owned());
        }
        rest = &rest[end..];
    }
    links
}

/// `href` (relative to the file `from`) as a path under `root`, decoded, with `..` resolved
/// (a link may not leave the export).
fn resolve(root: &Path, from: &str, href: &str) -> PathBuf {
    let decoded = notion_graph::modules::export::layout::decode(href);
    let base = Path::new(from).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for part in base.join(&decoded).components() {
        match part {
            std::path::Component::ParentDir => {
                assert!(parts.pop().is_some(), "{from}: {href} leaves the export")
            }
            std::path::Component::Normal(name) => parts.push(name.to_str().unwrap().to_owned()),
            other => panic!("{from}: {href} has {other:?}"),
        }
    }
    parts
        .iter()
        .fold(root.to_path_buf(), |path, part| path.join(part))
}

/// What the export of `sim`'s workspace must hold.
fn expected_ids(sim: &RunningSim) -> HashSet<String> {
    sim.truth()
        .pages
        .iter()
        .filter(|p| p.shared && !p.trashed && p.kind != "data_source")
        .map(|p| p.id.clone())
        .collect()
}

/// Checks `root` against the truth: every readable page, row and database is one file whose
/// front matter names it and its parent; every link of the truth between exported pages is in
/// the source's `links:` with a path; every relative link resolves to an existing file.
fn assert_export_equals_truth(sim: &RunningSim, root: &Path) {
    let truth = sim.truth();
    let expected = expected_ids(sim);
    let files = tree(root);
    let mut by_id: HashMap<String, (String, Yaml)> = HashMap::new();
    let mut checked_links = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".md")) {
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        let matter = front_matter(text);
        let id = matter["id"].as_str().expect("an id").to_owned();
        for href in relative_links(text) {
            let target = resolve(root, path, &href);
            assert!(target.is_file(), "{path}: link {href} to a missing file");
            checked_links += 1;
        }
        assert!(
            by_id.insert(id.clone(), (path.clone(), matter)).is_none(),
            "{id} twice"
        );
    }
    let exported: HashSet<String> = by_id.keys().cloned().collect();
    assert_eq!(
        exported, expected,
        "every readable page, row and database, once"
    );
    assert!(
        checked_links > expected.len(),
        "{checked_links} links checked"
    );
    for page in truth.pages.iter().filter(|p| expected.contains(&p.id)) {
        let (path, matter) = &by_id[&page.id];
        let parent = page.parent.as_ref().filter(|p| expected.contains(*p));
        assert_eq!(
            matter["parent"]["id"].as_str(),
            parent.map(String::as_str),
            "{path}"
        );
        if let Some(parent) = parent {
            let parent_file = resolve(root, path, matter["parent"]["path"].as_str().unwrap());
            assert_eq!(
                parent_file,
                root.join(&by_id[parent].0),
                "{path}: its parent's file"
            );
        }
    }
    let reference = [
        "page_mention",
        "database_mention",
        "notion_url",
        "link_to_page",
        "relation",
    ];
    let mut edges = 0;
    for edge in &truth.edges {
        let wanted = reference.contains(&edge.kind.as_str())
            && expected.contains(&edge.source)
            && expected.contains(&edge.target);
        if !wanted {
            continue;
        }
        let (path, matter) = &by_id[&edge.source];
        let links = matter["links"].as_sequence().expect("links");
        let found = links.iter().find(|l| {
            l["id"].as_str() == Some(edge.target.as_str())
                && l["kind"].as_str() == Some(edge.kind.as_str())
        });
        let found =
            found.unwrap_or_else(|| panic!("{path}: no {} link to {}", edge.kind, edge.target));
        let target = resolve(root, path, found["path"].as_str().expect("a path"));
        assert_eq!(
            target,
            root.join(&by_id[&edge.target].0),
            "{path} → {}",
            edge.target
        );
        edges += 1;
    }
    assert!(edges > 100, "{edges} truth edges checked");
}

fn calls(sim: &RunningSim) -> u64 {
    sim.stats().total
}

#[tokio::test]
async fn an_export_holds_every_page_of_the_workspace_and_every_link_resolves() {
    let sim = sim(61, 2000, None, None).await;
    let data = tempfile::tempdir().unwrap();
    import(&sim, data.path(), 1000.0).await;
    let first = data.path().join("first");
    let before = calls(&sim);
    assert!(
        finish(export(&sim, data.path(), &first)).await,
        "the export completes"
    );
    let first_calls = calls(&sim) - before;
    assert_export_equals_truth(&sim, &first);
    assert!(first.join("manifest.json").is_file());
    assert!(
        !first.join(".notion-graph-export/checkpoint").exists(),
        "no checkpoint once done"
    );

    let second = data.path().join("second");
    assert!(finish(export(&sim, data.path(), &second)).await);
    assert_eq!(
        tree(&first),
        tree(&second),
        "two exports of one workspace, byte for byte"
    );

    let before = calls(&sim);
    assert!(
        finish(export(&sim, data.path(), &first)).await,
        "again into the same folder"
    );
    assert_eq!(
        calls(&sim) - before,
        0,
        "unchanged pages come from their stored copies"
    );
    assert_eq!(tree(&first), tree(&second));
    eprintln!(
        "first export: {first_calls} calls to Notion for {} files",
        tree(&first).len()
    );
    sim.stop().await;
}

#[tokio::test]
async fn an_export_killed_mid_way_continues_to_the_same_files() {
    let sim = sim(62, 1000, None, None).await;
    let data = tempfile::tempdir().unwrap();
    // A modest budget keeps the export long enough to be killed half-way.
    import(&sim, data.path(), 150.0).await;
    let whole = data.path().join("whole");
    let before = calls(&sim);
    assert!(finish(export(&sim, data.path(), &whole)).await);
    let uninterrupted = calls(&sim) - before;

    let killed = data.path().join("killed");
    let checkpoint = killed.join(".notion-graph-export/checkpoint");
    let half = expected_ids(&sim).len() / 2;
    let before = calls(&sim);
    let mut first = export(&sim, data.path(), &killed);
    eventually(
        Duration::from_secs(300),
        "half of the pages to be exported",
        || async {
            let lines = std::fs::read_to_string(&checkpoint).map_or(0, |t| t.lines().count());
            (lines > half).then_some(())
        },
    )
    .await;
    first.signal("KILL");
    let _ = first.child.wait();
    let at_kill = calls(&sim) - before;
    assert!(
        finish(export(&sim, data.path(), &killed)).await,
        "the second run completes"
    );
    let after = calls(&sim) - before - at_kill;
    let left = uninterrupted.saturating_sub(at_kill);
    eprintln!(
        "resume: {uninterrupted} calls uninterrupted, {at_kill} before the kill, {after} after ({left} were left)"
    );
    // What was in flight at the kill is read again: up to 64 pages of a few calls each.
    assert!(
        after as f64 <= left as f64 * 1.1 + 200.0,
        "{after} calls for {left} left"
    );
    let killed_tree = tree(&killed);
    assert!(
        killed_tree
            .keys()
            .all(|p| !p.contains(".partial") && !p.starts_with(".notion-graph-export/checkpoint")),
        "no temporary file or checkpoint is left"
    );
    assert_eq!(
        killed_tree,
        tree(&whole),
        "no duplicate, missing or half-written file"
    );
    assert_export_equals_truth(&sim, &killed);
    sim.stop().await;
}

#[tokio::test]
async fn an_export_asked_for_through_the_api_reports_progress_and_downloads_as_a_zip() {
    use reqwest::{Method, StatusCode};
    use serde_json::json;

    use crate::accounts::sign_up;
    use crate::helpers::{Mode, json};
    use crate::workspaces::{app_for, connected, simulator};

    for mode in Mode::ALL {
        let sim = simulator(63, 80).await;
        let Some(app) = app_for(mode, &sim).await else {
            continue;
        };
        let owner = sign_up(&app, "exporter").await;
        let workspace = connected(&app, &owner, &sim).await;
        let base = format!(
            "/api/v1/workspaces/{}/exports",
            workspace["id"].as_str().unwrap()
        );
        let bad = owner
            .send(&app, Method::POST, &base, &json!({ "formats": ["pdf"] }))
            .await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let bad = json(bad).await;
        assert_eq!(
            (bad["code"].as_str(), bad["field"].as_str()),
            (Some("invalid_value"), Some("formats"))
        );
        let bad = owner
            .send(&app, Method::POST, &base, &json!({ "since": "yesterday" }))
            .await;
        assert_eq!(json(bad).await["field"], "since");

        let queued = owner.send(&app, Method::POST, &base, &json!({})).await;
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
        let location = queued.headers()["location"].to_str().unwrap().to_owned();
        let queued = json(queued).await;
        let early = owner.get(&app, &format!("{location}/download")).await;
        if queued["state"] != "completed" && early.status() != StatusCode::OK {
            assert_eq!(early.status(), StatusCode::CONFLICT);
            assert_eq!(json(early).await["code"], "export_not_ready");
        }
        let done = eventually(Duration::from_secs(120), "the export", || async {
            let view = json(owner.get(&app, &location).await).await;
            (view["state"] == "completed" || view["state"] == "failed").then_some(view)
        })
        .await;
        assert_eq!(done["state"], "completed", "{done}");
        let expected = expected_ids(&sim).len() as u64;
        assert_eq!(done["progress"]["total"].as_u64(), Some(expected), "{done}");
        assert_eq!(done["progress"]["done"].as_u64(), Some(expected), "{done}");
        assert_eq!(done["report"]["failed"], json!([]));

        let zip = owner
            .get(&app, done["download_url"].as_str().unwrap())
            .await;
        assert_eq!(zip.status(), StatusCode::OK);
        assert_eq!(zip.headers()["content-type"], "application/zip");
        let bytes = zip.bytes().await.unwrap();
        assert_eq!(Some(bytes.len() as u64), done["zip_bytes"].as_u64());
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.ends_with("/manifest.json")),
            "{names:?}"
        );
        let json_files = names.iter().filter(|n| n.contains("/json/")).count() as u64;
        assert_eq!(
            json_files, expected,
            "a raw object per page, row and database"
        );
        assert!(
            names
                .iter()
                .all(|n| !n.contains(".notion-graph-export") && !n.contains(".."))
        );

        let listed = json(owner.get(&app, &base).await).await;
        assert_eq!(listed[0]["id"], done["id"]);
        let stranger = sign_up(&app, "stranger").await;
        let theirs = stranger.get(&app, &location).await;
        assert_eq!(
            theirs.status(),
            StatusCode::NOT_FOUND,
            "another tenant sees nothing"
        );
        let unknown = owner.get(&app, &format!("{base}/01unknown")).await;
        assert_eq!(json(unknown).await["code"], "unknown_export");
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(
            metrics.contains("notion_graph_export_runs_total{outcome=\"completed\"} 1"),
            "{metrics}"
        );
        assert!(metrics.contains("notion_graph_export_pages_total{outcome=\"exported\"}"));
        app.stop().await;
        sim.stop().await;
    }
}

#[tokio::test]
async fn an_export_needs_a_plan_with_export_and_one_failing_every_attempt_ends_failed() {
    use notion_graph::modules::payments;
    use reqwest::{Method, StatusCode};
    use serde_json::json;

    use crate::accounts::sign_up;
    use crate::helpers::{Mode, json};
    use crate::workspaces::{app_for, connected, simulator};

    let sim = simulator(64, 20).await;
    let Some(app) = app_for(Mode::Embedded, &sim).await else {
        return;
    };
    let owner = sign_up(&app, "exporter").await;
    let workspace = connected(&app, &owner, &sim).await;
    let base = format!(
        "/api/v1/workspaces/{}/exports",
        workspace["id"].as_str().unwrap()
    );
    payments::service::set_plan(&app.state, &owner.email, "free")
        .await
        .unwrap();
    let refused = owner.send(&app, Method::POST, &base, &json!({})).await;
    assert_eq!(refused.status(), StatusCode::PAYMENT_REQUIRED);
    let problem = json(refused).await;
    assert_eq!(
        (
            &problem["code"],
            &problem["limit"],
            &problem["plan"],
            &problem["upgrade_to"]
        ),
        (
            &json!("plan_limit"),
            &json!("export"),
            &json!("free"),
            &json!("pro")
        ),
        "{problem}"
    );
    assert!(
        json(owner.get(&app, &base).await).await == json!([]),
        "nothing queued"
    );

    payments::service::set_plan(&app.state, &owner.email, "pro")
        .await
        .unwrap();
    // Every attempt fails: the exports folder cannot be created where a file stands.
    let exports = app.state.settings.storage.data_dir.join("exports");
    std::fs::write(&exports, b"in the way").unwrap();
    let queued = owner.send(&app, Method::POST, &base, &json!({})).await;
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let location = queued.headers()["location"].to_str().unwrap().to_owned();
    let done = eventually(Duration::from_secs(60), "the export to end", || async {
        let view = json(owner.get(&app, &location).await).await;
        (view["state"] == "completed" || view["state"] == "failed").then_some(view)
    })
    .await;
    assert_eq!(done["state"], "failed", "{done}");
    let error = done["error"].as_str().unwrap_or_default();
    assert!(error.contains("every attempt"), "{done}");
    let (dead, _) = notion_graph::jobs::list(&app.state, 10, None)
        .await
        .unwrap();
    assert!(
        dead.iter().any(|d| d.value.queue == "export"),
        "the job is a dead letter"
    );
    app.stop().await;
    sim.stop().await;
}
