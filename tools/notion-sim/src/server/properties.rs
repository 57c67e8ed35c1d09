//! `GET /v1/pages/{id}/properties/{property_id}`: the full value of one property. Relations,
//! titles and rich text are paginated lists of `property_item`s (this is how a client gets
//! past the 25-item cap on page objects); other types answer a single `property_item`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{State, ok, path_id, visible};
use crate::error::{ApiError, ApiResult};
use crate::ids::dashed;
use crate::model::{Body, Kind};
use crate::pagination::scope;
use crate::render::page::{PropDef, ROW_PROPS, find_prop, percent_decode, scalar_value};
use crate::render::{rich_text, title_items, with_request_id};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/pages/{id}/properties/{property_id}",
        web::get().to(property),
    );
}

async fn property(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> ApiResult<HttpResponse> {
    let (raw_id, raw_prop) = path.into_inner();
    let id = path_id(&raw_id, "page_id")?;
    let ws = state.read();
    let e = visible(&ws, id, &[Kind::Page, Kind::Row], "page")?;
    let entity = ws.entity(e);
    let not_found = || ApiError::not_found("property", &percent_decode(&raw_prop));
    let def: &PropDef = match entity.kind() {
        Kind::Row => find_prop(&raw_prop).ok_or_else(not_found)?,
        _ if percent_decode(&raw_prop) == "title" => &ROW_PROPS[0],
        _ => return Err(not_found()),
    };
    let items: Vec<Value> = match (def.kind, &entity.body) {
        ("relation", Body::Row { relation, .. }) => relation
            .iter()
            .map(|t| json!({ "id": dashed(ws.entity(*t).id) }))
            .collect(),
        ("rich_text", Body::Row { notes, .. }) => rich_text(&ws, notes),
        ("title", _) => title_items(&entity.title),
        _ => {
            let mut item = json!({ "object": "property_item", "id": def.id, "type": def.kind });
            item[def.kind] = scalar_value(&ws, e, def);
            return Ok(ok(with_request_id(item)));
        }
    };
    let paging = state.pager.from_query(
        scope(&format!("property|{}|{}", dashed(id), def.id)),
        &query,
    )?;
    let (range, next) = state.pager.window(paging, items.len());
    let results: Vec<Value> = items[range]
        .iter()
        .map(|v| json!({ "object": "property_item", "id": def.id, "type": def.kind, def.kind: v }))
        .collect();
    let next_url = next.as_ref().map(|cursor| {
        let host = req.connection_info().host().to_owned();
        format!(
            "http://{host}/v1/pages/{}/properties/{}?start_cursor={cursor}",
            dashed(id),
            def.id
        )
    });
    Ok(ok(json!({
        "object": "list",
        "results": results,
        "next_cursor": next,
        "has_more": next.is_some(),
        "type": "property_item",
        "property_item": { "id": def.id, "next_url": next_url, "type": def.kind, def.kind: {} },
        "next_url": next_url,
        "request_id": uuid::Uuid::new_v4().to_string(),
    })))
}
