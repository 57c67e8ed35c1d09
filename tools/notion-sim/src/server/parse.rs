//! Request bodies of the write endpoints: rich text and blocks as clients send them, with
//! Notion's size limits (2,000 characters per text, 100 items per array, two nesting levels).

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::ids::parse_id;
use crate::model::{BlockKind, Span, TextKind, Workspace};
use crate::mutate::NewBlock;

const MAX_TEXT: usize = 2000;
const MAX_ITEMS: usize = 100;

/// A rich text array from a request.
pub fn rich_text(ws: &Workspace, items: &Value, place: &str) -> ApiResult<Vec<Span>> {
    let items = items
        .as_array()
        .ok_or_else(|| ApiError::validation(format!("{place} should be an array.")))?;
    if items.len() > MAX_ITEMS {
        return Err(ApiError::validation(format!(
            "{place}.length should be ≤ {MAX_ITEMS}, instead was {}.",
            items.len()
        )));
    }
    items.iter().map(|item| span(ws, item, place)).collect()
}

fn span(ws: &Workspace, item: &Value, place: &str) -> ApiResult<Span> {
    if let Some(text) = item.get("text") {
        let content = text.get("content").and_then(Value::as_str).ok_or_else(|| {
            ApiError::validation(format!("{place}[].text.content should be a string."))
        })?;
        if content.chars().count() > MAX_TEXT {
            return Err(ApiError::validation(format!(
                "{place}[].text.content.length should be ≤ {MAX_TEXT}."
            )));
        }
        return Ok(
            match text
                .get("link")
                .and_then(|l| l.get("url"))
                .and_then(Value::as_str)
            {
                Some(url) => Span::Link {
                    text: content.into(),
                    url: url.into(),
                },
                None => Span::Text(content.into()),
            },
        );
    }
    if let Some(mention) = item.get("mention") {
        let target = mention
            .get("page")
            .or_else(|| mention.get("database"))
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str);
        return match target {
            Some(id) => {
                let e = parse_id(id)
                    .and_then(|id| ws.lookup_entity(id))
                    .ok_or_else(|| {
                        ApiError::validation(format!("Mentioned object {id} does not exist."))
                    })?;
                Ok(Span::Mention(e))
            }
            None => Ok(Span::Text(
                item.get("plain_text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
            )),
        };
    }
    if item.get("equation").is_some() {
        return Ok(Span::Equation);
    }
    Err(ApiError::validation(format!(
        "{place}[] should have a `text`, `mention` or `equation` field."
    )))
}

/// The block type of an object: its `type`, or the one known key it carries.
fn block_type(value: &Value) -> Option<String> {
    if let Some(t) = value.get("type").and_then(Value::as_str) {
        return Some(t.to_owned());
    }
    value
        .as_object()?
        .keys()
        .find(|k| TextKind::parse(k).is_some() || *k == "divider" || *k == "link_to_page")
        .cloned()
}

/// An array of blocks from a request; `depth` counts the nesting levels used so far.
pub fn blocks(ws: &Workspace, value: &Value, depth: u32) -> ApiResult<Vec<NewBlock>> {
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::validation("body.children should be an array."))?;
    if items.len() > MAX_ITEMS {
        return Err(ApiError::validation(format!(
            "body.children.length should be ≤ {MAX_ITEMS}, instead was {}.",
            items.len()
        )));
    }
    items.iter().map(|item| block(ws, item, depth)).collect()
}

fn block(ws: &Workspace, item: &Value, depth: u32) -> ApiResult<NewBlock> {
    let name = block_type(item)
        .ok_or_else(|| ApiError::validation("body.children[] should name a block type."))?;
    let payload = item.get(&name).cloned().unwrap_or(Value::Null);
    let kind = if let Some(text_kind) = TextKind::parse(&name) {
        let spans = rich_text(
            ws,
            payload
                .get("rich_text")
                .unwrap_or(&Value::Array(Vec::new())),
            &format!("body.children[].{name}.rich_text"),
        )?;
        BlockKind::Text(text_kind, spans)
    } else if name == "divider" {
        BlockKind::Divider
    } else if name == "link_to_page" {
        let id = payload
            .get("page_id")
            .or_else(|| payload.get("database_id"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let e = parse_id(id)
            .and_then(|id| ws.lookup_entity(id))
            .ok_or_else(|| {
                ApiError::validation(format!("link_to_page target `{id}` does not exist."))
            })?;
        BlockKind::LinkToPage(e)
    } else {
        return Err(ApiError::validation(format!(
            "The simulator cannot create `{name}` blocks."
        )));
    };
    let children = match payload.get("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) if depth >= 2 => {
            return Err(ApiError::validation(
                "Blocks can be nested at most two levels per request.",
            ));
        }
        Some(children) => blocks(ws, children, depth + 1)?,
    };
    Ok(NewBlock { kind, children })
}

/// The plain text of a title given as rich text input.
pub fn plain_title(items: &Value) -> String {
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    i.get("text")
                        .and_then(|t| t.get("content"))
                        .or_else(|| i.get("plain_text"))
                        .and_then(Value::as_str)
                })
                .collect()
        })
        .unwrap_or_default()
}
