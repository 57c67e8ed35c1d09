//! Logs never contain tokens, passwords, session ids or page contents (security.md 27).
//!
//! The binary runs as its own process with every log level on (`RUST_LOG=debug`), and a user
//! does everything that handles a secret: signs up, fails a login, verifies the email from the
//! link in the mail (a page whose URL carries the token), resets the password, creates an API
//! key and uses it, connects a Notion workspace by token (whose import reads every page's
//! text), and opens a share link (whose token is in the path). Then everything the process
//! wrote is searched for each of those secrets and for the pages' text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notion_sim::model::{BlockKind, Span};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, link_token, mail_in};
use crate::helpers::{ADMIN_TOKEN, Mode, Process, TEST_KEYS, eventually, json, service, unique};
use crate::workspaces::simulator;

const WRONG_PASSWORD: &str = "not the right passphrase at all";
const NEW_PASSWORD: &str = "a brand new passphrase for later";

/// A browser's session against the process: its cookie and CSRF token.
struct Session {
    client: Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Session {
    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("__Host-ng_session={}", self.cookie))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("__Host-ng_session={}", self.cookie))
            .send()
            .await
            .unwrap();
        json(response).await
    }
}

/// Every sentence of body text in the simulated workspace.
fn page_texts(sim: &notion_sim::RunningSim) -> Vec<String> {
    sim.with_workspace(|workspace| {
        workspace
            .blocks
            .iter()
            .filter_map(|block| match &block.kind {
                BlockKind::Text(_, spans) => Some(spans),
                _ => None,
            })
            .flatten()
            .filter_map(|span| match span {
                Span::Lorem(seed) => Some(notion_sim::text::lorem(*seed)),
                _ => None,
            })
            .filter(|text| text.len() >= 24)
            .collect()
    })
}

/// The process's environment in `mode` (its own database and prefix in production) and the
/// folder its mail arrives in, or `None` when the mode's services are not running.
fn environment(
    mode: Mode,
    sim: &notion_sim::RunningSim,
    data: &Path,
) -> Option<(Vec<(String, String)>, PathBuf)> {
    let mut env = vec![
        ("RUST_LOG".to_owned(), "debug".to_owned()),
        ("NOTION_GRAPH_NOTION_API_URL".to_owned(), sim.url.clone()),
        ("NOTION_GRAPH_NOTION_RATE".to_owned(), "200".to_owned()),
    ];
    if mode == Mode::Embedded {
        return Some((env, data.join("outbox")));
    }
    env.extend([
        ("MONGODB_URI".to_owned(), service("TEST_MONGODB_URI")?),
        ("REDIS_URL".to_owned(), service("TEST_REDIS_URL")?),
        (
            "NOTION_GRAPH_SMTP_URL".to_owned(),
            service("TEST_SMTP_URL")?,
        ),
        ("NOTION_GRAPH_MONGODB_DATABASE".to_owned(), unique("t")),
        ("NOTION_GRAPH_REDIS_PREFIX".to_owned(), unique("t")),
    ]);
    let maildir = PathBuf::from(service("TEST_SMTP_MAILDIR")?).join("new");
    Some((env, maildir))
}

#[tokio::test]
async fn logs_hold_no_token_password_session_id_or_page_text() {
    for mode in Mode::ALL {
        let sim = simulator(27, 30).await;
        let data = tempfile::tempdir().unwrap();
        let Some((env, outbox)) = environment(mode, &sim, data.path()) else {
            return;
        };
        let log = data.path().join("notion-graph.log");
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let process = Process::serve_logging_to(data.path(), &env, &log);
        let secrets = act_with_every_secret(&process, &sim, outbox).await;
        stop(process).await;
        assert_no_secret_in(&std::fs::read_to_string(&log).unwrap(), &secrets, &sim);
    }
}

/// Signs up and does everything that handles a secret; returns each secret with its name.
async fn act_with_every_secret(
    process: &Process,
    sim: &notion_sim::RunningSim,
    outbox: PathBuf,
) -> Vec<(&'static str, String)> {
    let client = Client::new();
    process.wait_ready(&client).await;
    let base = process.address.clone();
    let email = format!("logs-{}@example.com", uuid::Uuid::new_v4().simple());
    let mut secrets: Vec<(&'static str, String)> = vec![
        ("password", PASSWORD.to_owned()),
        ("wrong password", WRONG_PASSWORD.to_owned()),
        ("new password", NEW_PASSWORD.to_owned()),
        ("Notion token", sim.token.clone()),
        ("admin token", ADMIN_TOKEN.to_owned()),
        (
            "encryption key",
            TEST_KEYS.split(':').nth(1).unwrap().to_owned(),
        ),
    ];

    let signup = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let first_cookie = crate::accounts::session_cookie(&signup).unwrap().0;
    secrets.push(("first session id", first_cookie));
    let failed = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": WRONG_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);

    let verification =
        link_token(&mail_in(outbox.clone(), &email, "Confirm your email address").await);
    let page = client
        .get(format!("{base}/verify-email?token={verification}"))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    let verified = client
        .post(format!("{base}/api/v1/auth/verify-email"))
        .json(&json!({ "token": verification }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::OK);
    secrets.push(("verification token", verification));

    let reset = client
        .post(format!("{base}/api/v1/auth/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::ACCEPTED);
    let reset_token = link_token(&mail_in(outbox, &email, "Reset your password").await);
    let confirmed = client
        .post(format!("{base}/api/v1/auth/password-reset/confirm"))
        .json(&json!({ "token": reset_token, "password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    secrets.push(("reset token", reset_token));

    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = crate::accounts::session_cookie(&login).unwrap().0;
    let csrf = json(login).await["csrf_token"].as_str().unwrap().to_owned();
    secrets.push(("session id", cookie.clone()));
    secrets.push(("CSRF token", csrf.clone()));
    let session = Session {
        client: client.clone(),
        base: base.clone(),
        cookie,
        csrf,
    };

    let key = session
        .post(
            "/api/v1/api-keys",
            json!({ "name": "ci", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(key.status(), StatusCode::CREATED);
    let key = json(key).await["secret"].as_str().unwrap().to_owned();
    let by_key = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.status(), StatusCode::OK);
    secrets.push(("API key", key));

    let connected = session
        .post("/api/v1/workspaces", json!({ "token": sim.token }))
        .await;
    assert_eq!(connected.status(), StatusCode::CREATED);
    let workspace = json(connected).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/workspaces/{workspace}");
    eventually(Duration::from_secs(120), "the first import", || async {
        session.get(&path).await["last_sync_at"].as_str().map(drop)
    })
    .await;
    let share = session
        .post(
            &format!("{path}/shares"),
            json!({ "name": "Logged", "preset": { "view": "summary" } }),
        )
        .await;
    assert_eq!(share.status(), StatusCode::CREATED);
    let url = json(share).await["url"].as_str().unwrap().to_owned();
    let share_token = url.rsplit('/').next().unwrap().to_owned();
    let embed = client
        .get(format!("{base}/embed/{share_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(embed.status(), StatusCode::OK);
    secrets.push(("share token", share_token));

    secrets
}

async fn stop(mut process: Process) {
    process.signal("TERM");
    eventually(Duration::from_secs(30), "the process to stop", || {
        let ended = process.child.try_wait().unwrap().is_some();
        async move { ended.then_some(()) }
    })
    .await;
}

fn assert_no_secret_in(log: &str, secrets: &[(&str, String)], sim: &notion_sim::RunningSim) {
    assert!(
        log.lines().count() > 20 && log.contains("DEBUG"),
        "the process logged at debug level:\n{log}"
    );
    for (what, secret) in secrets {
        assert!(!log.contains(secret.as_str()), "the log holds the {what}");
    }
    let texts = page_texts(sim);
    assert!(texts.len() > 10, "the workspace has body text");
    let leaked: Vec<&String> = texts.iter().filter(|t| log.contains(t.as_str())).collect();
    assert!(leaked.is_empty(), "the log holds page text: {leaked:?}");
}
