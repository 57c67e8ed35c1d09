//! The public embed routes, at the root: the page (`/embed/{token}`), its data documents, the
//! viewer's files and oEmbed. Anyone holding a live link may read them; they set no cookie,
//! take no credentials and change nothing. The page may be framed by `embed_frame_ancestors`
//! only (CSP `frame-ancestors`, no `X-Frame-Options`); every other response keeps the default
//! `frame-ancestors 'none'`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::assets;
use super::documents::{self, Document};
use super::page;
use super::service::{self, EmbedError};
use super::versions as version_stream;
use crate::error::{AppError, Code};
use crate::modules::graph::http::{IMMUTABLE, REVALIDATE, Representation};
use crate::sse;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(
        embed_page,
        graph_bin,
        labels_json,
        static_svg,
        preview_png,
        versions,
        oembed
    ),
    components(schemas(OEmbed))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(assets::FILES.resource())
        .service(embed_page)
        .service(graph_bin)
        .service(labels_json)
        .service(static_svg)
        .service(preview_png)
        .service(versions)
        .service(oembed);
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct Pinned {
    /// The snapshot the page was rendered with; when it is still the one shown, the answer
    /// may be cached for a year (`private`: a shared cache would outlive a revocation).
    v: Option<String>,
}

/// The embed page: the WebGL viewer, or the static preview where WebGL is missing.
#[utoipa::path(params(("token" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 404, content_type = "text/html", body = String, description = "Unknown, revoked or expired link")))]
#[get("/embed/{token}")]
async fn embed_page(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let html = match page_for(&state, &token).await {
        Ok(html) => HttpResponse::Ok().body(html),
        Err(EmbedError::UnknownShare(_)) => {
            let mut gone = HttpResponse::NotFound().body(page::gone()?);
            gone.extensions_mut().insert(Code::UnknownShare);
            gone
        }
        Err(other) => return Err(other.into()),
    };
    Ok(framable(&state, html))
}

async fn page_for(state: &AppState, token: &str) -> Result<String, EmbedError> {
    let (id, share) = service::resolve(state, token).await?;
    crate::modules::analytics::track_share(
        state,
        &id,
        crate::modules::analytics::Event::EmbedViewed,
    );
    let graph = documents::document(state, &share, Document::Graph).await?;
    let plan = crate::modules::payments::entitlements(state, &share.tenant)
        .await?
        .plan;
    Ok(page::render(
        state,
        token,
        &share,
        &graph.meta,
        plan.embed_badge,
    )?)
}

/// An HTML answer that the configured parents may frame, and the dashboard's share page (on
/// this origin, for its live preview).
fn framable(state: &AppState, mut response: HttpResponse) -> HttpResponse {
    let ancestors = state.settings.server.embed_frame_ancestors.join(" ");
    let ancestors = format!("'self' {ancestors}");
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    );
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The share's graph in the `bin` format (web/embed/FORMAT.md), precompressed.
#[utoipa::path(params(("token" = String, Path), Pinned),
    responses((status = 200, content_type = "application/vnd.notion-graph.bin", body = Vec<u8>),
        (status = 304, description = "`If-None-Match` matched the strong ETag"), (status = 400), (status = 404)))]
#[get("/embed/{token}/graph.bin")]
async fn graph_bin(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Pinned>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve(
        &state,
        &token,
        Document::Graph,
        query.v.as_deref(),
        &request,
    )
    .await
}

/// Titles, ids and Notion URLs by node (none of them when the share hides titles).
#[utoipa::path(params(("token" = String, Path), Pinned),
    responses((status = 200, body = Object), (status = 304, description = "`If-None-Match` matched the strong ETag"),
        (status = 400), (status = 404)))]
#[get("/embed/{token}/labels.json")]
async fn labels_json(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Pinned>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve(
        &state,
        &token,
        Document::Labels,
        query.v.as_deref(),
        &request,
    )
    .await
}

/// The summary view as an SVG with its top labels: the fallback without WebGL.
#[utoipa::path(params(("token" = String, Path), Pinned),
    responses((status = 200, content_type = "image/svg+xml", body = String),
        (status = 304, description = "`If-None-Match` matched the strong ETag"), (status = 400), (status = 404)))]
#[get("/embed/{token}/static.svg")]
async fn static_svg(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Pinned>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve(
        &state,
        &token,
        Document::Preview,
        query.v.as_deref(),
        &request,
    )
    .await
}

/// The same picture as a PNG without labels: the link-preview image (Open Graph, oEmbed),
/// since link previewers do not take SVG.
#[utoipa::path(params(("token" = String, Path), Pinned),
    responses((status = 200, content_type = "image/png", body = Vec<u8>),
        (status = 304, description = "`If-None-Match` matched the strong ETag"), (status = 400), (status = 404)))]
#[get("/embed/{token}/preview.png")]
async fn preview_png(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Pinned>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve(
        &state,
        &token,
        Document::PreviewPng,
        query.v.as_deref(),
        &request,
    )
    .await
}

/// Server-Sent Events: `version` (`{"version", "created_at"}`) with the newest snapshot at
/// once and whenever a newer one is built, on any instance; a comment at least every 25 s.
/// A share pinning a version answers 204 (an `EventSource` then stops asking).
#[utoipa::path(params(("token" = String, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String),
        (status = 204, description = "The share pins a version"), (status = 404)))]
#[get("/embed/{token}/versions")]
async fn versions(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some(events) = version_stream::stream(&state, &token).await? else {
        return Ok(HttpResponse::NoContent().finish());
    };
    Ok(sse::response(&state.lifecycle, events))
}

async fn serve(
    state: &AppState,
    token: &str,
    document: Document,
    pinned: Option<&str>,
    request: &HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (_, share) = service::resolve(state, token).await?;
    let rendered = documents::document(state, &share, document).await?;
    let cache_control = match pinned == Some(rendered.meta.body.as_str()) {
        true => IMMUTABLE,
        false => REVALIDATE,
    };
    let representation = Representation::negotiate(request, &rendered.validator, cache_control);
    Ok(representation
        .not_modified(request)
        .unwrap_or_else(|| representation.body(&rendered.bodies)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct OEmbedQuery {
    /// An embed page URL (`.../embed/<token>`).
    url: String,
    /// `json` only.
    #[param(pattern = "^json$")]
    format: Option<String>,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
}

/// An oEmbed 1.0 `rich` answer: an iframe of the embed page and its preview image.
#[derive(Serialize, ToSchema)]
struct OEmbed {
    version: &'static str,
    r#type: &'static str,
    title: String,
    provider_name: &'static str,
    provider_url: String,
    html: String,
    width: u32,
    height: u32,
    thumbnail_url: String,
    thumbnail_width: u32,
    thumbnail_height: u32,
    cache_age: u32,
}

/// oEmbed for link previews (Notion, Slack and others): the iframe of an embed URL.
#[utoipa::path(params(OEmbedQuery),
    responses((status = 200, body = OEmbed), (status = 501, description = "A format other than json"),
        (status = 404, description = "Not an embed URL of a live share link")))]
#[get("/oembed")]
async fn oembed(
    state: web::Data<AppState>,
    query: web::Query<OEmbedQuery>,
) -> Result<HttpResponse, AppError> {
    if query.format.as_deref().is_some_and(|f| f != "json") {
        return Err(AppError::new(
            Code::UnsupportedFormat,
            "`format`: only json is offered; ask with format=json or leave it out",
        ));
    }
    let token = service::token_in(&query.url)
        .ok_or_else(|| AppError::new(Code::UnknownShare, "`url` is not an embed link"))?;
    let (_, share) = service::resolve(&state, token).await?;
    let width = query.maxwidth.unwrap_or(800).clamp(200, 1600);
    let height = query.maxheight.unwrap_or(500).clamp(150, 1200);
    let url = service::embed_url(&state, token);
    Ok(HttpResponse::Ok().json(OEmbed {
        version: "1.0",
        r#type: "rich",
        title: share.name,
        provider_name: "notion-graph",
        provider_url: state.settings.public_url(),
        html: format!(
            r#"<iframe src="{url}" width="{width}" height="{height}" style="border:0" loading="lazy" title="Graph of linked pages"></iframe>"#
        ),
        width,
        height,
        thumbnail_url: format!("{url}/preview.png"),
        thumbnail_width: 800,
        thumbnail_height: 500,
        cache_age: 3600,
    }))
}
