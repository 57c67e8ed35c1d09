//! The Notion side of carrying out a step: what undoing it needs, read before it is sent; the
//! request itself; and, for a step resumed after a crash, whether Notion shows it happened.

use futures::StreamExt;

use super::Effect;
use crate::modules::assistant::model::{Compensation, TaskStep};
use crate::modules::assistant::plan::Action;
use crate::modules::assistant::writes;
use crate::modules::notion::model::{Block, BlockKind, Page, Parent, PropertyValue};
use crate::modules::notion::{NotionClient, NotionError};

/// What undoing the step needs that only Notion knows before it is sent.
pub(super) async fn prepare(
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

pub(super) async fn perform(
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
    target: &crate::modules::assistant::resolve::Target,
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
pub(super) async fn recover(client: &NotionClient, step: &TaskStep) -> Option<Effect> {
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
