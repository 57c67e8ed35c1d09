//! The `Allow` header of a 405 (RFC 9110 §15.5.5): the methods the path does accept, read from
//! the OpenAPI document, which lists every JSON route. Page routes are not in it; their 405
//! names no methods.

use actix_web::dev::ResourceDef;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

/// Each documented path template with the methods it accepts.
pub struct AllowedMethods(Vec<(ResourceDef, Vec<&'static str>)>);

impl AllowedMethods {
    pub fn of(document: &OpenApi) -> Self {
        let templates = document.paths.paths.iter();
        Self(
            templates
                .map(|(template, item)| (ResourceDef::new(template.as_str()), methods(item)))
                .collect(),
        )
    }

    /// The methods `path` accepts, as an `Allow` value; `None` for a path not documented. Every
    /// matching template counts (actix tries each resource whose pattern matches), except that
    /// a path documented as it is (`/workspaces/import-zip`) is that resource alone, not also an
    /// id of a template beside it (`/workspaces/{id}`).
    pub fn allow(&self, path: &str) -> Option<HeaderValue> {
        let literal = |template: &ResourceDef| template.pattern() == Some(path);
        let exact = self.0.iter().any(|(template, _)| literal(template));
        let mut allowed: Vec<&str> = self
            .0
            .iter()
            .filter(|(template, _)| template.is_match(path) && (!exact || literal(template)))
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        (!allowed.is_empty())
            .then(|| HeaderValue::from_str(&allowed.join(", ")).ok())
            .flatten()
    }
}

/// Adds the `Allow` header to a 405 (when the document knows its path).
pub fn with_allow(request: &HttpRequest, mut response: HttpResponse) -> HttpResponse {
    let allow = request
        .app_data::<web::Data<AllowedMethods>>()
        .and_then(|allowed| allowed.allow(request.path()));
    if let Some(allow) = allow {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("OPTIONS", item.options.is_some()),
        ("HEAD", item.head.is_some()),
        ("PATCH", item.patch.is_some()),
        ("TRACE", item.trace.is_some()),
    ]
    .into_iter()
    .filter_map(|(method, present)| present.then_some(method))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_allowed_the_methods_of_every_template_it_matches() {
        let document = crate::app::openapi::document(crate::modules::ALL);
        let allowed = AllowedMethods::of(&document);
        let allow = |path| allowed.allow(path).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            allow("/api/v1/workspaces/abc").as_deref(),
            Some("DELETE, GET, PATCH")
        );
        assert_eq!(allow("/api/v1/workspaces").as_deref(), Some("GET, POST"));
        assert_eq!(
            allow("/api/v1/workspaces/import-zip").as_deref(),
            Some("POST")
        );
        assert_eq!(allow("/api/v1/workspaces/abc/nothing-here"), None);
    }
}
