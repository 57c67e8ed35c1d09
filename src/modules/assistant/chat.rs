//! One turn of a conversation: the user's message is stored, understood (an answer to the
//! pending question, else the grammar), planned over the workspace's newest snapshot, and
//! answered; a plan is stored to wait for confirmation. Page text read from Notion goes into
//! the reply only, quoted, and never into what is planned.

use std::time::Duration;

use futures::StreamExt;

use super::answer::Graph;
use super::events;
use super::intent::Intent;
use super::llm;
use super::model::{Conversation, Plan, PlanState, Role};
use super::planner::{self, Turn, choose};
use super::resolve::Target;
use super::service::{self, append, now_ms};
use super::store::{conversations, plans};
use super::tasks;
use super::views::{MessageView, PlanView, ReplyView};
use crate::cache::{Admission, RateLimit};
use crate::error::{AppError, Code};
use crate::modules::analytics::{self, Event};
use crate::modules::auth::AuthUser;
use crate::modules::graph::{self, GraphError};
use crate::modules::notion::model::{Block, BlockKind};
use crate::modules::sync::{connection, service::client_for};
use crate::state::AppState;
use crate::storage::Record;

/// A message's longest length.
pub const MAX_MESSAGE: usize = 4000;
/// Blocks of a page an `open` quotes at most.
const QUOTED_BLOCKS: usize = 12;

/// Messages a user may send: 20 at once, then one a second.
fn per_user() -> RateLimit {
    RateLimit::new(1.0, 20)
}

/// What the reply to one message is made of.
#[derive(Default)]
pub(super) struct Outcome {
    pub text: String,
    pub plan: Option<Record<Plan>>,
    pub task: Option<String>,
    pub pending: Option<planner::Question>,
}

impl Outcome {
    pub fn text(text: String) -> Self {
        Self {
            text,
            ..Self::default()
        }
    }

    /// Whether it is more than words: a plan, a question, a task started or shown.
    pub fn ends_turn(&self) -> bool {
        self.plan.is_some() || self.task.is_some() || self.pending.is_some()
    }
}

/// Answers `text` in the caller's conversation `id`.
pub async fn post(
    state: &AppState,
    user: &AuthUser,
    id: &str,
    text: &str,
) -> Result<ReplyView, AppError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE {
        return Err(AppError::new(
            Code::InvalidValue,
            format!("`text` must hold 1 to {MAX_MESSAGE} characters"),
        )
        .with("field", "text"));
    }
    limit(state, user).await?;
    let conversation = service::conversation(state, user, id).await?;
    let message = append(state, &conversation, Role::User, text, None, None).await?;
    // Typing now, and tokens as the reply is written (`writing.token`), before it is stored.
    let writing = events::Reply::new(state, &conversation, &message.id);
    writing.typing().await;
    analytics::track(state, user.id(), Event::AssistantMessage);
    let answered = conversation
        .value
        .pending
        .as_ref()
        .and_then(|question| choose(question, text));
    let outcome = match answered {
        Some(intent) => respond(state, &conversation, intent).await?,
        None => llm::understand(state, &conversation, text, &writing).await?,
    };
    let pending = outcome.pending.clone();
    conversations(&state.store)
        .update(id, |c| {
            c.pending = pending.clone();
            Some(())
        })
        .await?;
    let plan_id = outcome.plan.as_ref().map(|p| p.id.clone());
    let reply = append(
        state,
        &conversation,
        Role::Assistant,
        &outcome.text,
        plan_id,
        outcome.task.clone(),
    )
    .await?;
    let plan = outcome.plan.as_ref().map(PlanView::of);
    Ok(ReplyView {
        message: MessageView::of(&message, None),
        reply: MessageView::of(&reply, plan.clone()),
        plan,
    })
}

async fn limit(state: &AppState, user: &AuthUser) -> Result<(), AppError> {
    let key = format!("assistant:messages:{}", user.id());
    match state
        .cache
        .acquire(&key, per_user(), Duration::ZERO)
        .await?
    {
        Admission::Granted { .. } => Ok(()),
        Admission::Refused { retry_after } => {
            Err(AppError::too_many_requests(retry_after.as_secs().max(1)))
        }
    }
}

pub(super) async fn respond(
    state: &AppState,
    conversation: &Record<Conversation>,
    intent: Intent,
) -> Result<Outcome, AppError> {
    let workspace = &conversation.value.workspace;
    let graphs = graph::service(state);
    let snapshot = graphs.current(workspace, None).await?;
    let index = service::index(state, &snapshot).await?;
    let diff = match intent {
        Intent::Changes => match graphs.diff(workspace, None, None).await {
            Ok(diff) => Some(diff),
            Err(GraphError::UnknownVersion(..)) => None,
            Err(error) => return Err(error.into()),
        },
        _ => None,
    };
    let turn = planner::plan(
        intent,
        &Graph {
            snapshot: &snapshot,
            index: &index,
        },
        diff.as_ref(),
    );
    Ok(match turn {
        Turn::Answer(text) => Outcome {
            text,
            ..Outcome::default()
        },
        Turn::Open { target, text } => Outcome {
            text: format!("{text}\n\n{}", quoted_body(state, workspace, &target).await),
            ..Outcome::default()
        },
        Turn::Ask { text, question } => Outcome {
            text,
            pending: Some(question),
            ..Outcome::default()
        },
        Turn::Propose { text, steps } => Outcome {
            text,
            plan: Some(propose(state, conversation, steps).await?),
            ..Outcome::default()
        },
        Turn::Undo => tasks::undo_from_chat(state, conversation).await?.into(),
        Turn::Status(task) => tasks::status_from_chat(state, conversation, task)
            .await?
            .into(),
    })
}

impl From<tasks::ChatReply> for Outcome {
    fn from(reply: tasks::ChatReply) -> Self {
        Outcome {
            text: reply.text,
            task: reply.task,
            ..Outcome::default()
        }
    }
}

async fn propose(
    state: &AppState,
    conversation: &Record<Conversation>,
    steps: Vec<super::plan::Step>,
) -> Result<Record<Plan>, AppError> {
    let plan = Plan {
        tenant: conversation.value.tenant.clone(),
        workspace: conversation.value.workspace.clone(),
        conversation: conversation.id.clone(),
        steps,
        state: PlanState::Proposed,
        created_at: now_ms(),
        decided_at: None,
        task: None,
        // The reply's `message` event reports it; a decision stamps it.
        event: 0,
    };
    let id = ulid::Ulid::generate().to_string();
    Ok(plans(&state.store).insert(&id, &plan).await?)
}

/// The start of the page's text as read from Notion now, as a Markdown quote: data for the
/// reader, never instructions for the assistant.
async fn quoted_body(state: &AppState, workspace: &str, target: &Target) -> String {
    match read_body(state, workspace, &target.id).await {
        Ok(lines) if lines.is_empty() => "The page has no text.".into(),
        Ok(lines) => {
            let quoted: Vec<String> = lines
                .iter()
                .map(|line| format!("> {}", super::resolve::escape(line)))
                .collect();
            format!(
                "Its text begins (quoted from the page):\n{}",
                quoted.join("\n>\n")
            )
        }
        Err(reason) => format!("I could not read its text from Notion: {reason}."),
    }
}

async fn read_body(state: &AppState, workspace: &str, page: &str) -> Result<Vec<String>, String> {
    let connection = connection::get(&state.store, workspace)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the workspace is not connected any more")?;
    let client = client_for(state, &connection).map_err(|e| e.to_string())?;
    let blocks: Vec<Block> = client
        .block_children(page)
        .take(QUOTED_BLOCKS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    Ok(blocks.iter().filter_map(block_text).collect())
}

/// The plain text of a text-bearing block.
fn block_text(block: &Block) -> Option<String> {
    use BlockKind::*;
    let text = match &block.kind {
        Paragraph(t) | Heading1(t) | Heading2(t) | Heading3(t) | BulletedListItem(t)
        | NumberedListItem(t) | ToDo(t) | Toggle(t) | Quote(t) | Callout(t) | Code(t) => t,
        ChildPage { title } => return Some(format!("(sub-page) {title}")),
        _ => return None,
    };
    let plain: String = text
        .rich_text
        .iter()
        .map(|r| r.plain_text.as_str())
        .collect();
    (!plain.trim().is_empty()).then_some(plain)
}
