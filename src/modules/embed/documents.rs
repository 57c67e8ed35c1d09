//! What an embed serves besides its page: the graph in the `bin` format, its labels and the
//! static preview, each rendered once per snapshot and share view, compressed, and cached in
//! the graph service (a share's view, not the share, is the cache key: revoking needs no purge).

use std::collections::HashSet;
use std::sync::Arc;

use super::model::{Preset, PresetView, Share};
use super::service::EmbedError;
use super::{png, svg};
use crate::modules::graph::bin::{self, Labels, Packed};
use crate::modules::graph::export::render;
use crate::modules::graph::views::{self, View, ViewError, ViewNode};
use crate::modules::graph::{
    self, Bodies, Format, GraphError, Snapshot, SnapshotMeta, ViewRequest,
};
use crate::state::AppState;

/// Pages the static preview labels beside its communities.
const PREVIEW_TOP: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// `graph.bin`: the share's view as typed arrays (web/embed/FORMAT.md).
    Graph,
    /// `labels.json`: titles, ids and URLs by node, anonymised when titles are hidden.
    Labels,
    /// `static.svg`: the summary view with its top labels.
    Preview,
    /// `preview.png`: the same picture without labels, for link previews.
    PreviewPng,
}

impl Document {
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Graph => "graph.bin",
            Self::Labels => "labels.json",
            Self::Preview => "static.svg",
            Self::PreviewPng => "preview.png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Graph => bin::CONTENT_TYPE,
            Self::Labels => "application/json",
            Self::Preview => svg::CONTENT_TYPE,
            Self::PreviewPng => png::CONTENT_TYPE,
        }
    }
}

/// A rendered document of a share, with the snapshot it shows and a validator naming its
/// bytes (snapshot build, view, titles setting and name).
pub struct Rendered {
    pub meta: SnapshotMeta,
    pub bodies: Arc<Bodies>,
    pub validator: String,
}

/// `document` of `share`, from its pinned snapshot or the newest (built if there is none).
pub async fn document(
    state: &AppState,
    share: &Share,
    document: Document,
) -> Result<Rendered, EmbedError> {
    let service = graph::service(state);
    let snapshot = service
        .current(&share.workspace, share.preset.version)
        .await?;
    let (preset, title) = (share.preset.clone(), share.name.clone());
    let validator = format!(
        "{}:embed:{}:{}:{}:{title}",
        snapshot.meta.body,
        document.file_name(),
        serde_json::to_string(&preset.view_request()).expect("a view request serializes"),
        preset.hide_titles
    );
    let bodies = service
        .document(
            &snapshot,
            validator.clone(),
            document.content_type(),
            move |snapshot| write(document, &preset, &title, snapshot),
        )
        .await?;
    Ok(Rendered {
        meta: snapshot.meta.clone(),
        bodies,
        validator,
    })
}

fn write(
    document: Document,
    preset: &Preset,
    title: &str,
    snapshot: &Snapshot,
) -> Result<Vec<u8>, ViewError> {
    match document {
        Document::Graph => render(snapshot, &preset.view_request(), Format::Bin, false),
        Document::Labels => {
            let view = views::view(snapshot, &preset.view_request())?;
            let labels = public(snapshot, &view, preset);
            Ok(serde_json::to_vec(&labels).expect("labels serialize"))
        }
        Document::Preview => {
            let view = views::view(snapshot, &preview_view(preset))?;
            let labels = public(snapshot, &view, preset);
            let packed = Packed::from_view(snapshot, &view);
            Ok(svg::render(title, &packed, &labels).into_bytes())
        }
        Document::PreviewPng => picture(snapshot, &preview_view(preset)),
    }
}

/// The home page card's picture of a workspace's newest snapshot: every page and link as
/// `preview.png` draws them (the summary's community discs say little at card size).
pub async fn thumbnail(state: &AppState, workspace: &str) -> Result<Rendered, GraphError> {
    let service = graph::service(state);
    let snapshot = service.current(workspace, None).await?;
    let validator = format!("{}:thumbnail", snapshot.meta.body);
    let bodies = service
        .document(
            &snapshot,
            validator.clone(),
            png::CONTENT_TYPE,
            |snapshot| picture(snapshot, &ViewRequest::Summary { top: PREVIEW_TOP }),
        )
        .await?;
    Ok(Rendered {
        meta: snapshot.meta.clone(),
        bodies,
        validator,
    })
}

/// `request`'s view of `snapshot` as a PNG without labels.
fn picture(snapshot: &Snapshot, request: &ViewRequest) -> Result<Vec<u8>, ViewError> {
    let view = views::view(snapshot, request)?;
    Ok(png::render(&Packed::from_view(snapshot, &view)))
}

/// The preview shows the summary of a whole-graph share, and a neighbourhood share as it is:
/// a preview never shows more of the workspace than the share does.
fn preview_view(preset: &Preset) -> ViewRequest {
    match preset.view {
        PresetView::Neighbourhood => preset.view_request(),
        PresetView::Full | PresetView::Summary => ViewRequest::Summary { top: PREVIEW_TOP },
    }
}

/// The labels of `view` as the share may show them: only the communities its nodes belong to
/// (a community is named by its central page's title), anonymised when titles are hidden.
fn public(snapshot: &Snapshot, view: &View, preset: &Preset) -> Labels {
    let mut labels = Labels::from_view(snapshot, view);
    let present: HashSet<u32> = view
        .nodes
        .iter()
        .map(|node| match *node {
            ViewNode::Page(i) => snapshot
                .metrics
                .community
                .get(i as usize)
                .copied()
                .unwrap_or(0),
            ViewNode::Community(c) => c,
        })
        .collect();
    labels.communities.retain(|c| present.contains(&c.id));
    if preset.hide_titles {
        labels.anonymised()
    } else {
        labels
    }
}
