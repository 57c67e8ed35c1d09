//! Product analytics (PostHog): what people do with the product, never who they are or what
//! their pages say (security.md 26).
//!
//! - [`Event`]: the closed list of events, each with only counts and plan names as
//!   properties, so that no title, email, name or token can be put into one.
//! - [`track`] (a user's event) and [`track_share`] (an embed view, by share, with no viewer
//!   identity) hand the event to a bounded in-process queue and return at once: nothing is sent
//!   on the request path. With no `posthog_api_key` they do nothing at all.
//! - `queue`: the background sender. It drops a user's events when the user opted out
//!   (account setting `analytics_opt_out`), batches the rest to `posthog_host`'s `/batch/`
//!   with an opaque distinct id (a digest of the user id), and when the queue is full or
//!   PostHog fails it drops events and counts them ([`stats`]).
//!
//! Plain HTTP rather than posthog-rs: its client sends from the caller's task; we need our own
//! bounded queue, the opt-out check and the id digest around it anyway, and the capture call
//! itself is one JSON POST.

mod queue;

use serde_json::{Map, Value, json};

use crate::manifest::Module;
use crate::state::AppState;

pub use queue::Stats;

pub static MODULE: Module = Module {
    name: "analytics",
    collections: &[],
    jobs: &[],
    routes: &[],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};

/// Every event the product sends, with the only properties it may carry.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    SignedUp,
    SignedIn,
    WorkspaceConnected,
    SyncCompleted {
        pages: u64,
        links: u64,
        duration_ms: u64,
    },
    GraphBuilt {
        nodes: u64,
        links: u64,
    },
    GraphViewed,
    EmbedViewed,
    ShareCreated,
    AssistantMessage,
    SubscriptionStarted {
        plan: String,
    },
    SubscriptionChanged {
        plan: String,
    },
    SubscriptionCanceled {
        plan: String,
    },
    ExportCompleted {
        pages: u64,
    },
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::SignedUp => "signed_up",
            Event::SignedIn => "signed_in",
            Event::WorkspaceConnected => "workspace_connected",
            Event::SyncCompleted { .. } => "sync_completed",
            Event::GraphBuilt { .. } => "graph_built",
            Event::GraphViewed => "graph_viewed",
            Event::EmbedViewed => "embed_viewed",
            Event::ShareCreated => "share_created",
            Event::AssistantMessage => "assistant_message",
            Event::SubscriptionStarted { .. } => "subscription_started",
            Event::SubscriptionChanged { .. } => "subscription_changed",
            Event::SubscriptionCanceled { .. } => "subscription_canceled",
            Event::ExportCompleted { .. } => "export_completed",
        }
    }

    /// Its properties: counts and plan names only.
    pub fn properties(&self) -> Map<String, Value> {
        let value = match self {
            Event::SyncCompleted {
                pages,
                links,
                duration_ms,
            } => {
                json!({"pages": pages, "links": links, "duration_ms": duration_ms})
            }
            Event::GraphBuilt { nodes, links } => json!({"nodes": nodes, "links": links}),
            Event::SubscriptionStarted { plan }
            | Event::SubscriptionChanged { plan }
            | Event::SubscriptionCanceled { plan } => json!({"plan": plan}),
            Event::ExportCompleted { pages } => json!({"pages": pages}),
            _ => json!({}),
        };
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

/// Queues `event` of the user `user` (an id); the sender drops it if the user opted out.
pub fn track(state: &AppState, user: &str, event: Event) {
    if let Some(queue) = queue::of(state) {
        queue.push(queue::Subject::User(user.to_owned()), event);
    }
}

/// Queues `event` of a share link (embed views): no viewer identity at all.
pub fn track_share(state: &AppState, share: &str, event: Event) {
    if let Some(queue) = queue::of(state) {
        queue.push(queue::Subject::Share(share.to_owned()), event);
    }
}

/// What the queue did so far (`None` with analytics off).
pub fn stats(state: &AppState) -> Option<Stats> {
    queue::of(state).map(|q| q.stats())
}

/// The opaque distinct id of `subject`: a digest that names no one and cannot be turned back
/// into the id without guessing 128-bit ids.
pub fn distinct_id(kind: &str, id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("notion-graph analytics {kind}:{id}").as_bytes());
    hex::encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_counts_and_plans_only() {
        let sync = Event::SyncCompleted {
            pages: 3,
            links: 4,
            duration_ms: 5,
        };
        assert_eq!(sync.name(), "sync_completed");
        assert_eq!(
            Value::Object(sync.properties()),
            json!({"pages": 3, "links": 4, "duration_ms": 5})
        );
        assert!(Event::SignedIn.properties().is_empty());
        let id = distinct_id("user", "01JUSER");
        assert_eq!(id.len(), 32);
        assert!(!id.contains("01JUSER") && id != distinct_id("share", "01JUSER"));
    }
}
