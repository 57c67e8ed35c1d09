//! Conversations as the routes use them: start one about a workspace, list, reopen, delete.
//! Every function takes the caller; another user's conversation answers like a missing one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::events;
use super::model::{Conversation, Message, Role};
use super::resolve::TitleIndex;
use super::store::{self, CONVERSATIONS, MESSAGES, PLANS, TASKS, conversations, messages, plans};
use super::views::{ConversationView, MessageView, NewConversation, PlanView};
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;
use crate::modules::graph::Snapshot;
use crate::modules::sync::connection;
use crate::modules::sync::service::workspace_for;
use crate::state::AppState;
use crate::storage::{Collection, Record, Store};

/// A title's longest length.
const MAX_TITLE: usize = 200;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn unknown_conversation(id: &str) -> AppError {
    AppError::new(
        Code::UnknownConversation,
        format!("no conversation `{id}`: list yours at /api/v1/assistant/conversations"),
    )
}

/// The caller's conversation `id`.
pub async fn conversation(
    state: &AppState,
    user: &AuthUser,
    id: &str,
) -> Result<Record<Conversation>, AppError> {
    store::owned(&conversations(&state.store), user.id(), id)
        .await?
        .ok_or_else(|| unknown_conversation(id))
}

/// Starts a conversation about the workspace named (or the caller's only one).
pub async fn create(
    state: &AppState,
    user: &AuthUser,
    body: NewConversation,
) -> Result<ConversationView, AppError> {
    let title = body.title.unwrap_or_default().trim().to_owned();
    if title.chars().count() > MAX_TITLE {
        return Err(AppError::new(
            Code::InvalidValue,
            format!("a title holds at most {MAX_TITLE} characters"),
        )
        .with("field", "title"));
    }
    let workspace = match body.workspace {
        Some(id) => workspace_for(state, user, &id).await?.id,
        None => only_workspace(state, user).await?,
    };
    let now = now_ms();
    let conversation = Conversation {
        tenant: user.id().to_owned(),
        workspace,
        title,
        created_at: now,
        updated_at: now,
        next_seq: 0,
        pending: None,
        last_task: None,
    };
    let id = ulid::Ulid::generate().to_string();
    let record = conversations(&state.store)
        .insert(&id, &conversation)
        .await?;
    Ok(ConversationView::of(&record, Some(Vec::new())))
}

async fn only_workspace(state: &AppState, user: &AuthUser) -> Result<String, AppError> {
    let mine = connection::of_tenant(&state.store, user.id()).await?;
    match mine.as_slice() {
        [] => Err(AppError::new(
            Code::NoWorkspace,
            "connect a Notion workspace first: the assistant works on one",
        )),
        [one] => Ok(one.id.clone()),
        many => Err(AppError::new(
            Code::WorkspaceRequired,
            format!(
                "you have {} workspaces: name one in `workspace` ({})",
                many.len(),
                many.iter()
                    .map(|c| format!("{} = {}", c.id, c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with("field", "workspace")),
    }
}

/// The caller's conversations, most recently active first.
pub async fn list(state: &AppState, user: &AuthUser) -> Result<Vec<ConversationView>, AppError> {
    let found = store::conversations_of(&state.store, user.id()).await?;
    Ok(found
        .iter()
        .map(|r| ConversationView::of(r, None))
        .collect())
}

/// One conversation with its messages and their plans.
pub async fn show(
    state: &AppState,
    user: &AuthUser,
    id: &str,
) -> Result<ConversationView, AppError> {
    let record = conversation(state, user, id).await?;
    let mut shown = Vec::new();
    for message in store::messages_of(&state.store, id).await? {
        let plan = match &message.value.plan {
            Some(plan) => plans(&state.store)
                .get(plan)
                .await?
                .map(|p| PlanView::of(&p)),
            None => None,
        };
        shown.push(MessageView::of(&message, plan));
    }
    Ok(ConversationView::of(&record, Some(shown)))
}

/// Deletes a conversation with its messages, plans and tasks (what the tasks did in Notion
/// stays done).
pub async fn delete(state: &AppState, user: &AuthUser, id: &str) -> Result<(), AppError> {
    conversation(state, user, id).await?;
    for collection in [&MESSAGES, &PLANS, &TASKS] {
        delete_where(&state.store, collection, "conversation", id).await?;
    }
    conversations(&state.store).delete(id).await?;
    Ok(())
}

async fn delete_where(
    store: &Store,
    collection: &'static Collection,
    field: &str,
    value: &str,
) -> anyhow::Result<()> {
    let ids = store::ids_where(store, collection, field, value).await?;
    store.delete_many(collection, &ids).await?;
    Ok(())
}

/// Deletes everything the assistant keeps of a removed workspace.
pub async fn delete_workspace(state: &AppState, workspace: &str) -> anyhow::Result<()> {
    for collection in [&MESSAGES, &PLANS, &TASKS, &CONVERSATIONS] {
        delete_where(&state.store, collection, "workspace", workspace).await?;
    }
    Ok(())
}

/// Stores a message at the end of the conversation and marks it active.
pub async fn append(
    state: &AppState,
    conversation: &Record<Conversation>,
    role: Role,
    text: &str,
    plan: Option<String>,
    task: Option<String>,
) -> Result<Record<Message>, AppError> {
    let now = now_ms();
    let mut seq = 0;
    conversations(&state.store)
        .update(&conversation.id, |c| {
            seq = c.next_seq;
            c.next_seq += 1;
            c.updated_at = now;
            if c.title.is_empty() && role == Role::User {
                c.title = text.chars().take(60).collect();
            }
            Some(())
        })
        .await?
        .ok_or_else(|| unknown_conversation(&conversation.id))?;
    let message = Message {
        tenant: conversation.value.tenant.clone(),
        workspace: conversation.value.workspace.clone(),
        conversation: conversation.id.clone(),
        seq,
        role,
        text: text.to_owned(),
        created_at: now,
        plan,
        task,
        event: events::next_id(state, &conversation.value.tenant).await,
    };
    let id = ulid::Ulid::generate().to_string();
    let stored = messages(&state.store).insert(&id, &message).await?;
    events::message_stored(state, &stored).await;
    Ok(stored)
}

/// Title indexes of the last few snapshots, so that each message does not rebuild one.
#[derive(Default)]
struct Indexes(Mutex<VecDeque<(String, Arc<TitleIndex>)>>);

const INDEXES_KEPT: usize = 4;

/// The title index of `snapshot`, built once per snapshot.
pub async fn index(state: &AppState, snapshot: &Arc<Snapshot>) -> anyhow::Result<Arc<TitleIndex>> {
    let key = format!("{}:{}", snapshot.meta.workspace, snapshot.meta.body);
    let kept = state.services.get_or_init(Indexes::default);
    if let Some((_, index)) = kept
        .0
        .lock()
        .expect("index cache")
        .iter()
        .find(|(k, _)| *k == key)
    {
        return Ok(index.clone());
    }
    let source = snapshot.clone();
    let built = Arc::new(tokio::task::spawn_blocking(move || TitleIndex::new(&source)).await?);
    let mut kept = kept.0.lock().expect("index cache");
    kept.push_front((key, built.clone()));
    kept.truncate(INDEXES_KEPT);
    Ok(built)
}
