//! What travels over the assistant's WebSocket, as JSON text frames tagged by `type`.
//!
//! The client sends the REST API's commands ([`Command`], each with an optional `ref` the
//! answer carries back). The server sends [`events::Event`]s (messages, plans, typing,
//! tokens, task progress), a [`Frame::Ready`] once what a resuming client missed has been
//! replayed, and a [`Frame::Result`] or [`Frame::Error`] for each command: the same body or
//! problem the REST route answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{chat, tasks};
use crate::error::{AppError, Code, Problem, problem_body};
use crate::modules::auth::AuthUser;
use crate::state::AppState;

/// A command from the client, with the `ref` its answer will carry.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[schema(as = AssistantSocketCommand)]
pub struct Envelope {
    /// Any string; the answer to this command carries it back.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    #[serde(flatten)]
    pub command: Command,
}

/// The REST API's commands: `send` is `POST .../conversations/{id}/messages`, the others
/// `POST /plans/{id}/confirm|reject` and `POST /tasks/{id}/cancel|undo`.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schema(as = AssistantSocketCommandKind)]
pub enum Command {
    Send { conversation: String, text: String },
    Confirm { plan: String },
    Reject { plan: String },
    Cancel { task: String },
    Undo { task: String },
}

/// What the server sends besides events.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schema(as = AssistantSocketFrame)]
pub enum Frame {
    /// What the client missed since `after` has been sent (`replayed` events); from here on
    /// events are live. When `complete` is false there was more than a replay holds: reload
    /// the conversation over the REST API.
    Ready {
        last: u64,
        replayed: usize,
        complete: bool,
    },
    /// A command's answer: the status and body the REST route answers.
    Result {
        #[serde(rename = "ref")]
        reference: Option<String>,
        status: u16,
        #[schema(value_type = Object)]
        body: Value,
    },
    /// A command refused or failed: the REST route's problem.
    Error {
        #[serde(rename = "ref")]
        reference: Option<String>,
        status: u16,
        #[schema(value_type = Object)]
        problem: Value,
    },
}

impl Frame {
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The error frame of a problem.
    pub fn error(reference: Option<String>, error: AppError) -> Self {
        let problem = match error {
            AppError::Problem(problem) => *problem,
            AppError::Internal(cause) => {
                tracing::error!(
                    error = format!("{cause:#}"),
                    "assistant socket command failed"
                );
                Problem {
                    code: Code::Internal,
                    detail: "the server failed to handle this command; it has been logged".into(),
                    retry_after_secs: None,
                    extensions: Default::default(),
                }
            }
        };
        Frame::Error {
            reference,
            status: problem.code.status().as_u16(),
            problem: problem_body(&problem),
        }
    }
}

/// Reads a client's frame; a frame that is not a command is answered with `invalid_json`.
pub fn parse(text: &str) -> Result<Envelope, Frame> {
    serde_json::from_str(text).map_err(|e| {
        let reference = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.get("ref")?.as_str().map(str::to_owned));
        let detail = format!(
            "not a command ({e}): send {{\"type\": \"send\" | \"confirm\" | \"reject\" | \"cancel\" | \"undo\", ...}}"
        );
        Frame::error(reference, AppError::new(Code::InvalidJson, detail))
    })
}

/// Runs a command as its REST route would, answering with its frame.
pub async fn dispatch(state: &AppState, user: &AuthUser, envelope: Envelope) -> Frame {
    let reference = envelope.reference;
    let answer = match envelope.command {
        Command::Send { conversation, text } => {
            body(chat::post(state, user, &conversation, &text).await, 200)
        }
        Command::Confirm { plan } => body(tasks::confirm(state, user, &plan).await, 202),
        Command::Reject { plan } => body(tasks::reject(state, user, &plan).await, 200),
        Command::Cancel { task } => body(tasks::cancel(state, user, &task).await, 200),
        Command::Undo { task } => body(tasks::undo(state, user, &task).await, 202),
    };
    match answer {
        Ok((status, body)) => Frame::Result {
            reference,
            status,
            body,
        },
        Err(error) => Frame::error(reference, error),
    }
}

fn body<T: Serialize>(result: Result<T, AppError>, status: u16) -> Result<(u16, Value), AppError> {
    let value = result?;
    let body = serde_json::to_value(value).map_err(anyhow::Error::from)?;
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_carries_its_ref_and_a_bad_one_is_answered_with_it() {
        let sent = parse(r#"{"type":"confirm","plan":"p1","ref":"7"}"#).unwrap();
        assert_eq!(sent.reference.as_deref(), Some("7"));
        assert_eq!(sent.command, Command::Confirm { plan: "p1".into() });
        let Err(Frame::Error {
            reference, status, ..
        }) = parse(r#"{"type":"archive_everything","ref":"8"}"#)
        else {
            panic!("an unknown command was accepted");
        };
        assert_eq!((reference.as_deref(), status), (Some("8"), 400));
        assert!(parse("not json").is_err());
    }
}
