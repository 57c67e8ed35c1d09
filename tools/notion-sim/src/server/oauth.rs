//! `POST /v1/oauth/token`: the public-integration token endpoint. Clients authenticate with
//! `Authorization: Basic base64(client_id:client_secret)`; `authorization_code` exchanges a
//! code from `POST /_sim/oauth/codes`, `refresh_token` rotates both tokens. The body may be JSON
//! (as Notion's documents show) or a form (`application/x-www-form-urlencoded`, what RFC 6749
//! clients send), as Notion's endpoint takes both.
//!
//! Errors use Notion's error body (`{"object":"error","code":...}`) rather than RFC 6749's
//! `{"error":"invalid_client"}`: bad client credentials are 401 `unauthorized`, a used or
//! unknown code or refresh token is 400 `invalid_grant`.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::{Value, json};

use super::{State, json_body, ok};
use crate::auth::Issued;
use crate::error::{ApiError, ApiResult};
use crate::ids::dashed;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/token", web::post().to(token));
}

fn client_ok(state: &State, req: &HttpRequest) -> bool {
    let Some(encoded) = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!("{}:{}", state.client_id, state.client_secret);
    decoded == expected.as_bytes()
}

fn field<'a>(body: &'a Value, name: &str) -> ApiResult<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::validation(format!("body.{name} should be a string.")))
}

async fn token(state: State, req: HttpRequest, body: web::Bytes) -> ApiResult<HttpResponse> {
    if !client_ok(&state, &req) {
        return Err(ApiError::new(
            401,
            "unauthorized",
            "Invalid client credentials.",
        ));
    }
    let form = req
        .headers()
        .get("Content-Type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = if form {
        Value::Object(
            url::form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )
    } else {
        json_body(&body)?
    };
    let issued = match field(&body, "grant_type")? {
        "authorization_code" => state.tokens().exchange_code(field(&body, "code")?),
        "refresh_token" => state.tokens().refresh(field(&body, "refresh_token")?),
        other => {
            return Err(ApiError::validation(format!(
                "Unsupported grant_type `{other}`."
            )));
        }
    };
    let issued = issued.ok_or_else(|| {
        ApiError::new(
            400,
            "invalid_grant",
            "The authorization code or refresh token is invalid, used or revoked.",
        )
    })?;
    Ok(ok(grant_body(&state, &issued)))
}

fn grant_body(state: &State, issued: &Issued) -> Value {
    let ws = state.read();
    json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "refresh_token": issued.refresh_token,
        "bot_id": dashed(issued.grant.bot_id),
        "workspace_id": dashed(ws.workspace_id),
        "workspace_name": "Simulated workspace",
        "workspace_icon": null,
        "owner": {
            "type": "user",
            "user": {
                "object": "user",
                "id": dashed(ws.users[0]),
                "name": "Sim Owner",
                "avatar_url": null,
                "type": "person",
                "person": { "email": "owner@example.com" },
            },
        },
        "duplicated_template_id": null,
        "request_id": uuid::Uuid::new_v4().to_string(),
    })
}
