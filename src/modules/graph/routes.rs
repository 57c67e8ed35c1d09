//! The graph API under `/api/v1/workspaces/{id}`, tenant-scoped: every route goes through
//! [`workspace_for`] first, so another user's workspace answers 404 whatever else is wrong.
//! Views are served with the caching of [`super::http`]; parameters are read by
//! [`super::query`], which names the one that is wrong.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::builds::{self, BuildReason, BuildState, BuildView};
use super::http::{IMMUTABLE, REVALIDATE, Representation, revalidated_json};
use super::model::SnapshotMeta;
use super::pages::{self, PageDetail, PageLink, PageMetrics, PageSummary};
use super::query::{GraphQuery, bounded, version};
use super::service::service;
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;
use crate::modules::auth::model::rfc3339;
use crate::modules::sync::service::workspace_for;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(
        graph,
        versions,
        diff,
        start_build,
        list_builds,
        show_build,
        search_pages,
        page
    ),
    components(schemas(
        Versions,
        Version,
        BuildView,
        BuildState,
        BuildReason,
        PageList,
        PageSummary,
        PageDetail,
        PageMetrics,
        PageLink
    ))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(graph)
        .service(versions)
        .service(diff)
        .service(start_build)
        .service(list_builds)
        .service(show_build)
        .service(search_pages)
        .service(page);
}

/// One view of the workspace's graph (the newest snapshot, or `version`), in one format.
/// Bodies are compressed in advance (zstd, brotli or gzip, as `Accept-Encoding` allows); each
/// snapshot, view and encoding has its own strong `ETag`. A workspace without a snapshot gets
/// its first one built in the request, under the build lease the build jobs take (it waits for
/// a build running now and answers with its snapshot).
#[utoipa::path(params(("id" = String, Path), GraphQuery),
    responses(
        (status = 200, description = "The view; `Cache-Control` is `no-cache` for the newest snapshot and `immutable` for a named `version`",
            content((Object = "application/json"), (String = "application/gexf+xml"),
                (String = "application/graphml+xml"), (String = "application/vnd.notion-graph.bin"))),
        (status = 304, description = "`If-None-Match` names this representation"),
        (status = 400, description = "A parameter is wrong (`invalid_view`, `invalid_format`, `invalid_depth`, `invalid_limit`, `invalid_query`, `ambiguous_page`); `parameter` names it"),
        (status = 401),
        (status = 404, description = "No such workspace (`unknown_workspace`), version (`unknown_snapshot`) or page (`unknown_page`)"),
        (status = 409, description = "No snapshot yet, and a build held the lease for longer than its lifetime (`workspace_busy`)")))]
#[get("/workspaces/{id}/graph")]
async fn graph(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<GraphQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let export = query.request()?;
    let graphs = service(&state);
    let snapshot = graphs.current(&workspace, export.version).await?;
    let caching = if export.version.is_some() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let representation = Representation::negotiate(&request, &export.key(&snapshot.meta), caching);
    if let Some(unchanged) = representation.not_modified(&request) {
        return Ok(unchanged);
    }
    let bodies = graphs.rendered(&snapshot, &export).await?;
    Ok(representation.body(&bodies))
}

/// The stored snapshots of a workspace, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Versions {
    /// The newest version; `null` before the first build.
    pub latest: Option<u64>,
    pub versions: Vec<Version>,
}

/// What one snapshot holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Version {
    pub version: u64,
    pub created_at: String,
    pub nodes: u64,
    pub links: u64,
    pub communities: u64,
    pub modularity: f64,
    /// How far the layout moved from the version before (relative to its extent).
    pub mean_displacement: Option<f64>,
}

impl From<&SnapshotMeta> for Version {
    fn from(meta: &SnapshotMeta) -> Self {
        Self {
            version: meta.version,
            created_at: rfc3339(meta.created_at),
            nodes: meta.node_count,
            links: meta.link_count,
            communities: meta.community_count,
            modularity: meta.modularity,
            mean_displacement: meta.mean_displacement,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct VersionsQuery {
    /// 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// The workspace's stored snapshots, newest first. Cheap to poll: its weak `ETag` changes
/// only when a new version is stored, so `If-None-Match` answers 304 until then.
#[utoipa::path(params(("id" = String, Path), VersionsQuery),
    responses((status = 200, body = Versions), (status = 304, description = "No new version since this `ETag`"),
        (status = 400, description = "`limit` is out of range"), (status = 401), (status = 404)))]
#[get("/workspaces/{id}/graph/versions")]
async fn versions(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<VersionsQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let limit = bounded(
        "limit",
        query.limit.as_deref(),
        20,
        1,
        100,
        Code::InvalidLimit,
    )?;
    let metas = service(&state).versions(&workspace, limit).await?;
    let validator = format!(
        "versions:{limit}:{}",
        metas.first().map_or("none", |m| m.body.as_str())
    );
    let document = Versions {
        latest: metas.first().map(|m| m.version),
        versions: metas.iter().map(Version::from).collect(),
    };
    Ok(revalidated_json(&request, &validator, &document))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DiffQuery {
    /// The older version (default: the one before `to`).
    from: Option<String>,
    /// The newer version (default: the newest).
    to: Option<String>,
}

/// What changed between two snapshots: nodes and links added and removed, new orphans, and
/// links that now point to a trashed or unreadable page.
#[utoipa::path(params(("id" = String, Path), DiffQuery),
    responses((status = 200, body = Object, description = "`{from, to, added_nodes, removed_nodes, added_links, removed_links, new_orphans, broken_links}`; links are `{source, target, kind}`"),
        (status = 400, description = "`from` or `to` is not a version number"), (status = 401),
        (status = 404, description = "No such workspace or version")))]
#[get("/workspaces/{id}/graph/diff")]
async fn diff(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, AppError> {
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let from = version("from", query.from.as_deref())?;
    let to = version("to", query.to.as_deref())?;
    let diff = service(&state).diff(&workspace, from, to).await?;
    Ok(HttpResponse::Ok().json(diff))
}

/// Queues a build of the workspace's graph now. It takes up every build waiting (those that
/// syncs asked for); if the graph has not changed, it stores no new version and names the
/// newest (`unchanged`).
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 202, body = BuildView, description = "Queued; `Location` is the build, to poll until `completed`"),
        (status = 401), (status = 404)))]
#[post("/workspaces/{id}/graph/builds")]
async fn start_build(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let (build, record) = builds::request(&state, &workspace, BuildReason::Request).await?;
    let location = format!("/api/v1/workspaces/{workspace}/graph/builds/{build}");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location))
        .json(BuildView::of(build, record)))
}

/// The workspace's recent builds (a week of them), newest first.
#[utoipa::path(params(("id" = String, Path), VersionsQuery),
    responses((status = 200, body = [BuildView]), (status = 400, description = "`limit` is out of range"),
        (status = 401), (status = 404)))]
#[get("/workspaces/{id}/graph/builds")]
async fn list_builds(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<VersionsQuery>,
) -> Result<HttpResponse, AppError> {
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let limit = bounded(
        "limit",
        query.limit.as_deref(),
        20,
        1,
        100,
        Code::InvalidLimit,
    )?;
    let recent = builds::recent(&state.store, &workspace, limit).await?;
    Ok(HttpResponse::Ok().json(recent))
}

/// One build: queued, running, completed (with the version that answers it) or failed.
#[utoipa::path(params(("id" = String, Path), ("build" = String, Path)),
    responses((status = 200, body = BuildView), (status = 401),
        (status = 404, description = "No such workspace or build (`unknown_build`)")))]
#[get("/workspaces/{id}/graph/builds/{build}")]
async fn show_build(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, build) = path.into_inner();
    let workspace = workspace_for(&state, &user, &id).await?.id;
    match builds::get(&state.store, &workspace, &build).await? {
        Some(record) => Ok(HttpResponse::Ok().json(BuildView::of(build, record))),
        None => Err(AppError::new(
            Code::UnknownBuild,
            format!("no graph build `{build}` of this workspace"),
        )),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PagesQuery {
    /// Text the title contains (any case); every page when left out.
    q: Option<String>,
    /// 1 to 200 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A stored snapshot version instead of the newest.
    version: Option<String>,
}

/// Pages found by a search, from one snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageList {
    pub version: u64,
    pub pages: Vec<PageSummary>,
}

/// Pages whose title contains `q`, highest PageRank first.
#[utoipa::path(params(("id" = String, Path), PagesQuery),
    responses((status = 200, body = PageList), (status = 400, description = "`limit` or `version` is wrong"),
        (status = 401), (status = 404, description = "No such workspace or version"), (status = 409, description = "No snapshot yet, and a build held the lease for longer than its lifetime (`workspace_busy`)")))]
#[get("/workspaces/{id}/pages")]
async fn search_pages(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<PagesQuery>,
) -> Result<HttpResponse, AppError> {
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let limit = bounded(
        "limit",
        query.limit.as_deref(),
        20,
        1,
        200,
        Code::InvalidLimit,
    )?;
    let version = version("version", query.version.as_deref())?;
    let snapshot = service(&state).current(&workspace, version).await?;
    let found = pages::search(&snapshot, query.q.as_deref().unwrap_or(""), limit);
    Ok(HttpResponse::Ok().json(PageList {
        version: snapshot.meta.version,
        pages: found,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// A stored snapshot version instead of the newest.
    version: Option<String>,
}

/// One page (a Notion id, with or without dashes, or an exact title): its metrics and every
/// link in and out, with the link's kind and the block it was found in.
#[utoipa::path(params(("id" = String, Path), ("page" = String, Path), PageQuery),
    responses((status = 200, body = PageDetail), (status = 400, description = "`version` is wrong, or the title names several pages (`ambiguous_page`)"),
        (status = 401), (status = 404, description = "No such workspace, version or page"), (status = 409, description = "No snapshot yet, and a build held the lease for longer than its lifetime (`workspace_busy`)")))]
#[get("/workspaces/{id}/pages/{page}")]
async fn page(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, page) = path.into_inner();
    let workspace = workspace_for(&state, &user, &id).await?.id;
    let version = version("version", query.version.as_deref())?;
    let snapshot = service(&state).current(&workspace, version).await?;
    let detail = pages::detail(&snapshot, &page)?;
    Ok(HttpResponse::Ok().json(detail))
}
