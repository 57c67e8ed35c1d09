//! The Chat Completions wire format: the messages sent, and the reply read back, whether the
//! server streams it as server-sent events (`stream: true`) or answers with one JSON body.
//! Pure: bytes in, typed values out, so every shape a server may send is unit-tested.

use serde::Serialize;
use serde_json::Value;

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    fn text(role: &'static str, content: &str) -> Self {
        Self {
            role,
            content: Some(content.to_owned()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    pub fn system(content: &str) -> Self {
        Self::text("system", content)
    }

    pub fn user(content: &str) -> Self {
        Self::text("user", content)
    }

    pub fn assistant(content: &str) -> Self {
        Self::text("assistant", content)
    }

    /// The model's own turn that called tools, sent back before their results.
    pub fn calling(content: &str, calls: Vec<ToolCall>) -> Self {
        Self {
            role: "assistant",
            content: (!content.is_empty()).then(|| content.to_owned()),
            tool_calls: calls,
            tool_call_id: None,
        }
    }

    /// A tool's result, answering the call `id`.
    pub fn tool(id: &str, content: &str) -> Self {
        Self {
            tool_call_id: Some(id.to_owned()),
            ..Self::text("tool", content)
        }
    }
}

/// A function the model asked us to call. `arguments` is the JSON text as the model wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: FunctionCall,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

/// What one request came back with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
}

/// A reply that is not a Chat Completion, in words for the log and the user's notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// Splits a server-sent event stream into the `data` of each event, across chunk borders.
#[derive(Debug, Default)]
pub struct SseLines {
    pending: Vec<u8>,
    data: Vec<String>,
}

impl SseLines {
    /// The events that `chunk` completes.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            self.line(line.trim_end_matches(['\n', '\r']), &mut events);
        }
        events
    }

    /// The last event, when the stream ended without the blank line that closes it.
    pub fn finish(&mut self) -> Vec<String> {
        let mut events = Vec::new();
        let rest = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
        self.line(rest.trim_end_matches('\r'), &mut events);
        self.line("", &mut events);
        events
    }

    fn line(&mut self, line: &str, events: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                events.push(std::mem::take(&mut self.data).join("\n"));
            }
        } else if let Some(data) = line.strip_prefix("data:") {
            self.data
                .push(data.strip_prefix(' ').unwrap_or(data).to_owned());
        }
        // `event:`, `id:`, `retry:` and `:` comments carry nothing we use.
    }
}

#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Builds a [`Completion`] from streamed chunks, handing out each piece of text as it comes.
#[derive(Debug, Default)]
pub struct Accumulator {
    text: String,
    calls: Vec<PartialCall>,
    ended: bool,
}

impl Accumulator {
    /// Reads one event's data; returns the text it adds (for streaming to the user).
    pub fn feed(&mut self, data: &str) -> Result<Option<String>, Malformed> {
        let data = data.trim();
        if data == "[DONE]" {
            self.ended = true;
            return Ok(None);
        }
        let chunk: Value = serde_json::from_str(data)
            .map_err(|_| Malformed("a streamed chunk is not JSON".into()))?;
        refuse_error(&chunk)?;
        let Some(choice) = chunk["choices"].get(0) else {
            // Usage-only and keep-alive chunks have no choices.
            return Ok(None);
        };
        if !choice["finish_reason"].is_null() {
            self.ended = true;
        }
        let delta = choice.get("delta").unwrap_or(&choice["message"]);
        for call in delta["tool_calls"].as_array().into_iter().flatten() {
            self.call_delta(call);
        }
        match delta["content"].as_str() {
            Some(text) if !text.is_empty() => {
                self.text.push_str(text);
                Ok(Some(text.to_owned()))
            }
            _ => Ok(None),
        }
    }

    fn call_delta(&mut self, delta: &Value) {
        let id = delta["id"].as_str().unwrap_or_default();
        let at = match delta["index"].as_u64() {
            Some(i) => i as usize,
            // No index: a new id starts a new call, anything else continues the last.
            None => match self.calls.last() {
                Some(last) if id.is_empty() || last.id == id => self.calls.len() - 1,
                _ => self.calls.len(),
            },
        };
        while self.calls.len() <= at {
            self.calls.push(PartialCall::default());
        }
        let call = &mut self.calls[at];
        if !id.is_empty() {
            call.id = id.to_owned();
        }
        let function = &delta["function"];
        if let Some(name) = function["name"].as_str() {
            call.name.push_str(name);
        }
        match &function["arguments"] {
            Value::String(piece) => call.arguments.push_str(piece),
            Value::Null => {}
            // Some servers send the arguments as an object, not as JSON text.
            whole => call.arguments = whole.to_string(),
        }
    }

    /// The whole reply, once the stream has ended.
    pub fn finish(self) -> Result<Completion, Malformed> {
        if !self.ended {
            return Err(Malformed("the streamed reply stopped part-way".into()));
        }
        let mut tool_calls = Vec::new();
        for (i, call) in self.calls.into_iter().enumerate() {
            if call.name.is_empty() {
                return Err(Malformed("a tool call has no function name".into()));
            }
            tool_calls.push(ToolCall {
                id: if call.id.is_empty() {
                    format!("call_{i}")
                } else {
                    call.id
                },
                kind: "function",
                function: FunctionCall {
                    name: call.name,
                    arguments: call.arguments,
                },
            });
        }
        if self.text.trim().is_empty() && tool_calls.is_empty() {
            return Err(Malformed(
                "the reply holds neither text nor a tool call".into(),
            ));
        }
        Ok(Completion {
            text: self.text,
            tool_calls,
        })
    }
}

fn refuse_error(body: &Value) -> Result<(), Malformed> {
    match body.get("error") {
        Some(error) if !error.is_null() => Err(Malformed(format!(
            "the server answered an error ({})",
            error["type"]
                .as_str()
                .or(error["code"].as_str())
                .unwrap_or("no type given")
        ))),
        _ => Ok(()),
    }
}

/// A reply sent as one JSON body (a server that does not stream).
pub fn whole(body: &[u8]) -> Result<Completion, Malformed> {
    let body: Value =
        serde_json::from_slice(body).map_err(|_| Malformed("the reply is not JSON".into()))?;
    refuse_error(&body)?;
    if body["choices"].get(0).is_none() {
        return Err(Malformed("the reply has no choices".into()));
    }
    let mut accumulator = Accumulator::default();
    accumulator.feed(&body.to_string())?;
    accumulator.ended = true;
    accumulator.finish()
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
