//! The checks every `/v1` request passes before its handler, in Notion's order: latency,
//! `Notion-Version`, bearer token, the per-token rate limit, then injected faults. Served
//! requests (including 4xx answers and faults) are counted per route pattern; rate-limited
//! ones only in `rate_limited`. `POST /v1/oauth/token` authenticates with client credentials
//! instead and is exempt from the version check, the rate limit and faults.

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::State;
use crate::config::Fault;
use crate::error::ApiError;

/// The bearer token of an admitted request, for handlers that need to know the caller.
#[derive(Clone, Debug)]
pub struct Bearer(pub String);

/// The raw socket of a connection, recorded on connect so a `Drop` fault can cut it.
#[derive(Clone, Copy, Debug)]
pub struct ConnFd(#[cfg_attr(not(unix), allow(dead_code))] pub i32);

const KNOWN_VERSIONS: [&str; 7] = [
    "2021-05-11",
    "2021-05-13",
    "2021-08-16",
    "2022-02-22",
    "2022-06-28",
    "2025-09-03",
    "2026-03-11",
];

pub async fn gate(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !req.path().starts_with("/v1/") {
        return next.call(req).await;
    }
    let Some(state) = req.app_data::<State>().cloned() else {
        return next.call(req).await;
    };
    let route = format!(
        "{} {}",
        req.method(),
        req.match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned())
    );
    let latency = state.limits.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if route == "POST /v1/oauth/token" {
        state.counters.served(&route);
        return next.call(req).await;
    }
    let version = req
        .headers()
        .get("Notion-Version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !KNOWN_VERSIONS.contains(&version) {
        state.counters.served(&route);
        return Ok(req.error_response(ApiError::missing_version()));
    }
    let bearer = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if bearer.is_empty() || !state.tokens().is_valid(&bearer) {
        state.counters.served(&route);
        return Ok(req.error_response(ApiError::unauthorized()));
    }
    if let Err(wait) = state.limits.admit(&bearer) {
        state.counters.rate_limited();
        return Ok(req.error_response(ApiError::rate_limited(wait)));
    }
    state.counters.served(&route);
    if let Some(fault) = state.limits.fault() {
        state.counters.fault();
        let error = fault_error(&req, fault);
        return Ok(req.error_response(error));
    }
    req.extensions_mut().insert(Bearer(bearer));
    next.call(req).await
}

fn fault_error(req: &ServiceRequest, fault: Fault) -> ApiError {
    match fault {
        Fault::Status408 => ApiError::new(408, "request_timeout", "Request Timeout"),
        Fault::Status500 => {
            ApiError::new(500, "internal_server_error", "Unexpected error occurred.")
        }
        Fault::Status502 => ApiError::new(502, "bad_gateway", "Bad gateway."),
        Fault::Status503 => ApiError::new(
            503,
            "service_unavailable",
            "Notion is unavailable, please try again later.",
        ),
        Fault::Status504 => ApiError::new(
            504,
            "gateway_timeout",
            "Notion timed out while processing the request.",
        ),
        Fault::Overloaded529 => ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                529,
                "service_overload",
                "Notion is overloaded, please try again later.",
            )
        },
        Fault::Drop => {
            cut_connection(req);
            // Never delivered: the socket is already shut down.
            ApiError::new(500, "internal_server_error", "Connection dropped.")
        }
    }
}

/// Shuts the client's socket down in both directions, so the client sees the connection
/// close without any response (actix itself always writes a response).
#[cfg(unix)]
fn cut_connection(req: &ServiceRequest) {
    use std::mem::ManuallyDrop;
    use std::net::{Shutdown, TcpStream};
    use std::os::fd::FromRawFd;

    if let Some(ConnFd(fd)) = req.conn_data::<ConnFd>().copied() {
        // SAFETY: the fd belongs to the live connection this request arrived on; ManuallyDrop
        // keeps us from closing it, actix still owns it and closes it after the failed write.
        #[expect(unsafe_code, reason = "borrows the live connection's fd, see SAFETY")]
        let stream = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(fd) });
        let _ = stream.shutdown(Shutdown::Both);
    }
}

#[cfg(not(unix))]
fn cut_connection(_req: &ServiceRequest) {}

/// Records each connection's fd for `cut_connection`.
pub fn on_connect(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    #[cfg(unix)]
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        use std::os::fd::AsRawFd;
        data.insert(ConnFd(stream.as_raw_fd()));
    }
    #[cfg(not(unix))]
    let _ = (connection, data);
}
