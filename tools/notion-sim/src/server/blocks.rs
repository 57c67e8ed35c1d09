//! `GET /v1/blocks/{id}` and `GET /v1/blocks/{id}/children`. A page id works as a block id
//! (it answers the `child_page` block and lists the page's content). A synced reference lists
//! its original's children, and 404s when the original lives in a page that is not shared.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};

use super::{State, ok, path_id};
use crate::error::{ApiError, ApiResult};
use crate::ids::dashed;
use crate::model::{Blk, BlockKind, Kind, Ref, Workspace};
use crate::pagination::scope;
use crate::render::block::{block, entity_as_block};
use crate::render::{list, with_request_id};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/blocks/{id}", web::get().to(get_block))
        .route("/blocks/{id}/children", web::get().to(children));
}

async fn get_block(state: State, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "block_id")?;
    let ws = state.read();
    let not_found = || ApiError::not_found("block", &dashed(id));
    let value = match ws.lookup(id) {
        Some(Ref::Block(b)) if ws.entity(ws.block(b).page).shared => block(&ws, b),
        Some(Ref::Entity(e)) if ws.entity(e).shared && ws.entity(e).kind() != Kind::DataSource => {
            entity_as_block(&ws, e)
        }
        _ => return Err(not_found()),
    };
    Ok(ok(with_request_id(value)))
}

/// The live children listed for an id, following synced references to their original.
pub fn child_list(ws: &Workspace, id: crate::ids::Id) -> ApiResult<Vec<Blk>> {
    let not_found = || ApiError::not_found("block", &dashed(id));
    match ws.lookup(id) {
        Some(Ref::Entity(e)) if ws.entity(e).shared => match ws.entity(e).kind() {
            Kind::Page | Kind::Row => Ok(ws.live(ws.entity(e).blocks())),
            _ => Err(ApiError::validation(format!(
                "Block {} is a {}; it has no block children.",
                dashed(id),
                ws.entity(e).kind().as_str()
            ))),
        },
        Some(Ref::Block(b)) if ws.entity(ws.block(b).page).shared => match ws.block(b).kind {
            BlockKind::SyncedRef(original) if !ws.entity(ws.block(original).page).shared => {
                Err(ApiError::not_found("block", &dashed(ws.block(original).id)))
            }
            BlockKind::SyncedRef(original) => Ok(ws.live_children(original)),
            _ => Ok(ws.live_children(b)),
        },
        _ => Err(not_found()),
    }
}

async fn children(
    state: State,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "block_id")?;
    let paging = state
        .pager
        .from_query(scope(&format!("children|{}", dashed(id))), &query)?;
    let ws = state.read();
    let kids = child_list(&ws, id)?;
    let (range, next) = state.pager.window(paging, kids.len());
    let items = kids[range].iter().map(|b| block(&ws, *b)).collect();
    Ok(ok(list(items, next, "block")))
}
