//! The dashboard's page routes (issue 12) over HTTP, as a browser without script uses them:
//! signed-out visitors are sent to sign in, forms refuse a missing CSRF token and bad input
//! with a page saying what to do, the sign-up form and the mailed link confirm an address, and
//! an embedded instance's sample workspace connects and imports.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use crate::accounts::{PASSWORD, TestUser, link_token, mail_to, session_cookie, sign_up};
use crate::helpers::{
    Browser, Mode, TestApp, eventually, json, service, spawn_app, spawn_app_with, start,
    test_settings,
};

/// A browser that does not follow redirects, so that tests see them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()["location"].to_str().unwrap()
}

pub async fn post_form(
    app: &TestApp,
    user: Option<&TestUser>,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = browser().post(app.url(path)).form(form);
    if let Some(user) = user {
        request = request.header("cookie", format!("__Host-ng_session={}", user.cookie));
    }
    request.send().await.unwrap()
}

pub async fn get_page(app: &TestApp, user: Option<&TestUser>, path: &str) -> reqwest::Response {
    let mut request = browser().get(app.url(path)).header("accept", "text/html");
    if let Some(user) = user {
        request = request.header("cookie", format!("__Host-ng_session={}", user.cookie));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_signed_out_visitor_sees_the_product_and_is_sent_to_sign_in_for_the_rest() {
    let app = spawn_app(Mode::Embedded).await.unwrap();

    let home = get_page(&app, None, "/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let csp = home.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let text = home.text().await.unwrap();
    assert!(text.contains("Sign up with email"));
    assert!(
        !text.contains("Sign in with Notion"),
        "no Notion OAuth is configured"
    );
    let with_notion = spawn_app_with(Mode::Embedded, |s| {
        s.accounts.notion_oauth_client_id = Some("client".into());
        s.accounts.notion_oauth_client_secret = Some(secrecy::SecretString::from("secret"));
    })
    .await
    .unwrap();
    let text = get_page(&with_notion, None, "/")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("Sign in with Notion"));

    let new = get_page(&app, None, "/workspaces/new").await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&new), "/login?next=%2Fworkspaces%2Fnew");

    let missing = get_page(&app, None, "/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app(Mode::Embedded).await.unwrap();
    let user = sign_up(&app, "forms").await;

    let forged = post_form(
        &app,
        Some(&user),
        "/workspaces/new/token",
        &[("csrf_token", "not-the-token"), ("token", "ntn_whatever")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("Reload the page and try again")
    );

    let cross_site = browser()
        .post(app.url("/logout"))
        .header("cookie", format!("__Host-ng_session={}", user.cookie))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", user.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);

    let workspaces = json(user.get(&app, "/api/v1/workspaces").await).await;
    assert_eq!(workspaces.as_array().unwrap().len(), 0);
    assert_eq!(user.get(&app, "/api/v1/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_input_on_a_form_comes_back_with_a_message_and_what_was_typed() {
    let app = spawn_app(Mode::Embedded).await.unwrap();

    let bad_email = post_form(
        &app,
        None,
        "/signup",
        &[("email", "nobody"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(bad_email.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad_email
            .text()
            .await
            .unwrap()
            .contains("`nobody` is not an email address")
    );

    let common = post_form(
        &app,
        None,
        "/signup",
        &[("email", "kept@example.com"), ("password", "password123")],
    )
    .await;
    assert_eq!(common.status(), StatusCode::BAD_REQUEST);
    let page = common.text().await.unwrap();
    assert!(
        page.contains("commonly used passwords") && page.contains(r#"value="kept@example.com""#)
    );

    let unreadable = post_form(&app, None, "/login", &[("mail", "x")]).await;
    assert_eq!(unreadable.status(), StatusCode::BAD_REQUEST);
    assert!(
        unreadable
            .text()
            .await
            .unwrap()
            .contains("reload the page and try again")
    );

    let user = sign_up(&app, "tokens").await;
    let refused = post_form(
        &app,
        Some(&user),
        "/workspaces/new/token",
        &[
            ("csrf_token", user.csrf.as_str()),
            ("token", "ntn_not_a_real_token"),
        ],
    )
    .await;
    assert!(refused.status().is_client_error() || refused.status().is_server_error());
    let page = refused.text().await.unwrap();
    assert!(
        page.contains(r#"role="alert""#) && page.contains("Paste an integration token"),
        "{page}"
    );
}

#[tokio::test]
async fn the_signup_form_signs_in_and_the_mailed_link_confirms_the_address() {
    let app = spawn_app(Mode::Embedded).await.unwrap();
    let email = format!("page-{}@example.com", uuid::Uuid::new_v4().simple());

    let signed_up = post_form(
        &app,
        None,
        "/signup",
        &[("email", &email), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(signed_up.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_up), "/");
    let (cookie, _) = session_cookie(&signed_up).expect("a session");

    let mail = mail_to(&app, &email, "Confirm your email address").await;
    let token = link_token(&mail);
    let confirm = get_page(&app, None, &format!("/verify-email?token={token}")).await;
    assert!(
        confirm
            .text()
            .await
            .unwrap()
            .contains(&format!(r#"value="{token}""#))
    );
    let me = || async {
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header("cookie", format!("__Host-ng_session={cookie}"))
            .send()
            .await
            .unwrap();
        json(response).await["user"]["email_verified"].clone()
    };
    assert_eq!(
        me().await,
        false,
        "opening the link changes nothing by itself"
    );

    let confirmed = post_form(&app, None, "/verify-email", &[("token", &token)]).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(me().await, true);
    let again = post_form(&app, None, "/verify-email", &[("token", &token)]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_embedded_instance_offers_the_sample_workspace_and_still_talks_to_notion() {
    let data = tempfile::TempDir::new().unwrap();
    let mut settings = test_settings(Mode::Embedded, data.path()).unwrap();
    let notion = settings.notion.api_url.clone();
    let _simulator = notion_graph::modules::dashboard::demo::start(&mut settings)
        .await
        .unwrap()
        .expect("every embedded instance serves the sample");
    assert_eq!(
        settings.notion.api_url, notion,
        "other workspaces still talk to Notion"
    );
    let app = start(settings, data).await;
    let user = sign_up(&app, "sample").await;

    let connected = post_form(
        &app,
        Some(&user),
        "/workspaces/new/sample",
        &[("csrf_token", user.csrf.as_str())],
    )
    .await;
    assert_eq!(connected.status(), StatusCode::SEE_OTHER);
    let page = location(&connected).to_owned();
    let id = page.trim_start_matches("/workspaces/").to_owned();
    eventually(Duration::from_secs(120), "the sample's import", || async {
        let runs = json(
            user.get(&app, &format!("/api/v1/workspaces/{id}/syncs"))
                .await,
        )
        .await;
        (runs[0]["state"] == "completed").then_some(())
    })
    .await;
    let text = get_page(&app, Some(&user), &page)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("Up to date") && text.contains("Done"),
        "{text}"
    );
}

#[tokio::test]
async fn an_instance_that_serves_no_sample_refuses_it_in_words() {
    let Some(app) = crate::helpers::spawn_app(Mode::Embedded).await else {
        return;
    };
    let user = sign_up(&app, "no-sample").await;
    let form = get_page(&app, Some(&user), "/workspaces/new").await;
    assert!(
        !form
            .text()
            .await
            .unwrap()
            .contains("/workspaces/new/sample")
    );
    let refused = post_form(
        &app,
        Some(&user),
        "/workspaces/new/sample",
        &[("csrf_token", user.csrf.as_str())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let text = refused.text().await.unwrap();
    assert!(text.contains("serves no sample workspace"), "{text}");
    let workspaces = json(user.get(&app, "/api/v1/workspaces").await).await;
    assert_eq!(workspaces, serde_json::json!([]), "nothing was connected");
}

#[tokio::test]
async fn the_graph_page_shows_its_owner_the_viewer_and_panel_and_anyone_else_a_404() {
    let sim = crate::workspaces::simulator(12, 60).await;
    let app = crate::workspaces::app_for(Mode::Embedded, &sim)
        .await
        .unwrap();
    let owner = sign_up(&app, "graph-owner").await;
    let id = crate::workspaces::connected(&app, &owner, &sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = get_page(&app, Some(&owner), &format!("/workspaces/{id}/graph")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    for part in [
        "Hubs",
        "Orphans (",
        "Bridges (",
        "Changed since the last sync",
        r#"data-credentials="same-origin""#,
        "viewer/main.js",
    ] {
        assert!(
            text.contains(part),
            "{part} is missing from the page:\n{text}"
        );
    }
    let data = format!("/api/v1/workspaces/{id}/graph?format=labels");
    assert!(text.contains(&data));
    let labels = json(owner.get(&app, &data).await).await;
    let titles = labels["titles"].as_array().unwrap();
    assert!(
        titles.len() > 50
            && titles
                .iter()
                .any(|t| t.as_str().is_some_and(|t| !t.is_empty()))
    );
    assert_eq!(labels["ids"].as_array().unwrap().len(), titles.len());

    let svg = get_page(&app, Some(&owner), &format!("/workspaces/{id}/graph.svg")).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let picture = svg.text().await.unwrap();
    assert!(
        picture.starts_with("<svg") || picture.starts_with("<?xml"),
        "{picture:.80}"
    );
    assert!(
        picture.matches("<circle").count() > 50,
        "one circle per page"
    );

    let thumbnail = format!("/workspaces/{id}/thumbnail.png");
    let home = get_page(&app, Some(&owner), "/")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        home.contains(&thumbnail),
        "the card shows the graph:\n{home}"
    );
    let picture = get_page(&app, Some(&owner), &thumbnail).await;
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(picture.headers()["content-type"], "image/png");
    let etag = picture.headers()["etag"].clone();
    assert!(
        picture
            .bytes()
            .await
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    let again = browser()
        .get(app.url(&thumbnail))
        .header("cookie", format!("__Host-ng_session={}", owner.cookie))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::NOT_MODIFIED,
        "revalidated, not redrawn"
    );

    let stranger = sign_up(&app, "graph-stranger").await;
    let refused = get_page(&app, Some(&stranger), &thumbnail).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused = get_page(&app, Some(&stranger), &format!("/workspaces/{id}/graph")).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert!(refused.text().await.unwrap().contains("Page not found"));
    let theirs = get_page(
        &app,
        Some(&stranger),
        &format!("/workspaces/{id}/graph.svg"),
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let anonymous = get_page(&app, None, &format!("/workspaces/{id}/graph")).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_share_made_from_the_form_embeds_until_it_is_revoked_after_a_confirmation() {
    let sim = crate::workspaces::simulator(13, 40).await;
    let app = crate::workspaces::app_for(Mode::Embedded, &sim)
        .await
        .unwrap();
    let owner = sign_up(&app, "share-owner").await;
    let id = crate::workspaces::connected(&app, &owner, &sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shares = format!("/workspaces/{id}/shares");
    let form = |name: &str, days: &str| {
        vec![
            ("csrf_token", owner.csrf.clone()),
            ("name", name.to_owned()),
            ("view", "full".to_owned()),
            ("depth", "1".to_owned()),
            ("theme", "dark".to_owned()),
            ("hide_titles", "on".to_owned()),
            ("expires_in_days", days.to_owned()),
        ]
    };

    let refused = browser()
        .post(app.url(&shares))
        .header("cookie", format!("__Host-ng_session={}", owner.cookie))
        .form(&form("Too long", "9999"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("1 to 365 days") && page.contains(r#"value="Too long""#),
        "{page}"
    );

    let created = browser()
        .post(app.url(&shares))
        .header("cookie", format!("__Host-ng_session={}", owner.cookie))
        .form(&form("Wiki map", "7"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let listed = json(owner.get(&app, &format!("/api/v1{shares}")).await).await;
    let share = &listed[0];
    assert_eq!(share["preset"]["hide_titles"], true);
    assert_eq!(share["preset"]["theme"], "dark");
    assert!(share["expires_at"].is_string());
    let token = share["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let page = get_page(&app, Some(&owner), &shares)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(share["url"].as_str().unwrap())
            && page.contains(&format!(r#"src="/embed/{token}""#))
    );
    let embed = app.get(&format!("/embed/{token}")).await;
    assert_eq!(embed.status(), StatusCode::OK);
    let csp = embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'self' "), "{csp}");

    // "Share this view" on the graph page fills the form in from the query string.
    let view = "?view=full&theme=light&communities=0,2&kinds=page&hide_orphans=on";
    let filled = get_page(&app, Some(&owner), &format!("{shares}{view}")).await;
    let filled = filled.text().await.unwrap();
    for part in [
        r#"name="communities" value="0,2""#,
        r#"name="kinds" value="page""#,
        r#"<option value="light" selected>"#,
        r#"name="hide_orphans" checked"#,
        r#"name="labels">"#,
    ] {
        assert!(filled.contains(part), "{part} is missing:\n{filled}");
    }
    let csrf = owner.csrf.as_str();
    let from_view = |communities| {
        [
            ("csrf_token", csrf),
            ("name", "From the view"),
            ("view", "full"),
            ("theme", "auto"),
            ("communities", communities),
            ("kinds", "page"),
        ]
    };
    let wrong = post_form(&app, Some(&owner), &shares, &from_view("0, two")).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.text().await.unwrap().contains("by their ids"));
    let made = post_form(&app, Some(&owner), &shares, &from_view("0, 2")).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let newest = &json(owner.get(&app, &format!("/api/v1{shares}")).await).await[0];
    assert_eq!(newest["preset"]["communities"], serde_json::json!([0, 2]));
    assert_eq!(newest["preset"]["kinds"], serde_json::json!(["page"]));

    let stranger = sign_up(&app, "share-stranger").await;
    let revoke = format!("{shares}/{}/revoke", share["id"].as_str().unwrap());
    assert_eq!(
        get_page(&app, Some(&stranger), &revoke).await.status(),
        StatusCode::NOT_FOUND
    );
    let confirm = get_page(&app, Some(&owner), &revoke)
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("stops working at once"), "{confirm}");
    let revoked = post_form(
        &app,
        Some(&owner),
        &revoke,
        &[("csrf_token", owner.csrf.as_str())],
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/embed/{token}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_account_page_renames_makes_a_key_shown_once_revokes_it_and_signs_out_everywhere() {
    let app = spawn_app(Mode::Embedded).await.unwrap();
    let user = sign_up(&app, "account").await;
    let csrf = user.csrf.as_str();

    let renamed = post_form(
        &app,
        Some(&user),
        "/account/profile",
        &[("csrf_token", csrf), ("name", "Ada L.")],
    )
    .await;
    assert_eq!(renamed.status(), StatusCode::SEE_OTHER);
    let page = get_page(&app, Some(&user), "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"value="Ada L.""#), "{page}");

    let wrong = post_form(
        &app,
        Some(&user),
        "/account/password",
        &[
            ("csrf_token", csrf),
            ("current", "not my password"),
            ("new", "another long passphrase"),
        ],
    )
    .await;
    assert!(wrong.status().is_client_error());
    assert!(wrong.text().await.unwrap().contains(r#"role="alert""#));

    let made = post_form(
        &app,
        Some(&user),
        "/account/api-keys",
        &[
            ("csrf_token", csrf),
            ("name", "Nightly"),
            ("access", "read"),
        ],
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let page = made.text().await.unwrap();
    let secret = page
        .split(r#"id="new-key" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the new key is shown")
        .to_owned();
    let with_key = |key: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/v1/workspaces"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(with_key(secret.clone()).await, StatusCode::OK);
    let again = get_page(&app, Some(&user), "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(!again.contains(&secret), "the secret is shown once");
    let keys = json(user.get(&app, "/api/v1/api-keys").await).await;
    let path = format!(
        "/account/api-keys/{}/revoke",
        keys[0]["id"].as_str().unwrap()
    );
    let revoked = post_form(&app, Some(&user), &path, &[("csrf_token", csrf)]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(with_key(secret).await, StatusCode::UNAUTHORIZED);

    let out = post_form(
        &app,
        Some(&user),
        "/account/sign-out-everywhere",
        &[("csrf_token", csrf)],
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        user.get(&app, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_admin_replays_a_dead_letter_and_grants_a_role_and_no_one_else_sees_the_page() {
    let app = spawn_app(Mode::Embedded).await.unwrap();
    let admin = sign_up(&app, "first-admin").await;
    let other = sign_up(&app, "not-admin").await;
    assert_eq!(
        get_page(&app, Some(&other), "/admin").await.status(),
        StatusCode::NOT_FOUND
    );

    let canary = serde_json::json!({ "id": "doomed-page", "fail_times": 5 });
    let queued = app.admin_post("/api/admin/canaries", &canary).await;
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let dead =
        || async { json(app.admin_get("/api/admin/jobs/dead").await).await["items"].clone() };
    let letter = eventually(Duration::from_secs(60), "a dead letter", || async {
        dead().await.as_array().unwrap().first().cloned()
    })
    .await;
    let id = letter["id"].as_str().unwrap().to_owned();
    let page = get_page(&app, Some(&admin), "/admin")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/admin/dead-letters/{id}/replay")),
        "{page}"
    );
    let search = get_page(&app, Some(&admin), "/admin?q=not-admin")
        .await
        .text()
        .await
        .unwrap();
    assert!(search.contains(&other.email) && !search.contains(&admin.email));

    let replayed = post_form(
        &app,
        Some(&admin),
        &format!("/admin/dead-letters/{id}/replay"),
        &[("csrf_token", admin.csrf.as_str())],
    )
    .await;
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    assert!(
        !dead()
            .await
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == id.as_str())
    );

    let path = format!("/admin/users/{}/role", other.id);
    let forged = post_form(
        &app,
        Some(&other),
        &path,
        &[("csrf_token", other.csrf.as_str()), ("role", "admin")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let granted = post_form(
        &app,
        Some(&admin),
        &path,
        &[("csrf_token", admin.csrf.as_str()), ("role", "admin")],
    )
    .await;
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        get_page(&app, Some(&other), "/admin").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_the_account_after_its_password_removes_what_it_owns_and_ends_its_sessions() {
    let sim = crate::workspaces::simulator(14, 30).await;
    let app = crate::workspaces::app_for(Mode::Embedded, &sim)
        .await
        .unwrap();
    let user = sign_up(&app, "leaving").await;
    let workspace = crate::workspaces::connected(&app, &user, &sim).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_session = crate::accounts::log_in(&app, &user.email, PASSWORD).await;
    let (other_cookie, _) = session_cookie(&other_session).expect("a second session");
    let csrf = user.csrf.as_str();

    let confirm = get_page(&app, Some(&user), "/account/delete")
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("the workspace <strong>"), "{confirm}");
    let wrong = post_form(
        &app,
        Some(&user),
        "/account/delete",
        &[("csrf_token", csrf), ("password", "not it")],
    )
    .await;
    assert!(wrong.status().is_client_error());
    assert_eq!(
        user.get(&app, "/api/v1/me").await.status(),
        StatusCode::OK,
        "nothing is deleted"
    );

    let deleted = post_form(
        &app,
        Some(&user),
        "/account/delete",
        &[("csrf_token", csrf), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        user.get(&app, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let other = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("__Host-ng_session={other_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::UNAUTHORIZED,
        "every session ends"
    );
    let connection = notion_graph::modules::sync::connection::get(&app.state.store, &workspace)
        .await
        .unwrap();
    assert!(connection.is_none(), "the workspace is deleted");
    let login = crate::accounts::log_in(&app, &user.email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_newcomer_signs_up_confirms_the_mail_and_imports_the_sample_in_a_real_browser() {
    let Some(browser) = Browser::available() else {
        return;
    };
    let data = tempfile::TempDir::new().unwrap();
    let mut settings = test_settings(Mode::Embedded, data.path()).unwrap();
    let smtp = service("TEST_SMTP_URL");
    let mail_dir = match &smtp {
        Some(_) => std::path::PathBuf::from(service("TEST_SMTP_MAILDIR").unwrap()).join("new"),
        None => data.path().join("outbox"),
    };
    settings.accounts.smtp_url = smtp.map(secrecy::SecretString::from);
    // The journey edits the sample and syncs it: the second graph comes soon after.
    settings.graph.build_debounce_ms = 300;
    let simulator = notion_graph::modules::dashboard::demo::start(&mut settings)
        .await
        .unwrap()
        .expect("an embedded instance serves the sample");
    let export = data.path().join("small-export.zip");
    std::fs::write(&export, crate::zip_import::small_export()).unwrap();
    let app = start(settings, data).await;
    let config = serde_json::json!({
        "base": app.address, "mail_dir": mail_dir, "sample": simulator.url, "zip": export,
        "screenshots": concat!(env!("CARGO_MANIFEST_DIR"), "/target/screenshots"),
    });
    browser.run("dashboard_journey.py", config).await;
}
