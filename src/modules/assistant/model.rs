//! What the assistant stores, per user: conversations and their messages, the plans it
//! proposed, and the tasks that carry confirmed plans out (each step with its compensation).
//! Every document carries its tenant (the user) and workspace.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plan::Step;
use super::planner::Question;

/// The wire name of a state (`queued`, `done` ...), for messages.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub tenant: String,
    pub workspace: String,
    pub title: String,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// The next message's number.
    pub next_seq: u64,
    /// A question the next message may answer.
    pub pending: Option<Question>,
    /// The conversation's newest task, which `undo` reverts.
    pub last_task: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssistantRole)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub tenant: String,
    pub workspace: String,
    pub conversation: String,
    pub seq: u64,
    pub role: Role,
    /// Markdown (the assistant's); plain text as typed (the user's).
    pub text: String,
    pub created_at: i64,
    pub plan: Option<String>,
    pub task: Option<String>,
    /// The id of the user's event that last reported it (see `events`); 0 before events.
    #[serde(default)]
    pub event: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssistantPlanState)]
pub enum PlanState {
    /// Waiting for the user to confirm or reject it.
    Proposed,
    Confirmed,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub tenant: String,
    pub workspace: String,
    pub conversation: String,
    pub steps: Vec<Step>,
    pub state: PlanState,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    /// The task a confirmation started.
    pub task: Option<String>,
    /// The id of the user's event that last reported it (see `events`); 0 before events.
    #[serde(default)]
    pub event: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssistantTaskState)]
pub enum TaskState {
    Queued,
    Running,
    /// Every step done.
    Completed,
    /// A step failed; the steps before it are done (and can be undone).
    Failed,
    /// Stopped on request between two steps.
    Cancelled,
    /// Undo was asked for and runs.
    Undoing,
    /// Undo ran; `steps` say which were reverted and which could not be.
    Undone,
}

impl TaskState {
    /// Whether the task will not run (forwards) any more.
    pub fn finished(self) -> bool {
        matches!(
            self,
            TaskState::Completed | TaskState::Failed | TaskState::Cancelled | TaskState::Undone
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssistantStepState)]
pub enum StepState {
    Pending,
    /// Sent to Notion; what came of it is not recorded yet (a resumed task looks before it
    /// sends again).
    Started,
    Done,
    Failed,
    /// Not run: the task was cancelled or an earlier step failed.
    Skipped,
    /// Reverted by undo.
    Undone,
    /// Undo left it as it is (the page was edited since, or Notion cannot revert it).
    Kept,
}

/// How to revert one done step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = AssistantCompensation)]
pub enum Compensation {
    /// A page or row the step created goes to the trash.
    Trash { page: String },
    /// A page the step trashed comes back.
    Restore { page: String },
    /// Blocks the step appended to `page` are deleted.
    DeleteBlocks { page: String, blocks: Vec<String> },
    /// The title property `property` gets its old `title` back.
    Rename {
        page: String,
        property: String,
        title: String,
    },
    /// The page moves back under its old parent page.
    Move { page: String, parent: String },
    /// Nothing can revert it (Notion's API cannot delete a comment).
    Impossible { reason: String },
}

impl Compensation {
    /// The page whose later edits make undoing this unsafe.
    pub fn page(&self) -> Option<&str> {
        match self {
            Compensation::Trash { page }
            | Compensation::Restore { page }
            | Compensation::DeleteBlocks { page, .. }
            | Compensation::Rename { page, .. }
            | Compensation::Move { page, .. } => Some(page),
            Compensation::Impossible { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = AssistantTaskStep)]
pub struct TaskStep {
    #[serde(flatten)]
    pub step: Step,
    pub state: StepState,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// Why it failed or was kept, in words.
    pub note: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub compensation: Option<Compensation>,
    /// The page's `last_edited_time` right after the step: a later one means someone edited
    /// it since, and undo leaves it alone.
    pub edited_at: Option<String>,
    /// A page the step created (its id), e.g. to open it.
    pub created: Option<String>,
}

impl TaskStep {
    pub fn new(step: Step) -> Self {
        Self {
            step,
            state: StepState::Pending,
            started_at: None,
            finished_at: None,
            note: None,
            compensation: None,
            edited_at: None,
            created: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub tenant: String,
    pub workspace: String,
    pub conversation: String,
    pub plan: String,
    pub state: TaskState,
    pub steps: Vec<TaskStep>,
    pub created_at: i64,
    pub updated_at: i64,
    pub cancel_requested: bool,
    /// What undo found, in words, once it ran.
    pub undo_report: Option<String>,
    /// The id of the user's event that last reported it (see `events`); 0 before events.
    #[serde(default)]
    pub event: u64,
}

impl Task {
    /// Whether the task (`id`) carries out exactly what the user confirmed: `plan`, its own,
    /// confirmed with this task, step for step. The executor runs nothing else, so no write
    /// reaches Notion without the user's confirmation of that very write.
    pub fn carries_out(&self, id: &str, plan: Option<&Plan>) -> Result<(), String> {
        let Some(plan) = plan else {
            return Err("its plan is gone".into());
        };
        let confirmed = plan.state == PlanState::Confirmed && plan.task.as_deref() == Some(id);
        let same = plan.steps.len() == self.steps.len()
            && plan
                .steps
                .iter()
                .zip(&self.steps)
                .all(|(p, t)| *p == t.step);
        match (confirmed, same) {
            (true, true) => Ok(()),
            (false, _) => Err("its plan was not confirmed for it, so nothing was done".into()),
            (true, false) => {
                Err("its steps are not the confirmed plan's, so nothing was done".into())
            }
        }
    }
}
