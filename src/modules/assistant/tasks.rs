//! Plans decided and tasks steered: confirming a plan queues a task that carries it out
//! ([`RunTask`]); a task can be followed, cancelled between steps, and undone ([`UndoTask`]).
//! Both jobs run under the workspace's assistant lease, so one workspace's tasks run one at a
//! time (within its Notion rate), and both are idempotent: a step done is never done again.

use serde::{Deserialize, Serialize};

use super::model::{
    Conversation, Plan, PlanState, StepState, Task, TaskState, TaskStep, wire_name,
};
use super::service::now_ms;
use super::store::{self, conversations, plans, tasks};
use super::views::{PlanView, TaskView};
use super::{allowance, events, execute};
use crate::error::{AppError, Code};
use crate::jobs::Job;
use crate::modules::auth::AuthUser;
use crate::state::AppState;
use crate::storage::Record;

fn unknown_plan(id: &str) -> AppError {
    AppError::new(Code::UnknownAssistantPlan, format!("no plan `{id}`"))
}

fn unknown_task(id: &str) -> AppError {
    AppError::new(Code::UnknownTask, format!("no assistant task `{id}`"))
}

async fn plan(state: &AppState, user: &AuthUser, id: &str) -> Result<Record<Plan>, AppError> {
    store::owned(&plans(&state.store), user.id(), id)
        .await?
        .ok_or_else(|| unknown_plan(id))
}

pub async fn task(state: &AppState, user: &AuthUser, id: &str) -> Result<Record<Task>, AppError> {
    store::owned(&tasks(&state.store), user.id(), id)
        .await?
        .ok_or_else(|| unknown_task(id))
}

/// Carries out a confirmed plan's steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunTask {
    pub task: String,
}

impl Job for RunTask {
    const QUEUE: &'static str = "assistant_task";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        execute::run(state, &self.task).await
    }
}

/// Reverts a task's done steps, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoTask {
    pub task: String,
}

impl Job for UndoTask {
    const QUEUE: &'static str = "assistant_undo";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        super::undo::run(state, &self.task).await
    }
}

/// Confirms a proposed plan: its task is queued, and the task is the answer.
pub async fn confirm(state: &AppState, user: &AuthUser, id: &str) -> Result<TaskView, AppError> {
    let proposed = plan(state, user, id).await?;
    if proposed.value.state != PlanState::Proposed {
        return Err(decided(&proposed.value));
    }
    let p = &proposed.value;
    let actions = p.steps.len() as u64;
    allowance::take(state, user.id(), actions).await?;
    let now = now_ms();
    let task_id = ulid::Ulid::generate().to_string();
    let task = Task {
        tenant: p.tenant.clone(),
        workspace: p.workspace.clone(),
        conversation: p.conversation.clone(),
        plan: id.to_owned(),
        state: TaskState::Queued,
        steps: p.steps.iter().cloned().map(TaskStep::new).collect(),
        created_at: now,
        updated_at: now,
        cancel_requested: false,
        undo_report: None,
        event: events::next_id(state, user.id()).await,
    };
    let stored = tasks(&state.store).insert(&task_id, &task).await?;
    // Only one confirmation wins: a plan decided meanwhile keeps its decision.
    let decision = events::update(state, &plans(&state.store), id, |p| {
        (p.state == PlanState::Proposed).then(|| {
            p.state = PlanState::Confirmed;
            p.decided_at = Some(now);
            p.task = Some(task_id.clone());
        })
    })
    .await?;
    let Some((confirmed, true)) = decision else {
        tasks(&state.store).delete(&task_id).await?;
        allowance::give_back(state, user.id(), actions).await?;
        return Err(AppError::new(
            Code::PlanDecided,
            "the plan was decided meanwhile",
        ));
    };
    conversations(&state.store)
        .update(&p.conversation, |c| {
            c.last_task = Some(task_id.clone());
            Some(())
        })
        .await?;
    events::plan_decided(state, &confirmed).await;
    events::task_changed(state, &stored).await;
    state.jobs.push(&RunTask { task: task_id }).await?;
    Ok(TaskView::of(&stored))
}

fn decided(plan: &Plan) -> AppError {
    let state = match plan.state {
        PlanState::Confirmed => "confirmed",
        _ => "rejected",
    };
    AppError::new(Code::PlanDecided, format!("the plan was {state} already"))
        .with("task", &plan.task)
}

/// Rejects a proposed plan: nothing of it will run.
pub async fn reject(state: &AppState, user: &AuthUser, id: &str) -> Result<PlanView, AppError> {
    plan(state, user, id).await?;
    let (updated, changed) = events::update(state, &plans(&state.store), id, |p| {
        (p.state == PlanState::Proposed).then(|| {
            p.state = PlanState::Rejected;
            p.decided_at = Some(now_ms());
        })
    })
    .await?
    .ok_or_else(|| unknown_plan(id))?;
    if !changed {
        return Err(decided(&updated.value));
    }
    events::plan_decided(state, &updated).await;
    Ok(PlanView::of(&updated))
}

/// Asks a task to stop: a queued one is cancelled at once, a running one after its step.
pub async fn cancel(state: &AppState, user: &AuthUser, id: &str) -> Result<TaskView, AppError> {
    task(state, user, id).await?;
    let (updated, changed) = events::update(state, &tasks(&state.store), id, |t| {
        match t.state {
            TaskState::Queued => {
                t.state = TaskState::Cancelled;
                t.steps
                    .iter_mut()
                    .for_each(|s| s.state = StepState::Skipped);
            }
            TaskState::Running => t.cancel_requested = true,
            _ => return None,
        }
        t.updated_at = now_ms();
        Some(())
    })
    .await?
    .ok_or_else(|| unknown_task(id))?;
    if !changed {
        return Err(AppError::new(
            Code::TaskState,
            format!(
                "the task is {}: only a queued or running task can be cancelled",
                wire_name(&updated.value.state)
            ),
        ));
    }
    events::task_changed(state, &updated).await;
    Ok(TaskView::of(&updated))
}

/// Starts undoing a finished task's done steps.
pub async fn undo(state: &AppState, user: &AuthUser, id: &str) -> Result<TaskView, AppError> {
    task(state, user, id).await?;
    start_undo(state, id).await
}

async fn start_undo(state: &AppState, id: &str) -> Result<TaskView, AppError> {
    let mut refused: Option<String> = None;
    let (updated, _) = events::update(state, &tasks(&state.store), id, |t| {
        refused = undo_refusal(t);
        refused.is_none().then(|| {
            t.state = TaskState::Undoing;
            t.updated_at = now_ms();
        })
    })
    .await?
    .ok_or_else(|| unknown_task(id))?;
    if let Some(reason) = refused {
        return Err(AppError::new(Code::TaskState, reason));
    }
    state
        .jobs
        .push(&UndoTask {
            task: id.to_owned(),
        })
        .await?;
    events::task_changed(state, &updated).await;
    Ok(TaskView::of(&updated))
}

fn undo_refusal(task: &Task) -> Option<String> {
    match task.state {
        TaskState::Queued | TaskState::Running => {
            Some("the task is still running: cancel it or wait for it to finish".into())
        }
        TaskState::Undoing | TaskState::Undone => Some("the task is undone already".into()),
        _ if !task.steps.iter().any(|s| s.state == StepState::Done) => {
            Some("the task did nothing that could be undone".into())
        }
        _ => None,
    }
}

/// What the chat says about a task.
pub struct ChatReply {
    pub text: String,
    pub task: Option<String>,
}

/// `undo` in the chat: undoes the conversation's last task.
pub async fn undo_from_chat(
    state: &AppState,
    conversation: &Record<Conversation>,
) -> Result<ChatReply, AppError> {
    let Some(id) = conversation.value.last_task.clone() else {
        return Ok(ChatReply {
            text: "This conversation has no task to undo.".into(),
            task: None,
        });
    };
    let text = match start_undo(state, &id).await {
        Ok(_) => format!(
            "Undoing the last task (`{id}`), newest step first. I will say what could not be undone."
        ),
        Err(AppError::Problem(problem)) if problem.code == Code::TaskState => {
            format!("I cannot undo the last task: {}.", problem.detail)
        }
        Err(error) => return Err(error),
    };
    Ok(ChatReply {
        text,
        task: Some(id),
    })
}

/// `status` in the chat: the named task or the conversation's last one.
pub async fn status_from_chat(
    state: &AppState,
    conversation: &Record<Conversation>,
    named: Option<String>,
) -> Result<ChatReply, AppError> {
    let Some(id) = named.or_else(|| conversation.value.last_task.clone()) else {
        return Ok(ChatReply {
            text: "This conversation has started no task yet.".into(),
            task: None,
        });
    };
    let found = store::owned(&tasks(&state.store), &conversation.value.tenant, &id).await?;
    let text = match found {
        None => format!("I know no task `{}`.", super::resolve::escape(&id)),
        Some(record) => describe(&TaskView::of(&record)),
    };
    Ok(ChatReply {
        text,
        task: Some(id),
    })
}

/// A task in words: its state, progress and each step's.
pub fn describe(task: &TaskView) -> String {
    let mut text = format!(
        "Task `{}` is {}: {} of {} steps.",
        task.id,
        wire_name(&task.state),
        task.done,
        task.total
    );
    for (i, step) in task.steps.iter().enumerate() {
        let note = step
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let state = wire_name(&step.state);
        text.push_str(&format!("\n{}. {state}: {}{note}", i + 1, step.step.change));
    }
    if let Some(report) = &task.undo_report {
        text.push_str(&format!("\n{report}"));
    }
    text
}
