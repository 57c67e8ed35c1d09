//! `GET /v1/pages/{id}`: page and row objects. Trashed pages are still returned (with
//! `in_trash: true`); unshared or unknown ids answer 404.

use actix_web::{HttpResponse, web};

use super::{State, ok, path_id, visible};
use crate::error::ApiResult;
use crate::model::Kind;
use crate::render::{page::page, with_request_id};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/pages/{id}", web::get().to(get_page));
}

async fn get_page(state: State, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "page_id")?;
    let ws = state.read();
    let e = visible(&ws, id, &[Kind::Page, Kind::Row], "page")?;
    Ok(ok(with_request_id(page(&ws, e))))
}
