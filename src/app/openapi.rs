//! The OpenAPI 3.1 document (`/api/openapi.json`) and Swagger UI (`/api/docs/`), both served
//! from the binary: the UI's files are vendored at build time, nothing is fetched.

use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::Code;
use crate::modules::{jobs, ops, sync};

#[derive(OpenApi)]
#[openapi(
    info(title = "notion-graph", description = "Maps how the pages of a Notion workspace connect."),
    nest(
        (path = "/api/admin/jobs", api = jobs::routes::JobsApi),
        (path = "/api", api = sync::webhooks::WebhooksApi),
    ),
    components(schemas(Code)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_error_code_with_its_status() {
        let document = serde_json::to_value(document()).unwrap();
        let schema = &document["components"]["schemas"]["Code"];
        let listed: Vec<&str> = schema["enum"]
            .as_array()
            .expect("Code is a string enum")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(listed, names);
        let description = schema["description"].as_str().unwrap();
        assert!(
            description.contains("`invalid_json` (400)"),
            "{description}"
        );
        assert!(
            description.contains("`internal_error` (500)"),
            "{description}"
        );
    }
}
