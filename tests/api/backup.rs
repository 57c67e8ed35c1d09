//! `backup` and `restore`: the store to a file and back, document for document, between the two
//! backends in both directions, from a live instance through the binary, and never from a
//! damaged file; and the archive of expired history, through the commands.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use notion_graph::modules::collections;
use notion_graph::modules::ops::backup::{self, BackupError};
use notion_graph::modules::sync::connection::{self, Api, LOCAL_TENANT};
use notion_graph::modules::sync::run::{self, RunState};
use notion_graph::modules::sync::service;
use notion_graph::storage::archive;
use notion_graph::storage::{Cursor, Filter, Query, SqliteStore, Store};
use notion_sim::RunningSim;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use crate::graph::{imported, mongo_store, simulator, sqlite_store};
use crate::helpers::{Mode, TestApp, eventually, run_binary, spawn_app_with};

/// Every document of every collection, by (collection, id).
async fn everything(store: &Store) -> BTreeMap<(String, String), Map<String, Value>> {
    let mut all = BTreeMap::new();
    for collection in collections() {
        let mut after: Option<Cursor> = None;
        loop {
            let query = Query::new(Filter::all()).limit(1000).after(after);
            let page = store.find(collection, &query).await.unwrap();
            for doc in page.items {
                all.insert((collection.name.to_owned(), doc.id), doc.body);
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    all
}

/// The lines of a backup file, decompressed.
fn lines(file: &Path) -> Vec<String> {
    let mut text = String::new();
    zstd::Decoder::new(std::fs::File::open(file).unwrap())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text.lines().map(str::to_owned).collect()
}

fn write_lines(file: &Path, lines: &[String]) {
    let mut encoder = zstd::Encoder::new(std::fs::File::create(file).unwrap(), 3).unwrap();
    for line in lines {
        writeln!(encoder, "{line}").unwrap();
    }
    encoder.finish().unwrap();
}

#[tokio::test]
async fn a_backup_restores_into_the_other_backend_document_for_document_both_ways() {
    let Some(mongo) = mongo_store().await else {
        return;
    };
    let sqlite = sqlite_store().await;
    let _sim = imported(61, &sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let original = everything(&sqlite).await;

    let from_sqlite = dir.path().join("sqlite.backup");
    let written = backup::backup(&sqlite, &collections(), &from_sqlite)
        .await
        .unwrap();
    assert_eq!(written.documents, original.len() as u64);
    let loaded = backup::restore(&mongo, &collections(), &from_sqlite, false)
        .await
        .unwrap();
    assert_eq!(loaded, written);
    assert_eq!(everything(&mongo).await, original, "SQLite to MongoDB");

    let from_mongo = dir.path().join("mongo.backup");
    backup::backup(&mongo, &collections(), &from_mongo)
        .await
        .unwrap();
    let again = sqlite_store().await;
    backup::restore(&again, &collections(), &from_mongo, false)
        .await
        .unwrap();
    assert_eq!(everything(&again).await, original, "MongoDB to SQLite");
}

#[tokio::test]
async fn a_damaged_truncated_or_foreign_file_is_refused_and_restores_nothing() {
    let sqlite = sqlite_store().await;
    let _sim = imported(62, &sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.backup");
    backup::backup(&sqlite, &collections(), &good)
        .await
        .unwrap();
    let bytes = std::fs::read(&good).unwrap();

    let truncated = dir.path().join("truncated.backup");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let mut edited_lines = lines(&good);
    edited_lines[5] = edited_lines[5].replacen("\"id\":\"", "\"id\":\"x", 1);
    let edited = dir.path().join("edited.backup");
    write_lines(&edited, &edited_lines);
    let mut short_lines = lines(&good);
    short_lines.remove(short_lines.len() - 2);
    let short = dir.path().join("short.backup");
    write_lines(&short, &short_lines);
    let foreign = dir.path().join("notes.txt");
    std::fs::write(&foreign, "not a backup\n").unwrap();

    let target = sqlite_store().await;
    for (file, damaged) in [
        (&truncated, true),
        (&edited, true),
        (&short, true),
        (&foreign, false),
    ] {
        let refused = backup::restore(&target, &collections(), file, false).await;
        match refused {
            Err(BackupError::Damaged { .. }) if damaged => {}
            Err(BackupError::NotABackup(_)) if !damaged => {}
            other => panic!("{}: {other:?}", file.display()),
        }
        assert!(everything(&target).await.is_empty(), "{}", file.display());
    }
}

/// An embedded instance with a simulated workspace imported once, and the workspace's id.
async fn imported_app(seed: u64) -> Option<(RunningSim, TestApp, String)> {
    let sim = simulator(seed).await;
    let app = spawn_app_with(Mode::Embedded, |s| {
        (s.notion.api_url, s.notion.rate) = (sim.url.clone(), 500.0);
    })
    .await?;
    let token = SecretString::from(sim.token.clone());
    let id = service::connect_with_token(&app.state, LOCAL_TENANT, token, Api::Notion)
        .await
        .unwrap()
        .id;
    eventually(Duration::from_secs(60), "the first import", || async {
        let history = run::history(&app.state.store, &id, 10).await.unwrap();
        let done = history.iter().any(|r| r.state == RunState::Completed);
        done.then_some(())
    })
    .await;
    Some((sim, app, id))
}

/// The operator's path: `backup` on a running instance's data directory, `restore` into a new
/// one, where the connection's token is still sealed, and opens with the same keys.
#[tokio::test]
async fn the_commands_back_up_a_live_instance_and_restore_it_only_into_an_empty_store() {
    let Some((sim, app, id)) = imported_app(63).await else {
        return;
    };

    let live = app.state.settings.storage.data_dir.clone();
    let file = tempfile::tempdir().unwrap().keep().join("live.backup");
    let file_arg = file.to_str().unwrap();
    let wrote = run_binary(&live, &["backup", "--out", file_arg], "");
    assert!(wrote.status.success(), "{wrote:?}");
    assert!(String::from_utf8_lossy(&wrote.stdout).contains("documents"));
    let text = lines(&file).join("\n");
    assert!(text.contains(&id) && !text.contains(&sim.token), "sealed");

    let fresh = tempfile::tempdir().unwrap();
    let restored = run_binary(fresh.path(), &["restore", file_arg], "");
    assert!(restored.status.success(), "{restored:?}");
    let again = run_binary(fresh.path(), &["restore", file_arg], "");
    assert_eq!(again.status.code(), Some(1));
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(
        refusal.contains("not empty") && refusal.contains("--force"),
        "{refusal}"
    );
    let forced = run_binary(fresh.path(), &["restore", "--force", file_arg], "");
    assert!(forced.status.success(), "{forced:?}");

    let path = fresh.path().join("notion-graph.sqlite");
    let store: Store = std::sync::Arc::new(SqliteStore::open(&path).await.unwrap());
    let backed_up: usize = lines(&file).len() - 2;
    assert_eq!(everything(&store).await.len(), backed_up);
    let kept = connection::get(&store, &id)
        .await
        .unwrap()
        .expect("restored");
    let opened = kept.access_token(&app.state.keys).unwrap();
    assert_eq!(
        opened.expose_secret(),
        sim.token,
        "sealed, and opens with the keys"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expired_run_is_archived_then_listed_shown_and_restored_by_the_commands() {
    let Some((_sim, app, id)) = imported_app(64).await else {
        return;
    };
    let store = &app.state.store;
    let (runs, _) = run::runs(store)
        .find(&Query::new(Filter::all()))
        .await
        .unwrap();
    let finished = runs
        .into_iter()
        .find(|r| r.value.state == RunState::Completed)
        .unwrap();
    let expires = finished.value.expires_at.expect("a finished run expires");
    assert!(
        expires > finished.value.finished_at.unwrap(),
        "kept a while first"
    );

    let archived = archive::archive_expired(store, &run::RUNS, expires + 1)
        .await
        .unwrap();
    assert_eq!(archived, 1);
    assert!(run::history(store, &id, 10).await.unwrap().is_empty());

    // The commands run on the stopped instance's file: beside a live one, just after its
    // import, a write waited out SQLite's busy timeout once under load.
    let data = app.stop_keeping_data().await;
    let live = data.path();
    let listed = run_binary(live, &["archive", "list", "--collection", "sync_runs"], "");
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains("sync_runs") && listed.contains("1 documents"),
        "{listed}"
    );
    let archive_id = listed.split_whitespace().next().unwrap();
    let shown = run_binary(live, &["archive", "show", archive_id], "");
    let shown = String::from_utf8_lossy(&shown.stdout).to_string();
    let line: Value = serde_json::from_str(shown.trim()).unwrap();
    assert_eq!(line["id"], finished.id.as_str());
    assert_eq!(line["body"]["connection"], id.as_str());

    let restored = run_binary(live, &["archive", "restore", archive_id], "");
    assert!(restored.status.success(), "{restored:?}");
    let unknown = run_binary(live, &["archive", "show", archive_id], "");
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "the archive is gone once restored"
    );
    let file = live.join("notion-graph.sqlite");
    let store: Store = std::sync::Arc::new(SqliteStore::open(&file).await.unwrap());
    let history = run::history(&store, &id, 10).await.unwrap();
    assert_eq!(history.len(), 1, "the run is back for inspection");
}
