//! Carrying a confirmed plan out in Notion, step by step, through the workspace's Notion client
//! (its rate limit, retries and breaker). Before a step is sent it is marked started with what
//! undoing it needs (the old title, the old parent); once Notion answered it is marked done
//! with its compensation. A task resumed after a crash looks in Notion for a started step's
//! effect before sending it again, so a done write is not doubled.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;

use super::events;
use super::model::{Compensation, StepState, TaskState, TaskStep};
use super::plan::Action;
use super::service::now_ms;
use super::store::{plans, tasks};
use super::writes;
use crate::modules::notion::model::{Block, BlockKind, Page, Parent, PropertyValue};
use crate::modules::notion::{NotionClient, NotionError};
use crate::modules::sync::{WebhookRefresh, connection, lease, service::client_for};
use crate::state::AppState;

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

/// What undoing the step needs that only Notion knows before it is sent.
async fn prepare(
    client: &NotionClient,
    step: &TaskStep,
) -> Result<Option<Compensation>, NotionError> {
    let target = &step.step.target.id;
    Ok(match &step.step.action {
        Action::Rename { .. } => {
            let page = client.page(target).await?;
            Some(Compensation::Rename {
                page: target.clone(),
                property: title_property(&page),
                title: page.title(),
            })
        }
        Action::Move { .. } => Some(match client.page(target).await?.parent {
            Some(Parent::Page(parent)) => Compensation::Move {
                page: target.clone(),
                parent,
            },
            _ => Compensation::Impossible {
                reason:
                    "its old place was not under a page, and Notion moves pages only under pages"
                        .into(),
            },
        }),
        Action::Archive => Some(Compensation::Restore {
            page: target.clone(),
        }),
        _ => None,
    })
}

/// The name of the page's title property (`title` for pages, the database's own for rows).
pub fn title_property(page: &Page) -> String {
    page.properties
        .iter()
        .find(|(_, v)| matches!(v, PropertyValue::Title { .. }))
        .map_or_else(|| "title".to_owned(), |(name, _)| name.clone())
}

async fn perform(
    client: &NotionClient,
    step: &TaskStep,
    prepared: Option<Compensation>,
) -> Result<Effect, String> {
    let target = &step.step.target.id;
    let refused = |e: NotionError| e.to_string();
    let edited = |page: Page, compensation| Effect {
        compensation,
        edited_at: page.last_edited_time,
        created: None,
    };
    let prepared = || {
        prepared
            .clone()
            .ok_or_else(|| "the step was not prepared".to_owned())
    };
    match &step.step.action {
        Action::CreatePage { title, text } => {
            let body = writes::new_page(target, title, text.as_deref());
            let page = client.create_page(&body).await.map_err(refused)?;
            Ok(created(page))
        }
        Action::AddTodo { text } => append(client, target, vec![writes::to_do(text)]).await,
        Action::Append { text } => append(client, target, writes::paragraphs(text)).await,
        Action::AddRow { title, properties } => {
            let source = data_source(client, &step.step.target)
                .await
                .map_err(refused)?;
            let schema = client
                .data_source(&source)
                .await
                .map_err(refused)?
                .properties;
            let body = writes::new_row(&source, &schema, title, properties)?;
            Ok(created(client.create_page(&body).await.map_err(refused)?))
        }
        Action::Comment { text } => {
            client
                .create_comment(&writes::comment(target, text))
                .await
                .map_err(refused)?;
            Ok(Effect {
                compensation: Compensation::Impossible {
                    reason: "Notion's API cannot delete a comment".into(),
                },
                edited_at: None,
                created: None,
            })
        }
        Action::Rename { title } => {
            let compensation = prepared()?;
            let Compensation::Rename { property, .. } = &compensation else {
                return Err("the step was not prepared".into());
            };
            let body = writes::title_update(property, title);
            let page = client.update_page(target, &body).await.map_err(refused)?;
            Ok(edited(page, compensation))
        }
        Action::Move { parent } => {
            let body = writes::move_to(&parent.id);
            let page = client.move_page(target, &body).await.map_err(refused)?;
            Ok(edited(page, prepared()?))
        }
        Action::Archive => {
            let page = client
                .update_page(target, &writes::trash(true))
                .await
                .map_err(refused)?;
            Ok(edited(page, prepared()?))
        }
    }
}

fn created(page: Page) -> Effect {
    Effect {
        compensation: Compensation::Trash {
            page: page.id.clone(),
        },
        edited_at: page.last_edited_time,
        created: Some(page.id),
    }
}

async fn append(
    client: &NotionClient,
    page: &str,
    children: Vec<serde_json::Value>,
) -> Result<Effect, String> {
    let body = serde_json::json!({ "children": children });
    let blocks = client
        .append_children(page, &body)
        .await
        .map_err(|e| e.to_string())?;
    let after = client.page(page).await.map_err(|e| e.to_string())?;
    Ok(Effect {
        compensation: Compensation::DeleteBlocks {
            page: page.to_owned(),
            blocks: blocks.results.into_iter().map(|b| b.id).collect(),
        },
        edited_at: after.last_edited_time,
        created: None,
    })
}

/// The data source a new row goes to: the target itself, or its database's first.
async fn data_source(
    client: &NotionClient,
    target: &super::resolve::Target,
) -> Result<String, NotionError> {
    use crate::modules::sync::EntityKind;
    match target.kind {
        EntityKind::DataSource => Ok(target.id.clone()),
        _ => {
            let database = client.database(&target.id).await?;
            database
                .data_sources
                .first()
                .map(|s| s.id.clone())
                .ok_or_else(|| NotionError::Decode("the database has no data source".into()))
        }
    }
}

/// A started step's effect, if Notion shows it happened (the process stopped after sending
/// it and before recording the answer). Rows and comments cannot be looked for cheaply and
/// are sent again.
async fn recover(client: &NotionClient, step: &TaskStep) -> Option<Effect> {
    let since = step.started_at? / 60_000 * 60_000; // Notion's times are to the minute
    let target = &step.step.target.id;
    let page = || client.page(target);
    match &step.step.action {
        Action::CreatePage { title, .. } => {
            let children = recent_children(client, target, since).await?;
            let found = children
                .into_iter()
                .find(|b| matches!(&b.kind, BlockKind::ChildPage { title: t } if t == title))?;
            Some(created(client.page(&found.id).await.ok()?))
        }
        Action::AddTodo { text } | Action::Append { text } => {
            let children = recent_children(client, target, since).await?;
            let wanted: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let blocks: Vec<String> = children
                .into_iter()
                .filter(|b| block_text(b).is_some_and(|t| wanted.contains(&t.as_str())))
                .map(|b| b.id)
                .collect();
            if blocks.is_empty() {
                return None;
            }
            let after = page().await.ok()?;
            Some(Effect {
                compensation: Compensation::DeleteBlocks {
                    page: target.clone(),
                    blocks,
                },
                edited_at: after.last_edited_time,
                created: None,
            })
        }
        Action::Rename { title } => {
            let now = page().await.ok()?;
            if now.title() != *title {
                return None;
            }
            Some(Effect {
                compensation: step.compensation.clone()?,
                edited_at: now.last_edited_time,
                created: None,
            })
        }
        Action::Move { parent } => {
            let now = page().await.ok()?;
            if !matches!(&now.parent, Some(Parent::Page(p)) if *p == parent.id) {
                return None;
            }
            Some(Effect {
                compensation: step.compensation.clone()?,
                edited_at: now.last_edited_time,
                created: None,
            })
        }
        Action::Archive => {
            let now = page().await.ok()?;
            now.in_trash.then(|| Effect {
                compensation: Compensation::Restore {
                    page: target.clone(),
                },
                edited_at: now.last_edited_time,
                created: None,
            })
        }
        Action::AddRow { .. } | Action::Comment { .. } => None,
    }
}

/// The page's children created at or after `since` (epoch ms), or `None` if unreadable.
async fn recent_children(client: &NotionClient, page: &str, since: i64) -> Option<Vec<Block>> {
    let all: Vec<Result<Block, NotionError>> = client.block_children(page).collect().await;
    let blocks: Vec<Block> = all.into_iter().collect::<Result<_, _>>().ok()?;
    Some(
        blocks
            .into_iter()
            .filter(|b| {
                !b.in_trash
                    && b.created_time
                        .as_deref()
                        .and_then(millis)
                        .is_some_and(|t| t >= since)
            })
            .collect(),
    )
}

pub fn millis(time: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(time)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The plain text of a paragraph or to-do.
pub fn block_text(block: &Block) -> Option<String> {
    match &block.kind {
        BlockKind::Paragraph(t) | BlockKind::ToDo(t) => {
            Some(t.rich_text.iter().map(|r| r.plain_text.as_str()).collect())
        }
        _ => None,
    }
}
