//! The OpenAPI 3.1 document (`/api/openapi.json`) and Swagger UI (`/api/docs/`), both served
//! from the binary: the UI's files are vendored at build time, nothing is fetched.

use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::modules::{jobs, ops, sync};

#[derive(OpenApi)]
#[openapi(
    info(title = "notion-graph", description = "Maps how the pages of a Notion workspace connect."),
    nest(
        (path = "/api/admin/jobs", api = jobs::routes::JobsApi),
        (path = "/api", api = sync::webhooks::WebhooksApi),
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document: the routes at the root (health, metrics, canaries) merged with the
/// nested API groups.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(ops::routes::OpsApi::openapi());
    document
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/api/docs", "/api/docs/").permanent())
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document()));
}
