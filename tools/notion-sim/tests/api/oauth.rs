//! The OAuth token endpoint: code exchange, refresh rotation, client authentication.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestSim, config, spawn};

async fn token_call(t: &TestSim, client: (&str, &str), body: Value) -> (StatusCode, Value) {
    let request = t
        .http
        .post(format!("{}/v1/oauth/token", t.sim.url))
        .basic_auth(client.0, Some(client.1))
        .json(&body);
    t.send(request).await
}

const CLIENT: (&str, &str) = ("notion-sim-client", "notion-sim-secret");

#[tokio::test]
async fn a_code_becomes_tokens_and_refresh_rotates_them() {
    let t = spawn(config()).await;
    let code = t.sim.oauth_code();
    let (status, grant) = token_call(&t, CLIENT, json!({ "grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb" })).await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    for field in [
        "access_token",
        "refresh_token",
        "bot_id",
        "workspace_id",
        "workspace_name",
        "owner",
    ] {
        assert!(!grant[field].is_null(), "{field}");
    }
    assert_eq!(grant["token_type"], "bearer");
    assert!(grant["duplicated_template_id"].is_null());
    let access = grant["access_token"].as_str().unwrap().to_owned();
    let me = t
        .http
        .get(format!("{}/v1/users/me", t.sim.url))
        .bearer_auth(&access)
        .header("Notion-Version", "2025-09-03");
    let (status, user) = t.send(me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["id"], grant["bot_id"]);

    // The code is single-use.
    let (status, body) = token_call(
        &t,
        CLIENT,
        json!({ "grant_type": "authorization_code", "code": code }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let old_refresh = grant["refresh_token"].as_str().unwrap().to_owned();
    let (status, fresh) = token_call(
        &t,
        CLIENT,
        json!({ "grant_type": "refresh_token", "refresh_token": old_refresh }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(fresh["access_token"], grant["access_token"]);
    assert_ne!(fresh["refresh_token"], grant["refresh_token"]);
    assert_eq!(fresh["bot_id"], grant["bot_id"]);
    let (status, body) = token_call(
        &t,
        CLIENT,
        json!({ "grant_type": "refresh_token", "refresh_token": old_refresh }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // A revoked access token is unauthorized; the refreshed one works.
    let (status, _) = t
        .control(
            reqwest::Method::POST,
            "/_sim/revoke",
            json!({ "token": fresh["access_token"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let me = t
        .http
        .get(format!("{}/v1/users/me", t.sim.url))
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .header("Notion-Version", "2025-09-03");
    assert_eq!(t.send(me).await.0, StatusCode::UNAUTHORIZED);
    t.stop().await;
}

#[tokio::test]
async fn bad_client_credentials_are_unauthorized() {
    let t = spawn(config()).await;
    let code = t.sim.oauth_code();
    let (status, body) = token_call(
        &t,
        ("notion-sim-client", "wrong"),
        json!({ "grant_type": "authorization_code", "code": code }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    t.stop().await;
}
