//! What a connection keeps of its latest run (issue 12), in both modes: the home card's counts,
//! right after every sync without counting at each view, and the admin's failing syncs across
//! accounts (failed, or stuck with its worker gone), with a sync queued by the admin.

use std::time::Duration;

use notion_graph::modules::sync::connection::{LatestRun, record_run};
use notion_graph::modules::sync::run::{RunKind, RunState};
use notion_graph::modules::sync::{EDGES, ENTITIES};
use notion_graph::storage::Filter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{TestUser, sign_up};
use crate::dashboard::{get_page, post_form};
use crate::helpers::{Mode, TestApp, eventually, json};
use crate::workspaces::{app_for, connected, simulator};

/// The home page's card facts for the workspace, and what the store holds for it.
async fn card_and_store(app: &TestApp, user: &TestUser, id: &str) -> (String, (u64, u64)) {
    let home = get_page(app, Some(user), "/").await.text().await.unwrap();
    let mine = Filter::all().eq("connection", id);
    let pages = app.state.store.count(&ENTITIES, &mine).await.unwrap();
    let links = app.state.store.count(&EDGES, &mine).await.unwrap();
    (home, (pages, links))
}

fn shows_counts(home: &str, (pages, links): (u64, u64)) -> bool {
    home.contains(&format!("<dt>Pages</dt><dd>{pages}</dd>"))
        && home.contains(&format!("<dt>Links</dt><dd>{links}</dd>"))
}

/// Waits until no sync of the workspace runs (the schedule may start one after the first).
async fn settled(app: &TestApp, user: &TestUser, id: &str) -> Value {
    eventually(Duration::from_secs(60), "no sync running", || async {
        let view = json(user.get(app, &format!("/api/v1/workspaces/{id}")).await).await;
        (view["latest_sync"]["state"] == "completed").then_some(view)
    })
    .await
}

#[tokio::test]
async fn the_home_card_shows_what_the_store_holds_after_each_sync() {
    for mode in Mode::ALL {
        let sim = simulator(41, 40).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let owner = sign_up(&app, "counted").await;
        let id = connected(&app, &owner, &sim).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        settled(&app, &owner, &id).await;
        let (home, stored) = card_and_store(&app, &owner, &id).await;
        assert!(stored.0 > 0 && stored.1 > 0, "{stored:?}");
        assert!(shows_counts(&home, stored), "{stored:?} in {home}");

        // A new page linking to an old one, then a sync that reads it.
        let parent = sim
            .truth()
            .pages
            .into_iter()
            .find(|p| p.kind == "page" && p.shared && !p.trashed)
            .unwrap()
            .id;
        let http = reqwest::Client::new();
        let created: Value = http
            .post(format!("{}/_sim/pages", sim.url))
            .json(&json!({ "parent_id": parent, "title": "Counted later" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let page = created["id"].as_str().unwrap();
        let linked = http
            .post(format!("{}/_sim/pages/{page}/links", sim.url))
            .json(&json!({ "target": parent, "kind": "page_mention" }))
            .send()
            .await
            .unwrap();
        assert!(linked.status().is_success());
        let path = format!("/api/v1/workspaces/{id}/syncs");
        let queued = owner.send(&app, Method::POST, &path, &json!({})).await;
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
        let after = eventually(
            Duration::from_secs(60),
            "the sync that reads it",
            || async {
                settled(&app, &owner, &id).await;
                let (_, after) = card_and_store(&app, &owner, &id).await;
                (after.0 > stored.0 && after.1 > stored.1).then_some(after)
            },
        )
        .await;
        let (home, now) = card_and_store(&app, &owner, &id).await;
        assert_eq!(now, after);
        assert!(shows_counts(&home, after), "{after:?} in {home}");
    }
}

/// The failing syncs the admin API lists.
async fn failing(app: &TestApp, admin: &TestUser) -> Vec<Value> {
    let response = admin.get(app, "/api/admin/syncs/failing").await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await.as_array().unwrap().clone()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn an_admin_sees_failing_and_stuck_syncs_of_every_account_and_queues_a_sync() {
    for mode in Mode::ALL {
        let sim = simulator(42, 30).await;
        let Some(app) = app_for(mode, &sim).await else {
            return;
        };
        let admin = sign_up(&app, "admin").await;
        admin.make_admin(&app).await;
        let owner = sign_up(&app, "owner").await;
        let id = connected(&app, &owner, &sim).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(failing(&app, &admin).await.is_empty());
        assert_eq!(
            owner.get(&app, "/api/admin/syncs/failing").await.status(),
            StatusCode::FORBIDDEN
        );

        // The worker of a sync started an hour ago died: its lease was never renewed.
        let hour_ago = now_ms() - 3_600_000;
        let died = LatestRun {
            run: "killed-run".into(),
            kind: RunKind::Incremental,
            state: RunState::Running,
            started_at: hour_ago,
            finished_at: None,
            error: None,
        };
        record_run(&app.state.store, &id, died, |_| {})
            .await
            .unwrap();
        let listed = failing(&app, &admin).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        let stuck = &listed[0];
        assert_eq!(
            (
                stuck["workspace_id"].as_str(),
                stuck["owner_email"].as_str(),
                stuck["problem"].as_str(),
                stuck["can_retry"].as_bool()
            ),
            (
                Some(id.as_str()),
                Some(owner.email.as_str()),
                Some("stuck"),
                Some(true)
            ),
            "{stuck}"
        );
        assert!(
            stuck["advice"].as_str().unwrap().contains("resumes"),
            "{stuck}"
        );
        let page = get_page(&app, Some(&admin), "/admin")
            .await
            .text()
            .await
            .unwrap();
        let form = format!("/admin/workspaces/{id}/sync");
        assert!(
            page.contains(&form) && page.contains(&owner.email),
            "{page}"
        );

        let unknown = admin
            .send(
                &app,
                Method::POST,
                "/api/admin/workspaces/nope/syncs",
                &json!({}),
            )
            .await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let retried = post_form(
            &app,
            Some(&admin),
            &form,
            &[("csrf_token", admin.csrf.as_str())],
        )
        .await;
        assert_eq!(retried.status(), StatusCode::SEE_OTHER);
        eventually(Duration::from_secs(60), "the retried sync", || async {
            failing(&app, &admin).await.is_empty().then_some(())
        })
        .await;
        let audit = json(
            admin
                .get(&app, "/api/admin/audit?action=sync_retried")
                .await,
        )
        .await;
        assert_eq!(audit["events"][0]["target"], id.as_str(), "{audit}");
        assert_eq!(audit["events"][0]["actor"], admin.id.as_str(), "{audit}");

        // Notion refuses the token: the sync fails, and only the owner can fix it.
        assert!(sim.revoke(&sim.token));
        let path = format!("/api/v1/workspaces/{id}/syncs");
        let queued = owner.send(&app, Method::POST, &path, &json!({})).await;
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
        let listed = eventually(Duration::from_secs(60), "the failed sync", || async {
            let listed = failing(&app, &admin).await;
            (!listed.is_empty()).then_some(listed)
        })
        .await;
        let failed = &listed[0];
        assert_eq!(
            (
                failed["problem"].as_str(),
                failed["status"].as_str(),
                failed["can_retry"].as_bool()
            ),
            (Some("failed"), Some("needs_reauthorization"), Some(false)),
            "{failed}"
        );
        assert!(
            failed["error"].as_str().unwrap().contains("refused"),
            "{failed}"
        );
        assert!(
            failed["advice"].as_str().unwrap().contains("reconnect"),
            "{failed}"
        );
        let refused = admin
            .send(
                &app,
                Method::POST,
                &format!("/api/admin/workspaces/{id}/syncs"),
                &json!({}),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let card = get_page(&app, Some(&owner), "/")
            .await
            .text()
            .await
            .unwrap();
        assert!(card.contains("Reconnect needed"), "{card}");
    }
}
