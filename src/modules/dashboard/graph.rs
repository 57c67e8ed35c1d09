//! The graph page (`/workspaces/{id}/graph`): the embed viewer (`web/embed/viewer/`) full
//! screen for the workspace's owner, reading the graph API (`format=bin` and `format=labels`,
//! with the session), beside a side panel: communities (the viewer's legend), hubs, orphans,
//! bridges, what changed since the previous snapshot (listed here, ringed in the viewer from the
//! graph API's diff when asked), the page inspector (filled from `GET pages/{page}` by
//! `web/dashboard/graph.js`), "share this view" (the shares page's form filled from the
//! viewer's state) and downloads (the graph API's formats, here the whole graph as an SVG
//! picture, drawn as the embed's static preview is, and the viewer's own PNG of what it shows).

use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::signed_in;
use super::view::{Chrome, PageError, page};
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::embed;
use crate::modules::graph::bin::{Labels, Packed};
use crate::modules::graph::http::{REVALIDATE, Representation};
use crate::modules::graph::metrics::display_title;
use crate::modules::graph::views::{self, ViewError};
use crate::modules::graph::{self, GraphError, Snapshot, SnapshotDiff, ViewRequest};
use crate::modules::sync::service::workspace_for;
use crate::state::AppState;

/// Entries a list of the panel shows (the rest are counted).
const LISTED: usize = 12;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(svg_download).service(thumbnail);
}

/// A page named in the panel.
pub struct PageRef {
    pub id: String,
    pub title: String,
}

/// A list of the panel: its first entries and how many there are.
pub struct Listed<T> {
    pub shown: Vec<T>,
    pub total: usize,
}

impl<T> Listed<T> {
    fn of(all: impl ExactSizeIterator<Item = T>) -> Self {
        let total = all.len();
        Listed {
            shown: all.take(LISTED).collect(),
            total,
        }
    }

    pub fn more(&self) -> usize {
        self.total - self.shown.len()
    }
}

/// What changed from the snapshot before the newest to the newest.
pub struct Changes {
    pub from: u64,
    pub added: Listed<PageRef>,
    /// Pages still there whose links were added or removed.
    pub relinked: Listed<PageRef>,
    pub removed: usize,
    pub added_links: usize,
    pub removed_links: usize,
    pub new_orphans: Listed<PageRef>,
    pub broken_links: usize,
}

impl Changes {
    pub fn nothing(&self) -> bool {
        self.added.total + self.removed + self.added_links + self.removed_links == 0
            && self.new_orphans.total + self.broken_links == 0
    }
}

/// The panel's lists, from one snapshot (and its diff with the one before, when kept).
pub struct Panel {
    pub version: u64,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub nodes: u64,
    pub links: u64,
    pub hubs: Listed<PageRef>,
    pub orphans: Listed<PageRef>,
    pub bridges: Listed<(PageRef, PageRef)>,
    pub changes: Option<Changes>,
}

fn page_ref(snapshot: &Snapshot, at: u32) -> PageRef {
    let node = &snapshot.graph.nodes[at as usize];
    PageRef {
        id: node.id.clone(),
        title: display_title(&node.title, &node.id).to_owned(),
    }
}

impl Panel {
    pub fn new(snapshot: &Snapshot, diff: Option<&SnapshotDiff>) -> Self {
        let metrics = &snapshot.metrics;
        let named = |list: &[u32]| Listed::of(list.iter().map(|&at| page_ref(snapshot, at)));
        Panel {
            version: snapshot.meta.version,
            created_at: snapshot.meta.created_at,
            nodes: snapshot.meta.node_count,
            links: snapshot.meta.link_count,
            hubs: named(&metrics.hubs),
            orphans: named(&metrics.orphans),
            bridges: Listed::of(
                metrics
                    .bridges
                    .iter()
                    .map(|&(u, v)| (page_ref(snapshot, u), page_ref(snapshot, v))),
            ),
            changes: diff.map(|diff| Changes::new(snapshot, diff)),
        }
    }
}

impl Changes {
    fn new(snapshot: &Snapshot, diff: &SnapshotDiff) -> Self {
        let index: HashMap<&str, u32> = (0..)
            .zip(&snapshot.graph.nodes)
            .map(|(at, node)| (node.id.as_str(), at))
            .collect();
        let named = |ids: &[String]| {
            let found: Vec<PageRef> = ids
                .iter()
                .filter_map(|id| index.get(id.as_str()).map(|&at| page_ref(snapshot, at)))
                .collect();
            Listed::of(found.into_iter())
        };
        Changes {
            from: diff.from,
            added: named(&diff.added_nodes),
            relinked: named(&relinked(diff)),
            removed: diff.removed_nodes.len(),
            added_links: diff.added_links.len(),
            removed_links: diff.removed_links.len(),
            new_orphans: named(&diff.new_orphans),
            broken_links: diff.broken_links.len(),
        }
    }
}

/// The ends of the links `diff` added or removed, less the pages it added, in id order: the
/// same pages the viewer rings as "links changed" (`web/embed/viewer/marks.js`). Ids the newer
/// snapshot does not hold are dropped by the caller.
fn relinked(diff: &SnapshotDiff) -> Vec<String> {
    let added: BTreeSet<&str> = diff.added_nodes.iter().map(String::as_str).collect();
    let ends: BTreeSet<&str> = (diff.added_links.iter().chain(&diff.removed_links))
        .flat_map(|link| [link.source.as_str(), link.target.as_str()])
        .filter(|id| !added.contains(id))
        .collect();
    ends.into_iter().map(str::to_owned).collect()
}

#[derive(Template)]
#[template(path = "dashboard/graph.html")]
struct GraphPage {
    chrome: Chrome,
    id: String,
    name: String,
    viewer: &'static str,
    panel: Panel,
}

#[get("/workspaces/{id}/graph")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let connection = workspace_for(&state, &user, &id).await?;
    crate::modules::analytics::track(
        &state,
        user.id(),
        crate::modules::analytics::Event::GraphViewed,
    );
    let graphs = graph::service(&state);
    let snapshot = graphs
        .current(&connection.id, None)
        .await
        .map_err(AppError::from)?;
    let diff = previous_diff(&graphs, &snapshot).await?;
    let body = GraphPage {
        chrome: Chrome::new(&request, Some(&user)),
        panel: Panel::new(&snapshot, diff.as_ref()),
        id: connection.id,
        name: connection.name,
        viewer: embed::assets::base(),
    };
    page(&request, StatusCode::OK, &body)
}

/// The diff from the version before `snapshot`; none for a first version or when the one
/// before is no longer kept.
async fn previous_diff(
    graphs: &graph::GraphService,
    snapshot: &Snapshot,
) -> Result<Option<SnapshotDiff>, AppError> {
    let (workspace, version) = (&snapshot.meta.workspace, snapshot.meta.version);
    if version <= 1 {
        return Ok(None);
    }
    match graphs
        .diff(workspace, Some(version - 1), Some(version))
        .await
    {
        Ok(diff) => Ok(Some(diff)),
        Err(GraphError::UnknownVersion(..)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The whole graph as an SVG picture with its largest labels, as a download.
#[get("/workspaces/{id}/graph.svg")]
async fn svg_download(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let connection = workspace_for(&state, &user, &id).await?;
    let snapshot = graph::service(&state)
        .current(&connection.id, None)
        .await
        .map_err(AppError::from)?;
    let name = connection.name.clone();
    let picture = web::block(move || -> Result<String, ViewError> {
        let view = views::view(&snapshot, &ViewRequest::Full)?;
        let labels = Labels::from_view(&snapshot, &view);
        Ok(embed::svg::render(
            &name,
            &Packed::from_view(&snapshot, &view),
            &labels,
        ))
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(|error| AppError::from(GraphError::from(error)))?;
    let file = format!("attachment; filename=\"{}.svg\"", connection.id);
    Ok(HttpResponse::Ok()
        .content_type(embed::svg::CONTENT_TYPE)
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, file))
        .body(picture))
}

/// The picture of the graph on the workspace's card (home page): its summary as a PNG,
/// rendered once per snapshot; a browser revalidates it (a 304) until a newer one is built.
#[get("/workspaces/{id}/thumbnail.png")]
async fn thumbnail(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let connection = workspace_for(&state, &user, &id).await?;
    let picture = embed::documents::thumbnail(&state, &connection.id)
        .await
        .map_err(AppError::from)?;
    let representation = Representation::negotiate(&request, &picture.validator, REVALIDATE);
    Ok(representation
        .not_modified(&request)
        .unwrap_or_else(|| representation.body(&picture.bodies)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::graph::LinkKind;
    use crate::modules::graph::model::LinkRef;

    fn link(source: &str, target: &str) -> LinkRef {
        LinkRef {
            source: source.into(),
            target: target.into(),
            kind: LinkKind::PageMention,
        }
    }

    #[test]
    fn pages_whose_links_changed_are_the_ends_of_changed_links_less_the_added_pages() {
        let diff = SnapshotDiff {
            added_nodes: vec!["new".into()],
            added_links: vec![link("a", "new"), link("a", "b")],
            removed_links: vec![link("c", "gone")],
            ..SnapshotDiff::default()
        };
        assert_eq!(relinked(&diff), ["a", "b", "c", "gone"]);
    }
}
