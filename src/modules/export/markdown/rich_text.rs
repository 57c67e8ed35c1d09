//! Rich text to Markdown: annotations (bold, italic, strikethrough, underline, code), links,
//! inline equations, and mentions, with links to exported pages rewritten to relative paths.

use serde_json::Value;

use super::Renderer;
use crate::modules::notion::ids;
use crate::modules::notion::links::LinkKind;

/// The plain text of runs of rich text (for titles, table-free contexts, CSV cells).
pub fn plain(runs: &Value) -> String {
    runs.as_array()
        .into_iter()
        .flatten()
        .filter_map(|run| run.get("plain_text").and_then(Value::as_str))
        .collect()
}

impl Renderer<'_> {
    /// Runs of rich text as inline Markdown.
    pub fn rich_text(&mut self, runs: &Value) -> String {
        let runs = runs.as_array().map(Vec::as_slice).unwrap_or_default();
        runs.iter().map(|run| self.run(run)).collect()
    }

    fn run(&mut self, run: &Value) -> String {
        let plain_text = str_at(run, &["plain_text"]).unwrap_or_default();
        let flag = |name: &str| {
            run.get("annotations")
                .and_then(|a| a.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let kind = str_at(run, &["type"]).unwrap_or_default();
        let text = match kind {
            "equation" => {
                let expression = str_at(run, &["equation", "expression"]).unwrap_or(plain_text);
                return format!("${}$", expression.trim());
            }
            _ if flag("code") => code_span(plain_text),
            _ => escape(plain_text),
        };
        let text = annotate(
            &text,
            flag("bold"),
            flag("italic"),
            flag("strikethrough"),
            flag("underline"),
        );
        match kind {
            "mention" => self.mention(run, text),
            _ => match str_at(run, &["href"]) {
                Some(href) => self.linked(text, href, LinkKind::NotionUrl),
                None => text,
            },
        }
    }

    fn mention(&mut self, run: &Value, text: String) -> String {
        let mention = run.get("mention").unwrap_or(&Value::Null);
        let kind = str_at(mention, &["type"]).unwrap_or_default();
        let target = |field: &str| str_at(mention, &[kind, field]);
        match kind {
            "page" | "database" | "data_source" => {
                let link_kind = if kind == "page" {
                    LinkKind::PageMention
                } else {
                    LinkKind::DatabaseMention
                };
                match target("id").and_then(ids::normalize) {
                    Some(id) => self.link_page(text, &id, link_kind, str_at(run, &["href"])),
                    None => text,
                }
            }
            "link_preview" | "link_mention" => {
                let field = if kind == "link_preview" {
                    "url"
                } else {
                    "href"
                };
                match target(field).or_else(|| str_at(run, &["href"])) {
                    Some(url) => self.linked(text, url, LinkKind::NotionUrl),
                    None => text,
                }
            }
            _ => text,
        }
    }

    /// `text` linked to `href`: to the exported file when it is a Notion URL of an exported
    /// page, else to the URL itself.
    pub(super) fn linked(&mut self, text: String, href: &str, kind: LinkKind) -> String {
        match ids::from_notion_url(href) {
            Some(id) => self.link_page(text, &id, kind, Some(href)),
            None => format!("[{text}]({})", destination(href)),
        }
    }

    /// `text` linked to page `id`, recorded as a link of `kind`.
    pub(super) fn link_page(
        &mut self,
        text: String,
        id: &str,
        kind: LinkKind,
        fallback: Option<&str>,
    ) -> String {
        let href = self.found(kind, id);
        let text = if text.is_empty() {
            escape(&self.title_of(id))
        } else {
            text
        };
        match href {
            Some(path) => format!("[{text}]({path})"),
            None => {
                // A relative Notion link (`/<id>`) means nothing outside Notion.
                let absolute = fallback.filter(|f| f.starts_with("http"));
                let url = absolute.map_or_else(|| notion_url(id), str::to_owned);
                format!("[{text}]({})", destination(&url))
            }
        }
    }
}

/// The public URL of a Notion id, for a link to a page the export does not hold.
pub fn notion_url(id: &str) -> String {
    format!("https://www.notion.so/{}", id.replace('-', ""))
}

fn str_at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// Wraps text in the markers of its annotations, keeping surrounding spaces outside them
/// (`** bold**` is not bold in Markdown).
fn annotate(text: &str, bold: bool, italic: bool, strike: bool, underline: bool) -> String {
    let core = text.trim();
    if core.is_empty() || !(bold || italic || strike || underline) {
        return text.to_owned();
    }
    let start = &text[..text.len() - text.trim_start().len()];
    let end = &text[text.trim_end().len()..];
    let mut inner = core.to_owned();
    if underline {
        inner = format!("<u>{inner}</u>");
    }
    if strike {
        inner = format!("~~{inner}~~");
    }
    if italic {
        inner = format!("*{inner}*");
    }
    if bold {
        inner = format!("**{inner}**");
    }
    format!("{start}{inner}{end}")
}

/// Inline code fenced with more backticks than the text holds in a row.
fn code_span(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_run(text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The longest run of `c` in `text`.
pub fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut current) = (0, 0);
    for ch in text.chars() {
        current = if ch == c { current + 1 } else { 0 };
        longest = longest.max(current);
    }
    longest
}

/// Escapes what Markdown would read as markup. Line starts (headings, lists) are escaped by
/// the block that places the text, which knows where lines start.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '|' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A link destination Markdown reads whole: spaces, parentheses and angle brackets encoded.
pub fn destination(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
