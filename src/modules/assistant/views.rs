//! The assistant's API bodies: what the routes answer, built from stored records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Conversation, Message, Plan, PlanState, Role, Task, TaskState, TaskStep};
use super::plan::Step;
use crate::modules::auth::model::rfc3339;
use crate::storage::Record;

/// `POST /assistant/conversations`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    /// The workspace to talk about; may be left out when the caller has only one.
    pub workspace: Option<String>,
    pub title: Option<String>,
}

/// `POST /assistant/conversations/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// What the user writes, 1 to 4000 characters.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationView {
    pub id: String,
    pub workspace: String,
    pub title: String,
    pub created_at: String,
    pub updated_at: String,
    /// Oldest first (only when one conversation is shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageView>>,
}

impl ConversationView {
    pub fn of(record: &Record<Conversation>, messages: Option<Vec<MessageView>>) -> Self {
        let c = &record.value;
        Self {
            id: record.id.clone(),
            workspace: c.workspace.clone(),
            title: c.title.clone(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            messages,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    pub role: Role,
    /// Markdown for the assistant's messages.
    pub text: String,
    pub created_at: String,
    /// The plan this message proposed.
    pub plan: Option<PlanView>,
    /// The task this message started or reports on.
    pub task: Option<String>,
}

impl MessageView {
    pub fn of(record: &Record<Message>, plan: Option<PlanView>) -> Self {
        let m = &record.value;
        Self {
            id: record.id.clone(),
            role: m.role,
            text: m.text.clone(),
            created_at: rfc3339(m.created_at),
            plan,
            task: m.task.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    pub id: String,
    pub steps: Vec<Step>,
    /// True while the plan waits for confirm or reject.
    pub needs_confirmation: bool,
    pub state: PlanState,
    /// The task its confirmation started.
    pub task: Option<String>,
}

impl PlanView {
    pub fn of(record: &Record<Plan>) -> Self {
        let p = &record.value;
        Self {
            id: record.id.clone(),
            steps: p.steps.clone(),
            needs_confirmation: p.state == PlanState::Proposed,
            state: p.state,
            task: p.task.clone(),
        }
    }
}

/// The answer to a message: the user's message as stored, the assistant's reply, and the
/// plan the reply proposes, if any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyView {
    pub message: MessageView,
    pub reply: MessageView,
    pub plan: Option<PlanView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskView {
    pub id: String,
    pub state: TaskState,
    pub conversation: String,
    pub plan: String,
    pub steps: Vec<TaskStep>,
    /// Steps done (or undone, once undo runs) out of all.
    pub done: usize,
    pub total: usize,
    /// What undo did and could not do, once it ran.
    pub undo_report: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Grows with every change of the task: of two views of it, the larger is the newer,
    /// whichever way each came (an answer, an event, a poll). Events stored before it existed
    /// read as 0.
    #[serde(default)]
    pub version: i64,
}

impl TaskView {
    pub fn of(record: &Record<Task>) -> Self {
        use super::model::StepState::*;
        let t = &record.value;
        let settled = |s: &TaskStep| match t.state {
            TaskState::Undoing | TaskState::Undone => {
                matches!(s.state, Undone | Kept | Skipped | Failed)
            }
            _ => matches!(s.state, Done | Failed | Skipped),
        };
        Self {
            id: record.id.clone(),
            state: t.state,
            conversation: t.conversation.clone(),
            plan: t.plan.clone(),
            done: t.steps.iter().filter(|s| settled(s)).count(),
            total: t.steps.len(),
            steps: t.steps.clone(),
            undo_report: t.undo_report.clone(),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            version: record.version,
        }
    }
}
