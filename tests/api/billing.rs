//! Plans and entitlements (issue 13 items 1 and 2, security.md 18) through the running app:
//! billing off by default, the free plan's limits refused where they bite with the plan that
//! lifts them, an import stopped at the page limit with a partial graph, and `admin set-plan`.

use std::time::Duration;

use notion_graph::config::Limit;
use notion_graph::modules::auth::audit::ClientInfo;
use notion_graph::modules::{dashboard, payments, sync};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{TestUser, sign_up};
use crate::helpers::{Mode, TestApp, eventually, json, spawn_app_with, start, test_settings};
use crate::workspaces::{connected, simulator};

/// An instance on the free plan (the product's default) talking to `sim`.
async fn free_app(mode: Mode, sim: &notion_sim::RunningSim, pages: Option<u64>) -> Option<TestApp> {
    let url = sim.url.clone();
    spawn_app_with(mode, move |s| {
        s.notion.api_url = url;
        s.notion.rate = 200.0;
        s.billing.default_plan = "free".into();
        if let Some(pages) = pages {
            s.billing.plans[0].pages_per_workspace = Limit::at(pages);
        }
    })
    .await
}

fn usage<'a>(billing: &'a Value, limit: &str) -> &'a Value {
    billing["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["limit"] == limit)
        .unwrap_or_else(|| panic!("no {limit} in {billing}"))
}

async fn assert_plan_limit(response: reqwest::Response, limit: &str, upgrade_to: &str) -> Value {
    assert_eq!(response.status(), StatusCode::PAYMENT_REQUIRED);
    let problem = json(response).await;
    assert_eq!(problem["code"], "plan_limit", "{problem}");
    assert_eq!(problem["limit"], limit, "{problem}");
    assert_eq!(problem["plan"], "free", "{problem}");
    assert_eq!(problem["upgrade_to"], upgrade_to, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("the {upgrade_to} plan allows")),
        "{detail}"
    );
    problem
}

#[tokio::test]
async fn billing_is_off_without_a_stripe_key_and_every_account_has_the_default_plan() {
    for mode in Mode::ALL {
        let sim = simulator(81, 10).await;
        let Some(app) = free_app(mode, &sim, None).await else {
            return;
        };
        let user = sign_up(&app, "billing-off").await;
        let billing = json(user.get(&app, "/api/v1/billing").await).await;
        assert_eq!(billing["billing_enabled"], false, "{billing}");
        assert_eq!(
            (&billing["plan"], &billing["source"]),
            (&json!("free"), &json!("default"))
        );
        assert_eq!(billing["status"], Value::Null);
        let workspaces = usage(&billing, "workspaces");
        assert_eq!(
            (&workspaces["used"], &workspaces["max"]),
            (&json!(0), &json!(1))
        );
        assert_eq!(workspaces["upgrade_to"], "pro");
        assert!(
            billing["plans"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["purchasable"] == false)
        );

        let checkout = user
            .send(
                &app,
                Method::POST,
                "/api/v1/billing/checkout",
                &json!({"plan": "pro"}),
            )
            .await;
        assert_eq!(checkout.status(), StatusCode::NOT_FOUND);
        assert_eq!(json(checkout).await["code"], "billing_disabled");
        let anonymous = app.get("/api/v1/billing").await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_second_workspace_on_free_is_refused_with_the_plan_that_allows_it() {
    let sim = simulator(82, 10).await;
    let data = tempfile::TempDir::new().unwrap();
    let mut settings = test_settings(Mode::Embedded, data.path()).unwrap();
    (settings.notion.api_url, settings.notion.rate) = (sim.url.clone(), 200.0);
    settings.billing.default_plan = "free".into();
    let _sample = dashboard::demo::start(&mut settings)
        .await
        .unwrap()
        .unwrap();
    let app = start(settings, data).await;
    let user = sign_up(&app, "second-workspace").await;
    let client = ClientInfo::default();
    sync::workspaces::connect_sample(&app.state, &user.id, &client)
        .await
        .expect("the first workspace is within the free plan");

    let body = json!({ "token": sim.token });
    let refused = user
        .send(&app, Method::POST, "/api/v1/workspaces", &body)
        .await;
    assert_plan_limit(refused, "workspaces", "pro").await;
    let listed = json(user.get(&app, "/api/v1/workspaces").await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing was connected");

    payments::service::set_plan(&app.state, &user.email, "pro")
        .await
        .unwrap();
    let allowed = user
        .send(&app, Method::POST, "/api/v1/workspaces", &body)
        .await;
    assert_eq!(allowed.status(), StatusCode::CREATED);
    let billing = json(user.get(&app, "/api/v1/billing").await).await;
    assert_eq!(
        (&billing["plan"], &billing["source"]),
        (&json!("pro"), &json!("manual"))
    );
    assert_eq!(usage(&billing, "workspaces")["used"], 2);
}

#[tokio::test]
async fn share_links_showing_titles_and_short_sync_intervals_are_limited_by_the_plan() {
    let sim = simulator(83, 12).await;
    let app = free_app(Mode::Embedded, &sim, None).await.unwrap();
    let user = sign_up(&app, "share-limit").await;
    let workspace = connected(&app, &user, &sim).await;
    let id = workspace["id"].as_str().unwrap();

    let path = format!("/api/v1/workspaces/{id}");
    let faster = json!({ "sync_interval_minutes": 30 });
    let refused = user.send(&app, Method::PATCH, &path, &faster).await;
    assert_plan_limit(refused, "sync_interval", "pro").await;
    let hourly = json!({ "sync_interval_minutes": 60 });
    assert_eq!(
        user.send(&app, Method::PATCH, &path, &hourly)
            .await
            .status(),
        StatusCode::OK
    );

    let shares = format!("{path}/shares");
    let private = |name: &str| json!({ "name": name });
    let first = user
        .send(&app, Method::POST, &shares, &private("First"))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let embed = json(first).await["url"].as_str().unwrap().to_owned();
    let embed = embed.replace(&app.state.settings.public_url(), "");
    let page = app.get(&embed).await.text().await.unwrap();
    assert!(
        page.contains("Made with notion-graph"),
        "the free plan's embeds carry the badge"
    );
    let second = user
        .send(&app, Method::POST, &shares, &private("Second"))
        .await;
    assert_plan_limit(second, "private_share_links", "pro").await;
    let public = json!({ "name": "Public", "preset": { "hide_titles": true } });
    let public = user.send(&app, Method::POST, &shares, &public).await;
    assert_eq!(
        public.status(),
        StatusCode::CREATED,
        "hidden titles are not limited"
    );
    let public_id = json(public).await["id"].as_str().unwrap().to_owned();
    let reveal = json!({ "preset": { "hide_titles": false } });
    let revealed = user
        .send(
            &app,
            Method::PATCH,
            &format!("/api/v1/shares/{public_id}"),
            &reveal,
        )
        .await;
    assert_plan_limit(revealed, "private_share_links", "pro").await;

    let billing = json(user.get(&app, "/api/v1/billing").await).await;
    let links = usage(&billing, "private_share_links");
    assert_eq!(
        (&links["used"], &links["reached"]),
        (&json!(1), &json!(true)),
        "{billing}"
    );
    assert_eq!(links["upgrade_allows"], "50 share links showing titles");
    payments::service::set_plan(&app.state, &user.email, "pro")
        .await
        .unwrap();
    let page = app.get(&embed).await.text().await.unwrap();
    assert!(
        !page.contains("Made with notion-graph"),
        "pro embeds have no badge"
    );
}

async fn syncs(app: &TestApp, user: &TestUser, id: &str) -> Value {
    json(
        user.get(app, &format!("/api/v1/workspaces/{id}/syncs"))
            .await,
    )
    .await
}

#[tokio::test]
async fn an_import_over_the_page_limit_stops_at_the_limit_with_a_partial_graph() {
    for mode in Mode::ALL {
        let sim = simulator(84, 120).await;
        let Some(app) = free_app(mode, &sim, Some(40)).await else {
            return;
        };
        let user = sign_up(&app, "page-limit").await;
        let workspace = connected(&app, &user, &sim).await;
        let id = workspace["id"].as_str().unwrap();
        assert_eq!(workspace["pages"], 40, "{workspace}");

        // The schedule may start a second sync at once (a new workspace is due): it adds
        // nothing, the limit still holds.
        let runs = eventually(Duration::from_secs(60), "the syncs to end", || async {
            let runs = syncs(&app, &user, id).await;
            let runs = runs.as_array().unwrap().clone();
            runs.iter().all(|r| r["state"] != "running").then_some(runs)
        })
        .await;
        assert!(
            runs.iter().all(|r| r["state"] == "completed"),
            "not a failure: {runs:?}"
        );
        let first = runs.last().unwrap();
        let limited = (&first["kind"], &first["report"]["page_limit"]);
        assert_eq!(limited, (&json!("full"), &json!(40)), "{runs:?}");
        let view = json(user.get(&app, &format!("/api/v1/workspaces/{id}")).await).await;
        let reached = (&view["pages"], &view["page_limit_reached"]);
        assert_eq!(reached, (&json!(40), &json!(40)), "{view}");
        let graph = user
            .get(&app, &format!("/api/v1/workspaces/{id}/graph"))
            .await;
        assert_eq!(graph.status(), StatusCode::OK);
        let graph = json(graph).await;
        let nodes = graph["nodes"].as_array().unwrap().len();
        assert!(
            nodes > 0 && !graph["links"].as_array().unwrap().is_empty(),
            "{nodes} nodes"
        );

        let billing = json(user.get(&app, "/api/v1/billing").await).await;
        let pages = usage(&billing, "pages_per_workspace");
        assert_eq!(
            (&pages["used"], &pages["reached"]),
            (&json!(40), &json!(true)),
            "{billing}"
        );
        assert_eq!(pages["upgrade_to"], "pro");

        // A sync after the plan is lifted imports the rest.
        payments::service::set_plan(&app.state, &user.email, "pro")
            .await
            .unwrap();
        let sync = format!("/api/v1/workspaces/{id}/syncs");
        let queued = user.send(&app, Method::POST, &sync, &json!({})).await;
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
        eventually(Duration::from_secs(120), "the rest imported", || async {
            let view = json(user.get(&app, &format!("/api/v1/workspaces/{id}")).await).await;
            (view["pages"].as_u64().unwrap() > 40).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn admin_set_plan_gives_a_plan_by_hand_and_refuses_unknown_plans_and_accounts() {
    let data = tempfile::TempDir::new().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(crate::helpers::binary())
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env_remove("MONGODB_URI")
            .env_remove("REDIS_URL")
            .env("NOTION_GRAPH_ENCRYPTION_KEYS", crate::helpers::TEST_KEYS)
            .output()
            .unwrap()
    };
    let email = "plan-by-hand@example.com";
    let made = run(&["admin", "create-user", "--email", email]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let set = run(&["admin", "set-plan", email, "team"]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(String::from_utf8_lossy(&set.stdout).contains("team plan"));
    let unknown = run(&["admin", "set-plan", email, "gold"]);
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        said.contains("no plan `gold`") && said.contains("free, pro, team"),
        "{said}"
    );
    let nobody = run(&["admin", "set-plan", "nobody@example.com", "pro"]);
    assert_eq!(nobody.status.code(), Some(2));

    let mut settings = test_settings(Mode::Embedded, data.path()).unwrap();
    settings.billing.default_plan = "free".into();
    let state = notion_graph::state::AppState::build(settings, notion_graph::modules::ALL)
        .await
        .unwrap();
    let user = notion_graph::modules::auth::users::by_email(&state.store, email)
        .await
        .unwrap()
        .unwrap();
    let entitlements = payments::entitlements(&state, &user.id).await.unwrap();
    assert_eq!(
        (entitlements.plan.name.as_str(), entitlements.source),
        ("team", payments::PlanSource::Manual)
    );
    payments::service::set_plan(&state, email, "default")
        .await
        .unwrap();
    assert_eq!(
        payments::entitlements(&state, &user.id)
            .await
            .unwrap()
            .plan
            .name,
        "free"
    );
}
