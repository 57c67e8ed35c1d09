//! Carrying a confirmed plan out in Notion, step by step, through the workspace's Notion client
//! (its rate limit, retries and breaker). Before a step is sent it is marked started with what
//! undoing it needs (the old title, the old parent); once Notion answered it is marked done
//! with its compensation. A task resumed after a crash looks in Notion for a started step's
//! effect before sending it again, so a done write is not doubled.

use std::future::Future;
use std::time::Duration;

use super::events;
use super::model::{Compensation, StepState, TaskState, TaskStep};
use super::plan::Action;
use super::service::now_ms;
use super::store::{plans, tasks};
use crate::modules::notion::NotionClient;
use crate::modules::sync::{WebhookRefresh, connection, lease, service::client_for};
use crate::state::AppState;

#[path = "execute_notion.rs"]
mod notion;
pub use notion::{block_text, millis, title_property};
use notion::{perform, prepare, recover};

/// The longest one step may take, retries included.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// What a done step left behind.
pub struct Effect {
    pub compensation: Compensation,
    pub edited_at: Option<String>,
    pub created: Option<String>,
}

/// Runs `work` holding the workspace's assistant lease: one task of a workspace at a time.
pub async fn leased<F>(state: &AppState, workspace: &str, work: F) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<()>>,
{
    let ttl = Duration::from_millis(state.settings.sync.lease_ms);
    let holder = format!("{}:{}", state.instance, ulid::Ulid::generate());
    let key = format!("assistant:{workspace}");
    let Some(held) = lease::wait_for(&state.store, &key, &holder, ttl).await? else {
        anyhow::bail!("another assistant task of {workspace} holds its lease");
    };
    let (held, outcome) = lease::keep(held, work).await;
    if let Some(held) = held {
        held.release().await?;
    }
    outcome
}

/// The workspace's Notion client, or why there is none.
pub async fn client(state: &AppState, workspace: &str) -> Result<NotionClient, String> {
    let connection = connection::get(&state.store, workspace)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the workspace was disconnected")?;
    client_for(state, &connection).map_err(|e| e.to_string())
}

/// The [`super::tasks::RunTask`] job.
pub async fn run(state: &AppState, id: &str) -> anyhow::Result<()> {
    let Some(task) = tasks(&state.store).get(id).await? else {
        return Ok(());
    };
    if !matches!(task.value.state, TaskState::Queued | TaskState::Running) {
        return Ok(());
    }
    let workspace = task.value.workspace.clone();
    leased(state, &workspace, steps(state, id)).await?;
    refresh_touched(state, id).await
}

async fn steps(state: &AppState, id: &str) -> anyhow::Result<()> {
    let Some(task) = set(state, id, |t| {
        (t.state == TaskState::Queued).then(|| t.state = TaskState::Running)
    })
    .await?
    else {
        return Ok(());
    };
    let plan = plans(&state.store).get(&task.plan).await?;
    if let Err(reason) = task.carries_out(id, plan.as_ref().map(|p| &p.value)) {
        return fail_from(state, id, 0, reason).await;
    }
    let client = match client(state, &task.workspace).await {
        Ok(client) => client,
        Err(reason) => return fail_from(state, id, 0, reason).await,
    };
    for at in 0..task.steps.len() {
        let Some(task) = tasks(&state.store).get(id).await?.map(|r| r.value) else {
            return Ok(());
        };
        let step = task.steps[at].clone();
        if !matches!(step.state, StepState::Pending | StepState::Started) {
            continue;
        }
        if task.cancel_requested {
            return finish_as(state, id, at, TaskState::Cancelled, None).await;
        }
        stop_at_shutdown(state)?;
        let outcome =
            tokio::time::timeout(STEP_TIMEOUT, one_step(state, id, at, &client, step)).await;
        let reason = match outcome {
            Ok(Ok(effect)) => {
                done(state, id, at, effect).await?;
                continue;
            }
            Ok(Err(reason)) => reason,
            Err(_) => "Notion did not answer in time".into(),
        };
        return fail_from(state, id, at, reason).await;
    }
    set(state, id, |t| {
        t.state = TaskState::Completed;
        Some(())
    })
    .await?;
    Ok(())
}

/// One step: resumed if it had started, else prepared, marked started, and sent.
async fn one_step(
    state: &AppState,
    id: &str,
    at: usize,
    client: &NotionClient,
    step: TaskStep,
) -> Result<Effect, String> {
    if step.state == StepState::Started
        && let Some(effect) = recover(client, &step).await
    {
        return Ok(effect);
    }
    let prepared = prepare(client, &step).await.map_err(|e| e.to_string())?;
    let started = now_ms();
    set(state, id, |t| {
        let s = &mut t.steps[at];
        s.state = StepState::Started;
        s.started_at = Some(started);
        s.compensation = prepared.clone();
        Some(())
    })
    .await
    .map_err(|e| e.to_string())?;
    perform(client, &step, prepared).await
}

/// Between two steps, once shutdown began: the task stays running and the job's next attempt
/// (in the next process, or another instance) carries on from this step.
fn stop_at_shutdown(state: &AppState) -> anyhow::Result<()> {
    if state.lifecycle.is_draining() {
        anyhow::bail!("stopped by shutdown; the next attempt carries on from this step");
    }
    Ok(())
}

async fn done(state: &AppState, id: &str, at: usize, effect: Effect) -> anyhow::Result<()> {
    set(state, id, |t| {
        let s = &mut t.steps[at];
        s.state = StepState::Done;
        s.finished_at = Some(now_ms());
        s.compensation = Some(effect.compensation.clone());
        s.edited_at = effect.edited_at.clone();
        s.created = effect.created.clone();
        Some(())
    })
    .await?;
    Ok(())
}

async fn fail_from(state: &AppState, id: &str, at: usize, reason: String) -> anyhow::Result<()> {
    finish_as(state, id, at, TaskState::Failed, Some(reason)).await
}

/// Ends the task in `end`: step `at` failed (with `reason`) or was skipped, and so were the rest.
async fn finish_as(
    state: &AppState,
    id: &str,
    at: usize,
    end: TaskState,
    reason: Option<String>,
) -> anyhow::Result<()> {
    set(state, id, |t| {
        t.state = end;
        for (i, s) in t.steps.iter_mut().enumerate().skip(at) {
            let failed = i == at && reason.is_some();
            s.state = if failed {
                StepState::Failed
            } else {
                StepState::Skipped
            };
            s.note = if failed {
                reason.clone()
            } else {
                s.note.take()
            };
            s.finished_at = Some(now_ms());
        }
        Some(())
    })
    .await?;
    Ok(())
}

/// Changes the stored task (`None` from `change` leaves it); the task as it is then.
pub async fn set(
    state: &AppState,
    id: &str,
    mut change: impl FnMut(&mut super::model::Task) -> Option<()>,
) -> anyhow::Result<Option<super::model::Task>> {
    let updated = events::update(state, &tasks(&state.store), id, |t| {
        change(t)?;
        t.updated_at = now_ms();
        Some(())
    })
    .await?;
    let Some((record, changed)) = updated else {
        return Ok(None);
    };
    if changed {
        events::task_changed(state, &record).await;
    }
    Ok(Some(record.value))
}

/// Tells sync to re-read the pages the task touched now, instead of at the next sync.
pub async fn refresh_touched(state: &AppState, id: &str) -> anyhow::Result<()> {
    let Some(task) = tasks(&state.store).get(id).await?.map(|r| r.value) else {
        return Ok(());
    };
    use crate::modules::sync::EntityKind;
    let (mut pages, mut databases): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for step in &task.steps {
        let target = &step.step.target;
        match target.kind {
            EntityKind::Database | EntityKind::DataSource => databases.push(target.id.clone()),
            _ => pages.push(target.id.clone()),
        }
        pages.extend(step.created.clone());
        if let Action::Move { parent } = &step.step.action {
            pages.push(parent.id.clone());
        }
    }
    for list in [&mut pages, &mut databases] {
        list.sort();
        list.dedup();
    }
    let refresh = WebhookRefresh {
        connection: task.workspace.clone(),
        pages,
        databases,
    };
    state.jobs.push(&refresh).await?;
    Ok(())
}
