//! Databases and data sources: `GET /v1/databases/{id}`, `GET /v1/data_sources/{id}` and
//! `POST /v1/data_sources/{id}/query` with `last_edited_time`/`created_time` filters and sorts.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::{State, json_body, ok, path_id, visible};
use crate::error::{ApiError, ApiResult};
use crate::ids::{dashed, parse_time};
use crate::model::{Entity, Kind};
use crate::pagination::scope;
use crate::render::page::{data_source, database, page};
use crate::render::{list, with_request_id};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/databases/{id}", web::get().to(get_database))
        .route("/data_sources/{id}", web::get().to(get_data_source))
        .route("/data_sources/{id}/query", web::post().to(query));
}

async fn get_database(state: State, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "database_id")?;
    let ws = state.read();
    let db = visible(&ws, id, &[Kind::Database], "database")?;
    Ok(ok(with_request_id(database(&ws, db))))
}

async fn get_data_source(state: State, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "data_source_id")?;
    let ws = state.read();
    let ds = visible(&ws, id, &[Kind::DataSource], "data source")?;
    Ok(ok(with_request_id(data_source(&ws, ds))))
}

/// A compiled query filter: timestamp conditions combined with `and` / `or`.
enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Time { created: bool, op: Op, at: i64 },
}

#[derive(Clone, Copy)]
enum Op {
    Equals,
    Before,
    After,
    OnOrBefore,
    OnOrAfter,
}

fn compile(filter: &Value) -> ApiResult<Filter> {
    let group = |key: &str| -> ApiResult<Option<Vec<Filter>>> {
        match filter.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                Ok(Some(items.iter().map(compile).collect::<ApiResult<_>>()?))
            }
            Some(_) => Err(ApiError::validation(format!(
                "body.filter.{key} should be an array."
            ))),
        }
    };
    if let Some(all) = group("and")? {
        return Ok(Filter::All(all));
    }
    if let Some(any) = group("or")? {
        return Ok(Filter::Any(any));
    }
    let created = match filter.get("timestamp").and_then(Value::as_str) {
        Some("last_edited_time") => false,
        Some("created_time") => true,
        _ => {
            return Err(ApiError::validation(
                "The simulator supports timestamp filters (last_edited_time, created_time) combined with and/or only.",
            ));
        }
    };
    let key = if created {
        "created_time"
    } else {
        "last_edited_time"
    };
    let condition = filter
        .get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::validation(format!("body.filter.{key} should be an object.")))?;
    let (name, value) = condition
        .iter()
        .next()
        .ok_or_else(|| ApiError::validation(format!("body.filter.{key} needs a condition.")))?;
    let op = match name.as_str() {
        "equals" => Op::Equals,
        "before" => Op::Before,
        "after" => Op::After,
        "on_or_before" => Op::OnOrBefore,
        "on_or_after" => Op::OnOrAfter,
        other => {
            return Err(ApiError::validation(format!(
                "Unsupported timestamp condition `{other}`."
            )));
        }
    };
    let at = value.as_str().and_then(parse_time).ok_or_else(|| {
        ApiError::validation(format!(
            "body.filter.{key}.{name} should be an ISO 8601 date."
        ))
    })?;
    Ok(Filter::Time { created, op, at })
}

impl Filter {
    /// Compares minute-rounded times, which is all the API exposes.
    fn matches(&self, e: &Entity) -> bool {
        match self {
            Filter::All(items) => items.iter().all(|f| f.matches(e)),
            Filter::Any(items) => items.iter().any(|f| f.matches(e)),
            Filter::Time { created, op, at } => {
                let t = if *created { e.created } else { e.edited }.div_euclid(60_000) * 60_000;
                match op {
                    Op::Equals => t == *at,
                    Op::Before => t < *at,
                    Op::After => t > *at,
                    Op::OnOrBefore => t <= *at,
                    Op::OnOrAfter => t >= *at,
                }
            }
        }
    }
}

/// Timestamp sorts only: `[{"timestamp": "last_edited_time", "direction": "ascending"}]`.
fn sort_spec(body: &Value) -> ApiResult<Option<(bool, bool)>> {
    let Some(sorts) = body.get("sorts").and_then(Value::as_array) else {
        return Ok(None);
    };
    let Some(first) = sorts.first() else {
        return Ok(None);
    };
    let created = match first.get("timestamp").and_then(Value::as_str) {
        Some("last_edited_time") => false,
        Some("created_time") => true,
        _ => {
            return Err(ApiError::validation(
                "The simulator sorts by timestamp (last_edited_time, created_time) only.",
            ));
        }
    };
    let ascending = first.get("direction").and_then(Value::as_str) != Some("descending");
    Ok(Some((created, ascending)))
}

async fn query(state: State, id: web::Path<String>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "data_source_id")?;
    let body = json_body(&body)?;
    let filter = body
        .get("filter")
        .filter(|f| !f.is_null())
        .map(compile)
        .transpose()?;
    let sort = sort_spec(&body)?;
    let scope = scope(&format!(
        "query|{}|{}|{:?}",
        dashed(id),
        body.get("filter").unwrap_or(&Value::Null),
        sort
    ));
    let paging = state.pager.from_body(scope, &body)?;
    let ws = state.read();
    let ds = visible(&ws, id, &[Kind::DataSource], "data source")?;
    let mut rows: Vec<_> = ws
        .entity(ds)
        .members()
        .iter()
        .copied()
        .filter(|r| {
            !ws.entity(*r).trashed && filter.as_ref().is_none_or(|f| f.matches(ws.entity(*r)))
        })
        .collect();
    if let Some((created, ascending)) = sort {
        rows.sort_by_key(|r| {
            let e = ws.entity(*r);
            (if created { e.created } else { e.edited }, e.id)
        });
        if !ascending {
            rows.reverse();
        }
    }
    let (range, next) = state.pager.window(paging, rows.len());
    let items = rows[range].iter().map(|r| page(&ws, *r)).collect();
    Ok(ok(list(items, next, "page_or_data_source")))
}
