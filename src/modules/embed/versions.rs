//! How an open embed learns that a newer snapshot exists: a Server-Sent Events stream of the
//! share's newest version (`event: version`, `{"version", "created_at"}`, nothing else about
//! the workspace). It starts with the newest version now, so that one built between the page
//! and the stream is not missed, then wakes on the workspace's versions channel (the shared
//! pub/sub, so a build on any instance reaches viewers on every other) and every
//! [`KEEP_ALIVE`]. Each wake resolves the share again: a revoked or expired link ends its
//! stream there.

use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use serde::Serialize;

use super::service::{self, EmbedError};
use crate::modules::graph::{self, SnapshotMeta, builds::versions_channel};
use crate::state::AppState;

/// The longest a stream stays silent (proxies close idle lines), and so the longest a revoked
/// link's stream outlives the revocation.
pub const KEEP_ALIVE: Duration = Duration::from_secs(25);

/// What a viewer is told about a version: all it needs to offer a reload.
#[derive(Serialize)]
struct Announced {
    version: u64,
    /// Epoch milliseconds.
    created_at: i64,
}

/// The version stream of the live share `token`, as SSE text; `None` when it pins a version
/// (nothing newer will ever be shown).
pub async fn stream(
    state: &AppState,
    token: &str,
) -> Result<Option<BoxStream<'static, String>>, EmbedError> {
    let (_, share) = service::resolve(state, token).await?;
    if share.preset.version.is_some() {
        return Ok(None);
    }
    let wakes = state
        .cache
        .subscribe(&versions_channel(&share.workspace))
        .await
        .map_err(anyhow::Error::from)?;
    let newest = newest(state, &share.workspace).await?;
    let opening = event(newest.as_ref());
    let listener = Listener {
        state: state.clone(),
        token: token.to_owned(),
        wakes,
        shown: newest.map_or(0, |meta| meta.version),
    };
    let rest = futures::stream::unfold(listener, Listener::next);
    Ok(Some(
        futures::stream::once(async { opening }).chain(rest).boxed(),
    ))
}

struct Listener {
    state: AppState,
    token: String,
    wakes: BoxStream<'static, String>,
    /// The newest version announced so far.
    shown: u64,
}

impl Listener {
    /// Waits for a message or the keep-alive, then announces a newer version or keeps the line
    /// open; ends when the share is gone or the channel closed.
    async fn next(mut self) -> Option<(String, Self)> {
        if let Ok(None) = tokio::time::timeout(KEEP_ALIVE, self.wakes.next()).await {
            return None;
        }
        let (_, share) = service::resolve(&self.state, &self.token).await.ok()?;
        let newest = newest(&self.state, &share.workspace).await.ok()?;
        let text = match newest {
            Some(meta) if meta.version > self.shown => {
                self.shown = meta.version;
                event(Some(&meta))
            }
            _ => ": keep-alive\n\n".to_owned(),
        };
        Some((text, self))
    }
}

async fn newest(state: &AppState, workspace: &str) -> Result<Option<SnapshotMeta>, EmbedError> {
    let metas = graph::service(state).versions(workspace, 1).await?;
    Ok(metas.into_iter().next())
}

/// The SSE text announcing `meta` (a comment while there is no snapshot yet).
fn event(meta: Option<&SnapshotMeta>) -> String {
    match meta {
        Some(meta) => {
            let announced = Announced {
                version: meta.version,
                created_at: meta.created_at,
            };
            let data = serde_json::to_string(&announced).expect("a version serializes");
            format!("event: version\ndata: {data}\n\n")
        }
        None => ": no snapshot yet\n\n".to_owned(),
    }
}
