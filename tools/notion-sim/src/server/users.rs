//! `GET /v1/users/me`: the bot user behind the token.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::json;

use super::gate::Bearer;
use super::{State, ok};
use crate::ids::dashed;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/me", web::get().to(me));
}

async fn me(state: State, req: HttpRequest) -> HttpResponse {
    let bearer = req
        .extensions()
        .get::<Bearer>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    let workspace_id = state.read().workspace_id;
    let bot_id = state
        .tokens()
        .bot_id(&bearer)
        .unwrap_or(workspace_id ^ 0xb07);
    ok(json!({
        "object": "user",
        "id": dashed(bot_id),
        "name": "Notion Sim",
        "avatar_url": null,
        "type": "bot",
        "bot": {
            "owner": { "type": "workspace", "workspace": true },
            "workspace_name": "Simulated workspace",
            "workspace_id": dashed(workspace_id),
        },
        "request_id": uuid::Uuid::new_v4().to_string(),
    }))
}
