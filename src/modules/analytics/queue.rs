//! The background sender of analytics events: a bounded channel filled by `track` without
//! waiting, and one task that checks each user's opt-out, batches and posts to PostHog. A full
//! channel or a failed post drops events and counts them; nothing here retries for long or
//! blocks a request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Event, distinct_id};
use crate::modules::auth::users;
use crate::state::AppState;
use crate::storage::Store;

/// Events waiting at most; more are dropped (and counted).
const CAPACITY: usize = 1_000;
/// Events per request to PostHog.
const BATCH: usize = 100;

pub(super) enum Subject {
    User(String),
    Share(String),
}

struct Captured {
    subject: Subject,
    event: Event,
    at: String,
}

/// Counts of what happened to events, since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub queued: u64,
    pub sent: u64,
    /// Dropped because the queue was full or PostHog failed.
    pub dropped: u64,
    /// Not sent because their user opted out.
    pub opted_out: u64,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    sent: AtomicU64,
    dropped: AtomicU64,
    opted_out: AtomicU64,
}

pub(super) struct Queue {
    sender: mpsc::Sender<Captured>,
    counters: Arc<Counters>,
}

/// The state's queue, started the first time an event comes; `None` without a PostHog key.
pub(super) fn of(state: &AppState) -> Option<Arc<Queue>> {
    let settings = &state.settings.analytics;
    let key = settings.posthog_api_key.clone()?;
    let host = settings.posthog_host.trim_end_matches('/').to_owned();
    let store = state.store.clone();
    Some(
        state
            .services
            .get_or_init(|| Queue::start(store, host, key)),
    )
}

impl Queue {
    fn start(store: Store, host: String, key: SecretString) -> Self {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        let counters = Arc::new(Counters::default());
        let sender_task = Sender {
            store,
            host,
            key,
            counters: counters.clone(),
            http: reqwest::Client::new(),
        };
        tokio::spawn(sender_task.run(receiver));
        Self { sender, counters }
    }

    pub(super) fn push(&self, subject: Subject, event: Event) {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        match self.sender.try_send(Captured { subject, event, at }) {
            Ok(()) => self.counters.queued.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.counters.dropped.fetch_add(1, Ordering::Relaxed),
        };
    }

    pub(super) fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            queued: c.queued.load(Ordering::Relaxed),
            sent: c.sent.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            opted_out: c.opted_out.load(Ordering::Relaxed),
        }
    }
}

struct Sender {
    store: Store,
    host: String,
    key: SecretString,
    counters: Arc<Counters>,
    http: reqwest::Client,
}

impl Sender {
    async fn run(self, mut receiver: mpsc::Receiver<Captured>) {
        let mut waiting = Vec::with_capacity(BATCH);
        while receiver.recv_many(&mut waiting, BATCH).await > 0 {
            let mut batch = Vec::with_capacity(waiting.len());
            for captured in waiting.drain(..) {
                if let Some(event) = self.prepared(captured).await {
                    batch.push(event);
                }
            }
            if !batch.is_empty() {
                self.send(batch).await;
            }
        }
    }

    /// The event as PostHog takes it, or `None` for a user who opted out (or is gone).
    async fn prepared(&self, captured: Captured) -> Option<Value> {
        let id = match &captured.subject {
            Subject::User(user) => {
                let opted_in = users::get(&self.store, user)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|u| !u.preferences.analytics_opt_out);
                if !opted_in {
                    self.counters.opted_out.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                distinct_id("user", user)
            }
            Subject::Share(share) => distinct_id("share", share),
        };
        let mut properties = captured.event.properties();
        properties.insert("$lib".into(), "notion-graph".into());
        // No IP, no user agent: PostHog would otherwise take the sender's (ours) as the user's.
        properties.insert("$ip".into(), Value::Null);
        Some(json!({
            "event": captured.event.name(),
            "distinct_id": id,
            "properties": properties,
            "timestamp": captured.at,
        }))
    }

    async fn send(&self, batch: Vec<Value>) {
        let count = batch.len() as u64;
        let body = json!({"api_key": self.key.expose_secret(), "batch": batch});
        let sent = self
            .http
            .post(format!("{}/batch/", self.host))
            .timeout(Duration::from_secs(10))
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                self.counters.sent.fetch_add(count, Ordering::Relaxed);
            }
            outcome => {
                let dropped = self.counters.dropped.fetch_add(count, Ordering::Relaxed) + count;
                let status = outcome.map(|r| r.status().as_u16()).ok();
                tracing::warn!(
                    dropped,
                    ?status,
                    "analytics events dropped: PostHog did not take them"
                );
            }
        }
    }
}
