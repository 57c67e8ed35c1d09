//! `POST /api/graphql`: a GraphQL request (`query`, `variables`, `operationName`) in, its
//! response (`data`, `errors`) out, always 200 once the body is a GraphQL request, as GraphQL
//! over HTTP answers `application/json`; a body that is not one is a problem+json 400.

use actix_web::{HttpResponse, post, web};
use async_graphql::Variables;
use serde::Deserialize;
use utoipa::OpenApi;

use super::query::Caller;
use super::{errors, schema};
use crate::modules::auth::Reader;
use crate::state::AppState;

/// A GraphQL request as GraphQL over HTTP posts it; anything else in the body (such as
/// `extensions`) is ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlRequest {
    query: String,
    #[serde(default)]
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    operation_name: Option<String>,
}

impl GraphqlRequest {
    fn request(self) -> async_graphql::Request {
        let variables = self.variables.unwrap_or_default();
        let request = async_graphql::Request::new(self.query)
            .variables(Variables::from_json(variables.into()));
        match self.operation_name {
            Some(name) => request.operation_name(name),
            None => request,
        }
    }
}

#[derive(OpenApi)]
#[openapi(paths(graphql))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(graphql);
}

/// GraphQL over the account's workspaces and their graphs (the schema is `docs/schema.graphql`):
/// pages with their links in and out, neighbourhoods, shortest paths, search, communities and
/// what changed between snapshots. Read-only: a session (with its `X-CSRF-Token`, as for every
/// POST) or an API key of any scope. Queries deeper or more complex than the limits are refused
/// before anything runs (`query_too_deep`, `query_too_complex` in `errors[].extensions.code`).
#[utoipa::path(
    request_body(content = Object, description = "A GraphQL request: `query`, and optionally `variables` and `operationName`"),
    responses(
        (status = 200, description = "The GraphQL response: `data`, and `errors` with `extensions.code` from the error codes", body = Object),
    )
)]
#[post("/api/graphql")]
async fn graphql(
    state: web::Data<AppState>,
    Reader(user): Reader,
    body: web::Json<GraphqlRequest>,
) -> HttpResponse {
    let request = body.into_inner().request().data(Caller { state, user });
    let mut response = schema().execute(request).await;
    errors::label(&mut response);
    HttpResponse::Ok().json(response)
}
