//! The Model Context Protocol over Streamable HTTP, as far as a server with read-only tools and
//! no server-initiated messages needs it: JSON-RPC 2.0 requests posted to one endpoint, each
//! answered in the response body as JSON (never a stream), notifications acknowledged with 202.
//! No session is kept, so any instance answers any call.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Protocol revisions this server speaks, newest first; it answers `initialize` with the
/// client's when it knows it, else with its newest (the client then decides).
pub const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// One JSON-RPC message from the client: a request when it has an id, else a notification
/// (or a response to a request this server never sends).
#[derive(Debug, Deserialize)]
pub struct Incoming {
    pub jsonrpc: String,
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub params: Option<Value>,
}

/// What a method answers: a result, or a JSON-RPC error.
pub type Answer = Result<Value, RpcError>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self {
            code: -32600,
            message: message.into(),
        }
    }

    pub fn method_not_found(method: &str) -> Self {
        Self {
            code: -32601,
            message: format!(
                "no method `{method}`: this server offers initialize, ping, tools/list and tools/call"
            ),
        }
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: -32602,
            message: message.into(),
        }
    }

    /// The cause is logged, never sent.
    pub fn internal() -> Self {
        Self {
            code: -32603,
            message: "the server failed; the cause is logged".into(),
        }
    }
}

/// The response to the request `id`.
pub fn response(id: Value, answer: Answer) -> Value {
    match answer {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
    }
}

/// What `initialize` answers.
pub fn initialized(params: Option<&Value>) -> Value {
    let asked = params
        .and_then(|p| p.get("protocolVersion"))
        .and_then(Value::as_str);
    let version = asked
        .filter(|v| VERSIONS.contains(v))
        .unwrap_or(VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "notion-graph", "version": env!("CARGO_PKG_VERSION")},
        "instructions": "Read-only tools over the Notion workspaces of the API key's account: \
            how pages link to each other (mentions, links, relations, hierarchy), found by title. \
            Call list_workspaces first when the account has several; pass a page as its Notion \
            id, URL or exact title.",
    })
}

/// A message that is not a JSON-RPC 2.0 request or notification, as an error for its id.
pub fn check(message: &Incoming) -> Result<&str, RpcError> {
    if message.jsonrpc != "2.0" {
        return Err(RpcError::invalid_request("`jsonrpc` must be \"2.0\""));
    }
    message
        .method
        .as_deref()
        .ok_or_else(|| RpcError::invalid_request("a request needs a `method`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_answers_the_clients_version_when_known_and_its_newest_otherwise() {
        let known = json!({"protocolVersion": "2025-03-26"});
        assert_eq!(initialized(Some(&known))["protocolVersion"], "2025-03-26");
        let future = json!({"protocolVersion": "2099-01-01"});
        assert_eq!(initialized(Some(&future))["protocolVersion"], VERSIONS[0]);
        assert_eq!(
            initialized(None)["capabilities"]["tools"]["listChanged"],
            false
        );
    }

    #[test]
    fn a_message_needs_version_2_and_a_method() {
        let parse = |v: Value| serde_json::from_value::<Incoming>(v).unwrap();
        let good = parse(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
        assert_eq!(check(&good), Ok("ping"));
        let old = parse(json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}));
        assert_eq!(check(&old).unwrap_err().code, -32600);
        let reply = parse(json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
        assert_eq!(check(&reply).unwrap_err().code, -32600);
    }
}
