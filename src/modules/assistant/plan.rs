//! A plan: the writes a message asks for, each step with the page it acts on and what will
//! change, checked before the user is asked to confirm it. Only a confirmed plan's steps ever
//! reach Notion, so a step is built from the user's words and the title index alone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::resolve::{Target, escape};
use crate::modules::sync::EntityKind;

/// Notion's limit on one rich text object's content.
pub const MAX_TEXT: usize = 2000;

/// A property of a new database row, by name as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AssistantProperty)]
pub struct Property {
    pub name: String,
    pub value: String,
}

/// What one step does to its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = AssistantAction)]
pub enum Action {
    /// A page under the target, with a first paragraph when `text` is given.
    CreatePage {
        title: String,
        text: Option<String>,
    },
    /// A to-do block at the end of the target.
    AddTodo {
        text: String,
    },
    /// A paragraph at the end of the target.
    Append {
        text: String,
    },
    /// A row in the target database (or data source).
    AddRow {
        title: String,
        properties: Vec<Property>,
    },
    Comment {
        text: String,
    },
    Rename {
        title: String,
    },
    /// The target moves under `parent`.
    Move {
        parent: Target,
    },
    /// The target goes to Notion's trash.
    Archive,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = AssistantStep)]
pub struct Step {
    #[serde(flatten)]
    pub action: Action,
    /// The page the step acts on (the parent of a new page, the database of a new row).
    pub target: Target,
    /// What will change, in words (Markdown).
    pub change: String,
}

/// Why a step cannot be planned, in words the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

fn page_like(target: &Target) -> bool {
    matches!(target.kind, EntityKind::Page | EntityKind::Row)
}

fn text(what: &str, value: &str) -> Result<String, Refusal> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Refusal(format!(
            "the {what} is empty: say what it should be"
        )));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(Refusal(format!(
            "the {what} is longer than Notion's {MAX_TEXT} characters: shorten it"
        )));
    }
    Ok(value.to_owned())
}

fn needs_page(target: &Target, doing: &str) -> Result<(), Refusal> {
    match page_like(target) {
        true => Ok(()),
        false => Err(Refusal(format!(
            "{} is a {}: I can only {doing} a page or a database row",
            target.link(),
            target.kind.name().replace('_', " ")
        ))),
    }
}

impl Step {
    pub fn new(action: Action, target: Target) -> Result<Self, Refusal> {
        let link = target.link();
        let change = match &action {
            Action::CreatePage {
                title: t,
                text: body,
            } => {
                if target.kind == EntityKind::Database || target.kind == EntityKind::DataSource {
                    return Err(Refusal(format!(
                        "{link} is a database: ask to *add a row* to it instead"
                    )));
                }
                needs_page(&target, "create pages under")?;
                let t = text("title", t)?;
                let body = body.as_deref().map(|b| text("text", b)).transpose()?;
                match body {
                    Some(_) => format!(
                        "create the page **{}** under {link}, with its text",
                        escape(&t)
                    ),
                    None => format!("create the page **{}** under {link}", escape(&t)),
                }
            }
            Action::AddTodo { text: t } => {
                needs_page(&target, "add to-dos to")?;
                format!(
                    "add the to-do “{}” at the end of {link}",
                    escape(&text("to-do", t)?)
                )
            }
            Action::Append { text: t } => {
                needs_page(&target, "append text to")?;
                format!("append “{}” to {link}", escape(&text("text", t)?))
            }
            Action::AddRow {
                title: t,
                properties,
            } => {
                if !matches!(target.kind, EntityKind::Database | EntityKind::DataSource) {
                    return Err(Refusal(format!(
                        "{link} is not a database: name a database to add a row to"
                    )));
                }
                let t = text("row's title", t)?;
                if let Some(p) = properties.iter().find(|p| p.value.trim().is_empty()) {
                    return Err(Refusal(format!(
                        "the property {} has no value: write it as `{}=value`",
                        escape(&p.name),
                        escape(&p.name)
                    )));
                }
                let listed: Vec<String> = properties
                    .iter()
                    .map(|p| format!("{} = {}", escape(&p.name), escape(&p.value)))
                    .collect();
                match listed.is_empty() {
                    true => format!("add the row **{}** to {link}", escape(&t)),
                    false => format!(
                        "add the row **{}** to {link} with {}",
                        escape(&t),
                        listed.join(", ")
                    ),
                }
            }
            Action::Comment { text: t } => {
                needs_page(&target, "comment on")?;
                format!("comment “{}” on {link}", escape(&text("comment", t)?))
            }
            Action::Rename { title: t } => {
                needs_page(&target, "rename")?;
                let t = text("new title", t)?;
                if t == target.title {
                    return Err(Refusal(format!("{link} is called that already")));
                }
                format!("rename {link} to **{}**", escape(&t))
            }
            Action::Move { parent } => {
                needs_page(&target, "move")?;
                if parent.id == target.id {
                    return Err(Refusal(format!("{link} cannot move under itself")));
                }
                if parent.kind != EntityKind::Page {
                    return Err(Refusal(format!(
                        "{} is not a page: pages move under pages",
                        parent.link()
                    )));
                }
                format!("move {link} under {}", parent.link())
            }
            Action::Archive => {
                needs_page(&target, "move to the trash")?;
                format!("move {link} to the trash (undo restores it)")
            }
        };
        Ok(Self {
            action,
            target,
            change,
        })
    }
}
