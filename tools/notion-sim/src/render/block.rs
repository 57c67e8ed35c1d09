//! Block objects. Child pages and databases are rendered from their entity, so a page id
//! looked up as a block answers a `child_page` block, as Notion does.

use serde_json::{Value, json};

use super::{author, parent, rich_text, text_item, user};
use crate::ids::{api_time, dashed, hash_id, hex32};
use crate::model::{Blk, BlockKind, Ent, Kind, TextKind, Workspace};
use crate::text;

/// A block object.
pub fn block(ws: &Workspace, b: Blk) -> Value {
    let block = ws.block(b);
    if let BlockKind::ChildPage(e) | BlockKind::ChildDatabase(e) = block.kind {
        return entity_as_block(ws, e);
    }
    let parent = match block.parent {
        Some(p) => json!({ "type": "block_id", "block_id": dashed(ws.block(p).id) }),
        None => json!({ "type": "page_id", "page_id": dashed(ws.entity(block.page).id) }),
    };
    let (kind, payload) = payload(ws, b);
    json!({
        "object": "block",
        "id": dashed(block.id),
        "parent": parent,
        "created_time": api_time(block.created),
        "last_edited_time": api_time(block.edited),
        "created_by": author(ws, block.id),
        "last_edited_by": author(ws, block.id),
        "has_children": ws.has_children(b),
        "archived": block.trashed,
        "in_trash": block.trashed,
        "type": kind,
        kind: payload,
    })
}

/// A page (or row) as a `child_page` block, a database as a `child_database` block.
pub fn entity_as_block(ws: &Workspace, e: Ent) -> Value {
    let entity = ws.entity(e);
    let kind = if entity.kind() == Kind::Database {
        "child_database"
    } else {
        "child_page"
    };
    let has_children = entity.blocks().iter().any(|c| !ws.block(*c).trashed);
    json!({
        "object": "block",
        "id": dashed(entity.id),
        "parent": parent(ws, entity.parent),
        "created_time": api_time(entity.created),
        "last_edited_time": api_time(entity.edited),
        "created_by": author(ws, entity.id),
        "last_edited_by": author(ws, entity.id ^ 1),
        "has_children": has_children,
        "archived": entity.trashed,
        "in_trash": entity.trashed,
        "type": kind,
        kind: { "title": entity.title },
    })
}

fn payload(ws: &Workspace, b: Blk) -> (&'static str, Value) {
    let block = ws.block(b);
    let h = hash_id(block.id);
    match &block.kind {
        BlockKind::Text(kind, spans) => {
            let mut value = json!({ "rich_text": rich_text(ws, spans), "color": "default" });
            match kind {
                TextKind::ToDo => value["checked"] = json!(h.is_multiple_of(3)),
                TextKind::Heading1 | TextKind::Heading2 | TextKind::Heading3 => {
                    value["is_toggleable"] = json!(!block.children.is_empty())
                }
                TextKind::Callout => value["icon"] = json!({ "type": "emoji", "emoji": "💡" }),
                _ => {}
            }
            (kind.as_str(), value)
        }
        BlockKind::Divider => ("divider", json!({})),
        BlockKind::ColumnList => ("column_list", json!({})),
        BlockKind::Column => ("column", json!({ "width_ratio": 0.5 })),
        BlockKind::Table { width } => (
            "table",
            json!({ "table_width": width, "has_column_header": true, "has_row_header": false }),
        ),
        BlockKind::TableRow(cells) => {
            let cells: Vec<Value> = cells.iter().map(|c| json!(rich_text(ws, c))).collect();
            ("table_row", json!({ "cells": cells }))
        }
        BlockKind::Image { caption } => (
            "image",
            json!({
                "caption": rich_text(ws, caption),
                "type": "external",
                "external": { "url": format!("https://images.example.com/{}.png", hex32(block.id)) },
            }),
        ),
        BlockKind::Code { caption } => (
            "code",
            json!({
                "caption": rich_text(ws, caption),
                "rich_text": [text_item(&text::lorem(h as u32), None)],
                "language": "plain text",
            }),
        ),
        BlockKind::LinkToPage(target) => {
            let entity = ws.entity(*target);
            let value = if entity.kind() == Kind::Database {
                json!({ "type": "database_id", "database_id": dashed(entity.id) })
            } else {
                json!({ "type": "page_id", "page_id": dashed(entity.id) })
            };
            ("link_to_page", value)
        }
        BlockKind::SyncedOriginal => ("synced_block", json!({ "synced_from": null })),
        BlockKind::SyncedRef(original) => (
            "synced_block",
            json!({ "synced_from": { "type": "block_id", "block_id": dashed(ws.block(*original).id) } }),
        ),
        BlockKind::Unknown(name) => (name, json!({ "created_by": user(ws.users[0]) })),
        BlockKind::ChildPage(e) | BlockKind::ChildDatabase(e) => {
            ("child_page", json!({ "title": ws.entity(*e).title }))
        }
    }
}
