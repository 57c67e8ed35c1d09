//! The control API changes the workspace like a user would, and webhooks report it.

use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::helpers::{config, spawn};

#[tokio::test]
async fn an_edit_moves_last_edited_time_and_the_truth() {
    let t = spawn(config()).await;
    let truth = t.sim.truth();
    let page = truth
        .pages
        .iter()
        .find(|p| p.kind == "page" && p.shared && !p.trashed && p.parent.is_some())
        .unwrap()
        .clone();
    let target = truth
        .pages
        .iter()
        .find(|p| p.kind == "page" && p.id != page.id && p.shared)
        .unwrap()
        .clone();
    let (_, before) = t.get(&format!("/v1/pages/{}", page.id)).await;

    let (status, renamed) = t
        .control(
            Method::PATCH,
            &format!("/_sim/pages/{}", page.id),
            json!({ "title": "Renamed page" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let (_, after) = t.get(&format!("/v1/pages/{}", page.id)).await;
    let edited = after["last_edited_time"].as_str().unwrap();
    assert!(edited > before["last_edited_time"].as_str().unwrap());
    assert!(
        edited.ends_with(":00.000Z"),
        "rounded to the minute: {edited}"
    );
    assert_eq!(
        after["properties"]["title"]["title"][0]["plain_text"],
        "Renamed page"
    );
    assert!(
        t.sim
            .truth()
            .pages
            .iter()
            .any(|p| p.id == page.id && p.title == "Renamed page")
    );

    for kind in ["page_mention", "notion_url", "link_to_page"] {
        let (status, _) = t
            .control(
                Method::POST,
                &format!("/_sim/pages/{}/links", page.id),
                json!({ "target": target.id, "kind": kind }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let has = |truth: &notion_sim::Truth| {
            truth
                .edges
                .iter()
                .any(|e| e.source == page.id && e.target == target.id && e.kind == kind)
        };
        assert!(has(&t.sim.truth()), "{kind} edge added");
    }
    let (_, removed) = t
        .control(
            Method::DELETE,
            &format!("/_sim/pages/{}/links/{}", page.id, target.id),
            json!({}),
        )
        .await;
    assert!(removed["removed"].as_u64().unwrap() >= 3);
    let truth = t.sim.truth();
    assert!(
        !truth
            .edges
            .iter()
            .any(|e| e.source == page.id && e.target == target.id && e.kind != "child_page")
    );

    let (_, created) = t
        .control(
            Method::POST,
            "/_sim/pages",
            json!({ "parent_id": page.id, "title": "Fresh child" }),
        )
        .await;
    let child = created["id"].as_str().unwrap().to_owned();
    assert!(
        t.sim
            .truth()
            .edges
            .iter()
            .any(|e| e.source == page.id && e.target == child && e.kind == "child_page")
    );
    let (_, trashed) = t
        .control(
            Method::PATCH,
            &format!("/_sim/pages/{child}"),
            json!({ "trashed": true }),
        )
        .await;
    assert_eq!(trashed["in_trash"], true);
    assert!(
        t.sim
            .truth()
            .pages
            .iter()
            .any(|p| p.id == child && p.trashed)
    );
    let search = t
        .post_all("/v1/search", json!({ "query": "Fresh child" }), 100)
        .await;
    assert!(search.is_empty());
    t.stop().await;
}

#[tokio::test]
async fn relations_can_be_added_through_the_control_api() {
    let t = spawn(config()).await;
    let truth = t.sim.truth();
    let rows: Vec<_> = truth
        .pages
        .iter()
        .filter(|p| p.kind == "row" && p.shared && !p.trashed)
        .collect();
    let (row, target) = (&rows[5].id, &rows[6].id);
    let (status, page) = t
        .control(
            Method::POST,
            &format!("/_sim/pages/{row}/relations"),
            json!({ "property": "Related", "target": target }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        t.sim
            .truth()
            .edges
            .iter()
            .any(|e| &e.source == row && &e.target == target && e.kind == "relation")
    );
    t.stop().await;
}

/// A webhook receiver: forwards (signature header, raw body) of every POST.
async fn receiver() -> (
    String,
    mpsc::UnboundedReceiver<(Option<String>, Vec<u8>)>,
    actix_web::dev::ServerHandle,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let tx = tx.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let signature = req
                .headers()
                .get("X-Notion-Signature")
                .map(|v| v.to_str().unwrap().to_owned());
            let _ = tx.send((signature, body.to_vec()));
            async { HttpResponse::Ok().finish() }
        }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (url, rx, handle)
}

#[tokio::test]
async fn webhooks_verify_then_deliver_signed_events() {
    let (url, mut rx, handle) = receiver().await;
    let t = spawn(config().webhook_url(url)).await;
    let next = async |rx: &mut mpsc::UnboundedReceiver<(Option<String>, Vec<u8>)>| {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("delivered in time")
            .unwrap()
    };
    let (signature, body) = next(&mut rx).await;
    assert!(signature.is_none());
    let handshake: Value = serde_json::from_slice(&body).unwrap();
    let token = handshake["verification_token"].as_str().unwrap().to_owned();
    assert_eq!(Some(token.clone()), t.sim.verification_token);

    let page = t
        .sim
        .truth()
        .pages
        .into_iter()
        .find(|p| p.kind == "page" && p.shared)
        .unwrap();
    t.control(
        Method::PATCH,
        &format!("/_sim/pages/{}", page.id),
        json!({ "title": "Hooked" }),
    )
    .await;
    let (signature, body) = next(&mut rx).await;
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(signature.as_deref(), Some(expected.as_str()));
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["type"], "page.properties_updated");
    assert_eq!(event["entity"], json!({ "id": page.id, "type": "page" }));
    for field in ["id", "timestamp", "workspace_id", "data"] {
        assert!(!event[field].is_null(), "{field}");
    }
    t.stop().await;
    handle.stop(false).await;
}
