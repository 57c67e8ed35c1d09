//! The OpenAPI 3.1 document (`/api/openapi.json`) and Swagger UI (`/api/docs/`), both served
//! from the binary: the UI's files are vendored at build time, nothing is fetched.
//!
//! The document is assembled from the manifests: each route group's paths, prefixed by its
//! mount, tagged with its module's name, secured as its [`Access`] says, and completed with the
//! statuses the platform itself may answer for any such operation (see [`platform_statuses`]),
//! every error with a problem+json body. Handlers document only their own answers.

use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{Code, PROBLEM_JSON};
use crate::manifest::{Access, Modules, Mount};

/// `Authorization: Bearer <admin token>`: the operator's token, for automation.
const ADMIN_TOKEN: &str = "admin_token";
/// The browser session's cookie (writes also need `X-CSRF-Token`).
const SESSION: &str = "session";
/// `Authorization: Bearer ng_...`: an API key, within its scopes.
const API_KEY: &str = "api_key";

#[derive(OpenApi)]
#[openapi(
    info(title = "notion-graph", description = "Maps how the pages of a Notion workspace connect."),
    components(schemas(Code, Problem)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

/// An RFC 9457 problem, the body of every error answer (`application/problem+json`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes `error::problem_body`, which builds the body itself
struct Problem {
    /// `urn:notion-graph:problem:<code>`.
    r#type: String,
    /// The HTTP status's reason phrase.
    title: String,
    status: u16,
    code: Code,
    /// What went wrong, in words the caller can act on.
    detail: String,
}

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer =
            || SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        components.add_security_scheme(ADMIN_TOKEN, bearer());
        components.add_security_scheme(API_KEY, bearer());
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::modules::auth::sessions::COOKIE,
            ))),
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
                let path = format!("{}{path}", mount.prefix());
                for operation in operations(&mut item).into_iter().flatten() {
                    describe(operation, module.name, routes.access, &path);
                }
                add_path(&mut document, path, item);
            }
            document.merge(group);
        }
    }
    document
}

/// What the platform says about every operation: its tag, its security, the statuses the
/// platform may answer for it, and a problem body for each error.
fn describe(operation: &mut Operation, module: &str, access: Access, path: &str) {
    operation.tags = Some(vec![module.to_owned()]);
    let schemes: &[&str] = match access {
        Access::Public => &[],
        Access::SignedIn => &[SESSION, API_KEY],
        Access::Admin => &[ADMIN_TOKEN, SESSION, API_KEY],
    };
    if !schemes.is_empty() {
        let requirements = schemes
            .iter()
            .map(|scheme| SecurityRequirement::new(*scheme, Vec::<String>::new()));
        operation.security = Some(requirements.collect());
    }
    let inputs = operation_inputs(operation, path);
    let responses = &mut operation.responses.responses;
    for (status, description) in platform_statuses(inputs, access) {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(Response::new(description)));
    }
    for (status, response) in responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with(['4', '5']), response) {
            problem_content(response);
        }
    }
}

/// What an operation takes, as far as the platform's own answers depend on it.
#[derive(Debug, Clone, Copy)]
struct Inputs {
    path_parameters: bool,
    query_parameters: bool,
    body: bool,
}

fn operation_inputs(operation: &Operation, path: &str) -> Inputs {
    let query_parameters =
        operation.parameters.iter().flatten().any(
            |parameter| matches!(parameter, RefOr::T(p) if p.parameter_in == ParameterIn::Query),
        );
    Inputs {
        path_parameters: path.contains('{'),
        query_parameters,
        body: operation.request_body.is_some(),
    }
}

/// The statuses the platform answers before or around a handler: malformed input (extractor
/// errors), an unknown id, a body too large or not JSON, and the guards' refusals. A handler
/// that documents one of them keeps its own description.
fn platform_statuses(inputs: Inputs, access: Access) -> Vec<(u16, &'static str)> {
    let mut statuses = Vec::new();
    if inputs.path_parameters || inputs.query_parameters || inputs.body {
        statuses.push((400, "The request is malformed; `code` names what (`invalid_json`, `invalid_query`, `invalid_path`, ...)"));
    }
    if access != Access::Public {
        statuses.push((401, "Credentials are missing or not valid"));
        statuses.push((
            403,
            "The caller may not do this (not an admin, an API key's scopes, a missing CSRF token)",
        ));
    }
    if inputs.path_parameters {
        statuses.push((404, "Nothing with this id, or nothing the caller may see"));
    }
    if inputs.body {
        statuses.push((413, "The body is larger than `max_body_bytes`"));
        statuses.push((415, "The body is not `application/json`"));
    }
    statuses
}

/// An error response without a body of its own documents the problem body.
fn problem_content(response: &mut Response) {
    if response.content.is_empty() {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        response
            .content
            .insert(PROBLEM_JSON.to_owned(), content.into());
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

pub fn configure(document: utoipa::openapi::OpenApi, cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/api/docs", "/api/docs/").permanent())
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document));
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
        assert_eq!(
            dead["security"],
            serde_json::json!([{ "admin_token": [] }, { "session": [] }, { "api_key": [] }])
        );
        let me = &paths["/api/v1/me"]["get"];
        assert_eq!(
            me["security"],
            serde_json::json!([{ "session": [] }, { "api_key": [] }])
        );
        let login = &paths["/api/v1/auth/login"]["post"];
        assert!(login.get("security").is_none());
        let webhook = &paths["/api/webhooks/notion"]["post"];
        assert_eq!(webhook["tags"], serde_json::json!(["sync"]));
        assert!(webhook.get("security").is_none());
        assert!(paths["/livez"]["get"].is_object());
    }

    #[test]
    fn no_two_modules_give_one_schema_name_different_schemas() {
        let mut seen = std::collections::BTreeMap::new();
        for mount in Mount::ALL {
            for (module, routes) in modules::ALL.routes(mount) {
                let group = (routes.openapi)();
                for (name, schema) in group.components.into_iter().flat_map(|c| c.schemas) {
                    let schema = serde_json::to_value(schema).unwrap();
                    if let Some((other, earlier)) =
                        seen.insert(name.clone(), (module.name, schema.clone()))
                    {
                        assert_eq!(
                            earlier, schema,
                            "`{name}` of {other} and of {} differ: the document keeps one",
                            module.name
                        );
                    }
                }
            }
        }
    }

    fn statuses(operation: &serde_json::Value) -> Vec<&str> {
        operation["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn every_operation_documents_what_the_platform_may_answer_with_a_problem_body() {
        let document = json();
        let paths = &document["paths"];
        // A guarded route with a path parameter and a body.
        let update = &paths["/api/v1/workspaces/{id}"]["patch"];
        for status in ["400", "401", "403", "404", "413", "415"] {
            assert!(statuses(update).contains(&status), "{status}: {update}");
        }
        // A public route without input documents none of them.
        let livez = &paths["/livez"]["get"];
        assert!(
            !statuses(livez)
                .iter()
                .any(|s| ["400", "401", "404"].contains(s))
        );
        // The admin scope's guard.
        let user = &paths["/api/admin/users/{id}"]["patch"];
        assert!(statuses(user).contains(&"401") && statuses(user).contains(&"403"));
        for item in paths.as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if status.starts_with(['4', '5']) {
                        assert!(
                            response["content"]
                                .as_object()
                                .is_some_and(|c| !c.is_empty()),
                            "{status} without a body: {operation}"
                        );
                    }
                }
            }
        }
    }
}
