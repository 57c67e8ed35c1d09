//! Page, database and data source objects, property values and the data source schema.

use serde_json::{Map, Value, json};

use super::{author, icon, parent, rich_text, title_items};
use crate::ids::{api_time, dashed, hash_id, page_url};
use crate::model::{Body, Ent, Entity, Kind, Parent, Span, Workspace};

/// Page objects list at most this many relation targets or rich-text mentions.
pub const PAGE_OBJECT_CAP: usize = 25;

/// One property of the data source schema every generated data source shares.
pub struct PropDef {
    pub name: &'static str,
    /// Notion property ids are short, URL-encoded strings.
    pub id: &'static str,
    pub kind: &'static str,
}

pub const ROW_PROPS: [PropDef; 8] = [
    PropDef {
        name: "Name",
        id: "title",
        kind: "title",
    },
    PropDef {
        name: "Related",
        id: "Rl%3Ax",
        kind: "relation",
    },
    PropDef {
        name: "Notes",
        id: "Nt%60s",
        kind: "rich_text",
    },
    PropDef {
        name: "Status",
        id: "St%3F",
        kind: "select",
    },
    PropDef {
        name: "Tags",
        id: "Tg",
        kind: "multi_select",
    },
    PropDef {
        name: "Score",
        id: "Sc",
        kind: "number",
    },
    // Property types a client may not know yet.
    PropDef {
        name: "Action",
        id: "Bt",
        kind: "button",
    },
    PropDef {
        name: "Where",
        id: "Pl",
        kind: "place",
    },
];

const STATUSES: [(&str, &str); 3] = [
    ("Not started", "gray"),
    ("In progress", "blue"),
    ("Done", "green"),
];
const TAGS: [(&str, &str); 4] = [
    ("alpha", "red"),
    ("beta", "yellow"),
    ("gamma", "purple"),
    ("delta", "orange"),
];

/// Decodes `%XX` escapes so that property ids match however the client encoded them.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A row property by id (encoded or not) or by name.
pub fn find_prop(key: &str) -> Option<&'static PropDef> {
    let key = percent_decode(key);
    ROW_PROPS
        .iter()
        .find(|p| percent_decode(p.id) == key || p.name == key)
}

fn option(id_seed: u64, name: &str, color: &str) -> Value {
    json!({ "id": dashed(u128::from(id_seed) << 64 | 0x4000_8000_0000_0000), "name": name, "color": color })
}

fn common(ws: &Workspace, object: &str, e: &Entity) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("object".into(), json!(object));
    map.insert("id".into(), json!(dashed(e.id)));
    map.insert("created_time".into(), json!(api_time(e.created)));
    map.insert("last_edited_time".into(), json!(api_time(e.edited)));
    map.insert("created_by".into(), author(ws, e.id));
    map.insert("last_edited_by".into(), author(ws, e.id ^ 1));
    map.insert("cover".into(), Value::Null);
    map.insert("icon".into(), icon(e.id));
    map.insert("parent".into(), parent(ws, e.parent));
    map.insert("archived".into(), json!(e.trashed));
    map.insert("in_trash".into(), json!(e.trashed));
    map.insert("is_locked".into(), json!(false));
    map
}

/// A page object; rows carry the data source's properties.
pub fn page(ws: &Workspace, e: Ent) -> Value {
    let entity = ws.entity(e);
    let mut map = common(ws, "page", entity);
    let properties = match &entity.body {
        Body::Row { .. } => ROW_PROPS
            .iter()
            .map(|def| (def.name.to_owned(), row_property(ws, e, def)))
            .collect(),
        _ => {
            let mut props = Map::new();
            props.insert(
                "title".into(),
                json!({ "id": "title", "type": "title", "title": title_items(&entity.title) }),
            );
            props
        }
    };
    map.insert("properties".into(), Value::Object(properties));
    map.insert("url".into(), json!(page_url(entity.id, &entity.title)));
    map.insert("public_url".into(), Value::Null);
    Value::Object(map)
}

/// A row property as shown on the page object (relations and mentions capped at 25).
fn row_property(ws: &Workspace, row: Ent, def: &PropDef) -> Value {
    let mut value = json!({ "id": def.id, "type": def.kind });
    let payload = match (def.kind, &ws.entity(row).body) {
        ("relation", Body::Row { relation, .. }) => {
            let shown: Vec<Value> = relation
                .iter()
                .take(PAGE_OBJECT_CAP)
                .map(|t| json!({ "id": dashed(ws.entity(*t).id) }))
                .collect();
            value["has_more"] = json!(relation.len() > PAGE_OBJECT_CAP);
            Value::Array(shown)
        }
        ("rich_text", Body::Row { notes, .. }) => {
            Value::Array(rich_text(ws, capped_mentions(notes)))
        }
        _ => scalar_value(ws, row, def),
    };
    value[def.kind] = payload;
    value
}

/// The spans up to and including the 25th mention.
fn capped_mentions(spans: &[Span]) -> &[Span] {
    let mut mentions = 0;
    for (i, span) in spans.iter().enumerate() {
        if matches!(span, Span::Mention(_)) {
            mentions += 1;
            if mentions > PAGE_OBJECT_CAP {
                return &spans[..i];
            }
        }
    }
    spans
}

/// The value of a non-list property, derived from the row id.
pub fn scalar_value(ws: &Workspace, row: Ent, def: &PropDef) -> Value {
    let entity = ws.entity(row);
    let h = hash_id(entity.id);
    match def.kind {
        "title" => Value::Array(title_items(&entity.title)),
        "select" => {
            let (name, color) = STATUSES[(h % 3) as usize];
            option(h % 3 + 1, name, color)
        }
        "multi_select" => Value::Array(
            TAGS.iter()
                .enumerate()
                .filter(|(i, _)| h >> (8 + i) & 1 == 1)
                .map(|(i, (n, c))| option(i as u64 + 10, n, c))
                .collect(),
        ),
        "number" => json!((h >> 20) % 1000),
        "button" => json!({}),
        "place" => {
            json!({ "lat": 48.85, "lon": 2.35, "name": "Paris", "address": null, "google_place_id": null })
        }
        _ => Value::Null,
    }
}

fn database_parent(ws: &Workspace, e: &Entity) -> Value {
    match e.parent {
        Parent::Database(db) => parent(ws, ws.entity(db).parent),
        other => parent(ws, other),
    }
}

/// A database object: in 2025-09-03 a container listing its data sources, with no schema.
pub fn database(ws: &Workspace, db: Ent) -> Value {
    let entity = ws.entity(db);
    let mut map = common(ws, "database", entity);
    map.insert("title".into(), json!(title_items(&entity.title)));
    map.insert("description".into(), json!([]));
    map.insert("is_inline".into(), json!(false));
    let sources: Vec<Value> = entity
        .members()
        .iter()
        .map(|ds| json!({ "id": dashed(ws.entity(*ds).id), "name": ws.entity(*ds).title }))
        .collect();
    map.insert("data_sources".into(), json!(sources));
    map.insert(
        "url".into(),
        json!(format!(
            "https://www.notion.so/{}",
            crate::ids::hex32(entity.id)
        )),
    );
    map.insert("public_url".into(), Value::Null);
    Value::Object(map)
}

/// A data source object with its schema; `parent` is the database, `database_parent` the
/// database's own parent.
pub fn data_source(ws: &Workspace, ds: Ent) -> Value {
    let entity = ws.entity(ds);
    let mut map = common(ws, "data_source", entity);
    map.insert("title".into(), json!(title_items(&entity.title)));
    map.insert("description".into(), json!([]));
    map.insert("is_inline".into(), json!(false));
    map.insert("properties".into(), schema(ws, ds));
    map.insert("database_parent".into(), database_parent(ws, entity));
    let db = match entity.parent {
        Parent::Database(db) => ws.entity(db).id,
        _ => entity.id,
    };
    map.insert(
        "url".into(),
        json!(format!("https://www.notion.so/{}", crate::ids::hex32(db))),
    );
    map.insert("public_url".into(), Value::Null);
    Value::Object(map)
}

fn schema(ws: &Workspace, ds: Ent) -> Value {
    let mut props = Map::new();
    for def in &ROW_PROPS {
        let config = match def.kind {
            "relation" => {
                let related = match ws.entity(ds).body {
                    Body::DataSource { related, .. } => related,
                    _ => ds,
                };
                let related_db = match ws.entity(related).parent {
                    Parent::Database(db) => ws.entity(db).id,
                    _ => ws.entity(related).id,
                };
                json!({
                    "database_id": dashed(related_db),
                    "data_source_id": dashed(ws.entity(related).id),
                    "type": "single_property",
                    "single_property": {},
                })
            }
            "select" => {
                json!({ "options": STATUSES.iter().enumerate().map(|(i, (n, c))| option(i as u64 + 1, n, c)).collect::<Vec<_>>() })
            }
            "multi_select" => {
                json!({ "options": TAGS.iter().enumerate().map(|(i, (n, c))| option(i as u64 + 10, n, c)).collect::<Vec<_>>() })
            }
            "number" => json!({ "format": "number" }),
            _ => json!({}),
        };
        props.insert(
            def.name.to_owned(),
            json!({ "id": def.id, "name": def.name, "description": null, "type": def.kind, def.kind: config }),
        );
    }
    Value::Object(props)
}

/// A search or query result: a page object or a data source object.
pub fn search_result(ws: &Workspace, e: Ent) -> Value {
    match ws.entity(e).kind() {
        Kind::DataSource => data_source(ws, e),
        Kind::Database => database(ws, e),
        Kind::Page | Kind::Row => page(ws, e),
    }
}
