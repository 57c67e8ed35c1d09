//! Notion's write endpoints: `POST /v1/pages`, `PATCH /v1/pages/{id}`,
//! `POST /v1/pages/{id}/move`, `PATCH /v1/blocks/{id}/children` (appends at the end) and
//! `DELETE /v1/blocks/{id}`. Row properties are checked against the schema by name and type,
//! as Notion does; values other than the title and relations are not kept.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::{State, json_body, ok, parse, path_id, visible};
use crate::error::{ApiError, ApiResult};
use crate::ids::{dashed, now_ms, parse_id};
use crate::model::{BlockKind, Ent, Kind, Ref, Workspace};
use crate::mutate::Change;
use crate::render::block::{block, entity_as_block};
use crate::render::page::{find_prop, page};
use crate::render::{list, with_request_id};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/pages", web::post().to(create_page))
        .route("/pages/{id}", web::patch().to(update_page))
        .route("/pages/{id}/move", web::post().to(move_page))
        .route("/blocks/{id}/children", web::patch().to(append_children))
        .route("/blocks/{id}", web::delete().to(delete_block));
}

fn parent_of(ws: &Workspace, parent: &Value) -> ApiResult<Option<Ent>> {
    if parent.get("workspace").and_then(Value::as_bool) == Some(true) {
        return Ok(None);
    }
    for (key, kinds, what) in [
        ("page_id", &[Kind::Page][..], "page"),
        ("data_source_id", &[Kind::DataSource][..], "data source"),
        ("database_id", &[Kind::Database][..], "database"),
    ] {
        if let Some(text) = parent.get(key).and_then(Value::as_str) {
            let id = parse_id(text).ok_or_else(|| {
                ApiError::validation(format!("body.parent.{key} should be a valid uuid."))
            })?;
            return visible(ws, id, kinds, what).map(Some);
        }
    }
    Err(ApiError::validation(
        "body.parent should have a page_id, data_source_id or database_id.",
    ))
}

/// The title from `properties`, whatever the title property is called.
fn title_of(properties: Option<&Value>) -> Option<String> {
    let properties = properties?.as_object()?;
    properties.values().find_map(|v| {
        v.get("title")
            .or(Some(v))
            .filter(|t| t.is_array())
            .map(parse::plain_title)
    })
}

/// Applies relation values from `properties` to a row.
fn relations(
    ws: &mut Workspace,
    row: Ent,
    properties: Option<&Value>,
    now: i64,
) -> ApiResult<Vec<Change>> {
    let mut changes = Vec::new();
    let Some(properties) = properties.and_then(Value::as_object) else {
        return Ok(changes);
    };
    for (name, value) in properties {
        let Some(targets) = value.get("relation").and_then(Value::as_array) else {
            continue;
        };
        if find_prop(name).is_none_or(|p| p.kind != "relation")
            || ws.entity(row).kind() != Kind::Row
        {
            return Err(ApiError::validation(format!(
                "{name} is not a relation property of this page."
            )));
        }
        let targets = targets
            .iter()
            .map(|t| {
                t.get("id")
                    .and_then(Value::as_str)
                    .and_then(parse_id)
                    .and_then(|id| ws.lookup_entity(id))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::validation("Relation targets must be existing pages."))?;
        changes.extend(ws.set_relation(row, targets, now)?);
    }
    Ok(changes)
}

/// Refuses a property the row schema does not have, or a value of the wrong type.
fn check_row_properties(properties: Option<&Value>) -> ApiResult<()> {
    let Some(properties) = properties.and_then(Value::as_object) else {
        return Ok(());
    };
    for (name, value) in properties {
        let Some(def) = find_prop(name) else {
            return Err(ApiError::validation(format!(
                "{name} is not a property that exists."
            )));
        };
        if matches!(def.kind, "button" | "place") || value.get(def.kind).is_none() {
            return Err(ApiError::validation(format!(
                "{name} is expected to be {}.",
                def.kind
            )));
        }
    }
    Ok(())
}

/// `POST /v1/pages/{id}/move` `{parent: {type: "page_id", page_id}}`.
async fn move_page(
    state: State,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "page_id")?;
    let body = json_body(&body)?;
    let parent = body.get("parent").ok_or_else(|| {
        ApiError::validation("body.parent should be defined, instead was `undefined`.")
    })?;
    let to = match parent.get("page_id").and_then(Value::as_str) {
        Some(text) => parse_id(text)
            .ok_or_else(|| ApiError::validation("body.parent.page_id should be a valid uuid."))?,
        None => {
            return Err(ApiError::validation(
                "body.parent.page_id should be defined: the simulator moves pages under pages only.",
            ));
        }
    };
    let now = now_ms();
    let mut ws = state.write();
    let e = visible(&ws, id, &[Kind::Page], "page")?;
    let p = visible(&ws, to, &[Kind::Page], "page")?;
    let changes = ws.move_page(e, Some(p), now)?;
    let value = page(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(with_request_id(value)))
}

async fn create_page(state: State, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let now = now_ms();
    let mut ws = state.write();
    let parent = parent_of(
        &ws,
        body.get("parent")
            .ok_or_else(|| ApiError::validation("body.parent should be defined."))?,
    )?;
    let children = match body.get("children") {
        Some(children) => parse::blocks(&ws, children, 0)?,
        None => Vec::new(),
    };
    if parent.is_some_and(|p| ws.entity(p).kind() != Kind::Page) {
        check_row_properties(body.get("properties"))?;
    }
    let title = title_of(body.get("properties")).unwrap_or_default();
    let (e, mut changes) = ws.create_page(parent, &title, now)?;
    changes.extend(relations(&mut ws, e, body.get("properties"), now)?);
    if !children.is_empty() {
        ws.append_blocks(e, None, children, now);
    }
    let value = page(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(with_request_id(value)))
}

async fn update_page(
    state: State,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "page_id")?;
    let body = json_body(&body)?;
    let now = now_ms();
    let mut ws = state.write();
    let e = visible(&ws, id, &[Kind::Page, Kind::Row], "page")?;
    let mut changes = Vec::new();
    if let Some(title) = title_of(body.get("properties")) {
        changes.extend(ws.rename(e, &title, now));
    }
    changes.extend(relations(&mut ws, e, body.get("properties"), now)?);
    if let Some(trashed) = body
        .get("in_trash")
        .or_else(|| body.get("archived"))
        .and_then(Value::as_bool)
    {
        changes.extend(ws.set_trashed(e, trashed, now));
    }
    let value = page(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(with_request_id(value)))
}

async fn append_children(
    state: State,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "block_id")?;
    let body = json_body(&body)?;
    let now = now_ms();
    let mut ws = state.write();
    let (page, parent) = match ws.lookup(id) {
        Some(Ref::Entity(e)) if ws.entity(e).shared && ws.entity(e).kind().is_page() => (e, None),
        Some(Ref::Block(b)) if ws.entity(ws.block(b).page).shared => match ws.block(b).kind {
            BlockKind::Text(..) | BlockKind::Column | BlockKind::SyncedOriginal => {
                (ws.block(b).page, Some(b))
            }
            _ => {
                return Err(ApiError::validation(format!(
                    "Block {} does not support children.",
                    dashed(id)
                )));
            }
        },
        _ => return Err(ApiError::not_found("block", &dashed(id))),
    };
    let children = parse::blocks(
        &ws,
        body.get("children")
            .ok_or_else(|| ApiError::validation("body.children should be defined."))?,
        0,
    )?;
    let (created, changes) = ws.append_blocks(page, parent, children, now);
    let items = created.iter().map(|b| block(&ws, *b)).collect();
    drop(ws);
    state.emit(changes);
    Ok(ok(list(items, None, "block")))
}

async fn delete_block(state: State, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "block_id")?;
    let now = now_ms();
    let mut ws = state.write();
    let (value, changes) = match ws.lookup(id) {
        Some(Ref::Block(b)) if ws.entity(ws.block(b).page).shared => {
            let changes = ws.trash_block(b, now);
            (block(&ws, b), changes)
        }
        Some(Ref::Entity(e)) if ws.entity(e).shared && ws.entity(e).kind() != Kind::DataSource => {
            let changes = ws.set_trashed(e, true, now);
            (entity_as_block(&ws, e), changes)
        }
        _ => return Err(ApiError::not_found("block", &dashed(id))),
    };
    drop(ws);
    state.emit(changes);
    Ok(ok(with_request_id(value)))
}
