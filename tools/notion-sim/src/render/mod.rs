//! Notion JSON shapes for the pinned version (2025-09-03). The model stays compact; these
//! functions turn it into the objects the real API returns: rich text, users, parents and the
//! shared fields of every object. `page` renders pages, databases and data sources; `block`
//! renders blocks.

pub mod block;
pub mod page;

use serde_json::{Value, json};

use crate::ids::{Id, dashed, hash_id, hex32};
use crate::model::{Ent, Kind, Parent, Span, Workspace};
use crate::text;

/// A partial user object, as Notion returns in `created_by` and `last_edited_by`.
pub fn user(id: Id) -> Value {
    json!({ "object": "user", "id": dashed(id) })
}

fn annotations(bold: bool) -> Value {
    json!({
        "bold": bold,
        "italic": false,
        "strikethrough": false,
        "underline": false,
        "code": false,
        "color": "default",
    })
}

/// A plain text item, optionally linked.
pub fn text_item(content: &str, link: Option<&str>) -> Value {
    json!({
        "type": "text",
        "text": { "content": content, "link": link.map(|url| json!({ "url": url })) },
        "annotations": annotations(false),
        "plain_text": content,
        "href": link,
    })
}

/// Title text as Notion stores it: one text item (none for an empty title).
pub fn title_items(title: &str) -> Vec<Value> {
    if title.is_empty() {
        Vec::new()
    } else {
        vec![text_item(title, None)]
    }
}

/// What a reader sees for a linked entity: its title, or "Untitled" when it is not shared.
fn visible_title(ws: &Workspace, e: Ent) -> &str {
    let entity = ws.entity(e);
    if entity.shared {
        &entity.title
    } else {
        "Untitled"
    }
}

fn mention(kind: &str, payload: Value, plain: &str, href: Option<String>) -> Value {
    json!({
        "type": "mention",
        "mention": { "type": kind, kind: payload },
        "annotations": annotations(false),
        "plain_text": plain,
        "href": href,
    })
}

/// One rich text item.
pub fn span(ws: &Workspace, span: &Span) -> Value {
    match span {
        Span::Lorem(seed) => {
            let mut item = text_item(&text::lorem(*seed), None);
            item["annotations"]["bold"] = json!(seed % 11 == 0);
            item
        }
        Span::Text(content) => text_item(content, None),
        Span::Link { text, url } => text_item(text, Some(url)),
        Span::Url { target, form } => {
            let entity = ws.entity(*target);
            text_item(&entity.title, Some(&form.render(entity.id, &entity.title)))
        }
        Span::Mention(target) => {
            let entity = ws.entity(*target);
            let kind = if entity.kind() == Kind::Database {
                "database"
            } else {
                "page"
            };
            let href = format!("https://www.notion.so/{}", hex32(entity.id));
            mention(
                kind,
                json!({ "id": dashed(entity.id) }),
                visible_title(ws, *target),
                Some(href),
            )
        }
        Span::User(k) => {
            let id = ws.users[*k as usize % ws.users.len()];
            mention("user", user(id), &format!("@User {k}"), None)
        }
        Span::Date(days) => {
            let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default()
                + chrono::Days::new(u64::from(*days));
            let start = date.format("%Y-%m-%d").to_string();
            mention(
                "date",
                json!({ "start": start, "end": null, "time_zone": null }),
                &start,
                None,
            )
        }
        Span::LinkPreview(seed) => {
            let url = format!(
                "https://github.com/example/example-repo/pull/{}",
                seed % 5000
            );
            mention(
                "link_preview",
                json!({ "url": url }),
                &url,
                Some(url.clone()),
            )
        }
        Span::TemplateMention => mention(
            "template_mention",
            json!({ "type": "template_mention_date", "template_mention_date": "today" }),
            "@Today",
            None,
        ),
        Span::UnknownMention => {
            let group = json!({ "id": dashed(ws.workspace_id ^ 0x5a5a), "name": "Design team" });
            mention("person_group", group, "@Design team", None)
        }
        Span::Equation => json!({
            "type": "equation",
            "equation": { "expression": "E = mc^2" },
            "annotations": annotations(false),
            "plain_text": "E = mc^2",
            "href": null,
        }),
    }
}

pub fn rich_text(ws: &Workspace, spans: &[Span]) -> Vec<Value> {
    spans.iter().map(|s| span(ws, s)).collect()
}

/// The `parent` object of an entity.
pub fn parent(ws: &Workspace, parent: Parent) -> Value {
    match parent {
        Parent::Workspace => json!({ "type": "workspace", "workspace": true }),
        Parent::Page(p) => json!({ "type": "page_id", "page_id": dashed(ws.entity(p).id) }),
        Parent::Database(db) => {
            json!({ "type": "database_id", "database_id": dashed(ws.entity(db).id) })
        }
        Parent::DataSource(ds) => {
            let db = match ws.entity(ds).parent {
                Parent::Database(db) => ws.entity(db).id,
                _ => ws.entity(ds).id,
            };
            json!({
                "type": "data_source_id",
                "data_source_id": dashed(ws.entity(ds).id),
                "database_id": dashed(db),
            })
        }
    }
}

/// The author of an object, stable per id.
pub fn author(ws: &Workspace, id: Id) -> Value {
    user(ws.users[(hash_id(id) % ws.users.len() as u64) as usize])
}

/// An emoji icon for about half the objects.
pub fn icon(id: Id) -> Value {
    const EMOJI: [&str; 6] = ["📄", "🚀", "📚", "🗂️", "✅", "💡"];
    let h = hash_id(id);
    if h.is_multiple_of(2) {
        Value::Null
    } else {
        json!({ "type": "emoji", "emoji": EMOJI[(h >> 8) as usize % EMOJI.len()] })
    }
}

/// Wraps results in Notion's list envelope.
pub fn list(results: Vec<Value>, next_cursor: Option<String>, list_type: &str) -> Value {
    json!({
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor.is_some(),
        "type": list_type,
        list_type: {},
        "request_id": uuid::Uuid::new_v4().to_string(),
    })
}

/// Adds a fresh `request_id`, as 2025 responses carry one on every object.
pub fn with_request_id(mut value: Value) -> Value {
    value["request_id"] = json!(uuid::Uuid::new_v4().to_string());
    value
}
