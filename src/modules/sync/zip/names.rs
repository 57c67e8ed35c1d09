//! How a Notion export names things: every page, database and row file (and the folder of a
//! page's children) is `Title <32 hex>` plus an extension, the hex being the Notion id without
//! dashes; links between the files are those names, percent-encoded and relative, or Notion
//! URLs. Pure functions from a name or a link to the id it carries.

use crate::modules::notion::ids;

/// A file or folder name taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The title as the file name spells it (Notion shortens long ones).
    pub title: String,
    /// The Notion id (lowercase, dashed), when the name ends with one.
    pub id: Option<String>,
    /// `md`, `html`, `csv` (lowercase), or `None` for a folder.
    pub extension: Option<String>,
}

/// The extensions a page, row or database file has.
const EXTENSIONS: [&str; 3] = ["md", "html", "csv"];

/// `Roadmap 0123…cdef.md` → `Roadmap`, the id, `md`. A database's CSV of every row
/// (`Tasks <hex>_all.csv`) names the same database as `Tasks <hex>.csv`.
pub fn parse(segment: &str) -> Name {
    let (stem, extension) = match segment.rsplit_once('.') {
        Some((stem, ext)) if EXTENSIONS.contains(&ext.to_lowercase().as_str()) => {
            (stem, Some(ext.to_lowercase()))
        }
        _ => (segment, None),
    };
    let stem = stem.strip_suffix("_all").unwrap_or(stem);
    match split_id(stem) {
        Some((title, id)) => Name {
            title: title.to_owned(),
            id: Some(id),
            extension,
        },
        None => Name {
            title: stem.trim().to_owned(),
            id: None,
            extension,
        },
    }
}

/// `Title <32 hex>` (or `Title-<32 hex>`, or the hex alone) → the title and the id.
fn split_id(stem: &str) -> Option<(&str, String)> {
    let cut = stem.len().checked_sub(32)?;
    let tail = stem.get(cut..)?;
    let id = ids::normalize(tail)?;
    let title = &stem[..cut];
    match title.chars().last() {
        None => Some(("", id)),
        Some(' ' | '-') => Some((title[..title.len() - 1].trim_end(), id)),
        Some(_) => None,
    }
}

/// The page or database a link points at: a Notion URL, or a relative link to another file
/// of the export (`../Other%20Page%20<hex>.md`); `None` for any other link.
pub fn link_target(href: &str) -> Option<String> {
    let href = href.trim();
    if href.contains("://") {
        return ids::from_notion_url(href);
    }
    if href.starts_with("mailto:") || href.starts_with('#') {
        return None;
    }
    let path = href.split(['?', '#']).next().unwrap_or(href);
    let decoded = decode(path);
    let last = decoded.rsplit('/').find(|s| !s.is_empty())?;
    parse(last).id
}

/// `%20` and the other percent escapes decoded (as UTF-8; a broken escape stays as it is).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "54449eb7a430446ea983a36bc55ea846";
    const ID: &str = "54449eb7-a430-446e-a983-a36bc55ea846";

    #[test]
    fn names_give_their_title_id_and_extension() {
        let page = parse(&format!("Road map {HEX}.md"));
        assert_eq!(
            (
                page.title.as_str(),
                page.id.as_deref(),
                page.extension.as_deref()
            ),
            ("Road map", Some(ID), Some("md"))
        );
        let all = parse(&format!("Tasks {HEX}_all.CSV"));
        assert_eq!((all.title.as_str(), all.id.as_deref()), ("Tasks", Some(ID)));
        assert_eq!(all.extension.as_deref(), Some("csv"));
        let folder = parse(&format!("Road map {HEX}"));
        assert_eq!((folder.id.as_deref(), folder.extension), (Some(ID), None));
        let plain = parse("Private & Shared");
        assert_eq!((plain.title.as_str(), plain.id), ("Private & Shared", None));
        let glued = parse(&format!("x{HEX}.md"));
        assert_eq!(glued.id, None, "an id must stand apart from the title");
        assert_eq!(parse(&format!("{HEX}.html")).id.as_deref(), Some(ID));
    }

    #[test]
    fn links_to_files_and_notion_urls_give_their_target() {
        let relative = format!("../Other%20Page%20{HEX}.md");
        assert_eq!(link_target(&relative).as_deref(), Some(ID));
        let nested = format!("Road%20map%20{HEX}/Child%20{HEX}.html#block");
        assert_eq!(link_target(&nested).as_deref(), Some(ID));
        let url = format!("https://www.notion.so/Road-map-{HEX}?pvs=21");
        assert_eq!(link_target(&url).as_deref(), Some(ID));
        assert_eq!(link_target("https://example.com/a"), None);
        assert_eq!(link_target("image.png"), None);
        assert_eq!(link_target("#heading"), None);
        assert_eq!(decode("a%20b%C3%A9%zz"), "a bé%zz");
    }
}
