//! `POST /mcp`: JSON-RPC messages in, their responses out (a batch as an array), 202 when
//! nothing needed an answer. `GET` (a stream of server-initiated messages) and `DELETE` (the
//! end of a session) are answered 405: this server sends no such messages and keeps no
//! sessions.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde_json::{Value, json};
use utoipa::OpenApi;

use super::protocol::{self, Answer, Incoming, RpcError};
use super::tools::{self, ToolError};
use crate::error::{AppError, Code};
use crate::modules::auth::{AuthUser, ReadingApiKey};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(paths(mcp))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(mcp);
}

/// The Model Context Protocol (Streamable HTTP, JSON responses): read-only tools over the API
/// key's workspaces. The body is one JSON-RPC 2.0 message or an array of them; a read-scoped
/// API key is enough.
#[utoipa::path(
    request_body(content = Object, description = "A JSON-RPC 2.0 message (or an array of them)"),
    responses(
        (status = 200, description = "The JSON-RPC response (or an array of them)", body = Object),
        (status = 202, description = "Only notifications or responses: nothing to answer"),
        (status = 400, description = "An `MCP-Protocol-Version` this server does not speak"),
        (status = 403, description = "An `Origin` other than this instance's"),
    )
)]
#[post("/mcp")]
async fn mcp(
    state: web::Data<AppState>,
    ReadingApiKey(user): ReadingApiKey,
    request: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    check_headers(&state, &request)?;
    let (messages, batch) = match body.into_inner() {
        Value::Array(messages) => (messages, true),
        one => (vec![one], false),
    };
    let mut replies = Vec::new();
    for message in messages {
        replies.extend(reply(&state, &user, message).await);
    }
    Ok(match replies.len() {
        0 => HttpResponse::Accepted().finish(),
        _ if batch => HttpResponse::Ok().json(replies),
        _ => HttpResponse::Ok().json(&replies[0]),
    })
}

/// A browser page of another site may not call it (DNS rebinding), and a protocol revision
/// this server does not speak is refused before anything runs.
fn check_headers(state: &AppState, request: &HttpRequest) -> Result<(), AppError> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let origin = header(header::ORIGIN.as_str());
    if let Some(origin) = origin.filter(|o| o.trim_end_matches('/') != state.settings.public_url())
    {
        return Err(AppError::new(
            Code::Forbidden,
            format!("requests from `{origin}` are not accepted here"),
        ));
    }
    match header("mcp-protocol-version") {
        Some(version) if !protocol::VERSIONS.contains(&version) => Err(AppError::new(
            Code::InvalidValue,
            format!(
                "MCP-Protocol-Version `{version}` is not one this server speaks: {}",
                protocol::VERSIONS.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// The response a message needs: none for a notification or a response.
async fn reply(state: &AppState, user: &AuthUser, message: Value) -> Option<Value> {
    let incoming: Incoming = match serde_json::from_value(message) {
        Ok(incoming) => incoming,
        Err(e) => {
            let error = RpcError::invalid_request(format!("not a JSON-RPC message: {e}"));
            return Some(protocol::response(Value::Null, Err(error)));
        }
    };
    let id = incoming.id.clone()?;
    if incoming.method.is_none() && incoming.jsonrpc == "2.0" {
        return None;
    }
    let answer = match protocol::check(&incoming) {
        Ok(method) => dispatch(state, user, method, incoming.params.clone()).await,
        Err(error) => Err(error),
    };
    Some(protocol::response(id, answer))
}

async fn dispatch(
    state: &AppState,
    user: &AuthUser,
    method: &str,
    params: Option<Value>,
) -> Answer {
    match method {
        "initialize" => Ok(protocol::initialized(params.as_ref())),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(tools::list()),
        "tools/call" => call(state, user, params.unwrap_or(Value::Null)).await,
        other => Err(RpcError::method_not_found(other)),
    }
}

/// A tool's answer as text (its JSON) and as structured content; a failure the model should
/// read (an unknown page) as a result marked `isError`.
async fn call(state: &AppState, user: &AuthUser, params: Value) -> Answer {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Err(RpcError::invalid_params(
            "tools/call needs the tool's `name`",
        ));
    };
    let arguments = params.get("arguments").cloned().unwrap_or(Value::Null);
    match tools::call(state, user, name, arguments).await {
        Ok(result) => Ok(json!({
            "content": [{"type": "text", "text": result.to_string()}],
            "structuredContent": result,
            "isError": false,
        })),
        Err(ToolError::Failed(why)) => Ok(json!({
            "content": [{"type": "text", "text": why}],
            "isError": true,
        })),
        Err(ToolError::Arguments(why)) => Err(RpcError::invalid_params(why)),
        Err(ToolError::Internal(cause)) => {
            tracing::error!(
                tool = name,
                error = format!("{cause:#}"),
                "an MCP tool failed"
            );
            Err(RpcError::internal())
        }
    }
}
