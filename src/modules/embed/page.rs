//! The embed page as a typed view model and its template (`templates/embed/page.html`): the
//! Open Graph and oEmbed discovery tags, the viewer's controls with their accessible names,
//! and where the viewer finds its data and preset. No script or style is inline (the page's
//! CSP allows only this origin's files).

use askama::Template;

use super::assets;
use super::model::{Share, Theme};
use super::service::embed_url;
use crate::modules::graph::SnapshotMeta;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "embed/page.html")]
struct Page<'a> {
    title: &'a str,
    description: String,
    page_url: String,
    preview_url: String,
    oembed_url: String,
    assets: &'static str,
    /// Paths of the data documents, naming the snapshot so that they can be cached.
    graph_path: String,
    labels_path: String,
    preview_path: String,
    /// The stream announcing newer versions; empty when the share pins one.
    versions_path: String,
    version: u64,
    /// The preset as JSON, for the viewer.
    preset: String,
    theme: &'static str,
    updated_at: i64,
    app_url: String,
    nodes: u64,
    links: u64,
    /// The owner's plan shows the "Made with notion-graph" badge.
    badge: bool,
}

#[derive(Template)]
#[template(path = "embed/gone.html")]
struct Gone;

/// The page of a live share showing snapshot `meta`, with the badge when the owner's plan
/// has one.
pub fn render(
    state: &AppState,
    token: &str,
    share: &Share,
    meta: &SnapshotMeta,
    badge: bool,
) -> anyhow::Result<String> {
    let page_url = embed_url(state, token);
    let path = |file: &str| format!("/embed/{token}/{file}?v={}", meta.body);
    let oembed = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("url", &page_url)
        .append_pair("format", "json")
        .finish();
    let page = Page {
        title: &share.name,
        description: format!(
            "A map of {} linked Notion pages and {} links",
            meta.node_count, meta.link_count
        ),
        preview_url: format!("{page_url}/preview.png"),
        oembed_url: format!("{}/oembed?{oembed}", state.settings.public_url()),
        page_url,
        assets: assets::base(),
        graph_path: path("graph.bin"),
        labels_path: path("labels.json"),
        preview_path: path("static.svg"),
        versions_path: match share.preset.version {
            Some(_) => String::new(),
            None => format!("/embed/{token}/versions"),
        },
        version: meta.version,
        preset: serde_json::to_string(&share.preset)?,
        theme: match share.preset.theme {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        },
        updated_at: meta.created_at,
        app_url: state.settings.public_url(),
        nodes: meta.node_count,
        links: meta.link_count,
        badge,
    };
    Ok(page.render()?)
}

/// The page of a link that is unknown, revoked or expired: a message a person understands.
pub fn gone() -> anyhow::Result<String> {
    Ok(Gone.render()?)
}
