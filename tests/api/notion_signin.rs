//! Sign in with Notion against the simulator's OAuth (issue 10 item 2; security.md 6 and 7), in
//! both modes: the flow end to end, `state` checks before any token call, tokens sealed at rest,
//! refresh rotation persisted across a restart, and a revoked grant surfacing as
//! `needs_reauthorization`.

use std::time::Duration;

use notion_graph::config::Settings;
use notion_graph::modules::sync::connection::{self, ACCESS_TOKEN, CONNECTIONS, REFRESH_TOKEN};
use notion_sim::{RunningSim, SimConfig};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tempfile::TempDir;

use crate::accounts::{TestUser, session_cookie};
use crate::helpers::{Mode, TestApp, eventually, json, start, test_settings};

const TOKEN_ROUTE: &str = "POST /v1/oauth/token";

async fn simulator(seed: u64) -> RunningSim {
    let config = SimConfig {
        rate_limit: None,
        ..SimConfig::new(seed, 30)
    };
    notion_sim::start(config, "127.0.0.1:0").await.unwrap()
}

fn settings(mode: Mode, dir: &TempDir, sim: &RunningSim) -> Option<Settings> {
    let mut settings = test_settings(mode, dir.path())?;
    settings.notion.api_url = sim.url.clone();
    settings.notion.rate = 200.0;
    settings.accounts.notion_oauth_client_id = Some("notion-sim-client".into());
    settings.accounts.notion_oauth_client_secret = Some(SecretString::from("notion-sim-secret"));
    Some(settings)
}

async fn launch(settings: Settings) -> TestApp {
    start(settings, TempDir::new().unwrap()).await
}

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET /auth/notion/start` (as `cookie`'s session, if any): the state from the redirect.
async fn begin(app: &TestApp, sim: &RunningSim, session: Option<&str>) -> String {
    let mut request = browser().get(app.url("/api/v1/auth/notion/start"));
    if let Some(session) = session {
        request = request.header("cookie", format!("__Host-ng_session={session}"));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/v1/oauth/authorize?", sim.url)),
        "{location}"
    );
    for part in [
        "client_id=notion-sim-client",
        "response_type=code",
        "owner=user",
        "redirect_uri=",
    ] {
        assert!(location.contains(part), "{location}");
    }
    let state = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-ng_oauth="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains(&state) && cookie.contains("HttpOnly") && cookie.contains("Secure"),
        "{cookie}"
    );
    state
}

async fn callback(
    app: &TestApp,
    query: &str,
    bound: Option<&str>,
    session: Option<&str>,
) -> reqwest::Response {
    let cookies: Vec<String> = [
        bound.map(|s| format!("__Host-ng_oauth={s}")),
        session.map(|s| format!("__Host-ng_session={s}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    browser()
        .get(app.url(&format!("/api/v1/auth/notion/callback?{query}")))
        .header("cookie", cookies.join("; "))
        .send()
        .await
        .unwrap()
}

/// The whole flow: the signed-in user it made.
async fn sign_in(app: &TestApp, sim: &RunningSim) -> TestUser {
    let state = begin(app, sim, None).await;
    let response = callback(
        app,
        &format!("code={}&state={state}", sim.oauth_code()),
        Some(&state),
        None,
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "{:?}",
        response.text().await
    );
    let (cookie, _) = session_cookie(&response).expect("a session");
    let probe = TestUser {
        id: String::new(),
        email: String::new(),
        cookie,
        csrf: String::new(),
    };
    let me = json(probe.get(app, "/api/v1/me").await).await;
    TestUser {
        id: me["user"]["id"].as_str().unwrap().into(),
        email: me["user"]["email"].as_str().unwrap().into(),
        csrf: me["csrf_token"].as_str().unwrap().into(),
        ..probe
    }
}

async fn imported(app: &TestApp, user: &TestUser) -> String {
    eventually(Duration::from_secs(120), "the first import", || async {
        let list = json(user.get(app, "/api/v1/workspaces").await).await;
        let first = list.get(0)?;
        first["last_sync_at"]
            .is_string()
            .then(|| first["id"].as_str().unwrap().to_owned())
    })
    .await
}

/// The connection's tokens, opened with the instance's keys.
async fn tokens(app: &TestApp, id: &str) -> (String, String) {
    let c = connection::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    let open = |sealed, field| {
        app.state
            .keys
            .open(sealed, c.binding(field))
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    (
        open(&c.access_token, ACCESS_TOKEN),
        open(c.refresh_token.as_ref().unwrap(), REFRESH_TOKEN),
    )
}

#[tokio::test]
async fn signing_in_with_notion_makes_the_account_connects_the_workspace_and_imports_it() {
    for mode in Mode::ALL {
        let sim = simulator(41).await;
        let dir = TempDir::new().unwrap();
        let Some(settings) = settings(mode, &dir, &sim) else {
            return;
        };
        let app = launch(settings).await;
        let user = sign_in(&app, &sim).await;
        assert_eq!(user.email, "owner@example.com");
        let me = json(user.get(&app, "/api/v1/me").await).await;
        assert_eq!(
            (
                me["user"]["notion_connected"].as_bool(),
                me["user"]["email_verified"].as_bool()
            ),
            (Some(true), Some(true))
        );
        let id = imported(&app, &user).await;
        let view = json(user.get(&app, &format!("/api/v1/workspaces/{id}")).await).await;
        assert_eq!(view["connected_with"], "oauth");
        assert!(view["pages"].as_u64().unwrap() > 0);

        let (access, refresh) = tokens(&app, &id).await;
        let raw = format!(
            "{:?}",
            app.state
                .store
                .get(&CONNECTIONS, &id)
                .await
                .unwrap()
                .unwrap()
        );
        assert!(
            !raw.contains(&access) && !raw.contains(&refresh),
            "tokens are sealed at rest"
        );

        let again = begin(&app, &sim, Some(&user.cookie)).await;
        let reconnect = callback(
            &app,
            &format!("code={}&state={again}", sim.oauth_code()),
            Some(&again),
            Some(&user.cookie),
        )
        .await;
        assert_eq!(reconnect.status(), StatusCode::FOUND);
        let list = json(user.get(&app, "/api/v1/workspaces").await).await;
        assert_eq!(
            list.as_array().unwrap().len(),
            1,
            "reconnecting updates the workspace: {list}"
        );
        assert_ne!(tokens(&app, &id).await.0, access, "with the new tokens");
    }
}

#[tokio::test]
async fn a_missing_wrong_or_reused_state_is_refused_without_calling_the_token_endpoint() {
    for mode in Mode::ALL {
        let sim = simulator(42).await;
        let dir = TempDir::new().unwrap();
        let Some(settings) = settings(mode, &dir, &sim) else {
            return;
        };
        let app = launch(settings).await;
        let state = begin(&app, &sim, None).await;
        let code = sim.oauth_code();
        let refused = [
            callback(&app, &format!("code={code}"), None, None).await,
            callback(&app, &format!("code={code}&state={state}"), None, None).await,
            callback(
                &app,
                &format!("code={code}&state=forged"),
                Some("forged"),
                None,
            )
            .await,
            callback(
                &app,
                &format!("code={code}&state={state}x"),
                Some(&state),
                None,
            )
            .await,
        ];
        for response in refused {
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            assert_eq!(json(response).await["code"], "invalid_oauth_state");
        }
        assert_eq!(
            sim.stats().calls_to(TOKEN_ROUTE),
            0,
            "no token call for a bad state"
        );
        let good = callback(
            &app,
            &format!("code={code}&state={state}"),
            Some(&state),
            None,
        )
        .await;
        assert_eq!(good.status(), StatusCode::FOUND);
        let calls = sim.stats().calls_to(TOKEN_ROUTE);
        let reused = callback(
            &app,
            &format!("code={}&state={state}", sim.oauth_code()),
            Some(&state),
            None,
        )
        .await;
        assert_eq!(
            reused.status(),
            StatusCode::BAD_REQUEST,
            "state is single use"
        );
        assert_eq!(sim.stats().calls_to(TOKEN_ROUTE), calls);
    }
}

#[tokio::test]
async fn rotated_tokens_survive_a_restart_and_a_revoked_grant_needs_reauthorization() {
    for mode in Mode::ALL {
        let sim = simulator(43).await;
        let dir = TempDir::new().unwrap();
        let Some(settings) = settings(mode, &dir, &sim) else {
            return;
        };
        let app = launch(settings.clone()).await;
        let user = sign_in(&app, &sim).await;
        let id = imported(&app, &user).await;
        let sync_now = |app: &TestApp| {
            let path = format!("/api/v1/workspaces/{id}/syncs");
            user.request(app, Method::POST, &path)
                .json(&json!({}))
                .send()
        };
        let runs_done = |app: &TestApp| {
            let path = format!("/api/v1/workspaces/{id}/syncs");
            let request = user.request(app, Method::GET, &path).send();
            async move {
                let runs = request
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap();
                runs.as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["state"] == "completed")
                    .count()
            }
        };

        let (access, refresh) = tokens(&app, &id).await;
        assert!(sim.revoke(&access));
        assert_eq!(sync_now(&app).await.unwrap().status(), StatusCode::ACCEPTED);
        eventually(
            Duration::from_secs(60),
            "a sync after a refresh",
            || async { (runs_done(&app).await >= 2).then_some(()) },
        )
        .await;
        let (access, rotated) = tokens(&app, &id).await;
        assert_ne!(rotated, refresh, "the rotated refresh token is stored");
        app.stop().await;

        let app = launch(settings).await;
        assert!(sim.revoke(&access));
        assert_eq!(sync_now(&app).await.unwrap().status(), StatusCode::ACCEPTED);
        eventually(
            Duration::from_secs(60),
            "a sync refreshed with the stored token",
            || async { (runs_done(&app).await >= 3).then_some(()) },
        )
        .await;

        let (access, refresh) = tokens(&app, &id).await;
        assert!(sim.revoke(&access) && sim.revoke(&refresh));
        assert_eq!(sync_now(&app).await.unwrap().status(), StatusCode::ACCEPTED);
        let view = eventually(
            Duration::from_secs(60),
            "the connection to need reauthorization",
            || async {
                let view = json(user.get(&app, &format!("/api/v1/workspaces/{id}")).await).await;
                (view["status"] == "needs_reauthorization").then_some(view)
            },
        )
        .await;
        assert_eq!(view["next_sync_at"], serde_json::Value::Null, "{view}");
        assert_eq!(
            sync_now(&app).await.unwrap().status(),
            StatusCode::CONFLICT,
            "no sync until reconnected"
        );
        drop(dir);
    }
}
