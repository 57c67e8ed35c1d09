//! `POST /v1/search`: title search over pages and data sources, filtered by object type,
//! sorted by `last_edited_time`, paginated. It is deliberately incomplete: trashed entities,
//! unshared ones and the configured hidden fraction never appear.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::{State, json_body, ok};
use crate::error::{ApiError, ApiResult};
use crate::model::{Ent, Kind, Workspace};
use crate::pagination::scope;
use crate::render::{list, page::search_result};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::post().to(search));
}

struct Query {
    text: String,
    kinds: &'static [Kind],
    ascending: bool,
}

fn parse(body: &Value) -> ApiResult<Query> {
    let text = match body.get("query") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.to_lowercase(),
        Some(_) => return Err(ApiError::validation("body.query should be a string.")),
    };
    let kinds: &'static [Kind] = match body.get("filter") {
        None | Some(Value::Null) => &[Kind::Page, Kind::Row, Kind::DataSource],
        Some(filter) => match (
            filter.get("property").and_then(Value::as_str),
            filter.get("value").and_then(Value::as_str),
        ) {
            (Some("object"), Some("page")) => &[Kind::Page, Kind::Row],
            (Some("object"), Some("data_source")) => &[Kind::DataSource],
            _ => {
                return Err(ApiError::validation(
                    "body.filter.value should be `\"page\"` or `\"data_source\"`, and body.filter.property should be `\"object\"`.",
                ));
            }
        },
    };
    let ascending = match body.get("sort") {
        None | Some(Value::Null) => false,
        Some(sort) => {
            if sort.get("timestamp").and_then(Value::as_str) != Some("last_edited_time") {
                return Err(ApiError::validation(
                    "body.sort.timestamp should be `\"last_edited_time\"`.",
                ));
            }
            match sort.get("direction").and_then(Value::as_str) {
                Some("ascending") => true,
                Some("descending") => false,
                _ => {
                    return Err(ApiError::validation(
                        "body.sort.direction should be `\"ascending\"` or `\"descending\"`.",
                    ));
                }
            }
        }
    };
    Ok(Query {
        text,
        kinds,
        ascending,
    })
}

/// Matching entities in result order; ties on time are broken by id so pages are stable.
fn results(ws: &Workspace, q: &Query) -> Vec<Ent> {
    let mut hits: Vec<Ent> = (0..ws.entities.len() as Ent)
        .filter(|e| {
            let entity = ws.entity(*e);
            entity.shared
                && entity.in_search
                && !ws.in_trash(*e)
                && q.kinds.contains(&entity.kind())
                && (q.text.is_empty() || entity.title.to_lowercase().contains(&q.text))
        })
        .collect();
    hits.sort_by_key(|e| (ws.entity(*e).edited, ws.entity(*e).id));
    if !q.ascending {
        hits.reverse();
    }
    hits
}

async fn search(state: State, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let query = parse(&body)?;
    let scope = scope(&format!(
        "search|{}|{:?}|{}",
        query.text, query.kinds, query.ascending
    ));
    let paging = state.pager.from_body(scope, &body)?;
    let ws = state.read();
    let hits = results(&ws, &query);
    let (range, next) = state.pager.window(paging, hits.len());
    let items = hits[range].iter().map(|e| search_result(&ws, *e)).collect();
    Ok(ok(list(items, next, "page_or_data_source")))
}
