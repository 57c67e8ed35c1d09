//! The test control API under `/_sim` (no auth): ground truth, stats, the lower bound, edits
//! that behave like a user working in Notion (each updates `last_edited_time` and the truth,
//! and emits webhook events), OAuth helpers and runtime knobs for faults and limits.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{State, json_body, ok};
use crate::config::{Fault, RateLimit};
use crate::error::{ApiError, ApiResult};
use crate::ids::{now_ms, parse_id};
use crate::lower_bound::LowerBound;
use crate::model::{Ent, Kind, Workspace};
use crate::render::page::{database, find_prop, page};
use crate::truth::Truth;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/truth", web::get().to(truth))
        .route("/stats", web::get().to(stats))
        .route("/lower_bound", web::get().to(lower_bound))
        .route("/webhook", web::get().to(webhook))
        .route("/pages", web::post().to(create))
        .route("/pages/{id}", web::patch().to(update))
        .route("/pages/{id}/links", web::post().to(add_link))
        .route("/pages/{id}/links/{target}", web::delete().to(remove_links))
        .route("/pages/{id}/relations", web::post().to(add_relation))
        .route("/oauth/codes", web::post().to(oauth_code))
        .route("/revoke", web::post().to(revoke))
        .route("/faults", web::put().to(set_faults))
        .route("/rate_limit", web::put().to(set_rate_limit))
        .route("/latency", web::put().to(set_latency));
}

async fn truth(state: State) -> HttpResponse {
    // Serialized straight from the struct: the truth of a large workspace is tens of MB.
    let truth = Truth::of(&state.read());
    HttpResponse::Ok().json(&truth)
}

async fn stats(state: State) -> HttpResponse {
    ok(json!(state.counters.snapshot()))
}

async fn lower_bound(state: State) -> HttpResponse {
    ok(json!(LowerBound::of(&state.read())))
}

async fn webhook(state: State) -> HttpResponse {
    ok(json!({ "verification_token": state.verification_token }))
}

/// Any entity by id, shared or not: the control API sees everything.
fn entity(ws: &Workspace, text: &str) -> ApiResult<Ent> {
    parse_id(text)
        .and_then(|id| ws.lookup_entity(id))
        .ok_or_else(|| ApiError::not_found("page", text))
}

fn rendered(ws: &Workspace, e: Ent) -> Value {
    if ws.entity(e).kind() == Kind::Database {
        database(ws, e)
    } else {
        page(ws, e)
    }
}

fn string<'a>(body: &'a Value, name: &str) -> ApiResult<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::validation(format!("body.{name} should be a string.")))
}

async fn create(state: State, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let mut ws = state.write();
    let parent = match body.get("parent_id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(entity(&ws, v.as_str().unwrap_or_default())?),
    };
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("Untitled");
    let (e, changes) = ws.create_page(parent, title, now_ms())?;
    let value = rendered(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(value))
}

async fn update(state: State, id: web::Path<String>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let now = now_ms();
    let mut ws = state.write();
    let e = entity(&ws, &id)?;
    let mut changes = Vec::new();
    if let Some(title) = body.get("title").and_then(Value::as_str) {
        changes.extend(ws.rename(e, title, now));
    }
    if let Some(parent) = body.get("parent_id") {
        let to = match parent.as_str() {
            Some(text) => Some(entity(&ws, text)?),
            None => None,
        };
        changes.extend(ws.move_page(e, to, now)?);
    }
    if let Some(trashed) = body.get("trashed").and_then(Value::as_bool) {
        changes.extend(ws.set_trashed(e, trashed, now));
    }
    let value = rendered(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(value))
}

async fn add_link(
    state: State,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let mut ws = state.write();
    let e = entity(&ws, &id)?;
    let target = entity(&ws, string(&body, "target")?)?;
    let changes = ws.add_link(e, target, string(&body, "kind")?, now_ms())?;
    let value = rendered(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(value))
}

async fn remove_links(state: State, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let mut ws = state.write();
    let e = entity(&ws, &path.0)?;
    let target = entity(&ws, &path.1)?;
    let (removed, changes) = ws.remove_links(e, target, now_ms());
    drop(ws);
    state.emit(changes);
    Ok(ok(json!({ "removed": removed })))
}

async fn add_relation(
    state: State,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let mut ws = state.write();
    let e = entity(&ws, &id)?;
    let property = body
        .get("property")
        .and_then(Value::as_str)
        .unwrap_or("Related");
    if find_prop(property).is_none_or(|p| p.kind != "relation") {
        return Err(ApiError::validation(format!(
            "`{property}` is not a relation property."
        )));
    }
    let target = entity(&ws, string(&body, "target")?)?;
    let changes = ws.add_relation(e, target, now_ms())?;
    let value = rendered(&ws, e);
    drop(ws);
    state.emit(changes);
    Ok(ok(value))
}

async fn oauth_code(state: State) -> HttpResponse {
    ok(json!({ "code": state.tokens().issue_code() }))
}

async fn revoke(state: State, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let revoked = state.tokens().revoke(string(&body, "token")?);
    Ok(ok(json!({ "revoked": revoked })))
}

#[derive(Deserialize)]
struct FaultSettings {
    rate: f64,
    #[serde(default)]
    kinds: Option<Vec<Fault>>,
}

async fn set_faults(state: State, body: web::Json<FaultSettings>) -> HttpResponse {
    let body = body.into_inner();
    state
        .limits
        .set_faults(body.rate, body.kinds.unwrap_or_else(|| Fault::ALL.to_vec()));
    ok(json!({ "ok": true }))
}

async fn set_rate_limit(state: State, body: web::Json<Option<RateLimit>>) -> HttpResponse {
    state.limits.set_rate_limit(body.into_inner());
    ok(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct Latency {
    min: u64,
    max: u64,
}

async fn set_latency(state: State, body: web::Json<Latency>) -> HttpResponse {
    state.limits.set_latency(body.min, body.max);
    ok(json!({ "ok": true }))
}
