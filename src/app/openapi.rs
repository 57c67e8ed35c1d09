//! The OpenAPI 3.1 document (`/api/openapi.json`) and Swagger UI (`/api/docs/`), both served
//! from the binary: the UI's files are vendored at build time, nothing is fetched.
//!
//! The document is assembled from the manifests: each route group's paths, prefixed by its
//! mount, tagged with its module's name, and (on admin routes) marked as needing the admin token.

use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::Code;
use crate::manifest::{Modules, Mount};

/// The admin routes' security scheme: `Authorization: Bearer <admin token>`.
const ADMIN_TOKEN: &str = "admin_token";

#[derive(OpenApi)]
#[openapi(
    info(title = "notion-graph", description = "Maps how the pages of a Notion workspace connect."),
    components(schemas(Code)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            ADMIN_TOKEN,
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document: every route group of every module, under its mount's prefix.
pub fn document(modules: Modules) -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    for mount in Mount::ALL {
        for (module, routes) in modules.routes(mount) {
            let mut group = (routes.openapi)();
            for (path, mut item) in std::mem::take(&mut group.paths.paths) {
                for operation in operations(&mut item).into_iter().flatten() {
                    describe(operation, module.name, mount);
                }
                let path = format!("{}{path}", mount.prefix());
                add_path(&mut document, path, item);
            }
            document.merge(group);
        }
    }
    document
}

/// What the mount says about every operation under it.
fn describe(operation: &mut Operation, module: &str, mount: Mount) {
    operation.tags = Some(vec![module.to_owned()]);
    if mount == Mount::Admin {
        operation.security = Some(vec![SecurityRequirement::new(
            ADMIN_TOKEN,
            Vec::<String>::new(),
        )]);
    }
}

/// Adds a path's operations; modules may share a path with different methods.
fn add_path(document: &mut utoipa::openapi::OpenApi, path: String, mut item: PathItem) {
    let Some(existing) = document.paths.paths.get_mut(&path) else {
        document.paths.paths.insert(path, item);
        return;
    };
    for (mine, theirs) in operations(existing).into_iter().zip(operations(&mut item)) {
        if mine.is_none() {
            *mine = theirs.take();
        }
    }
}

/// The operations of a path item, one slot per method, in a fixed order.
fn operations(item: &mut PathItem) -> [&mut Option<Operation>; 8] {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
}

pub fn configure(modules: Modules, cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/api/docs", "/api/docs/").permanent())
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document(modules)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules;

    fn json() -> serde_json::Value {
        serde_json::to_value(document(modules::ALL)).unwrap()
    }

    #[test]
    fn the_document_lists_every_error_code_with_its_status() {
        let document = json();
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

    #[test]
    fn paths_carry_their_mount_prefix_module_tag_and_admin_security() {
        let document = json();
        let paths = &document["paths"];
        let dead = &paths["/api/admin/jobs/dead"]["get"];
        assert_eq!(dead["tags"], serde_json::json!(["jobs"]));
        assert_eq!(dead["security"], serde_json::json!([{ "admin_token": [] }]));
        let webhook = &paths["/api/webhooks/notion"]["post"];
        assert_eq!(webhook["tags"], serde_json::json!(["sync"]));
        assert!(webhook.get("security").is_none());
        assert!(paths["/livez"]["get"].is_object());
    }
}
