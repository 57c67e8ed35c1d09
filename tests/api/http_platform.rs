//! The HTTP platform every route shares: problem+json errors, request ids, security headers,
//! CORS, compression, OpenAPI and Swagger UI.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use crate::helpers::{ADMIN_TOKEN, Mode, TestApp, json, spawn_app, spawn_app_with};

async fn embedded() -> TestApp {
    spawn_app(Mode::Embedded)
        .await
        .expect("embedded mode needs no service")
}

async fn assert_problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body = json(response).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["type"].as_str().unwrap().ends_with(code));
    assert!(!body["detail"].as_str().unwrap().is_empty());
    body
}

fn admin_post(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.client.post(app.url(path)).bearer_auth(ADMIN_TOKEN)
}

#[tokio::test]
async fn malformed_json_is_a_problem_that_names_what_is_wrong() {
    let app = embedded().await;
    let send = |body: &'static str| {
        admin_post(&app, "/api/admin/canaries")
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };
    let body = assert_problem(
        send("{not json").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("line 1"),
        "{body}"
    );
    let body = assert_problem(
        send(r#"{"sleep_ms": "slow"}"#).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("sleep_ms")
            || body["detail"].as_str().unwrap().contains("string"),
        "{body}"
    );
    let body = assert_problem(
        send(r#"{"colour": 1}"#).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("colour"),
        "{body}"
    );
    let wrong_type = admin_post(&app, "/api/admin/canaries")
        .header(CONTENT_TYPE, "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(
        wrong_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app_with(Mode::Embedded, |s| s.server.max_body_bytes = 1024)
        .await
        .unwrap();
    let big = format!(r#"{{"id": "{}"}}"#, "x".repeat(4096));
    let response = admin_post(&app, "/api/admin/canaries")
        .header(CONTENT_TYPE, "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    app.stop().await;
}

#[tokio::test]
async fn bad_query_parameters_are_problems() {
    let app = embedded().await;
    let response = app.admin_get("/api/admin/jobs/dead?limit=lots").await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    let response = app.admin_get("/api/admin/jobs/dead?limit=0").await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_limit").await;
    let response = app.admin_get("/api/admin/jobs/dead?after=garbage").await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = embedded().await;
    assert_problem(
        app.get("/no/such/page").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = app.client.delete(app.url("/livez")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    assert_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    // RFC 9110: a 405 names the methods the path does accept.
    let path = app.url("/api/v1/workspaces/some-id");
    let response = app.client.put(path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "DELETE, GET, PATCH");
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = embedded().await;
    let generated = app.get("/livez").await;
    let id = generated
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(id.len() >= 16, "{id}");
    let echoed = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers().get("x-request-id").unwrap(), "trace-123");
    let hostile = app
        .client
        .get(app.url("/livez"))
        .header("x-request-id", "a b<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(
        hostile.headers().get("x-request-id").unwrap(),
        "a b<script>"
    );
    app.stop().await;
}

fn assert_security_headers(headers: &HeaderMap) {
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
    assert!(headers.get("referrer-policy").is_some());
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn security_headers_are_on_every_response_and_hsts_when_asked() {
    let app = embedded().await;
    for path in ["/livez", "/nowhere", "/api/openapi.json"] {
        let response = app.get(path).await;
        assert_security_headers(response.headers());
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "no HSTS in embedded mode"
        );
    }
    app.stop().await;
    let app = spawn_app_with(Mode::Embedded, |s| s.server.hsts = Some(true))
        .await
        .unwrap();
    let hsts = app
        .get("/livez")
        .await
        .headers()
        .get("strict-transport-security")
        .cloned();
    assert!(hsts.unwrap().to_str().unwrap().starts_with("max-age="));
    app.stop().await;
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/api/admin/jobs/dead"))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_is_closed_unless_an_origin_is_configured() {
    let app = embedded().await;
    let response = preflight(&app, "https://evil.example").await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    app.stop().await;
    let app = spawn_app_with(Mode::Embedded, |s| {
        s.server.cors_allowed_origins = vec!["https://app.example".into()]
    })
    .await
    .unwrap();
    let allowed = preflight(&app, "https://app.example").await;
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://app.example"
    );
    let refused = preflight(&app, "https://evil.example").await;
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = embedded().await;
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .build()
        .unwrap();
    let response = raw
        .get(app.url("/api/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("content-encoding").unwrap(), "gzip");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served_from_the_binary() {
    let app = embedded().await;
    let document = json(app.get("/api/openapi.json").await).await;
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/livez",
        "/readyz",
        "/metrics",
        "/api/admin/jobs/dead",
        "/api/admin/canaries",
    ] {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let ui = app.get("/api/docs/").await;
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(ui.text().await.unwrap().to_lowercase().contains("swagger"));
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = redirect.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.headers().get("location").unwrap(), "/api/docs/");
    let bundle = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
    app.stop().await;
}

/// A templated path with `x` for each `{parameter}`.
fn with_parameters(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The admin scope is guarded once, so no admin route (present or future) can forget it.
#[tokio::test]
async fn every_admin_route_refuses_a_caller_without_the_admin_token() {
    let app = embedded().await;
    let document = json(app.get("/api/openapi.json").await).await;
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/api/admin/") {
            continue;
        }
        let concrete = with_parameters(path);
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .unwrap();
            assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
            let wrong = app
                .client
                .request(method, app.url(&concrete))
                .bearer_auth("not-the-token")
                .send()
                .await
                .unwrap();
            assert_problem(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} admin operations documented");
    let unknown = app.get("/api/admin/no-such-thing").await;
    assert_problem(unknown, StatusCode::UNAUTHORIZED, "unauthorized").await;
    app.stop().await;
}

#[tokio::test]
async fn refused_webhook_deliveries_are_counted_by_source() {
    let app = embedded().await;
    let notion = app
        .client
        .post(app.url("/api/webhooks/notion"))
        .header("content-type", "application/json")
        .header("X-Notion-Signature", "sha256=00")
        .body(r#"{"id":"e1","type":"page.content_updated"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(notion.status(), StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        let stripe = app
            .client
            .post(app.url("/api/webhooks/stripe"))
            .header("content-type", "application/json")
            .body(r#"{"id":"evt_1","type":"invoice.paid","data":{"object":{}}}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(stripe.status(), StatusCode::BAD_REQUEST);
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    for line in [
        r#"notion_graph_webhook_rejections_total{source="notion"} 1"#,
        r#"notion_graph_webhook_rejections_total{source="stripe"} 2"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn requests_are_counted_by_route_and_status() {
    let app = embedded().await;
    app.get("/livez").await;
    app.get("/no/such/page").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains(
            r#"notion_graph_http_requests_total{method="GET",route="/livez",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains("notion_graph_http_request_duration_seconds_bucket"),
        "{text}"
    );
    app.stop().await;
}
