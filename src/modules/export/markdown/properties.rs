//! Page properties as typed front-matter values (a number stays a number, a multi-select a
//! list) and as CSV cells. Relations are recorded as links too.

use serde_json::{Map, Value, json};

use super::Renderer;
use super::rich_text::plain;
use crate::modules::notion::ids;
use crate::modules::notion::links::LinkKind;

/// Every property of a page object by name, typed; relations also become links.
pub fn typed_properties(properties: Option<&Value>, renderer: &mut Renderer<'_>) -> Value {
    let Some(properties) = properties.and_then(Value::as_object) else {
        return json!({});
    };
    let mut typed = Map::new();
    for (name, property) in properties {
        if let Some(targets) = relation_ids(property) {
            for id in &targets {
                renderer.found(LinkKind::Relation, id);
            }
        }
        let kind = property
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if matches!(kind, "title" | "rich_text") {
            // The value is plain text; the mentions and links in it are the page's links too.
            let _ = renderer.rich_text(property.get(kind).unwrap_or(&Value::Null));
        }
        typed.insert(name.clone(), value(property));
    }
    Value::Object(typed)
}

fn relation_ids(property: &Value) -> Option<Vec<String>> {
    if property.get("type").and_then(Value::as_str) != Some("relation") {
        return None;
    }
    let list = property.get("relation")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|r| r.get("id").and_then(Value::as_str).and_then(ids::normalize))
            .collect(),
    )
}

/// One property value, by its type: text as text, options as names, people as names (or
/// ids), dates as their start (or `{start, end}`), files as URLs, formulas and rollups as
/// their result; a type this code does not know keeps Notion's own value.
pub fn value(property: &Value) -> Value {
    let kind = property
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let payload = property.get(kind).unwrap_or(&Value::Null);
    let name = |v: &Value| v.get("name").cloned().unwrap_or(Value::Null);
    match kind {
        "title" | "rich_text" => json!(plain(payload)),
        "number" | "checkbox" | "url" | "email" | "phone_number" | "created_time"
        | "last_edited_time" => payload.clone(),
        "select" | "status" => {
            if payload.is_null() {
                Value::Null
            } else {
                name(payload)
            }
        }
        "multi_select" => list(payload, name),
        "date" => date(payload),
        "people" => list(payload, person),
        "created_by" | "last_edited_by" => person(payload),
        "relation" => list(payload, |r| r.get("id").cloned().unwrap_or(Value::Null)),
        "files" => list(payload, file_url),
        "formula" => {
            let inner = payload
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match inner {
                "date" => date(payload.get("date").unwrap_or(&Value::Null)),
                _ => payload.get(inner).cloned().unwrap_or(Value::Null),
            }
        }
        "rollup" => {
            let inner = payload
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match inner {
                "array" => list(payload.get("array").unwrap_or(&Value::Null), value),
                "date" => date(payload.get("date").unwrap_or(&Value::Null)),
                _ => payload.get(inner).cloned().unwrap_or(Value::Null),
            }
        }
        "unique_id" => {
            let number = payload.get("number").and_then(Value::as_i64);
            match (payload.get("prefix").and_then(Value::as_str), number) {
                (Some(prefix), Some(n)) => json!(format!("{prefix}-{n}")),
                (None, Some(n)) => json!(n),
                _ => Value::Null,
            }
        }
        "verification" => payload.get("state").cloned().unwrap_or(Value::Null),
        "button" => Value::Null,
        _ => payload.clone(),
    }
}

fn list(payload: &Value, each: impl Fn(&Value) -> Value) -> Value {
    Value::Array(payload.as_array().into_iter().flatten().map(each).collect())
}

fn date(payload: &Value) -> Value {
    let start = payload.get("start").cloned().unwrap_or(Value::Null);
    match payload.get("end").filter(|e| !e.is_null()) {
        Some(end) => json!({ "start": start, "end": end }),
        None => start,
    }
}

fn person(user: &Value) -> Value {
    user.get("name")
        .filter(|n| !n.is_null())
        .or_else(|| user.get("id"))
        .cloned()
        .unwrap_or(Value::Null)
}

fn file_url(file: &Value) -> Value {
    let kind = file.get("type").and_then(Value::as_str).unwrap_or_default();
    file.get(kind)
        .and_then(|f| f.get("url"))
        .or_else(|| file.get("name"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A typed value as one CSV cell: lists joined with `, `, null empty.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(", "),
        Value::Object(map) => match (map.get("start"), map.get("end")) {
            (Some(start), Some(end)) => format!("{} → {}", cell_text(start), cell_text(end)),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}
