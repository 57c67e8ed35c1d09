//! A user's active sessions (issue 12, `/account`), in both modes: listed over the API and on
//! the account page with their device and this one marked, never with the cookie's value;
//! one can be signed out (the API, or a form with the CSRF token); another user's is a 404;
//! ended and timed-out sessions are not listed.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::accounts::{PASSWORD, TestUser, sign_up, signed_in};
use crate::dashboard::{get_page, post_form};
use crate::helpers::{Mode, TestApp, json, spawn_app, spawn_app_with};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// Signs `user` in again from a browser that says it is `agent`.
async fn log_in_from(app: &TestApp, user: &TestUser, agent: &str) -> TestUser {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", agent)
        .json(&json!({ "email": user.email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    signed_in(response).await
}

async fn sessions_of(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let response = user.get(app, "/api/v1/me/sessions").await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await.as_array().unwrap().clone()
}

#[tokio::test]
async fn active_sessions_are_listed_with_their_device_and_this_one_marked_but_never_their_ids() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            return;
        };
        let first = sign_up(&app, "devices").await;
        let laptop = log_in_from(&app, &first, FIREFOX).await;
        let phone = log_in_from(&app, &first, IPHONE).await;

        let listed = sessions_of(&app, &laptop).await;
        assert_eq!(listed.len(), 3, "{listed:?}");
        let devices: Vec<&str> = listed
            .iter()
            .map(|s| s["device"].as_str().unwrap())
            .collect();
        assert_eq!(
            devices[..2],
            ["Safari on iOS", "Firefox on Linux"],
            "newest first"
        );
        let current: Vec<&str> = listed
            .iter()
            .filter(|s| s["current"] == true)
            .map(|s| s["device"].as_str().unwrap())
            .collect();
        assert_eq!(current, ["Firefox on Linux"]);
        for session in &listed {
            assert!(session["started_at"].is_string() && session["last_seen_at"].is_string());
        }

        let body = laptop
            .get(&app, "/api/v1/me/sessions")
            .await
            .text()
            .await
            .unwrap();
        for secret in [&first.cookie, &laptop.cookie, &phone.cookie] {
            let digest = hex::encode(Sha256::digest(secret.as_bytes()));
            assert!(
                !body.contains(secret.as_str()) && !body.contains(&digest),
                "a session's id or its stored key is shown: {body}"
            );
        }
    }
}

#[tokio::test]
async fn one_session_is_signed_out_from_the_list_and_another_users_is_not_found() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            return;
        };
        let alice = sign_up(&app, "alice").await;
        let phone = log_in_from(&app, &alice, IPHONE).await;
        let bob = sign_up(&app, "bob").await;
        let listed = sessions_of(&app, &alice).await;
        let phone_id = listed
            .iter()
            .find(|s| s["device"] == "Safari on iOS")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/me/sessions/{phone_id}");

        let theirs = bob.send(&app, Method::DELETE, &path, &json!({})).await;
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        assert_eq!(json(theirs).await["code"], "not_found");
        assert_eq!(phone.get(&app, "/api/v1/me").await.status(), StatusCode::OK);

        let ended = alice.send(&app, Method::DELETE, &path, &json!({})).await;
        assert_eq!(ended.status(), StatusCode::NO_CONTENT);
        assert!(
            ended.headers().get("set-cookie").is_none(),
            "another session's end keeps this one's cookie"
        );
        assert_eq!(
            phone.get(&app, "/api/v1/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(sessions_of(&app, &alice).await.len(), 1);
        let again = alice.send(&app, Method::DELETE, &path, &json!({})).await;
        assert_eq!(again.status(), StatusCode::NOT_FOUND);

        let own = sessions_of(&app, &alice).await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = alice
            .send(
                &app,
                Method::DELETE,
                &format!("/api/v1/me/sessions/{own}"),
                &json!({}),
            )
            .await;
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        let removal = out.headers()["set-cookie"].to_str().unwrap();
        assert!(removal.starts_with("__Host-ng_session=;"), "{removal}");
        assert_eq!(
            alice.get(&app, "/api/v1/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn ended_and_timed_out_sessions_are_not_listed() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app_with(mode, |s| {
            s.accounts.session_idle_secs = 2;
            s.accounts.session_absolute_secs = 600;
        })
        .await
        else {
            return;
        };
        let idle = sign_up(&app, "idle").await;
        let active = log_in_from(&app, &idle, FIREFOX).await;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(
                active.get(&app, "/api/v1/me").await.status(),
                StatusCode::OK
            );
        }
        let listed = sessions_of(&app, &active).await;
        assert_eq!(listed.len(), 1, "the idle one timed out: {listed:?}");
        assert_eq!(listed[0]["current"], true);

        let everywhere = active
            .send(
                &app,
                Method::POST,
                "/api/v1/auth/logout-everywhere",
                &json!({}),
            )
            .await;
        assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
        let fresh = log_in_from(&app, &idle, IPHONE).await;
        let listed = sessions_of(&app, &fresh).await;
        assert_eq!(listed.len(), 1, "signed out everywhere: {listed:?}");
        assert_eq!(listed[0]["device"], "Safari on iOS");
    }
}

#[tokio::test]
async fn the_account_page_lists_the_sessions_and_signs_one_out_with_a_csrf_protected_form() {
    let app = spawn_app(Mode::Embedded).await.unwrap();
    let user = sign_up(&app, "page").await;
    let phone = log_in_from(&app, &user, IPHONE).await;
    let page = get_page(&app, Some(&user), "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Safari on iOS"), "{page}");
    assert!(page.contains("this device"), "{page}");
    assert!(page.contains("Sign out everywhere"), "{page}");
    assert!(!page.contains(&user.cookie) && !page.contains(&phone.cookie));

    let listed = sessions_of(&app, &user).await;
    let phone_id = listed
        .iter()
        .find(|s| s["device"] == "Safari on iOS")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/account/sessions/{phone_id}/sign-out");
    assert!(page.contains(&format!("action=\"{path}\"")), "{page}");

    let forged = post_form(&app, Some(&user), &path, &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(phone.get(&app, "/api/v1/me").await.status(), StatusCode::OK);

    let ended = post_form(
        &app,
        Some(&user),
        &path,
        &[("csrf_token", user.csrf.as_str())],
    )
    .await;
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    assert_eq!(ended.headers()["location"], "/account");
    assert_eq!(
        phone.get(&app, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(user.get(&app, "/api/v1/me").await.status(), StatusCode::OK);
}
