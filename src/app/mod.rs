//! `create_app`: the middleware stack and the route map, the same for `main` and tests.
//!
//! Middleware, outermost first: request telemetry (request id, span, metrics), security
//! headers, compression, the problem+json fallback for framework errors, CORS.
//!
//! The route map has two levels: here, the prefix of each [`Mount`] (the parent owns every
//! prefix); below, each module's route groups, registered with paths relative to it.

mod allow;
mod middleware;
mod openapi;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, Error, HttpRequest, ResponseError, web};

use crate::error::{AppError, Code};
use crate::manifest::{Modules, Mount};
use crate::modules::{auth, dashboard};
use crate::state::AppState;
use allow::AllowedMethods;

pub use middleware::RequestId;

pub fn create_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Response = ServiceResponse<impl MessageBody>,
        Config = (),
        InitError = (),
        Error = Error,
    >,
> {
    let max_body = state.settings.server.max_body_bytes;
    let modules = state.modules;
    let cors = cors(&state.settings.server.cors_allowed_origins);
    let document = openapi::document(modules);
    let allowed = web::Data::new(AllowedMethods::of(&document));
    App::new()
        .app_data(web::Data::new(state.clone()))
        .app_data(allowed)
        .app_data(
            web::JsonConfig::default()
                .limit(max_body)
                .error_handler(json_error),
        )
        .app_data(web::PayloadConfig::default().limit(max_body))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .wrap(from_fn(auth::csrf::refuse_cross_site))
        .wrap(cors)
        .wrap(from_fn(middleware::problem_fallback))
        .wrap(Compress::default())
        .wrap(from_fn(middleware::security_headers))
        .wrap(from_fn(middleware::request_telemetry))
        .configure(|cfg| modules.configure(Mount::Root, cfg)) // /livez, /readyz, /metrics
        .configure(|cfg| openapi::configure(document, cfg)) // /api/openapi.json, /api/docs/
        .service(scope(modules, Mount::Api)) // /api/v1/...
        .service(scope(modules, Mount::Webhooks)) // /api/webhooks/...
        .service(scope(modules, Mount::Admin).wrap(from_fn(auth::admin_only))) // /api/admin/...
        .default_service(web::to(no_route))
}

/// A mount's scope, with every module's routes for it.
fn scope(modules: Modules, mount: Mount) -> actix_web::Scope {
    web::scope(mount.prefix()).configure(|cfg| modules.configure(mount, cfg))
}

/// Closed unless origins are configured; then only those, for the API's verbs.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "x-csrf-token",
            "x-request-id",
        ])
        .max_age(600)
}

/// A path that exists for other methods is a 405 naming them in `Allow`; anything else a 404.
async fn no_route(request: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    let (method, path) = (request.method(), request.path());
    if request.resource_map().has_resource(path) {
        let refusal = AppError::new(
            Code::MethodNotAllowed,
            format!("{path} does not accept {method}"),
        );
        return Ok(allow::with_allow(&request, refusal.error_response()));
    }
    let missing = AppError::not_found(format!("no route for {method} {path}"));
    if wants_page(&request) {
        return Ok(dashboard::view::error_page(&missing));
    }
    Err(missing)
}

/// A browser asking for a page outside the API gets the dashboard's 404 page.
fn wants_page(request: &HttpRequest) -> bool {
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    accepts_html && !request.path().starts_with("/api/")
}

fn json_error(error: actix_web::error::JsonPayloadError, _: &HttpRequest) -> Error {
    use actix_web::error::JsonPayloadError as E;
    match &error {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => AppError::new(
            Code::PayloadTooLarge,
            format!("the JSON body is larger than the limit of {limit} bytes"),
        ),
        E::ContentType => AppError::new(
            Code::UnsupportedMediaType,
            "expected a body with Content-Type: application/json",
        ),
        E::Deserialize(cause) => AppError::new(Code::InvalidJson, cause.to_string()),
        other => AppError::new(Code::InvalidJson, other.to_string()),
    }
    .into()
}

fn query_error(error: actix_web::error::QueryPayloadError, _: &HttpRequest) -> Error {
    AppError::new(Code::InvalidQuery, error.to_string()).into()
}

fn path_error(error: actix_web::error::PathError, _: &HttpRequest) -> Error {
    AppError::new(Code::InvalidPath, error.to_string()).into()
}
