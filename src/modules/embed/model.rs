//! Share links as stored and as the API shows them, and the preset: what an embed shows.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::crypto::Sealed;
use crate::modules::graph::views::MAX_DEPTH;
use crate::modules::graph::{Neighbourhood, ViewRequest};

/// Pages a summary embed shows beside its communities.
pub const SUMMARY_TOP: usize = 50;
/// Node kinds a preset may filter on (the `bin` format's kinds, less the summary's super-node).
pub const KINDS: [&str; 5] = ["page", "row", "database", "data_source", "unknown"];
/// Longest share name, in characters.
pub const MAX_NAME: usize = 200;

/// Which view of the graph an embed serves.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum PresetView {
    /// Every page and link.
    #[default]
    Full,
    /// Communities as super-nodes, with the top pages by PageRank.
    Summary,
    /// `root` and what lies within `depth` links of it.
    #[serde(alias = "neighborhood")]
    #[value(alias = "neighborhood")]
    Neighbourhood,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = ViewerTheme)] // the account's `Theme` has `system` where this has `auto`
pub enum Theme {
    /// The viewer's `prefers-color-scheme`.
    #[default]
    Auto,
    Light,
    Dark,
}

/// What the viewer shows, fixed by the share's owner. Filters (kinds, communities, hierarchy,
/// orphans) are where the viewer starts; a visitor may toggle them in the legend. Hidden titles
/// are enforced by the server: the embed then serves no titles, ids or URLs at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Preset {
    pub view: PresetView,
    /// The page a neighbourhood centres on: a Notion id or an exact title.
    pub root: Option<String>,
    /// Links from the root a neighbourhood reaches, 1 to 3.
    #[schema(minimum = 1, maximum = 3)]
    #[serde(deserialize_with = "crate::json::whole")]
    pub depth: u8,
    /// Node kinds shown (`page`, `row`, `database`, `data_source`, `unknown`); empty shows all.
    pub kinds: Vec<String>,
    /// Community ids shown; empty shows all.
    #[serde(deserialize_with = "crate::json::whole_list")]
    pub communities: Vec<u32>,
    /// Hide child page, child database and data source row links.
    pub hide_hierarchy: bool,
    /// Hide pages with no reference link in or out.
    pub hide_orphans: bool,
    pub theme: Theme,
    /// Draw page titles on the graph.
    pub labels: bool,
    /// For public sharing: no titles, ids or Notion URLs leave the server.
    pub hide_titles: bool,
    /// A snapshot version to keep showing (kept from pruning while the share lives); unset
    /// follows the newest snapshot.
    #[serde(deserialize_with = "crate::json::whole_option")]
    pub version: Option<u64>,
}

impl Default for Preset {
    fn default() -> Self {
        Self {
            view: PresetView::Full,
            root: None,
            depth: 1,
            kinds: Vec::new(),
            communities: Vec::new(),
            hide_hierarchy: false,
            hide_orphans: false,
            theme: Theme::Auto,
            labels: true,
            hide_titles: false,
            version: None,
        }
    }
}

/// A preset value that cannot be: the field (as the request spells it) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl Preset {
    /// Checks what can be checked without the graph (the root and the version are checked
    /// against it when the share is saved).
    pub fn validate(&self) -> Result<(), FieldError> {
        let bad = |field, message: String| Err(FieldError { field, message });
        if !(1..=MAX_DEPTH).contains(&self.depth) {
            return bad(
                "preset.depth",
                format!(
                    "depth {} is out of range: give 1 to {MAX_DEPTH}",
                    self.depth
                ),
            );
        }
        if let Some(kind) = self.kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
            return bad(
                "preset.kinds",
                format!("`{kind}` is not a node kind (one of {})", KINDS.join(", ")),
            );
        }
        match (&self.view, self.root.as_deref().map(str::trim)) {
            (PresetView::Neighbourhood, None | Some("")) => bad(
                "preset.root",
                "a neighbourhood view needs `root`: a page's Notion id or exact title".into(),
            ),
            (PresetView::Full | PresetView::Summary, Some(_)) => bad(
                "preset.root",
                "`root` is only for the neighbourhood view".into(),
            ),
            _ => Ok(()),
        }
    }

    /// The graph view the embed's data documents render.
    pub fn view_request(&self) -> ViewRequest {
        match self.view {
            PresetView::Full => ViewRequest::Full,
            PresetView::Summary => ViewRequest::Summary { top: SUMMARY_TOP },
            PresetView::Neighbourhood => ViewRequest::Neighbourhood(Neighbourhood {
                root: self.root.clone().unwrap_or_default().trim().to_owned(),
                depth: self.depth,
                ..Neighbourhood::default()
            }),
        }
    }
}

/// A share link as stored: the token only as its digest (for lookup) and sealed for its owner
/// (so the owner can see the link again), never in the clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub tenant: String,
    pub workspace: String,
    pub name: String,
    pub preset: Preset,
    /// SHA-256 of the token in the share's URL.
    pub hash: String,
    pub token: Sealed,
    pub created_at: i64,
    pub updated_at: i64,
    /// Epoch milliseconds after which the link answers 404 (and housekeeping deletes it).
    pub expires_at: Option<i64>,
}

impl Share {
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

/// A share link as its owner sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareView {
    pub id: String,
    pub workspace: String,
    pub name: String,
    pub preset: Preset,
    /// The embed page: paste it into Notion with `/embed`.
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: Option<String>,
}

/// A new share link.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// 1 to 200 characters, for the owner's list and the page title.
    pub name: String,
    #[serde(default)]
    pub preset: Preset,
    /// RFC 3339; unset never expires.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Changes to a share link; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareUpdate {
    pub name: Option<String>,
    /// Replaces the whole preset.
    pub preset: Option<Preset>,
    /// RFC 3339, or `null` to never expire.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<Option<String>>,
}

/// A field that is present (even as `null`) reads as `Some`, so that `null` can clear it.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(preset: Preset) -> &'static str {
        preset.validate().unwrap_err().field
    }

    #[test]
    fn a_preset_names_the_field_it_cannot_hold() {
        assert!(Preset::default().validate().is_ok());
        assert_eq!(
            field(Preset {
                depth: 4,
                ..Preset::default()
            }),
            "preset.depth"
        );
        let kinds = vec!["folder".to_owned()];
        assert_eq!(
            field(Preset {
                kinds,
                ..Preset::default()
            }),
            "preset.kinds"
        );
        let view = PresetView::Neighbourhood;
        assert_eq!(
            field(Preset {
                view,
                ..Preset::default()
            }),
            "preset.root"
        );
        let root = Some("Roadmap".to_owned());
        assert_eq!(
            field(Preset {
                root,
                ..Preset::default()
            }),
            "preset.root"
        );
    }

    #[test]
    fn an_update_tells_a_null_expiry_from_an_absent_one() {
        let cleared: ShareUpdate = serde_json::from_str(r#"{"expires_at": null}"#).unwrap();
        assert_eq!(cleared.expires_at, Some(None));
        let absent: ShareUpdate = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!(absent.expires_at, None);
    }

    #[test]
    fn unknown_preset_fields_are_refused() {
        assert!(serde_json::from_str::<Preset>(r#"{"colour": "red"}"#).is_err());
    }
}
