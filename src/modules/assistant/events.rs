//! The assistant's live events, one stream per user, over the cache's pub/sub so that a
//! WebSocket on any instance sees what another instance (or a worker running a task) did.
//!
//! Every event has an id from the user's sequence ([`crate::cache::Cache::next_id`]): larger
//! than every earlier one of that user, on every instance, and never smaller after a restart
//! (the sequence starts from the clock). An event that reports a stored change (a message, a
//! plan decided, a task's progress) is stamped into its record *before* it is published, so a
//! client that reconnects with the last id it saw is sent what it missed from the store
//! ([`replay`]): a subscriber that missed the publication finds the record. Typing and tokens
//! are only live; the message they lead to is stored.

use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Conversation, Message, Plan, Task};
use super::store::{Owned, messages, plans, tasks};
use super::views::{MessageView, PlanView, TaskView};
use crate::cache::{CacheResult, epoch_us};
use crate::state::AppState;
use crate::storage::{Cursor, Filter, Order, Query, Record, StoreResult, Typed};

/// One event of a user's stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = AssistantEvent)]
pub struct Event {
    /// Increasing per user; send the last one seen as `after` to resume.
    pub id: u64,
    pub conversation: String,
    #[serde(flatten)]
    pub body: EventBody,
}

/// What happened, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schema(as = AssistantEventBody)]
pub enum EventBody {
    /// A message stored in the conversation (the user's or the assistant's, with its plan).
    Message { message: MessageView },
    /// A plan was confirmed or rejected.
    Plan { plan: PlanView },
    /// The assistant is writing its reply to the message `reply_to`.
    Typing { reply_to: String },
    /// The next piece of the reply to `reply_to`; the stored `message` event replaces them.
    Token { reply_to: String, text: String },
    /// A task moved: queued, a step started or done, undo under way.
    TaskProgress { task: TaskView },
    /// A task ended (completed, failed, cancelled, undone).
    TaskFinished { task: TaskView },
}

fn channel(user: &str) -> String {
    format!("assistant:events:{user}")
}

/// The user's next event id. When the cache cannot give one, the clock does: still larger than
/// any earlier id unless another instance gave one in the same microseconds.
pub async fn next_id(state: &AppState, user: &str) -> u64 {
    match state.cache.next_id(&channel(user)).await {
        Ok(id) => id,
        Err(error) => {
            tracing::warn!(%error, "assistant event id taken from the clock");
            epoch_us()
        }
    }
}

/// Publishes an event whose id was taken (and stored with its record) already. Best effort: a
/// subscriber that misses it finds the record when it resumes.
pub async fn send(state: &AppState, user: &str, event: &Event) {
    let text = serde_json::to_string(event).unwrap_or_default();
    if let Err(error) = state.cache.publish(&channel(user), &text).await {
        tracing::debug!(%error, "assistant event not published");
    }
}

/// Takes an id and publishes a live-only event.
pub async fn emit(state: &AppState, user: &str, conversation: &str, body: EventBody) -> u64 {
    let id = next_id(state, user).await;
    let event = Event {
        id,
        conversation: conversation.to_owned(),
        body,
    };
    send(state, user, &event).await;
    id
}

/// The user's events from now on, on whichever instance they happen.
pub async fn subscribe(state: &AppState, user: &str) -> CacheResult<BoxStream<'static, Event>> {
    let raw = state.cache.subscribe(&channel(user)).await?;
    Ok(raw
        .filter_map(|text| async move { serde_json::from_str(&text).ok() })
        .boxed())
}

/// The reply being written to one message: what the chat turn (and the LLM path) uses to show
/// typing and stream tokens before the reply is stored.
#[derive(Clone)]
pub struct Reply {
    state: AppState,
    user: String,
    conversation: String,
    reply_to: String,
}

impl Reply {
    pub fn new(state: &AppState, conversation: &Record<Conversation>, reply_to: &str) -> Self {
        Self {
            state: state.clone(),
            user: conversation.value.tenant.clone(),
            conversation: conversation.id.clone(),
            reply_to: reply_to.to_owned(),
        }
    }

    /// Says the assistant is writing.
    pub async fn typing(&self) {
        let body = EventBody::Typing {
            reply_to: self.reply_to.clone(),
        };
        emit(&self.state, &self.user, &self.conversation, body).await;
    }

    /// Streams the next piece of the reply's text.
    pub async fn token(&self, text: &str) {
        let body = EventBody::Token {
            reply_to: self.reply_to.clone(),
            text: text.to_owned(),
        };
        emit(&self.state, &self.user, &self.conversation, body).await;
    }
}

/// Publishes a stored message (its `event` stamped at insertion), with its plan.
pub async fn message_stored(state: &AppState, record: &Record<Message>) {
    match message_event(state, record).await {
        Ok(event) => send(state, &record.value.tenant, &event).await,
        Err(error) => tracing::warn!(%error, "assistant message event not published"),
    }
}

async fn message_event(state: &AppState, record: &Record<Message>) -> StoreResult<Event> {
    let plan = match &record.value.plan {
        Some(id) => plans(&state.store).get(id).await?.map(|p| PlanView::of(&p)),
        None => None,
    };
    Ok(Event {
        id: record.value.event,
        conversation: record.value.conversation.clone(),
        body: EventBody::Message {
            message: MessageView::of(record, plan),
        },
    })
}

/// Publishes a plan's decision (its `event` stamped with it).
pub async fn plan_decided(state: &AppState, record: &Record<Plan>) {
    let event = Event {
        id: record.value.event,
        conversation: record.value.conversation.clone(),
        body: EventBody::Plan {
            plan: PlanView::of(record),
        },
    };
    send(state, &record.value.tenant, &event).await;
}

/// Publishes a task's state (its `event` stamped with the change).
pub async fn task_changed(state: &AppState, record: &Record<Task>) {
    send(state, &record.value.tenant, &task_event(record)).await;
}

fn task_event(record: &Record<Task>) -> Event {
    let task = TaskView::of(record);
    let body = if record.value.state.finished() {
        EventBody::TaskFinished { task }
    } else {
        EventBody::TaskProgress { task }
    };
    Event {
        id: record.value.event,
        conversation: record.value.conversation.clone(),
        body,
    }
}

/// Records stamped with the id of the event that reports their last change.
pub trait Stamped: Owned + Serialize + serde::de::DeserializeOwned {
    fn stamp(&mut self, id: u64);
}

impl Stamped for Plan {
    fn stamp(&mut self, id: u64) {
        self.event = id;
    }
}

impl Stamped for Task {
    fn stamp(&mut self, id: u64) {
        self.event = id;
    }
}

/// Changes record `id` as `change` says (`None` leaves it as it is), stamped with a new event
/// id of its user; the record as it is then, and whether `change` changed it.
pub async fn update<T: Stamped>(
    state: &AppState,
    typed: &Typed<T>,
    id: &str,
    mut change: impl FnMut(&mut T) -> Option<()>,
) -> StoreResult<Option<(Record<T>, bool)>> {
    let Some(current) = typed.get(id).await? else {
        return Ok(None);
    };
    let event = next_id(state, current.value.tenant()).await;
    let mut changed = false;
    let updated = typed
        .update(id, |record| {
            changed = change(record).is_some();
            changed.then(|| record.stamp(event))
        })
        .await?;
    Ok(updated.map(|record| (record, changed)))
}

/// Events a resuming client may have missed are looked for this far (µs) before its last id:
/// ids are taken before their record is stored, so one taken a moment earlier may be stored
/// (and published) a moment later. A client ignores what it has already.
pub const REPLAY_SLACK_US: u64 = 5_000_000;
/// Records of each kind a replay sends at most; past that the client reloads.
pub const REPLAY_MAX: usize = 200;

/// What a reconnecting client missed since `after`, oldest first, each record in its present
/// state; `complete` is false when there was more than a replay sends (reload instead).
pub struct Replay {
    pub events: Vec<Event>,
    pub complete: bool,
}

/// The stored changes of `user` with an id past `after` (less the slack).
pub async fn replay(state: &AppState, user: &str, after: u64) -> anyhow::Result<Replay> {
    let from = after.saturating_sub(REPLAY_SLACK_US);
    let (found, more) = since(&messages(&state.store), user, from).await?;
    let mut complete = !more;
    let mut events = Vec::with_capacity(found.len());
    for record in &found {
        events.push(message_event(state, record).await?);
    }
    let (decided, more) = since(&plans(&state.store), user, from).await?;
    complete &= !more;
    events.extend(decided.iter().map(|record| Event {
        id: record.value.event,
        conversation: record.value.conversation.clone(),
        body: EventBody::Plan {
            plan: PlanView::of(record),
        },
    }));
    let (moved, more) = since(&tasks(&state.store), user, from).await?;
    complete &= !more;
    events.extend(moved.iter().map(task_event));
    events.retain(|e| e.id > from);
    events.sort_by_key(|e| e.id);
    Ok(Replay { events, complete })
}

/// Records of `user` stamped at `from` or later, and whether there were more.
async fn since<T>(typed: &Typed<T>, user: &str, from: u64) -> StoreResult<(Vec<Record<T>>, bool)>
where
    T: Serialize + serde::de::DeserializeOwned,
{
    let query = Query::new(Filter::all().eq("tenant", user))
        .sort("event", Order::Asc)
        .limit(REPLAY_MAX)
        .after(Some(Cursor {
            sort_value: Some(from.into()),
            id: String::new(),
        }));
    let (found, next) = typed.find(&query).await?;
    Ok((found, next.is_some()))
}
