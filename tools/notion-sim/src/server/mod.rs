//! The HTTP surface: shared state, the route table and the helpers handlers share. Each
//! resource has its own module with a `configure` function; `gate` applies Notion's
//! request checks, the rate limit and fault injection to every `/v1` route.

pub mod blocks;
pub mod comments;
pub mod control;
pub mod databases;
pub mod gate;
pub mod oauth;
pub mod pages;
pub mod parse;
pub mod properties;
pub mod search;
pub mod users;
pub mod write;

use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use actix_web::{HttpResponse, web};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use crate::auth::Tokens;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Id, parse_id};
use crate::limits::Limits;
use crate::model::{Ent, Kind, Workspace};
use crate::mutate::Change;
use crate::pagination::Pager;
use crate::stats::Counters;

/// Everything the handlers share; cheap to reach through `web::Data`.
pub struct SimState {
    ws: RwLock<Workspace>,
    pub pager: Pager,
    pub tokens: Mutex<Tokens>,
    /// Comments made through the API (they hold no links: the truth leaves them out).
    pub comments: Mutex<Vec<comments::Comment>>,
    pub limits: Limits,
    pub counters: Counters,
    pub events: Option<UnboundedSender<Change>>,
    pub verification_token: Option<String>,
    pub client_id: String,
    pub client_secret: String,
}

impl SimState {
    pub fn new(
        ws: Workspace,
        config: &crate::SimConfig,
        webhooks: Option<(UnboundedSender<Change>, String)>,
    ) -> Self {
        let (events, verification_token) = match webhooks {
            Some((sender, token)) => (Some(sender), Some(token)),
            None => (None, None),
        };
        Self {
            pager: Pager::new(ws.seed, config.short_page_fraction),
            tokens: Mutex::new(Tokens::new(ws.seed)),
            comments: Mutex::default(),
            limits: Limits::new(config),
            counters: Counters::default(),
            events,
            verification_token,
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            ws: RwLock::new(ws),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Workspace> {
        self.ws.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Workspace> {
        self.ws.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn comments(&self) -> std::sync::MutexGuard<'_, Vec<comments::Comment>> {
        self.comments.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues webhook events for the changes (when webhooks are on).
    pub fn emit(&self, changes: Vec<Change>) {
        if let Some(sender) = &self.events {
            for change in changes {
                let _ = sender.send(change);
            }
        }
    }
}

pub type State = web::Data<SimState>;

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1")
            .configure(search::configure)
            .configure(pages::configure)
            .configure(properties::configure)
            .configure(blocks::configure)
            .configure(databases::configure)
            .configure(write::configure)
            .configure(comments::configure)
            .configure(users::configure)
            .configure(oauth::configure),
    )
    .service(web::scope("/_sim").configure(control::configure))
    .default_service(web::to(|| async {
        ApiError::invalid_url().into_response()
    }));
}

impl ApiError {
    pub fn into_response(self) -> HttpResponse {
        actix_web::ResponseError::error_response(&self)
    }
}

/// A 200 with a JSON body.
pub fn ok(value: Value) -> HttpResponse {
    HttpResponse::Ok().json(value)
}

/// An id from the path, with or without dashes.
pub fn path_id(text: &str, name: &str) -> ApiResult<Id> {
    parse_id(text).ok_or_else(|| {
        ApiError::validation(format!(
            "path failed validation: path.{name} should be a valid uuid, instead was `\"{text}\"`."
        ))
    })
}

/// A JSON body; an empty body counts as `{}`.
pub fn json_body(bytes: &[u8]) -> ApiResult<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|_| ApiError::invalid_json())?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::validation(
            "body failed validation: body should be an object.",
        ))
    }
}

/// An entity of one of `kinds` that the integration can see, or Notion's 404.
pub fn visible(ws: &Workspace, id: Id, kinds: &[Kind], what: &str) -> ApiResult<Ent> {
    match ws.lookup_entity(id) {
        Some(e) if ws.entity(e).shared && kinds.contains(&ws.entity(e).kind()) => Ok(e),
        Some(e) if ws.entity(e).shared => Err(ApiError::validation(format!(
            "Provided ID {} is a {}, not a {what}.",
            crate::ids::dashed(id),
            ws.entity(e).kind().as_str()
        ))),
        _ => Err(ApiError::not_found(what, &crate::ids::dashed(id))),
    }
}
