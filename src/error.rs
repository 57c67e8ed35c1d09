//! The one error type at the HTTP boundary. Every failure leaves as an RFC 9457
//! `application/problem+json` body with a stable snake_case `code`; internal failures are logged
//! once with their cause chain and answered with an opaque 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A client-facing problem: what went wrong, in words the caller can act on.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub retry_after_secs: Option<u64>,
    /// Extension members, e.g. the failed readiness checks.
    pub extensions: Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}: {}", .0.code, .0.detail)]
    Problem(Box<Problem>),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// The error code carried in response extensions so that request logging and metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Problem(Box::new(Problem {
            status,
            code,
            detail: detail.into(),
            retry_after_secs: None,
            extensions: Map::new(),
        }))
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; retry after {retry_after_secs} s"),
        );
        if let AppError::Problem(p) = &mut error {
            p.retry_after_secs = Some(retry_after_secs);
        }
        error
    }

    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    /// Adds an extension member to the problem body (ignored for internal errors).
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let AppError::Problem(p) = &mut self {
            p.extensions.insert(
                key.to_owned(),
                serde_json::to_value(value).unwrap_or(Value::Null),
            );
        }
        self
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Problem(p) => p.code,
            AppError::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Problem(p) => p.status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Problem(p) => problem_response(p),
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                problem_response(&Problem {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal_error",
                    detail: "the server failed to handle this request; it has been logged".into(),
                    retry_after_secs: None,
                    extensions: Map::new(),
                })
            }
        }
    }
}

/// Renders a problem as its HTTP response.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let mut response = HttpResponse::build(problem.status);
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
    if let Some(secs) = problem.retry_after_secs {
        response.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    let mut response = response.body(problem_body(problem).to_string());
    response.extensions_mut().insert(ErrorCode(problem.code));
    response
}

pub fn problem_body(problem: &Problem) -> Value {
    let mut body = Map::new();
    body.insert(
        "type".into(),
        format!("urn:notion-graph:problem:{}", problem.code).into(),
    );
    body.insert(
        "title".into(),
        problem.status.canonical_reason().unwrap_or("Error").into(),
    );
    body.insert("status".into(), problem.status.as_u16().into());
    body.insert("code".into(), problem.code.into());
    body.insert("detail".into(), problem.detail.clone().into());
    for (key, value) in &problem.extensions {
        body.entry(key.clone()).or_insert_with(|| value.clone());
    }
    Value::Object(body)
}

impl From<crate::storage::StoreError> for AppError {
    fn from(error: crate::storage::StoreError) -> Self {
        use crate::storage::StoreError;
        match error {
            StoreError::NotFound => AppError::not_found("no such document"),
            StoreError::Conflict(detail) => AppError::conflict("conflict", detail),
            StoreError::Unindexed(detail) => AppError::Internal(anyhow::anyhow!(detail)),
            StoreError::Unavailable(detail) => AppError::unavailable("store_unavailable", detail),
            StoreError::Other(error) => AppError::Internal(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn a_problem_renders_as_rfc9457_json_with_a_stable_code() {
        let error = AppError::bad_request("invalid_port", "port must be a number");
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
        let body: Value =
            serde_json::from_slice(&to_bytes(response.into_body()).await.unwrap()).unwrap();
        assert_eq!(body["code"], "invalid_port");
        assert_eq!(body["status"], 400);
        assert_eq!(body["type"], "urn:notion-graph:problem:invalid_port");
        assert_eq!(body["detail"], "port must be a number");
    }

    #[actix_web::test]
    async fn an_internal_error_hides_its_cause() {
        let error = AppError::Internal(anyhow::anyhow!("password=swordfish leaked"));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(response.into_body()).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("swordfish"));
    }

    #[actix_web::test]
    async fn rate_limits_carry_retry_after() {
        let response = AppError::too_many_requests(7).error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }
}
