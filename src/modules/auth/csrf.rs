//! Cross-site request forgery defences for cookie-authenticated writes.
//!
//! - Every POST, PUT, PATCH and DELETE that carries no `Authorization` header is refused when
//!   the browser says it is cross-site (`Sec-Fetch-Site: cross-site`): this covers sign-up and
//!   login too (login CSRF), before any session exists.
//! - A cookie-authenticated write must also echo the session's synchronizer token in
//!   `X-CSRF-Token` ([`check`], run by the `AuthUser` extractor).
//!
//! Requests with an API key are exempt: a browser never attaches one by itself.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, ResponseError};

use super::AuthError;
use super::tokens::constant_time_eq;
use crate::error::AppError;

pub const HEADER: HeaderName = HeaderName::from_static("x-csrf-token");
const FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

fn is_cross_site(headers: &header::HeaderMap) -> bool {
    headers
        .get(FETCH_SITE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
}

/// Middleware: refuses cross-site writes that do not carry an `Authorization` header.
pub async fn refuse_cross_site(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let headers = request.headers();
    if !request.method().is_safe()
        && !headers.contains_key(header::AUTHORIZATION)
        && is_cross_site(headers)
    {
        let response = AppError::from(AuthError::CrossSite).error_response();
        return Ok(request.into_response(response).map_into_right_body());
    }
    Ok(next.call(request).await?.map_into_left_body())
}

/// The token a write presents in `X-CSRF-Token` (empty when there is none).
pub fn from_header(request: &HttpRequest) -> &[u8] {
    request
        .headers()
        .get(HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default()
}

/// The synchronizer-token check of a cookie-authenticated write: `presented` comes from the
/// header, or from a page form's `csrf_token` field (a form without script sets no header).
pub fn check(request: &HttpRequest, presented: &[u8], expected: &str) -> Result<(), AuthError> {
    if is_cross_site(request.headers()) {
        return Err(AuthError::CrossSite);
    }
    if constant_time_eq(presented, expected.as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::CsrfFailed)
    }
}
