//! Notion objects to Markdown files: YAML front matter (identity, times, icon, typed
//! properties, the links the page holds) and a body converted from its block tree. Pure:
//! where other pages' files are comes from a [`Targets`], so links between exported files are
//! relative and a link to a page outside the export keeps its Notion URL.
//!
//! The front matter is YAML in its JSON-compatible form (every value a JSON scalar, array or
//! object), which any YAML 1.2 reader parses and no title can break.

mod blocks;
mod properties;
mod rich_text;

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Value, json};

use crate::modules::notion::links::LinkKind;

pub use blocks::icon_text;
pub use properties::{cell_text, typed_properties, value as property_value};
pub use rich_text::{destination, escape, notion_url, plain};

/// Another page as the page being rendered sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its file relative to the rendered page's folder, ready for a Markdown link.
    pub href: String,
    pub title: String,
}

/// Where the exported pages are.
pub trait Targets {
    /// `id`'s file as seen from the page being rendered; `None` when it is not exported.
    fn target(&self, id: &str) -> Option<Target>;
}

/// A link the page holds, for the front matter's `links:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundLink {
    pub kind: &'static str,
    pub id: String,
    /// The target's file relative to this one; `None` when the export does not hold it.
    pub path: Option<String>,
}

/// Renders one page, collecting the links it finds.
pub struct Renderer<'a> {
    targets: &'a dyn Targets,
    links: Vec<FoundLink>,
    seen: HashSet<(&'static str, String)>,
}

impl<'a> Renderer<'a> {
    pub fn new(targets: &'a dyn Targets) -> Self {
        Self {
            targets,
            links: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Records a link of `kind` to `id` and answers the href of its file, if exported.
    fn found(&mut self, kind: LinkKind, id: &str) -> Option<String> {
        let target = self.targets.target(id);
        let path = target.map(|t| t.href);
        if self.seen.insert((kind.name(), id.to_owned())) {
            self.links.push(FoundLink {
                kind: kind.name(),
                id: id.to_owned(),
                path: path.clone(),
            });
        }
        path
    }

    fn title_of(&self, id: &str) -> String {
        self.targets
            .target(id)
            .map(|t| t.title)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "Untitled".to_owned())
    }

    /// The links found so far, in the order first found.
    pub fn into_links(self) -> Vec<FoundLink> {
        self.links
    }
}

/// What the front matter says about a page besides its properties and links.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    /// The parent's id and, when exported, its file relative to this one.
    pub parent: Option<(String, Option<String>)>,
    pub created: Option<String>,
    pub last_edited: Option<String>,
    pub icon: Option<Value>,
}

/// A page or row as a Markdown document: front matter, `# Title`, the converted blocks.
pub fn page(meta: &Meta, object: &Value, blocks: &[Value], targets: &dyn Targets) -> String {
    let mut renderer = Renderer::new(targets);
    let properties = typed_properties(object.get("properties"), &mut renderer);
    let body = renderer.blocks(blocks);
    let links = renderer.into_links();
    let mut out = front_matter(meta, &[("properties", properties)], &links);
    out.push('\n');
    out.push_str(&format!("# {}\n", heading_text(&meta.title)));
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    out
}

/// The title as a heading: escaped, on one line, "Untitled" when empty.
pub fn heading_text(title: &str) -> String {
    let title = title.replace(['\n', '\r'], " ");
    if title.trim().is_empty() {
        "Untitled".to_owned()
    } else {
        escape(title.trim())
    }
}

/// The YAML front matter block, `---` to `---`, with `extra` keys (properties, schema) after
/// the identity and `links` last.
pub fn front_matter(meta: &Meta, extra: &[(&str, Value)], links: &[FoundLink]) -> String {
    let mut out = String::from("---\n");
    let scalar = |out: &mut String, key: &str, value: Value| {
        out.push_str(&format!("{key}: {value}\n"));
    };
    scalar(&mut out, "id", json!(meta.id));
    scalar(&mut out, "title", json!(meta.title));
    scalar(&mut out, "url", json!(meta.url));
    let parent = meta
        .parent
        .as_ref()
        .map(|(id, path)| json!({ "id": id, "path": path }));
    scalar(&mut out, "parent", parent.unwrap_or(Value::Null));
    scalar(&mut out, "created", json!(meta.created));
    scalar(&mut out, "last_edited", json!(meta.last_edited));
    scalar(&mut out, "icon", icon_value(meta.icon.as_ref()));
    for (key, value) in extra {
        match value.as_object().filter(|m| !m.is_empty()) {
            Some(map) => {
                out.push_str(&format!("{key}:\n"));
                for (name, value) in map {
                    out.push_str(&format!("  {}: {value}\n", json!(name)));
                }
            }
            None if value.is_object() => out.push_str(&format!("{key}: {{}}\n")),
            None => scalar(&mut out, key, value.clone()),
        }
    }
    if links.is_empty() {
        out.push_str("links: []\n");
    } else {
        out.push_str("links:\n");
        for link in links {
            let value = serde_json::to_value(link).expect("links serialize");
            out.push_str(&format!("  - {value}\n"));
        }
    }
    out.push_str("---\n");
    out
}

/// An icon as one value: the emoji, or the URL of an uploaded or external image.
fn icon_value(icon: Option<&Value>) -> Value {
    let Some(icon) = icon else {
        return Value::Null;
    };
    if let Some(emoji) = icon_text(Some(icon)) {
        return json!(emoji);
    }
    let kind = icon.get("type").and_then(Value::as_str).unwrap_or_default();
    icon.get(kind)
        .and_then(|i| i.get("url").or_else(|| i.get("name")))
        .cloned()
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests;
