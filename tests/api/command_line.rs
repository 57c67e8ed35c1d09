//! The binary's command line: bad configuration exits 2 naming the key; the first log line says
//! where the server listens and in which mode.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::{Process, binary, free_port, run_binary};

fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_remove("MONGODB_URI")
        .env_remove("REDIS_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

#[test]
fn a_bad_setting_exits_2_and_names_its_key() {
    let output = run_with_env(&["serve"], &[("NOTION_GRAPH_PORT", "eighty")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`port`") && stderr.contains("NOTION_GRAPH_PORT"),
        "{stderr}"
    );
}

#[test]
fn a_missing_config_file_exits_2() {
    let output = run_with_env(&["--config", "/nonexistent/notion-graph.toml"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/notion-graph.toml"));
}

#[test]
fn an_unknown_flag_exits_2() {
    let output = run_with_env(&["serve", "--prot", "1"], &[]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_first_log_line_says_where_it_listens_and_the_mode() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(binary())
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "serve",
            "--port",
            &port.to_string(),
        ])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .env_remove("MONGODB_URI")
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let database = data.path().join("notion-graph.sqlite");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !database.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first.contains(&format!("http://127.0.0.1:{port}")),
        "{first}"
    );
    assert!(first.contains("embedded"), "{first}");
    assert!(
        database.exists(),
        "the embedded database lives in --data-dir"
    );
}

#[tokio::test]
async fn a_config_file_sets_values_and_flags_override_it() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("settings.toml");
    std::fs::write(&file, "admin_token = \"from-the-file\"\nport = 1\n").unwrap();
    let port = free_port();
    let child = Command::new(binary())
        .args([
            "--config",
            file.to_str().unwrap(),
            "--data-dir",
            data.path().to_str().unwrap(),
        ])
        .args(["serve", "--port", &port.to_string()])
        .env_remove("MONGODB_URI")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process {
        child,
        address: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    process.wait_ready(&client).await;
    let dead = client
        .get(format!("{}/api/admin/jobs/dead", process.address))
        .bearer_auth("from-the-file")
        .send()
        .await
        .unwrap();
    assert_eq!(dead.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn sync_imports_a_workspace_and_workspaces_lists_it() {
    let limit = notion_sim::RateLimit {
        per_second: 200.0,
        burst: 20,
    };
    let config = notion_sim::SimConfig {
        rate_limit: Some(limit),
        ..notion_sim::SimConfig::new(31, 150)
    };
    let sim = notion_sim::start(config, "127.0.0.1:0").await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let run_with = |args: Vec<String>, env: Vec<(&str, String)>| {
        let mut command = Command::new(binary());
        command
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .envs(env)
            .env_remove("MONGODB_URI")
            .env_remove("REDIS_URL");
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let run = |args: Vec<String>| run_with(args, Vec::new());
    let url = sim.url.clone();
    let sync = run(vec![
        "sync".into(),
        "--token".into(),
        sim.token.clone(),
        "--notion-url".into(),
        url.clone(),
        "--rate".into(),
        "200".into(),
    ]);
    let synced = sync.await.unwrap();
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let summary = String::from_utf8_lossy(&synced.stdout);
    assert!(
        summary.contains("pages and databases") && summary.contains("links"),
        "{summary}"
    );
    let listed = run(vec!["workspaces".into()]).await.unwrap();
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success() && listing.contains("last sync 20"),
        "{listing}"
    );
    let links = |text: &str, after: &str| {
        let (counted, _) = text.split_once(" links").expect("a link count");
        counted.rsplit(after).next().unwrap().trim().to_owned()
    };
    assert_eq!(
        links(&summary, "read,"),
        links(&listing, "databases"),
        "the summary and the listing agree: {summary} / {listing}"
    );

    // The settings name the same Notion as the flags did: an incremental sync, and a token
    // the simulator (not api.notion.com) refuses.
    let notion = || {
        vec![
            ("NOTION_GRAPH_NOTION_API_URL", url.clone()),
            ("NOTION_GRAPH_NOTION_RATE", "200".to_owned()),
        ]
    };
    let again = run_with(
        vec!["sync".into(), "--token".into(), sim.token.clone()],
        notion(),
    )
    .await
    .unwrap();
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success() && summary.contains("Incremental sync done"),
        "{summary} {}",
        String::from_utf8_lossy(&again.stderr)
    );
    let refused = run_with(
        vec!["sync".into(), "--token".into(), "ntn_not_a_token".into()],
        notion(),
    )
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("API token is invalid"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    sim.stop().await;
}

/// A command opened beside a running instance writes nothing to the embedded file on start, so
/// an instance in the middle of a write never makes it wait on the lock (apalis's own setup
/// used to run `PRAGMA optimize` and stall such a command for the whole busy timeout).
#[tokio::test]
async fn a_command_starts_while_another_process_holds_the_write_lock() {
    use sqlx::Connection;
    let data = tempfile::tempdir().unwrap();
    let first = run_binary(data.path(), &["workspaces"], "");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let file = data.path().join("notion-graph.sqlite");
    let mut writer = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .await
        .unwrap();
    let path = data.path().to_owned();
    let listed = tokio::task::spawn_blocking(move || run_binary(&path, &["workspaces"], ""))
        .await
        .unwrap();
    sqlx::query("ROLLBACK").execute(&mut writer).await.unwrap();
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(listed.status.success(), "{stderr}");
    assert!(!stderr.contains("locked"), "{stderr}");
}
