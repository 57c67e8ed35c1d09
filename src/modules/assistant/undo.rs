//! Undo: a task's done steps reverted newest first, each by its recorded compensation, but
//! only while the page is as the step left it. A page edited since (a later
//! `last_edited_time`, or a title, parent, trash state or new text that is not the step's any
//! more) is left alone and reported; so is a step Notion cannot revert (a comment).

use std::collections::HashMap;

use super::execute::{block_text, client, leased, millis, refresh_touched, set};
use super::model::{Compensation, StepState, TaskState, TaskStep};
use super::plan::Action;
use super::service::now_ms;
use super::store::tasks;
use super::writes;
use crate::modules::notion::NotionClient;
use crate::modules::notion::model::{Page, Parent};
use crate::state::AppState;

/// The [`super::tasks::UndoTask`] job.
pub async fn run(state: &AppState, id: &str) -> anyhow::Result<()> {
    let Some(task) = tasks(&state.store).get(id).await? else {
        return Ok(());
    };
    if task.value.state != TaskState::Undoing {
        return Ok(());
    }
    let workspace = task.value.workspace.clone();
    leased(state, &workspace, revert(state, id)).await?;
    refresh_touched(state, id).await
}

async fn revert(state: &AppState, id: &str) -> anyhow::Result<()> {
    let Some(task) = tasks(&state.store).get(id).await?.map(|r| r.value) else {
        return Ok(());
    };
    let client = client(state, &task.workspace).await;
    // The last time each page was as this task left it, moved on by each revert.
    let mut ours: HashMap<String, String> = HashMap::new();
    for step in &task.steps {
        if let (Some(page), Some(at)) = (
            step.compensation.as_ref().and_then(Compensation::page),
            &step.edited_at,
        ) {
            ours.insert(page.to_owned(), at.clone());
        }
    }
    for at in (0..task.steps.len()).rev() {
        let step = &task.steps[at];
        if step.state != StepState::Done {
            continue;
        }
        let outcome = match &client {
            Ok(client) => revert_step(client, step, &mut ours).await,
            Err(reason) => Err(reason.clone()),
        };
        set(state, id, |t| {
            let s = &mut t.steps[at];
            match &outcome {
                Ok(()) => s.state = StepState::Undone,
                Err(reason) => {
                    s.state = StepState::Kept;
                    s.note = Some(reason.clone());
                }
            }
            s.finished_at = Some(now_ms());
            Some(())
        })
        .await?;
    }
    set(state, id, |t| {
        t.state = TaskState::Undone;
        t.undo_report = Some(report(&t.steps));
        Some(())
    })
    .await?;
    Ok(())
}

/// What undo did, in words.
fn report(steps: &[TaskStep]) -> String {
    let undone = steps
        .iter()
        .filter(|s| s.state == StepState::Undone)
        .count();
    let kept: Vec<String> = steps
        .iter()
        .filter(|s| s.state == StepState::Kept)
        .map(|s| {
            let why = s.note.as_deref().unwrap_or("no reason recorded");
            format!("- not undone: {} ({why})", s.step.change)
        })
        .collect();
    let mut text = format!(
        "Undo reverted {undone} step{}.",
        if undone == 1 { "" } else { "s" }
    );
    if !kept.is_empty() {
        text.push('\n');
        text.push_str(&kept.join("\n"));
    }
    text
}

async fn revert_step(
    client: &NotionClient,
    step: &TaskStep,
    ours: &mut HashMap<String, String>,
) -> Result<(), String> {
    let compensation = step
        .compensation
        .as_ref()
        .ok_or("nothing was recorded to undo it")?;
    let Some(page_id) = compensation.page() else {
        let Compensation::Impossible { reason } = compensation else {
            return Err("nothing was recorded to undo it".into());
        };
        return Err(reason.clone());
    };
    let refused = |e: crate::modules::notion::NotionError| format!("Notion refused: {e}");
    let now = client.page(page_id).await.map_err(refused)?;
    unchanged_since(&now, ours.get(page_id))?;
    if !still_as_left(client, step, &now).await? {
        return Ok(()); // already as it was before the step
    }
    let after = match compensation {
        Compensation::Trash { page } => client.update_page(page, &writes::trash(true)).await,
        Compensation::Restore { page } => client.update_page(page, &writes::trash(false)).await,
        Compensation::Rename {
            page,
            property,
            title,
        } => {
            let body = writes::title_update(property, title);
            client.update_page(page, &body).await
        }
        Compensation::Move { page, parent } => {
            client.move_page(page, &writes::move_to(parent)).await
        }
        Compensation::DeleteBlocks { page, blocks } => {
            for block in blocks {
                client.delete_block(block).await.map_err(refused)?;
            }
            client.page(page).await
        }
        Compensation::Impossible { reason } => return Err(reason.clone()),
    }
    .map_err(refused)?;
    if let Some(at) = after.last_edited_time {
        ours.insert(page_id.to_owned(), at);
    }
    Ok(())
}

/// Refuses when the page was edited after this task (or its undo so far) last touched it.
fn unchanged_since(now: &Page, ours: Option<&String>) -> Result<(), String> {
    let (Some(current), Some(ours)) = (now.last_edited_time.as_deref(), ours) else {
        return Ok(());
    };
    match (millis(current), millis(ours)) {
        (Some(current_ms), Some(ours_ms)) if current_ms > ours_ms => {
            Err(format!("the page was edited since, at {current}"))
        }
        _ => Ok(()),
    }
}

/// Whether what the step changed is still as the step left it: `Ok(false)` when it is back as
/// before already (nothing to do), an error naming the change when someone changed it since.
async fn still_as_left(client: &NotionClient, step: &TaskStep, now: &Page) -> Result<bool, String> {
    match &step.step.action {
        Action::Rename { title } if now.title() != *title => {
            Err(format!("the page was renamed since, to “{}”", now.title()))
        }
        Action::Move { parent } => match &now.parent {
            Some(Parent::Page(p)) if *p == parent.id => Ok(true),
            _ => Err("the page was moved since".into()),
        },
        Action::Archive => Ok(now.in_trash),
        Action::CreatePage { .. } | Action::AddRow { .. } => Ok(!now.in_trash),
        Action::AddTodo { text } | Action::Append { text } => {
            let Some(Compensation::DeleteBlocks { blocks, .. }) = &step.compensation else {
                return Ok(true);
            };
            let wanted: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            for id in blocks {
                let block = client
                    .block(id)
                    .await
                    .map_err(|e| format!("Notion refused: {e}"))?;
                let same = block_text(&block).is_some_and(|t| wanted.contains(&t.as_str()));
                if block.in_trash || !same {
                    return Err("its new text was edited or deleted since".into());
                }
            }
            Ok(true)
        }
        _ => Ok(true),
    }
}
