//! The assistant's WebSocket with a real client (tokio-tungstenite): a message sent, its plan
//! confirmed and the task followed to its end over the socket; events made through the REST
//! API of another instance seen live; what happened while disconnected replayed on
//! reconnection; and what may not open it refused.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::accounts::TestUser;
use notion_graph::config::Limit;

use crate::assistant::{Chat, chat, chat_with, unique};
use crate::helpers::{Mode, TestApp, json, spawn_app_with};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens the socket as `user`, from a page at `origin`, resuming after `after`.
async fn open(
    app: &TestApp,
    user: &TestUser,
    origin: &str,
    after: Option<u64>,
) -> Result<Socket, WsError> {
    let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
    let url = app
        .url(&format!("/api/v1/assistant/ws{query}"))
        .replacen("http", "ws", 1);
    let mut request = url.into_client_request().unwrap();
    let headers = request.headers_mut();
    let cookie = format!("__Host-ng_session={}", user.cookie);
    headers.insert("cookie", cookie.parse().unwrap());
    headers.insert("origin", origin.parse().unwrap());
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// Frames up to and including the first that `last` accepts.
async fn until(socket: &mut Socket, what: &str, last: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next()).await;
        let Ok(Some(Ok(message))) = next else {
            panic!("no {what} in time (got {next:?}) after {frames:#?}");
        };
        let Message::Text(text) = message else {
            continue;
        };
        let frame: Value = serde_json::from_str(&text).unwrap();
        let done = last(&frame);
        frames.push(frame);
        if done {
            return frames;
        }
    }
}

/// The code of the close frame that ends the socket (`None` if it ends without one).
async fn close_code(socket: &mut Socket) -> Option<u16> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

fn of_type<'a>(frames: &'a [Value], kind: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == kind).collect()
}

fn answer_to(reference: &str) -> impl Fn(&Value) -> bool + '_ {
    move |f| (f["type"] == "result" || f["type"] == "error") && f["ref"] == reference
}

fn last_id(frames: &[Value]) -> u64 {
    frames
        .iter()
        .filter_map(|f| f["id"].as_u64())
        .max()
        .unwrap()
}

/// A second instance on the same MongoDB database and Redis (production mode only).
async fn twin(chat: &Chat) -> TestApp {
    let storage = chat.app.state.settings.storage.clone();
    let notion = chat.app.state.settings.notion.api_url.clone();
    spawn_app_with(Mode::Production, move |s| {
        s.storage.redis_prefix = storage.redis_prefix;
        s.storage.mongodb_database = storage.mongodb_database;
        s.notion.api_url = notion;
        s.notion.rate = 200.0;
        s.graph.build_debounce_ms = 0;
    })
    .await
    .expect("production services are there")
}

#[tokio::test]
async fn the_socket_carries_a_plan_to_its_finished_task_and_replays_what_it_missed() {
    for mode in Mode::ALL {
        let Some(chat) = chat(mode, 151).await else {
            return;
        };
        // In production the socket is on another instance than the REST calls below.
        let other = match mode {
            Mode::Embedded => None,
            Mode::Production => Some(twin(&chat).await),
        };
        let socket_app = other.as_ref().unwrap_or(&chat.app);
        let origin = socket_app.address.clone();
        let mut socket = open(socket_app, &chat.user, &origin, None).await.unwrap();
        let ready = until(&mut socket, "ready", |f| f["type"] == "ready").await;
        assert_eq!(ready[0]["replayed"], 0, "{mode:?}");

        let home = &unique(&chat.sim.truth(), "page")[0].title;
        let text = format!("add a to-do Call Ana to {home}");
        let message =
            json!({"type": "send", "ref": "1", "conversation": chat.conversation, "text": text});
        send(&mut socket, message).await;
        // The answer comes straight back, the events through the pub/sub: either may be first.
        let mut frames = until(&mut socket, "the answer", answer_to("1")).await;
        let answer = frames.last().unwrap().clone();
        if !frames.iter().any(|f| f["message"]["role"] == "assistant") {
            let reply = until(&mut socket, "the reply", |f| {
                f["message"]["role"] == "assistant"
            });
            frames.extend(reply.await);
        }
        assert_eq!(answer["status"], 200, "{mode:?}: {answer}");
        let plan = answer["body"]["plan"]["id"].as_str().unwrap().to_owned();
        let said = of_type(&frames, "message");
        let roles: Vec<&Value> = said.iter().map(|m| &m["message"]["role"]).collect();
        assert_eq!(roles, ["user", "assistant"], "{mode:?}: {frames:#?}");
        assert_eq!(said[1]["message"]["plan"]["needs_confirmation"], true);
        let typing = &of_type(&frames, "typing")[0];
        assert_eq!(typing["reply_to"], said[0]["message"]["id"], "{mode:?}");
        assert!(said[0]["id"].as_u64() < typing["id"].as_u64());

        send(
            &mut socket,
            json!({"type": "confirm", "ref": "2", "plan": plan}),
        )
        .await;
        let frames = until(&mut socket, "the finished task", |f| {
            f["type"] == "task_finished"
        })
        .await;
        let finished = frames.last().unwrap();
        assert_eq!(
            finished["task"]["state"], "completed",
            "{mode:?}: {frames:#?}"
        );
        assert_eq!(finished["task"]["done"], 1);
        let confirmed = of_type(&frames, "plan");
        assert_eq!(confirmed[0]["plan"]["state"], "confirmed", "{mode:?}");
        let progress = of_type(&frames, "task_progress");
        assert!(
            progress.iter().any(|p| p["task"]["state"] == "running"),
            "{mode:?}: {frames:#?}"
        );
        let ids: Vec<u64> = progress.iter().filter_map(|p| p["id"].as_u64()).collect();
        assert!(
            ids.iter().all(|id| *id < finished["id"].as_u64().unwrap()),
            "{mode:?}: a task's last event has the largest id: {frames:#?}"
        );

        // A question asked over REST (on the other instance, in production) shows up live.
        let reply = chat.say(&format!("what links to {home}")).await;
        let reply_id = reply["reply"]["id"].as_str().unwrap().to_owned();
        let frames = until(&mut socket, "the REST reply", |f| {
            f["message"]["id"] == reply_id.as_str()
        })
        .await;
        let seen = last_id(&frames);

        // Disconnected, another write runs to its end; reconnecting replays it.
        socket.close(None).await.unwrap();
        drop(socket);
        let task = chat.run(&format!("add a to-do Call Bo to {home}")).await;
        let mut socket = open(socket_app, &chat.user, &origin, Some(seen))
            .await
            .unwrap();
        let frames = until(&mut socket, "ready", |f| f["type"] == "ready").await;
        let ready = frames.last().unwrap();
        assert_eq!(ready["complete"], true, "{mode:?}: {frames:#?}");
        let missed = of_type(&frames, "task_finished");
        assert!(
            missed
                .iter()
                .any(|t| t["task"]["id"] == task["id"] && t["task"]["state"] == "completed"),
            "{mode:?}: the task that ended meanwhile is replayed: {frames:#?}"
        );
        let texts: Vec<&str> = of_type(&frames, "message")
            .iter()
            .filter_map(|m| m["message"]["text"].as_str())
            .collect();
        assert!(
            texts.contains(&format!("add a to-do Call Bo to {home}").as_str()),
            "{mode:?}: the message sent meanwhile is replayed: {texts:?}"
        );
        assert!(ready["last"].as_u64().unwrap() > seen, "{mode:?}");

        // An instance shutting down closes its sockets as going away, and the client
        // reconnects elsewhere, instead of holding the drain up to its timeout.
        let (serving, rest) = match other {
            Some(other) => (other, Some(chat.app)),
            None => (chat.app, None),
        };
        let (code, ()) = tokio::join!(close_code(&mut socket), serving.stop());
        assert_eq!(code, Some(1001), "{mode:?}");
        if let Some(rest) = rest {
            rest.stop().await;
        }
    }
}

#[tokio::test]
async fn the_socket_refuses_other_origins_plain_requests_and_bad_frames() {
    let Some(chat) = chat(Mode::Embedded, 152).await else {
        return;
    };
    let app = &chat.app;
    match open(app, &chat.user, "https://evil.example", None).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a foreign origin was let in: {:?}", other.map(|_| ())),
    }
    let plain = chat
        .user
        .request(app, Method::GET, "/api/v1/assistant/ws")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(json(plain).await["code"], "websocket_required");
    let anonymous = app.get("/api/v1/assistant/ws").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let mut socket = open(app, &chat.user, &app.address, None).await.unwrap();
    until(&mut socket, "ready", |f| f["type"] == "ready").await;
    send(
        &mut socket,
        json!({"type": "archive_everything", "ref": "x"}),
    )
    .await;
    let refused = until(&mut socket, "the refusal", answer_to("x")).await;
    assert_eq!(refused.last().unwrap()["problem"]["code"], "invalid_json");
    send(
        &mut socket,
        json!({"type": "confirm", "ref": "y", "plan": "nope"}),
    )
    .await;
    let missing = until(&mut socket, "the 404", answer_to("y")).await;
    let missing = missing.last().unwrap();
    assert_eq!(
        (
            missing["status"].as_u64(),
            missing["problem"]["code"].as_str()
        ),
        (Some(404), Some("unknown_assistant_plan"))
    );
    socket
        .send(Message::Ping(b"hi".to_vec().into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Pong(bytes) = message {
                return bytes.to_vec();
            }
        }
        Vec::new()
    })
    .await
    .unwrap();
    assert_eq!(pong, b"hi");

    // Signing out ends the socket at the next heartbeat (15 s).
    let out = chat
        .user
        .send(app, Method::POST, "/api/v1/auth/logout", &json!({}))
        .await;
    assert!(out.status().is_success(), "{}", out.status());
    let ended = tokio::time::timeout(Duration::from_secs(40), close_code(&mut socket))
        .await
        .expect("the socket is closed after signing out");
    assert_eq!(ended, Some(1008));
}

#[tokio::test]
async fn a_plan_out_of_assistant_actions_refuses_the_confirmation_and_names_the_plan_to_lift_it() {
    let Some(chat) = chat_with(Mode::Embedded, 153, |s| {
        s.billing.default_plan = "free".into();
        let free = s
            .billing
            .plans
            .iter_mut()
            .find(|p| p.name == "free")
            .unwrap();
        free.assistant_actions_per_month = Limit(Some(1));
    })
    .await
    else {
        return;
    };
    let home = &unique(&chat.sim.truth(), "page")[0].title;
    chat.run(&format!("add a to-do Call Ana to {home}")).await;
    let second = chat.say(&format!("add a to-do Call Bo to {home}")).await;
    let plan = second["plan"]["id"].as_str().unwrap().to_owned();

    let mut socket = open(&chat.app, &chat.user, &chat.app.address, None)
        .await
        .unwrap();
    until(&mut socket, "ready", |f| f["type"] == "ready").await;
    send(
        &mut socket,
        json!({"type": "confirm", "ref": "c", "plan": plan}),
    )
    .await;
    let refused = until(&mut socket, "the refusal", answer_to("c")).await;
    let refused = refused.last().unwrap();
    assert_eq!(refused["status"], 402, "{refused}");
    let problem = &refused["problem"];
    assert_eq!(
        (problem["code"].as_str(), problem["upgrade_to"].as_str()),
        (Some("plan_limit"), Some("pro")),
        "{problem}"
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("pro plan allows 500"), "{detail}");

    // The plan stays proposed (nothing ran), and the billing API counts what was used.
    let path = format!("/api/v1/assistant/plans/{plan}/confirm");
    let again = chat
        .user
        .send(&chat.app, Method::POST, &path, &json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::PAYMENT_REQUIRED);
    let billing = json(chat.user.get(&chat.app, "/api/v1/billing").await).await;
    let actions = billing["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["limit"] == "assistant_actions")
        .unwrap();
    assert_eq!(
        (actions["used"].as_u64(), actions["reached"].as_bool()),
        (Some(1), Some(true))
    );
    chat.app.stop().await;
}
