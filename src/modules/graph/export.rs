//! What a rendered view is: one view of one snapshot in one format, and the rendering itself.

use serde::{Deserialize, Serialize};

use super::model::{Snapshot, SnapshotMeta};
use super::views::{ViewError, ViewRequest};
use super::{d3, formats};

/// An output format of a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    D3,
    Gexf,
    Graphml,
    /// The compact typed-array format of `web/embed/FORMAT.md` (see [`super::bin`]).
    Bin,
    /// The titles, ids and URLs of the view's nodes by position: the `bin` format's companion
    /// (`labels.json` of `web/embed/FORMAT.md`), which the owner's viewer loads.
    Labels,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::D3 => "application/json",
            Self::Gexf => "application/gexf+xml",
            Self::Graphml => "application/graphml+xml",
            Self::Bin => super::bin::CONTENT_TYPE,
            Self::Labels => "application/json",
        }
    }
}

/// One view of one snapshot in one format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExportRequest {
    pub view: ViewRequest,
    pub format: Format,
    /// D3 links by node id instead of node index.
    pub by_id: bool,
    /// The newest snapshot when `None`.
    pub version: Option<u64>,
}

impl ExportRequest {
    /// Names the document this request gets of the snapshot `meta` describes, whichever way
    /// the version was asked for: unique across workspaces and builds (a body id is).
    pub fn key(&self, meta: &SnapshotMeta) -> String {
        let document = (&self.view, self.format, self.by_id);
        let named = serde_json::to_string(&document).expect("a request serializes");
        format!("{}:{named}", meta.body)
    }
}

/// Renders one view of `snapshot` in `format`.
pub fn render(
    snapshot: &Snapshot,
    request: &ViewRequest,
    format: Format,
    by_id: bool,
) -> Result<Vec<u8>, ViewError> {
    let view = super::views::view(snapshot, request)?;
    Ok(match format {
        Format::D3 => d3::render(snapshot, &view, by_id),
        Format::Gexf => formats::gexf(snapshot, &view).into_bytes(),
        Format::Graphml => formats::graphml(snapshot, &view).into_bytes(),
        Format::Bin => super::bin::Packed::from_view(snapshot, &view).to_bytes(),
        Format::Labels => {
            let labels = super::bin::Labels::from_view(snapshot, &view);
            serde_json::to_vec(&labels).expect("labels serialize")
        }
    })
}
