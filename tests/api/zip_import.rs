//! Import of a Notion export zip (issue 15 items 8 and 9) through the running app: an upload
//! becomes a workspace that says where it came from and gets its graph; hostile and wrong
//! uploads are refused with what was wrong and leave nothing behind; `import-zip` does the
//! same from the command line; and the round trip: a simulated workspace imported from the
//! API, exported, laid out as Notion's own export and imported from the zip, has the same
//! pages and reference links, and connecting a token to it syncs the same graph over it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Duration;

use notion_graph::modules::notion::links::LinkKind;
use notion_graph::modules::sync::{self, Edge, Entity};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, eventually, json, run_binary, spawn_app_with};

pub const A: &str = "a0000000000000000000000000000001";
pub const B: &str = "b0000000000000000000000000000002";
pub const C: &str = "c0000000000000000000000000000003";

pub fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(name.as_str(), SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A small "Markdown & CSV" export: Home with a child and a mention of Notes, each with some
/// text of its own.
pub fn small_export() -> Vec<u8> {
    zip_of(&[
        (
            format!("Export-x/Home {A}.md"),
            format!(
                "# Home\n\nThe **start** of everything.\n\n[Notes](Notes%20{B}.md)\n\n[Child](Home/Child%20{C}.md)\n"
            )
            .into(),
        ),
        (
            format!("Export-x/Home/Child {C}.md"),
            format!("# Child\n\n- Buy milk\n- [x] Call the bank\n\n[Home](../Home%20{A}.md)\n").into(),
        ),
        (
            format!("Export-x/Notes {B}.md"),
            b"# Notes\n\nMeeting notes: ship v2 on Friday.\n".to_vec(),
        ),
    ])
}

/// Every file of a zip by its path, as text.
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            (name, text)
        })
        .collect()
}

/// The text of the one file whose path ends with `suffix`.
fn file_ending<'a>(files: &'a BTreeMap<String, String>, suffix: &str) -> &'a str {
    let found: Vec<_> = files
        .iter()
        .filter(|(name, _)| name.ends_with(suffix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one file ending {suffix} in {:?}",
        files.keys()
    );
    found[0].1
}

/// A `multipart/form-data` body: `fields`, then `file`.
fn form(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----notion-graph-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.zip\"\r\nContent-Type: application/zip\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(
    app: &TestApp,
    user: &TestUser,
    name: Option<&str>,
    zip: &[u8],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = name.map(|n| ("name", n)).into_iter().collect();
    let (content_type, body) = form(&fields, zip);
    user.request(app, Method::POST, "/api/v1/workspaces/import-zip")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn uploads_left(app: &TestApp) -> usize {
    let dir = app.state.settings.storage.data_dir.join("uploads");
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[tokio::test]
async fn an_uploaded_notion_export_becomes_a_workspace_with_its_graph() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app_with(mode, |_| {}).await else {
            continue;
        };
        let user = sign_up(&app, "zipper").await;
        let created = upload(&app, &user, Some("My export"), &small_export()).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let view = json(created).await;
        assert_eq!(
            (&view["name"], &view["source"], &view["connected_with"]),
            (&json!("My export"), &json!("zip"), &json!("zip")),
            "{view}"
        );
        assert_eq!(
            (view["pages"].as_u64(), view["links"].as_u64()),
            (Some(3), Some(3))
        );
        assert_eq!(view["paused"], true, "a zip is never synced: {view}");
        let id = view["id"].as_str().unwrap().to_owned();
        let listed = json(user.get(&app, "/api/v1/workspaces").await).await;
        assert_eq!(listed[0]["source"], "zip");
        let graph = eventually(Duration::from_secs(60), "the graph", || async {
            let response = user
                .get(&app, &format!("/api/v1/workspaces/{id}/graph"))
                .await;
            (response.status() == StatusCode::OK).then_some(response)
        })
        .await;
        let graph = json(graph).await;
        assert_eq!(graph["nodes"].as_array().map(Vec::len), Some(3), "{graph}");
        assert_eq!(uploads_left(&app), 0, "the upload is removed once imported");
        app.stop().await;
    }
}

async fn assert_refused(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let problem = json(response).await;
    assert_eq!(problem["code"], code, "{problem}");
    problem
}

#[tokio::test]
async fn hostile_and_wrong_uploads_are_refused_and_leave_nothing() {
    let Some(app) = spawn_app_with(Mode::Embedded, |s| {
        s.export.zip_expanded_megabytes = 1;
        s.billing.plans[0].zip_upload_megabytes = 1;
    })
    .await
    else {
        return;
    };
    let user = sign_up(&app, "hostile").await;
    let traversal = zip_of(&[(format!("../../evil {A}.md"), b"# Evil".to_vec())]);
    let problem = assert_refused(
        upload(&app, &user, None, &traversal).await,
        StatusCode::BAD_REQUEST,
        "unsafe_zip",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("outside"),
        "{problem}"
    );
    let bomb = zip_of(&[(format!("Bomb {A}.md"), vec![b'a'; 4 << 20])]);
    let problem = assert_refused(
        upload(&app, &user, None, &bomb).await,
        StatusCode::BAD_REQUEST,
        "unsafe_zip",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("zip bomb"),
        "{problem}"
    );
    assert_refused(
        upload(&app, &user, None, b"%PDF-1.7 not a zip").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "not_a_zip",
    )
    .await;
    let empty = zip_of(&[("readme.txt".into(), b"hello".to_vec())]);
    assert_refused(
        upload(&app, &user, None, &empty).await,
        StatusCode::BAD_REQUEST,
        "invalid_zip",
    )
    .await;
    let not_a_form = user
        .send(
            &app,
            Method::POST,
            "/api/v1/workspaces/import-zip",
            &json!({}),
        )
        .await;
    assert_refused(
        not_a_form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let (content_type, body) = form(&[("name", "x")], b"");
    let no_file = String::from_utf8(body)
        .unwrap()
        .replace("name=\"file\"", "name=\"other\"");
    let no_file = user
        .request(&app, Method::POST, "/api/v1/workspaces/import-zip")
        .header("content-type", content_type)
        .body(no_file)
        .send()
        .await
        .unwrap();
    let problem = assert_refused(no_file, StatusCode::BAD_REQUEST, "invalid_value").await;
    assert_eq!(problem["field"], "file");

    // The free plan takes zips of 1 MB here: a larger one is cut off and names the plan.
    notion_graph::modules::payments::service::set_plan(&app.state, &user.email, "free")
        .await
        .unwrap();
    let large: Vec<u8> = (0..(3u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let problem = assert_refused(
        upload(&app, &user, None, &large).await,
        StatusCode::PAYMENT_REQUIRED,
        "plan_limit",
    )
    .await;
    assert_eq!(
        (&problem["limit"], &problem["plan"], &problem["upgrade_to"]),
        (
            &json!("zip_upload_megabytes"),
            &json!("free"),
            &json!("pro")
        ),
        "{problem}"
    );
    assert_eq!(
        json(user.get(&app, "/api/v1/workspaces").await).await,
        json!([])
    );
    assert_eq!(uploads_left(&app), 0, "refused uploads are removed");
    app.stop().await;
}

#[tokio::test]
async fn import_zip_on_the_command_line_imports_and_refuses_with_exit_status_2() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("export.zip");
    std::fs::write(&file, small_export()).unwrap();
    let path = file.to_str().unwrap();
    let done = run_binary(
        data.path(),
        &["import-zip", path, "--name", "From the shell"],
        "",
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(
        out.contains("From the shell: 3 pages, rows and databases, 3 links"),
        "{out}"
    );
    let listed = run_binary(data.path(), &["workspaces"], "");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("(from a Notion export zip)"), "{listed}");
    // Another instance: this one's free plan has room for no second workspace.
    let other = tempfile::tempdir().unwrap();
    let bad = other.path().join("bad.zip");
    std::fs::write(&bad, zip_of(&[(format!("../x {A}.md"), b"# x".to_vec())])).unwrap();
    let refused = run_binary(other.path(), &["import-zip", bad.to_str().unwrap()], "");
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("outside itself"), "{err}");
    let missing = run_binary(other.path(), &["import-zip", "/nonexistent.zip"], "");
    assert_eq!(missing.status.code(), Some(2));
}

/// The shared pages of a stored workspace by id, with their titles.
pub async fn stored(app: &TestApp, connection: &str) -> (BTreeMap<String, Entity>, Vec<Edge>) {
    let mut entities = BTreeMap::new();
    sync::service::for_each_entity(&app.state.store, connection, |e| {
        entities.insert(e.notion_id.clone(), e);
    })
    .await
    .unwrap();
    let mut edges = Vec::new();
    sync::service::for_each_edge(&app.state.store, connection, |e| edges.push(e))
        .await
        .unwrap();
    (entities, edges)
}

/// (source, target) of the links that are references, not structure.
pub fn references(edges: &[Edge]) -> BTreeSet<(String, String)> {
    edges
        .iter()
        .filter(|e| !e.kind.is_hierarchy() && e.kind != LinkKind::SyncedBlock)
        .map(|e| (e.source.clone(), e.target.clone()))
        .collect()
}

/// What the round trip reads of one exported Markdown file.
struct Exported {
    id: String,
    title: String,
    parent: Option<String>,
    database: bool,
    /// (kind, target id) from the front matter's `links:`.
    links: Vec<(String, String)>,
}

fn read_exported(zip_bytes: &[u8]) -> BTreeMap<String, Exported> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.to_vec())).unwrap();
    let mut docs = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        if !name.ends_with(".md") || name.contains("/json/") {
            continue;
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        let yaml = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(yaml, _)| yaml)
            .expect("front matter");
        let matter: serde_norway::Value = serde_norway::from_str(yaml).unwrap();
        let links = matter["links"]
            .as_sequence()
            .map(|links| {
                links
                    .iter()
                    .map(|l| {
                        (
                            l["kind"].as_str().unwrap().to_owned(),
                            l["id"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let id = matter["id"].as_str().unwrap().to_owned();
        docs.insert(
            id.clone(),
            Exported {
                id,
                title: matter["title"].as_str().unwrap_or_default().to_owned(),
                parent: matter["parent"]["id"].as_str().map(str::to_owned),
                database: name.ends_with("/_database.md"),
                links,
            },
        );
    }
    docs
}

/// `Title <hex>` as Notion names a file or folder (characters no file system takes dropped,
/// long titles cut).
fn notion_name(doc: &Exported) -> String {
    let safe: String = doc
        .title
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(50)
        .collect();
    format!("{} {}", safe.trim(), doc.id.replace('-', ""))
}

/// Where Notion's export puts `id`: its ancestors' folders, then its file.
fn notion_path(docs: &BTreeMap<String, Exported>, id: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut at = docs.get(id);
    while let Some(doc) = at {
        chain.push(notion_name(doc));
        at = doc.parent.as_deref().and_then(|p| docs.get(p));
    }
    chain.reverse();
    let doc = &docs[id];
    let last = chain.len() - 1;
    chain[last] = format!(
        "{}.{}",
        chain[last],
        if doc.database { "csv" } else { "md" }
    );
    chain
}

/// `to` relative to the folder of `from`, percent-encoded as Notion writes links.
fn relative(from: &[String], to: &[String]) -> String {
    let dir = &from[..from.len() - 1];
    let common = dir.iter().zip(to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); dir.len() - common];
    parts.extend(to[common..].iter().cloned());
    parts.join("/").replace(' ', "%20")
}

/// The export's pages laid out as Notion's "Markdown & CSV" export: `Title <hex>.md` in the
/// folders of their ancestors, a CSV per database with its rows in its folder, relations as
/// `Name: Title (link)` property lines, every other link (children included) as a Markdown
/// link in the body, links to pages the export does not hold as Notion URLs. Zipped, and
/// that zip inside another, as Notion delivers a large export.
fn as_notion_export(docs: &BTreeMap<String, Exported>) -> Vec<u8> {
    let mut files = Vec::new();
    for doc in docs.values() {
        let path = notion_path(docs, &doc.id);
        let href = |target: &str| match docs.get(target) {
            Some(_) => relative(&path, &notion_path(docs, target)),
            None => format!("https://www.notion.so/{}", target.replace('-', "")),
        };
        let text = if doc.database {
            "Name\n".to_owned()
        } else {
            let in_database = doc
                .parent
                .as_deref()
                .and_then(|p| docs.get(p))
                .is_some_and(|p| p.database);
            let mut text = format!("# {}\n\n", doc.title);
            for (kind, target) in doc
                .links
                .iter()
                .filter(|(k, _)| k == "relation" && in_database)
            {
                text.push_str(&format!("Related ({kind}): Target ({})\n", href(target)));
            }
            text.push('\n');
            // Children are linked once each, below, as Notion links a child page's block.
            let structure = ["child_page", "child_database", "data_source_row"];
            for (kind, target) in &doc.links {
                if structure.contains(&kind.as_str()) {
                    continue;
                }
                if kind != "relation" || !in_database {
                    text.push_str(&format!("A [{kind}]({}) link.\n\n", href(target)));
                }
            }
            for child in docs
                .values()
                .filter(|c| c.parent.as_deref() == Some(&doc.id))
            {
                text.push_str(&format!("[{}]({})\n\n", child.title, href(&child.id)));
            }
            text
        };
        files.push((format!("Export-rt/{}", path.join("/")), text.into_bytes()));
    }
    zip_of(&[("Export-rt-Part-1.zip".into(), zip_of(&files))])
}

#[tokio::test]
async fn a_workspace_exported_and_imported_from_its_zip_has_the_api_imports_pages_and_links() {
    use crate::workspaces::{connected, simulator};

    let sim = simulator(66, 150).await;
    let url = sim.url.clone();
    // No wait before the graph builds that follow each import: the test stops right after.
    let Some(app) = spawn_app_with(Mode::Embedded, move |s| {
        s.notion.api_url = url;
        s.notion.rate = 200.0;
        s.graph.build_debounce_ms = 0;
    })
    .await
    else {
        return;
    };
    let owner = sign_up(&app, "roundtrip").await;
    let api = connected(&app, &owner, &sim).await;
    let api_id = api["id"].as_str().unwrap().to_owned();
    let (api_entities, api_edges) = stored(&app, &api_id).await;

    let base = format!("/api/v1/workspaces/{api_id}/exports");
    let queued = json(owner.send(&app, Method::POST, &base, &json!({})).await).await;
    let location = format!("{base}/{}", queued["id"].as_str().unwrap());
    let done = eventually(Duration::from_secs(120), "the export", || async {
        let view = json(owner.get(&app, &location).await).await;
        (view["state"] == "completed").then_some(view)
    })
    .await;
    let exported = owner
        .get(&app, done["download_url"].as_str().unwrap())
        .await;
    let docs = read_exported(&exported.bytes().await.unwrap());
    let notion_zip = as_notion_export(&docs);
    let created = upload(&app, &owner, Some("Round trip"), &notion_zip).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let zip_id = json(created).await["id"].as_str().unwrap().to_owned();
    let (zip_entities, zip_edges) = stored(&app, &zip_id).await;

    let pages = |entities: &BTreeMap<String, Entity>| -> BTreeSet<(String, String)> {
        entities
            .values()
            .filter(|e| e.shared && !e.in_trash && e.kind != sync::EntityKind::DataSource)
            .map(|e| (e.notion_id.clone(), e.title.clone()))
            .collect()
    };
    assert_eq!(
        pages(&zip_entities),
        pages(&api_entities),
        "pages and titles"
    );
    // The API stores a page inside a toggle or column under that block; the export (and so
    // the zip) under the page holding it.
    for doc in docs.values() {
        assert_eq!(
            zip_entities[&doc.id].parent, doc.parent,
            "{}'s parent",
            doc.id
        );
    }
    let exported_ids: BTreeSet<&String> = docs.keys().collect();
    // A mention of a data source: the export (like Notion's) has no data sources, only their
    // databases.
    let database_of = |id: &String| {
        api_entities
            .get(id)
            .filter(|e| e.kind == sync::EntityKind::DataSource)
            .and_then(|e| e.parent.clone())
    };
    let api_references: BTreeSet<_> = references(&api_edges)
        .into_iter()
        .filter(|(source, target)| exported_ids.contains(source) && database_of(target).is_none())
        .collect();
    let zip_references = references(&zip_edges);
    let missing: Vec<_> = api_references
        .difference(&zip_references)
        .map(|(source, target)| {
            let kinds: Vec<_> = api_edges
                .iter()
                .filter(|e| &e.source == source && &e.target == target)
                .map(|e| e.kind)
                .collect();
            let exported = docs[source].links.iter().find(|(_, id)| id == target);
            let target = api_entities
                .get(target)
                .map(|e| (e.kind, e.shared, e.in_trash, e.parent.clone()));
            (source, kinds, target, exported)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} reference links; missing from the zip's: {missing:?}",
        api_references.len()
    );
    // What the format cannot carry: a synced block is exported as its content, so the page
    // holding a reference links to its original's page and to what the original links to;
    // a data source's mention may become one of its database.
    let mut synced: BTreeSet<(String, String)> = references(&api_edges)
        .into_iter()
        .filter_map(|(source, target)| Some((source, database_of(&target)?)))
        .collect();
    for reference in api_edges.iter().filter(|e| e.kind == LinkKind::SyncedBlock) {
        synced.insert((reference.source.clone(), reference.target.clone()));
        for (_, target) in api_references
            .iter()
            .filter(|(s, _)| *s == reference.target)
        {
            synced.insert((reference.source.clone(), target.clone()));
        }
    }
    let extra: Vec<_> = zip_references
        .difference(&api_references)
        .filter(|pair| !synced.contains(*pair))
        .collect();
    assert!(
        extra.is_empty(),
        "links the API import does not have: {extra:?}"
    );
    assert!(
        api_references.len() > 100,
        "{} links compared",
        api_references.len()
    );

    // Connected by token, the zip's workspace syncs into the API import's graph.
    let gone = owner
        .send(
            &app,
            Method::DELETE,
            &format!("/api/v1/workspaces/{api_id}"),
            &json!(null),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let attached = owner
        .send(
            &app,
            Method::POST,
            &format!("/api/v1/workspaces/{zip_id}/token"),
            &json!({ "token": sim.token }),
        )
        .await;
    assert_eq!(attached.status(), StatusCode::ACCEPTED);
    let attached = json(attached).await;
    assert_eq!(
        (&attached["source"], &attached["connected_with"]),
        (&json!("api"), &json!("token"))
    );
    eventually(
        Duration::from_secs(120),
        "the sync over the zip",
        || async {
            let runs = json(
                owner
                    .get(&app, &format!("/api/v1/workspaces/{zip_id}/syncs"))
                    .await,
            )
            .await;
            (runs[0]["state"] == "completed").then_some(())
        },
    )
    .await;
    let (synced_entities, synced_edges) = stored(&app, &zip_id).await;
    assert_eq!(pages(&synced_entities), pages(&api_entities));
    let typed = |edges: &[Edge]| -> BTreeSet<(String, String, LinkKind)> {
        edges
            .iter()
            .map(|e| (e.source.clone(), e.target.clone(), e.kind))
            .collect()
    };
    assert_eq!(
        typed(&synced_edges),
        typed(&api_edges),
        "the API's links, kinds and all"
    );
    app.stop().await;
    sim.stop().await;
}

/// A browser that does not follow redirects, with `user`'s session cookie.
fn page_request(
    app: &TestApp,
    user: &TestUser,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .request(method, app.url(path))
        .header("accept", "text/html")
        .header("cookie", format!("__Host-ng_session={}", user.cookie))
}

async fn upload_page(app: &TestApp, user: &TestUser, csrf: &str, zip: &[u8]) -> reqwest::Response {
    let (content_type, body) = form(&[("csrf_token", csrf), ("name", "From the page")], zip);
    page_request(app, user, Method::POST, "/workspaces/new/zip")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_dashboard_imports_a_zip_and_exports_a_workspace_with_plain_forms() {
    let Some(app) = spawn_app_with(Mode::Embedded, |_| {}).await else {
        return;
    };
    let user = sign_up(&app, "pages").await;
    let new = page_request(&app, &user, Method::GET, "/workspaces/new")
        .send()
        .await
        .unwrap();
    let new = new.text().await.unwrap();
    assert!(new.contains("Import a Notion export (.zip)"), "{new}");
    assert!(new.contains("action=\"/workspaces/new/zip\" enctype=\"multipart/form-data\""));

    let forged = upload_page(&app, &user, "not-the-token", &small_export()).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let hostile = zip_of(&[(format!("../evil {A}.md"), b"# x".to_vec())]);
    let refused = upload_page(&app, &user, &user.csrf, &hostile).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("outside itself"));
    assert_eq!(
        json(user.get(&app, "/api/v1/workspaces").await).await,
        json!([])
    );

    let imported = upload_page(&app, &user, &user.csrf, &small_export()).await;
    assert_eq!(imported.status(), StatusCode::SEE_OTHER);
    let to = imported.headers()["location"].to_str().unwrap().to_owned();
    let workspace = page_request(&app, &user, Method::GET, &to)
        .send()
        .await
        .unwrap();
    let workspace = workspace.text().await.unwrap();
    assert!(
        workspace.contains("Imported from a Notion export"),
        "{workspace}"
    );
    assert!(workspace.contains("From the page"));

    let export = page_request(&app, &user, Method::POST, &format!("{to}/exports"))
        .form(&[("csrf_token", user.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        export.headers()["location"],
        format!("{to}#exports").as_str()
    );
    let link = eventually(
        Duration::from_secs(60),
        "the export on the page",
        || async {
            let text = page_request(&app, &user, Method::GET, &to)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let at = text.find("/download\" download>Download zip")?;
            let start = text[..at].rfind("href=\"")? + "href=\"".len();
            Some(format!("{}/download", &text[start..at]))
        },
    )
    .await;
    let zip = user.get(&app, &link).await;
    assert_eq!(zip.status(), StatusCode::OK);
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let files = unzip(&zip.bytes().await.unwrap());

    // Every page's Markdown holds its text, its links rewritten to the exported files.
    let home = file_ending(&files, "/Home.md");
    assert!(home.contains("\nThe **start** of everything.\n"), "{home}");
    assert!(home.contains("\n[Notes](Notes.md)\n"), "{home}");
    assert!(home.contains("\n[Child](Home/Child.md)\n"), "{home}");
    let child = file_ending(&files, "/Child.md");
    assert!(
        child.contains("- Buy milk\n- [x] Call the bank\n"),
        "{child}"
    );
    let notes = file_ending(&files, "/Notes.md");
    assert!(
        notes.contains("\nMeeting notes: ship v2 on Friday.\n"),
        "{notes}"
    );
    // And its JSON, which says it came from the zip.
    for id in [A, B, C] {
        let id = notion_graph::modules::notion::ids::normalize(id).unwrap();
        let content: Value =
            serde_json::from_str(file_ending(&files, &format!("/json/{id}.json"))).unwrap();
        assert_eq!(content["origin"], "notion_export_zip", "{content}");
    }
    let manifest: Value = serde_json::from_str(file_ending(&files, "manifest.json")).unwrap();
    assert_eq!(manifest["report"]["failed"], json!([]), "{manifest}");
    assert_eq!(manifest["report"]["pages"], 3, "{manifest}");
    app.stop().await;
}

#[tokio::test]
async fn an_export_in_which_every_page_failed_ends_failed_and_names_the_pages() {
    use notion_graph::modules::sync::zip::contents::CONTENTS;
    use notion_graph::storage::{Filter, delete_matching};

    let Some(app) = spawn_app_with(Mode::Embedded, |_| {}).await else {
        return;
    };
    let user = sign_up(&app, "all-failed").await;
    let created = json(upload(&app, &user, Some("Lost"), &small_export()).await).await;
    let workspace = created["id"].as_str().unwrap().to_owned();
    // A zip workspace whose stored contents are gone: no page can be exported.
    let mine = Filter::all().eq("connection", workspace.as_str());
    delete_matching(&app.state.store, &CONTENTS, &mine)
        .await
        .unwrap();

    let exports = format!("/api/v1/workspaces/{workspace}/exports");
    let asked = user.send(&app, Method::POST, &exports, &json!({})).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let export_id = json(asked).await["id"].as_str().unwrap().to_owned();
    let export = eventually(Duration::from_secs(60), "the export to end", || async {
        let view = json(user.get(&app, &format!("{exports}/{export_id}")).await).await;
        matches!(view["state"].as_str(), Some("failed" | "completed")).then_some(view)
    })
    .await;

    assert_eq!(export["state"], "failed", "{export}");
    let error = export["error"].as_str().unwrap();
    assert!(error.starts_with("3 of 3 pages failed: "), "{error}");
    for title in ["Home", "Child", "Notes"] {
        assert!(error.contains(title), "{error}");
    }
    assert!(
        error.contains("held no file with this page's content"),
        "{error}"
    );
    assert_eq!(
        export["report"]["failed"].as_array().map(Vec::len),
        Some(3),
        "{export}"
    );
    assert_eq!(export["download_url"], Value::Null);
    let download = user
        .get(&app, &format!("{exports}/{export_id}/download"))
        .await;
    assert_eq!(download.status(), StatusCode::CONFLICT);

    let page = page_request(
        &app,
        &user,
        Method::GET,
        &format!("/workspaces/{workspace}"),
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(page.contains("0 of 3 pages, 3 failed"), "{page}");
    app.stop().await;
}
