use super::*;

fn streamed(body: &str, chunk: usize) -> (Vec<String>, Result<Completion, Malformed>) {
    let mut lines = SseLines::default();
    let mut accumulator = Accumulator::default();
    let mut tokens = Vec::new();
    let bytes = body.as_bytes();
    let mut events = Vec::new();
    for piece in bytes.chunks(chunk) {
        events.extend(lines.push(piece));
    }
    events.extend(lines.finish());
    for event in events {
        match accumulator.feed(&event) {
            Ok(Some(token)) => tokens.push(token),
            Ok(None) => {}
            Err(error) => return (tokens, Err(error)),
        }
    }
    (tokens, accumulator.finish())
}

const TEXT: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Two \"}}]}\n\n\
: keep-alive\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"pages.\"}}]}\r\n\r\n\
data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

#[test]
fn streamed_text_comes_out_token_by_token_whatever_the_chunking() {
    for chunk in [1, 7, 4096] {
        let (tokens, completion) = streamed(TEXT, chunk);
        assert_eq!(tokens, vec!["Two ", "pages."]);
        let completion = completion.unwrap();
        assert_eq!(completion.text, "Two pages.");
        assert!(completion.tool_calls.is_empty());
    }
}

#[test]
fn tool_call_deltas_are_joined_by_index() {
    let body = [
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"backlinks","arguments":""}}]}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"page\":"}}]}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"hubs","arguments":"{}"}}]}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Roadmap\"}"}}]}}]}"#,
        r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
    ]
    .map(|c| format!("data: {c}\n\n"))
    .concat();
    let (tokens, completion) = streamed(&body, 5);
    assert!(tokens.is_empty());
    let calls = completion.unwrap().tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "call_a");
    assert_eq!(calls[0].function.name, "backlinks");
    assert_eq!(calls[0].function.arguments, r#"{"page":"Roadmap"}"#);
    assert_eq!(calls[1].function.name, "hubs");
}

#[test]
fn a_call_sent_whole_with_object_arguments_and_no_index_is_read() {
    let body = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"x\",\"function\":{\"name\":\"archive\",\"arguments\":{\"page\":\"Old\"}}}]},\"finish_reason\":\"tool_calls\"}]}\n\n";
    let calls = streamed(body, 64).1.unwrap().tool_calls;
    assert_eq!(calls[0].function.arguments, r#"{"page":"Old"}"#);
}

#[test]
fn broken_streams_are_malformed() {
    let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"Hal\"}}]}\n\n";
    assert!(streamed(cut, 8).1.is_err(), "no end");
    let garbage = "data: {\"choices\": [\n\n";
    assert!(streamed(garbage, 8).1.is_err(), "not JSON");
    let error = "data: {\"error\":{\"type\":\"server_error\",\"message\":\"boom\"}}\n\n";
    let message = streamed(error, 8).1.unwrap_err().to_string();
    assert!(message.contains("server_error") && !message.contains("boom"));
    let empty = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    assert!(streamed(empty, 8).1.is_err(), "nothing in it");
    let unnamed = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n";
    assert!(streamed(unnamed, 8).1.is_err(), "a call without a name");
}

#[test]
fn a_whole_json_reply_is_read_like_a_stream() {
    let body = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"open","arguments":"{\"page\":\"Home\"}"}}]},"finish_reason":"tool_calls"}]}"#;
    let completion = whole(body).unwrap();
    assert_eq!(completion.tool_calls[0].function.name, "open");
    assert!(whole(b"<html>").is_err());
    assert!(whole(br#"{"choices":[]}"#).is_err());
}

#[test]
fn messages_serialise_as_the_api_expects() {
    let call = ToolCall {
        id: "c1".into(),
        kind: "function",
        function: FunctionCall {
            name: "hubs".into(),
            arguments: "{}".into(),
        },
    };
    let sent = serde_json::to_value([
        ChatMessage::calling("", vec![call]),
        ChatMessage::tool("c1", "data"),
    ])
    .unwrap();
    assert_eq!(
        sent,
        serde_json::json!([
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                "function": {"name": "hubs", "arguments": "{}"}}]},
            {"role": "tool", "content": "data", "tool_call_id": "c1"}
        ])
    );
}
