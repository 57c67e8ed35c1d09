//! Authentication as extractors: a handler that takes an [`AdminUser`] only runs for the
//! operator; handlers never read headers themselves. The `/api/admin` scope is guarded once by
//! [`admin_only`], which runs the same extractor for every route under it.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};
use secrecy::ExposeSecret;

use crate::error::AppError;
use crate::state::AppState;

/// Proof that the caller presented the admin token.
#[derive(Debug, Clone, Copy)]
pub struct AdminUser;

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(request))
    }
}

/// Scope middleware: only a request that is an [`AdminUser`] gets through; the proof is left
/// in the request's extensions for handlers that want it.
pub async fn admin_only(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let admin = request.extract::<AdminUser>().await?;
    request.extensions_mut().insert(admin);
    next.call(request).await
}

fn authenticate(request: &HttpRequest) -> Result<AdminUser, AppError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let Some(expected) = &state.settings.security.admin_token else {
        return Err(AppError::unauthorized(
            "the admin API is disabled: set NOTION_GRAPH_ADMIN_TOKEN to enable it",
        ));
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            AppError::unauthorized("admin routes need `Authorization: Bearer <admin token>`")
        })?;
    if constant_time_eq(presented.as_bytes(), expected.expose_secret().as_bytes()) {
        Ok(AdminUser)
    } else {
        Err(AppError::unauthorized("the admin token is not valid"))
    }
}

/// Compares without stopping at the first difference, so timing says nothing of the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_tokens_match_and_others_do_not() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
