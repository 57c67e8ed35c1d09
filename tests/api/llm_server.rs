//! A scripted OpenAI-compatible Chat Completions server for the assistant's LLM path: each
//! request gets the next scripted reply (streamed as server-sent events in small pieces, or
//! one JSON body, or a failure), and every request is recorded for assertions. It plays a
//! model only as far as a test scripts it: it never reads the conversation to decide.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use notion_graph::config::Settings;
use serde_json::{Value, json};

/// The key the app is given; a test checks it never shows.
pub const KEY: &str = "sk-scripted-model-key-0123456789";
/// The app's timeout for one request, and how long a stalled reply takes.
pub const TIMEOUT_MS: u64 = 400;
const STALL: Duration = Duration::from_millis(1500);

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Streamed text.
    Text(String),
    /// Streamed tool calls, arguments as JSON text cut into pieces as OpenAI streams them.
    Calls(Vec<(String, Value)>),
    /// A tool call whose arguments are JSON text of JSON text.
    Stringified(String, Value),
    /// A tool call whose arguments are an object, in one JSON body (no stream).
    Whole(String, Value),
    /// An HTTP error status with an error body.
    Status(u16),
    /// A stream whose second chunk is not JSON.
    Malformed,
    /// Nothing for longer than the app waits.
    Stall,
}

/// One tool call, streamed.
pub fn call(name: &str, arguments: Value) -> Reply {
    Reply::Calls(vec![(name.to_owned(), arguments)])
}

pub fn text(text: &str) -> Reply {
    Reply::Text(text.to_owned())
}

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    received: Vec<Received>,
}

pub struct ScriptedModel {
    pub url: String,
    script: web::Data<Mutex<Script>>,
    handle: ServerHandle,
}

impl ScriptedModel {
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let script = web::Data::new(Mutex::new(Script::default()));
        let shared = script.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::JsonConfig::default().limit(1 << 22))
                .route("/v1/chat/completions", web::post().to(answer))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url,
            script,
            handle,
        }
    }

    /// Points the app at this server.
    pub fn configure(&self, settings: &mut Settings) {
        settings.assistant.llm_base_url = Some(self.url.clone());
        settings.assistant.llm_model = Some("scripted".into());
        settings.assistant.llm_api_key = Some(KEY.to_owned().into());
        settings.assistant.llm_timeout_ms = TIMEOUT_MS;
    }

    /// Queues replies for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().replies.extend(replies);
    }

    /// Replies scripted and not yet asked for.
    pub fn unused(&self) -> usize {
        self.script.lock().unwrap().replies.len()
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn answer(
    request: HttpRequest,
    body: web::Json<Value>,
    script: web::Data<Mutex<Script>>,
) -> HttpResponse {
    let reply = {
        let mut script = script.lock().unwrap();
        script.received.push(Received {
            authorization: request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: body.into_inner(),
        });
        script.replies.pop_front()
    };
    match reply {
        Some(reply) => respond(reply).await,
        None => HttpResponse::InternalServerError()
            .json(json!({"error": {"type": "server_error", "message": "script exhausted"}})),
    }
}

async fn respond(reply: Reply) -> HttpResponse {
    match reply {
        Reply::Text(text) => {
            let mut chunks: Vec<Value> = words(&text)
                .into_iter()
                .map(|piece| json!({"delta": {"content": piece}}))
                .collect();
            chunks.insert(0, json!({"delta": {"role": "assistant"}}));
            stream(chunks, "stop")
        }
        Reply::Calls(calls) => stream(call_chunks(&calls), "tool_calls"),
        Reply::Stringified(name, arguments) => {
            let twice = Value::String(arguments.to_string()).to_string();
            let delta = json!({"tool_calls": [{"index": 0, "id": "call_s", "type": "function",
                "function": {"name": name, "arguments": twice}}]});
            stream(vec![json!({ "delta": delta })], "tool_calls")
        }
        Reply::Whole(name, arguments) => HttpResponse::Ok().json(json!({
            "id": "chatcmpl-whole", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null, "tool_calls": [{"id": "call_w",
                    "type": "function", "function": {"name": name, "arguments": arguments}}]}}]
        })),
        Reply::Status(status) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status).unwrap(),
        )
        .json(json!({"error": {"type": "server_error", "message": format!("scripted {status}")}})),
        Reply::Malformed => events(vec![
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n".into(),
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\n\n".into(),
        ]),
        Reply::Stall => {
            tokio::time::sleep(STALL).await;
            stream(vec![json!({"delta": {"content": "too late"}})], "stop")
        }
    }
}

/// Tool-call deltas as OpenAI streams them: the name first, the arguments in short pieces.
fn call_chunks(calls: &[(String, Value)]) -> Vec<Value> {
    let mut chunks = Vec::new();
    for (index, (name, arguments)) in calls.iter().enumerate() {
        chunks.push(
            json!({"delta": {"tool_calls": [{"index": index, "id": format!("call_{index}"),
            "type": "function", "function": {"name": name, "arguments": ""}}]}}),
        );
        let text: Vec<char> = arguments.to_string().chars().collect();
        for piece in text.chunks(7) {
            let piece: String = piece.iter().collect();
            chunks.push(json!({"delta": {"tool_calls": [{"index": index,
                "function": {"arguments": piece}}]}}));
        }
    }
    chunks
}

fn words(text: &str) -> Vec<String> {
    text.split_inclusive(' ').map(str::to_owned).collect()
}

fn stream(choices: Vec<Value>, finish: &str) -> HttpResponse {
    let mut lines: Vec<String> = choices
        .into_iter()
        .map(|mut choice| {
            choice["index"] = json!(0);
            let chunk = json!({"id": "chatcmpl-s", "object": "chat.completion.chunk",
                "choices": [choice]});
            format!("data: {chunk}\n\n")
        })
        .collect();
    let last = json!({"id": "chatcmpl-s", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]});
    lines.push(format!("data: {last}\n\n"));
    lines.push("data: [DONE]\n\n".into());
    events(lines)
}

fn events(lines: Vec<String>) -> HttpResponse {
    let chunks = lines
        .into_iter()
        .map(|line| Ok::<_, actix_web::Error>(Bytes::from(line)));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(futures::stream::iter(chunks))
}

/// The tool results the app sent in request `at`, as JSON.
pub fn tool_results(received: &Received) -> Vec<Value> {
    received.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| serde_json::from_str(m["content"].as_str().unwrap()).unwrap())
        .collect()
}
