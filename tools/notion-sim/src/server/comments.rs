//! Comments: `POST /v1/comments` (on a page) and `GET /v1/comments?block_id=` (a page's, oldest
//! first), with Notion's validation errors. The simulator keeps comments beside the workspace:
//! they carry no links, so the ground truth does not list them.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{State, json_body, ok, path_id, visible};
use crate::error::{ApiError, ApiResult};
use crate::ids::{api_time, dashed, now_ms, parse_id};
use crate::model::Kind;
use crate::render::{author, list};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/comments", web::post().to(create))
        .route("/comments", web::get().to(list_comments));
}

/// One stored comment.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u128,
    pub page: u128,
    pub rich_text: Value,
    pub created: i64,
}

async fn create(state: State, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body = json_body(&body)?;
    let Some(parent) = body.get("parent") else {
        return Err(ApiError::validation(
            "body failed validation. Fix one: body.parent should be defined, instead was `undefined`. body.discussion_id should be defined, instead was `undefined`.",
        ));
    };
    let page_id = parent
        .get("page_id")
        .and_then(Value::as_str)
        .and_then(parse_id)
        .ok_or_else(|| ApiError::validation("body.parent.page_id should be a valid uuid."))?;
    let rich_text = match body.get("rich_text") {
        Some(Value::Array(runs)) if !runs.is_empty() => Value::Array(runs.clone()),
        Some(_) => {
            return Err(ApiError::validation(
                "body.rich_text should be a non-empty array.",
            ));
        }
        None => {
            return Err(ApiError::validation(
                "body.rich_text should be defined, instead was `undefined`.",
            ));
        }
    };
    let ws = state.read();
    visible(&ws, page_id, &[Kind::Page, Kind::Row], "page")?;
    let seed = ws.seed;
    let mut comments = state.comments();
    let comment = Comment {
        id: (u128::from(seed) << 64) | (0xc0 << 56) | (comments.len() as u128 + 1),
        page: page_id,
        rich_text,
        created: now_ms(),
    };
    let value = render(&ws, &comment);
    comments.push(comment);
    Ok(ok(value))
}

#[derive(Deserialize)]
struct Listing {
    block_id: Option<String>,
}

async fn list_comments(state: State, query: web::Query<Listing>) -> ApiResult<HttpResponse> {
    let text = query.block_id.as_deref().ok_or_else(|| {
        ApiError::validation("block_id should be defined, instead was `undefined`.")
    })?;
    let id = path_id(text, "block_id")?;
    let ws = state.read();
    let comments = state.comments();
    let items = comments
        .iter()
        .filter(|c| c.page == id)
        .map(|c| render(&ws, c))
        .collect();
    Ok(ok(list(items, None, "comment")))
}

fn render(ws: &crate::model::Workspace, comment: &Comment) -> Value {
    json!({
        "object": "comment",
        "id": dashed(comment.id),
        "parent": { "type": "page_id", "page_id": dashed(comment.page) },
        "discussion_id": dashed(comment.id ^ 1),
        "created_time": api_time(comment.created),
        "last_edited_time": api_time(comment.created),
        "created_by": author(ws, comment.page),
        "rich_text": comment.rich_text,
    })
}
