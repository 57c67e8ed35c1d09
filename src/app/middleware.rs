//! The cross-cutting parts of every response: a request id, one span and one set of metrics per
//! request, security headers, and problem+json bodies for errors the framework produces itself.

use std::time::Instant;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use tracing::Instrument;

use crate::error::{AppError, Code, PROBLEM_JSON};
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, from a well-formed `X-Request-Id` or freshly made.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

/// Request id, one span per request with status and error code, and the HTTP metrics.
pub async fn request_telemetry(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request_id(&request);
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().to_string();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!("request", %method, %route, request_id = %id);
    let started = Instant::now();
    let mut response = next.call(request).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    let code = response
        .response()
        .extensions()
        .get::<Code>()
        .map(|c| c.name());
    let elapsed = started.elapsed();
    span.in_scope(|| match code {
        Some(code) if status >= 500 => {
            tracing::warn!(status, code, ms = elapsed.as_millis() as u64, "served")
        }
        Some(code) => tracing::info!(status, code, ms = elapsed.as_millis() as u64, "served"),
        None => tracing::debug!(status, ms = elapsed.as_millis() as u64, "served"),
    });
    if let Some(state) = state {
        state
            .metrics
            .observe_request(&method, &route, status, elapsed);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

const DEFAULT_CSP: &str = "default-src 'self'; base-uri 'none'; object-src 'none'; \
    frame-ancestors 'none'; form-action 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

/// Security headers on every response. A route that sets its own CSP (the embed page, which
/// Notion must be able to frame) keeps it and gets no `X-Frame-Options`.
pub async fn security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let hsts = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.hsts_enabled());
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    let set = |headers: &mut header::HeaderMap, name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if hsts {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    Ok(response)
}

/// Errors that the framework answers itself (405, 413 on raw payloads, CORS refusals...) get
/// the same problem+json shape as the application's own.
pub async fn problem_fallback(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, Error> {
    let response = match next.call(request).await {
        Ok(response) => response,
        // The application's own problems (a guard's 401, say) are already what they should be.
        Err(error) if error.as_error::<AppError>().is_some() => return Err(error),
        Err(error) => {
            let status = error.as_response_error().status_code();
            return Err(framework_problem(status, &error.to_string()).into());
        }
    };
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // An answer that carries its code is the application's own, e.g. a page's error page.
    let is_own = response.response().extensions().get::<Code>().is_some();
    if status.as_u16() < 400 || is_problem || is_own {
        return Ok(response.map_into_left_body());
    }
    let detail = response
        .response()
        .error()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let (request, _) = response.into_parts();
    let mut replacement = framework_problem(status, &detail).error_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        replacement = super::allow::with_allow(&request, replacement);
    }
    Ok(ServiceResponse::new(request, replacement).map_into_right_body())
}

fn framework_problem(status: StatusCode, detail: &str) -> AppError {
    let code = Code::for_framework_status(status);
    if code == Code::Internal {
        return AppError::Internal(anyhow::anyhow!("{detail}"));
    }
    let detail = match (status, detail.is_empty()) {
        (StatusCode::METHOD_NOT_ALLOWED, _) => "this route does not accept that method".to_owned(),
        (_, true) => status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_owned(),
        _ => detail.to_owned(),
    };
    AppError::new(code, detail)
}
