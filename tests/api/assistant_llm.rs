//! The assistant's LLM path against a scripted OpenAI-compatible server: a model's tool calls
//! (streamed, stringified, whole) make the plans the offline grammar makes for the same
//! message, reads go back to it as quoted data, and when the model times out, fails or
//! answers garbage the offline planner answers and says so, until the breaker stops asking.

use std::time::Duration;

use futures::StreamExt;
use notion_graph::modules::assistant::events::{self, EventBody};
use notion_graph::modules::assistant::model::{Role, TaskState, TaskStep};
use notion_graph::modules::assistant::store::{plans, tasks};
use notion_graph::modules::assistant::tasks::RunTask;
use serde_json::{Value, json};

use crate::assistant::{Chat, chat_with, unique};
use crate::helpers::{Mode, eventually, json};
use crate::llm_server::{KEY, Reply, ScriptedModel, call, text, tool_results};

const OFFLINE: &str = "so the offline planner answered";

/// Says `message` with the model down (a 400 is not retried): the offline planner's reply.
async fn offline(chat: &Chat, model: &ScriptedModel, message: &str) -> Value {
    model.script([Reply::Status(400)]);
    let reply = chat.say(message).await;
    let text = reply["reply"]["text"].as_str().unwrap();
    assert!(
        text.contains("it answered HTTP 400") && text.contains(OFFLINE),
        "{text}"
    );
    reply
}

fn steps(reply: &Value) -> &Value {
    assert_eq!(reply["plan"]["needs_confirmation"], true, "{reply}");
    &reply["plan"]["steps"]
}

#[tokio::test]
async fn the_model_s_tool_calls_make_the_plans_the_grammar_makes() {
    let model = ScriptedModel::start().await;
    let Some(chat) = chat_with(Mode::Embedded, 146, |s| model.configure(s)).await else {
        return;
    };
    let truth = chat.sim.truth();
    let pages = unique(&truth, "page");
    let home = &pages.iter().rev().find(|p| p.has_children).unwrap().title;
    let leaves: Vec<&String> = pages
        .iter()
        .filter(|p| !p.has_children && p.title != *home)
        .map(|p| &p.title)
        .collect();
    let database = &unique(&truth, "database")[0].title;
    let phrasings = [
        (
            format!("please archive {}", leaves[0]),
            call("archive", json!({ "page": leaves[0] })),
        ),
        (
            format!("rename {} to Renamed by the model", leaves[1]),
            Reply::Stringified(
                "rename".into(),
                json!({ "page": leaves[1], "title": "Renamed by the model" }),
            ),
        ),
        (
            format!("add a to-do Call Ana to {home}"),
            Reply::Whole(
                "add_todo".into(),
                json!({ "text": "Call Ana", "page": home }),
            ),
        ),
        (
            format!("append \"Done for today\" to {home}"),
            call("append", json!({ "text": "Done for today", "page": home })),
        ),
        (
            format!("create page Model made this under {home} with text Hello there"),
            call(
                "create_page",
                json!({ "title": "Model made this", "parent": home, "text": "Hello there" }),
            ),
        ),
        (
            format!("move {} under {home}", leaves[2]),
            call("move", json!({ "page": leaves[2], "parent": home })),
        ),
        (
            format!("comment on {home}: looks good"),
            call("comment", json!({ "page": home, "text": "looks good" })),
        ),
        (
            format!("add a row Fix login to {database} with Status=Done"),
            call(
                "add_row",
                json!({ "database": database, "title": "Fix login",
                    "properties": "{\"Status\": \"Done\"}" }),
            ),
        ),
    ];
    for (message, reply) in phrasings {
        model.script([reply]);
        let understood = chat.say(&message).await;
        let text = understood["reply"]["text"].as_str().unwrap();
        assert!(!text.contains(OFFLINE), "{message}: {text}");
        let planned = offline(&chat, &model, &message).await;
        assert_eq!(steps(&understood), steps(&planned), "{message}");
    }
    // Every request streams, offers the tools, names the model and carries the key.
    let received = model.received();
    for request in &received {
        assert_eq!(request.body["stream"], true);
        assert_eq!(request.body["model"], "scripted");
        assert_eq!(request.body["tools"].as_array().unwrap().len(), 19);
        assert_eq!(request.body["messages"][0]["role"], "system");
        assert_eq!(request.authorization, Some(format!("Bearer {KEY}")));
    }
    chat.app.stop().await;
    chat.sim.stop().await;
    model.stop().await;
}

#[tokio::test]
async fn a_read_goes_back_to_the_model_as_quoted_data_and_its_text_is_the_reply() {
    let model = ScriptedModel::start().await;
    let Some(chat) = chat_with(Mode::Embedded, 147, |s| model.configure(s)).await else {
        return;
    };
    let pages = unique(&chat.sim.truth(), "page");
    let home = &pages.iter().rev().find(|p| p.has_children).unwrap().title;
    let question = format!("what links to {home}?");
    model.script([
        call("backlinks", json!({ "page": home })),
        text("Here are the pages that link to it."),
    ]);
    let mut events = events::subscribe(&chat.app.state, &chat.user.id)
        .await
        .unwrap();
    let answered = chat.say(&question).await;
    assert_eq!(
        answered["reply"]["text"],
        "Here are the pages that link to it."
    );
    // The reply streamed to the user's event stream, token by token, before it was stored.
    let mut tokens = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(5), events.next()).await {
        match event.body {
            EventBody::Token { text, .. } => tokens.push(text),
            EventBody::Message { message } if message.role == Role::Assistant => break,
            _ => {}
        }
    }
    assert!(tokens.len() > 3, "{tokens:?}");
    assert_eq!(tokens.concat(), "Here are the pages that link to it.");
    assert!(answered["plan"].is_null());
    let received = model.received();
    let read = &tool_results(received.last().unwrap())[0];
    let offline = offline(&chat, &model, &question).await;
    let offline = offline["reply"]["text"].as_str().unwrap();
    let answer = offline.split_once("\n\n").unwrap().1;
    let quoted: Vec<String> = answer.lines().map(|l| format!("> {l}")).collect();
    assert_eq!(read["quoted_data"], quoted.join("\n"));
    // The earlier turns are in the next request: the question, and the reply given.
    let last = model.received().pop().unwrap();
    let sent = last.body["messages"].to_string();
    assert!(
        sent.contains("Here are the pages that link to it."),
        "{sent}"
    );
    chat.app.stop().await;
    chat.sim.stop().await;
    model.stop().await;
}

#[tokio::test]
async fn when_the_model_fails_the_offline_planner_answers_until_the_breaker_stops_asking() {
    let model = ScriptedModel::start().await;
    let Some(chat) = chat_with(Mode::Embedded, 148, |s| model.configure(s)).await else {
        return;
    };
    let question = "show me the hubs";
    let asked = |replies: Vec<Reply>| {
        let before = model.received().len();
        model.script(replies);
        let chat = &chat;
        let model = &model;
        async move {
            let reply = chat.say(question).await;
            let text = reply["reply"]["text"].as_str().unwrap().to_owned();
            assert!(!text.contains(KEY));
            (text, model.received().len() - before)
        }
    };
    let (said, requests) = asked(vec![Reply::Stall, Reply::Stall, Reply::Stall]).await;
    assert!(
        said.contains("did not answer within 400 ms") && said.contains(OFFLINE),
        "{said}"
    );
    assert!(
        said.contains("The most linked pages"),
        "the offline answer follows: {said}"
    );
    assert_eq!(requests, 3, "two retries");
    assert_eq!(asked(vec![text("Fine.")]).await.0, "Fine.");
    let (said, requests) = asked(vec![Reply::Status(500); 3]).await;
    assert!(
        said.contains("it answered HTTP 500") && said.contains(OFFLINE),
        "{said}"
    );
    assert_eq!(requests, 3);
    assert_eq!(
        asked(vec![text("Fine.")]).await.0,
        "Fine.",
        "a success closes it"
    );
    let (said, requests) = asked(vec![Reply::Malformed]).await;
    assert!(
        said.contains("malformed") && said.contains(OFFLINE),
        "{said}"
    );
    assert_eq!(requests, 1, "a malformed reply is not retried");
    let (said, requests) = asked(vec![Reply::Status(503), text("Recovered.")]).await;
    assert_eq!((said.as_str(), requests), ("Recovered.", 2));
    // Five failures in a row open the breaker: the model is not asked any more.
    let (said, requests) = asked(vec![Reply::Status(500); 5]).await;
    assert!(said.contains("HTTP 500"), "{said}");
    assert_eq!(requests, 3);
    let (said, requests) = asked(Vec::new()).await;
    assert!(
        said.contains("not asked again for a while") && said.contains(OFFLINE),
        "{said}"
    );
    assert_eq!(requests, 2);
    let (said, requests) = asked(vec![text("never sent")]).await;
    assert!(said.contains("not asked again for a while"), "{said}");
    assert_eq!(requests, 0);
    chat.app.stop().await;
    chat.sim.stop().await;
    model.stop().await;
}

#[tokio::test]
async fn the_executor_refuses_a_task_whose_plan_the_user_did_not_confirm() {
    let Some(chat) = chat_with(Mode::Embedded, 149, |_| {}).await else {
        return;
    };
    let pages = unique(&chat.sim.truth(), "page");
    let home = &pages.iter().rev().find(|p| p.has_children).unwrap().title;
    let victim = pages.iter().find(|p| !p.has_children).unwrap();
    let done = chat.run(&format!("add a to-do Call Ana to {home}")).await;
    let proposed = chat.say(&format!("please archive {}", victim.title)).await;
    let plan = proposed["plan"]["id"].as_str().unwrap();
    // A task for the proposed (unconfirmed) plan, and one claiming the confirmed plan of
    // another task with the archive step in it: as if something had queued them directly.
    let store = &chat.app.state.store;
    let template = tasks(store)
        .get(done["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let archive = plans(store).get(plan).await.unwrap().unwrap().value.steps;
    for claimed in [plan.to_owned(), template.value.plan.clone()] {
        let mut forged = template.value.clone();
        forged.plan = claimed;
        forged.state = TaskState::Queued;
        forged.steps = archive.iter().cloned().map(TaskStep::new).collect();
        let id = ulid::Ulid::generate().to_string();
        tasks(store).insert(&id, &forged).await.unwrap();
        chat.app
            .state
            .jobs
            .push(&RunTask { task: id.clone() })
            .await
            .unwrap();
        let view = eventually(Duration::from_secs(30), "the task refused", || async {
            let view = json(
                chat.user
                    .get(&chat.app, &format!("/api/v1/assistant/tasks/{id}"))
                    .await,
            )
            .await;
            (view["state"] == "failed").then_some(view)
        })
        .await;
        assert!(view.to_string().contains("nothing was done"), "{view}");
    }
    let trashed = chat
        .sim
        .truth()
        .pages
        .iter()
        .any(|p| p.id == victim.id && p.trashed);
    assert!(!trashed, "the page was archived without a confirmation");
    chat.app.stop().await;
    chat.sim.stop().await;
}
