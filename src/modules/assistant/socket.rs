//! The assistant's WebSocket, `GET /api/v1/assistant/ws[?after=ID]`: the REST API's commands
//! one way, the user's events the other ([`socket_protocol`](super::socket_protocol)).
//!
//! - Only a browser session of this site: a foreign `Origin` (neither the public URL nor the
//!   host asked) is refused before the upgrade
//!   (a page of another site could otherwise act with the user's cookie), and the session is
//!   checked again at every heartbeat, so signing out ends the connection.
//! - Heartbeats: the server pings every [`HEARTBEAT`]; a client heard from neither by pong nor
//!   by anything else for [`IDLE_TIMEOUT`] is closed. So is every socket once the instance
//!   begins to shut down (going away: the client reconnects and resumes).
//! - Resume: the connection subscribes to the user's events first, then replays what the store
//!   holds past `after`, says [`Frame::Ready`], and forwards live events without repeating the
//!   replayed ones. An event published on any instance reaches it through the cache.
//! - Commands run one at a time, off the loop, so events (typing, tokens, progress) keep
//!   flowing while a message is answered.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_ws::{CloseCode, CloseReason, MessageStream, Session};
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;

use super::events::{self, Event};
use super::socket_protocol::{self, Envelope, Frame};
use crate::error::{AppError, Code};
use crate::modules::auth::{AuthError, AuthUser, Credential};
use crate::state::AppState;

pub const HEARTBEAT: Duration = Duration::from_secs(15);
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// The largest frame a client may send (a message is at most 4,000 characters).
const MAX_FRAME: usize = 64 * 1024;
/// Commands waiting behind the running one, at most.
const QUEUED_COMMANDS: usize = 8;

/// Refuses what may not open the socket: an API key, or a page of another origin.
pub fn admit(state: &AppState, user: &AuthUser, request: &HttpRequest) -> Result<(), AppError> {
    if !matches!(user.credential, Credential::Session { .. }) {
        return Err(AuthError::SessionRequired.into());
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or("?"));
    match origin {
        Some(origin) if !same_origin(state, request, origin) => Err(AppError::new(
            Code::CrossSiteRequest,
            format!("pages of `{origin}` may not open the assistant's socket"),
        )),
        _ => Ok(()),
    }
}

/// Whether a page at `origin` is this site: the public URL, or the host the request came to
/// (the instance reached by another name, such as 127.0.0.1 for localhost).
fn same_origin(state: &AppState, request: &HttpRequest, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    if origin == state.settings.public_url() {
        return true;
    }
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    authority.is_some_and(|a| Some(a) == host)
}

/// Serves one connection until either side closes it.
pub async fn serve(
    state: AppState,
    user: AuthUser,
    mut session: Session,
    incoming: MessageStream,
    after: Option<u64>,
) {
    let mut live = match events::subscribe(&state, user.id()).await {
        Ok(live) => live,
        Err(error) => {
            tracing::warn!(%error, "assistant socket without events");
            let _ = session.close(Some(going_away("events unavailable"))).await;
            return;
        }
    };
    let Some(replayed) = resume(&state, user.id(), after, &mut session).await else {
        return;
    };
    let runner = runner(state.clone(), user.clone());
    let reason = relay(
        &state,
        &user,
        &mut session,
        incoming,
        &mut live,
        replayed,
        runner,
    )
    .await;
    let _ = session.close(reason).await;
}

/// Sends what the store holds past `after` and the ready frame; the ids sent.
async fn resume(
    state: &AppState,
    user: &str,
    after: Option<u64>,
    session: &mut Session,
) -> Option<HashSet<u64>> {
    let mut sent = HashSet::new();
    let mut last = after.unwrap_or(0);
    let mut complete = true;
    if let Some(after) = after {
        let replay = match events::replay(state, user, after).await {
            Ok(replay) => replay,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "assistant replay failed");
                let _ = session
                    .clone()
                    .close(Some(going_away("replay failed")))
                    .await;
                return None;
            }
        };
        complete = replay.complete;
        for event in &replay.events {
            session.text(json(event)).await.ok()?;
            sent.insert(event.id);
            last = last.max(event.id);
        }
    }
    let ready = Frame::Ready {
        last,
        replayed: sent.len(),
        complete,
    };
    session.text(ready.text()).await.ok()?;
    Some(sent)
}

/// Commands in, answer frames out.
struct Runner {
    commands: mpsc::Sender<Envelope>,
    answers: mpsc::Receiver<Frame>,
}

/// Runs the connection's commands one at a time; it ends when the connection drops its end.
fn runner(state: AppState, user: AuthUser) -> Runner {
    let (command_tx, mut command_rx) = mpsc::channel::<Envelope>(QUEUED_COMMANDS);
    let (answer_tx, answer_rx) = mpsc::channel::<Frame>(QUEUED_COMMANDS);
    tokio::spawn(async move {
        while let Some(envelope) = command_rx.recv().await {
            let frame = socket_protocol::dispatch(&state, &user, envelope).await;
            if answer_tx.send(frame).await.is_err() {
                return;
            }
        }
    });
    Runner {
        commands: command_tx,
        answers: answer_rx,
    }
}

/// Forwards events and answers, takes commands, and keeps the heartbeat, until one side
/// ends; the close reason to send, if any.
async fn relay(
    state: &AppState,
    user: &AuthUser,
    session: &mut Session,
    incoming: MessageStream,
    live: &mut BoxStream<'static, Event>,
    replayed: HashSet<u64>,
    mut runner: Runner,
) -> Option<CloseReason> {
    let mut incoming = incoming.max_frame_size(MAX_FRAME).aggregate_continuations();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            message = incoming.recv() => {
                heard = Instant::now();
                let text = match message {
                    Some(Ok(actix_ws::AggregatedMessage::Text(text))) => text,
                    Some(Ok(actix_ws::AggregatedMessage::Ping(bytes))) => {
                        session.pong(&bytes).await.ok()?;
                        continue;
                    }
                    Some(Ok(actix_ws::AggregatedMessage::Pong(_))) => continue,
                    Some(Ok(actix_ws::AggregatedMessage::Binary(_))) => {
                        return Some(close(CloseCode::Unsupported, "send commands as JSON text"));
                    }
                    Some(Ok(actix_ws::AggregatedMessage::Close(_))) | None => return None,
                    Some(Err(error)) => return Some(close(CloseCode::Protocol, &error.to_string())),
                };
                let frame = match socket_protocol::parse(&text) {
                    Ok(envelope) => match runner.commands.try_send(envelope) {
                        Ok(()) => continue,
                        Err(refused) => busy(refused.into_inner()),
                    },
                    Err(frame) => frame,
                };
                session.text(frame.text()).await.ok()?;
            }
            event = live.next() => {
                let Some(event) = event else {
                    return Some(going_away("events interrupted: reconnect to resume"));
                };
                if !replayed.contains(&event.id) {
                    session.text(json(&event)).await.ok()?;
                }
            }
            Some(frame) = runner.answers.recv() => {
                session.text(frame.text()).await.ok()?;
            }
            () = state.lifecycle.until_draining() => {
                return Some(going_away("the server is restarting: reconnect to resume"));
            }
            _ = heartbeat.tick() => {
                if heard.elapsed() > IDLE_TIMEOUT {
                    return Some(close(CloseCode::Away, "no answer to pings"));
                }
                if !user.still_signed_in(state).await.unwrap_or(true) {
                    return Some(close(CloseCode::Policy, "the session ended: sign in again"));
                }
                session.ping(b"").await.ok()?;
            }
        }
    }
}

fn busy(envelope: Envelope) -> Frame {
    let error = AppError::too_many_requests(1);
    Frame::error(envelope.reference, error)
}

fn json(event: &Event) -> String {
    serde_json::to_string(event).unwrap_or_default()
}

fn close(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}

fn going_away(description: &str) -> CloseReason {
    close(CloseCode::Away, description)
}
