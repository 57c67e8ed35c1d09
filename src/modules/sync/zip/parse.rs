//! What one file of a Notion export says about its page: its title, its own id where the file
//! states it (an HTML page's `<article id>`), whether it is a database, and every link it
//! carries, telling links in the page's properties (a row's relations) from links in its body.
//! Pure: text in, facts out.
//!
//! - Markdown & CSV: `# Title`, then the properties as `Name: value` lines up to the first
//!   blank line (a relation reads `Other (Other%20<hex>.md)`), then the body, where every link
//!   is `[text](href)`. A database is a `.csv` file.
//! - HTML: `<h1 class="page-title">`, `<article id="<uuid>">`, the properties in
//!   `<table class="properties">`, links as `href="..."`. A database's file holds
//!   `<table class="collection-content">`.

use super::names::link_target;

/// A file's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFile {
    pub title: Option<String>,
    pub own_id: Option<String>,
    pub database: bool,
    pub links: Vec<FoundLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLink {
    pub target: String,
    /// Found among the page's properties (a relation), not in its body.
    pub in_property: bool,
}

/// A Markdown page of the "Markdown & CSV" export.
pub fn markdown(text: &str) -> PageFile {
    let page = MarkdownPage::split(text);
    let links = page
        .properties
        .iter()
        .map(|line| (line, true))
        .chain(page.body.iter().map(|line| (line, false)))
        .flat_map(|(line, in_property)| {
            markdown_targets(line)
                .into_iter()
                .map(move |target| FoundLink {
                    target,
                    in_property,
                })
        })
        .collect();
    PageFile {
        title: page.title,
        own_id: None,
        database: false,
        links,
    }
}

/// A Markdown page as the export lays it out: `# Title`, the property lines up to the first
/// blank line, then the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownPage<'a> {
    pub title: Option<String>,
    pub properties: Vec<&'a str>,
    pub body: Vec<&'a str>,
}

impl<'a> MarkdownPage<'a> {
    pub fn split(text: &'a str) -> Self {
        let mut lines = text.lines().skip_while(|l| l.trim().is_empty()).peekable();
        let title = lines
            .peek()
            .and_then(|l| l.strip_prefix("# "))
            .map(|t| t.trim().to_owned());
        if title.is_some() {
            lines.next();
        }
        let mut properties = Vec::new();
        let mut in_properties = title.is_some();
        let mut body = Vec::new();
        for line in lines {
            let blank = line.trim().is_empty();
            if in_properties && !blank && is_property_line(line) {
                properties.push(line);
                continue;
            }
            // Blank lines before the first property belong to neither; any other line ends them.
            in_properties &= blank && properties.is_empty();
            if !in_properties {
                body.push(line);
            }
        }
        Self {
            title,
            properties,
            body,
        }
    }
}

/// `Name: value`, as the export writes a property (a short name, no Markdown syntax).
fn is_property_line(line: &str) -> bool {
    line.split_once(": ").is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().count() <= 100
            && !name.starts_with(['#', '-', '*', '>', '|', '[', '!', '`', ' '])
    })
}

/// The pages `[text](href)`, `Text (href)` (how properties list their links) and `<url>`
/// autolinks point at. A target may hold balanced parentheses (`Plan%20(v2)%20<hex>.md`); a
/// parenthesis with spaces inside is prose, whose own links are still found.
pub fn markdown_targets(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = line[at..].find(['(', '<']).map(|i| at + i) {
        at = open + 1;
        let Some(len) = closing(&line[open..]) else {
            continue;
        };
        let href = &line[open + 1..open + len];
        if href.contains(char::is_whitespace) {
            continue;
        }
        if let Some(target) = link_target(href) {
            found.push(target);
            at = open + len + 1;
        }
    }
    found
}

/// Where the bracket `text` opens with closes (its byte offset), counting nested ones.
pub(super) fn closing(text: &str) -> Option<usize> {
    let (open, close) = match text.as_bytes().first()? {
        b'(' => (b'(', b')'),
        _ => (b'<', b'>'),
    };
    let mut depth = 0usize;
    for (i, byte) in text.bytes().enumerate() {
        if byte == open {
            depth += 1;
        } else if byte == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// A database's CSV: its rows are files of their own, so the CSV only says that a database
/// of this name and id exists.
pub fn csv() -> PageFile {
    PageFile {
        database: true,
        ..PageFile::default()
    }
}

/// A page (or database) of the HTML export.
pub fn html(text: &str) -> PageFile {
    let title = between(text, "<h1 class=\"page-title\">", "</h1>")
        .or_else(|| between(text, "<title>", "</title>"))
        .map(|t| unescape(&strip_tags(t)).trim().to_owned());
    let own_id = own_id(text);
    let properties = text.find("<table class=\"properties\">").map(|start| {
        let end = text[start..]
            .find("</table>")
            .map_or(text.len(), |e| start + e);
        start..end
    });
    let mut links = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("href=\"") {
        let start = from + at + "href=\"".len();
        let Some(len) = text[start..].find('"') else {
            break;
        };
        let href = unescape(&text[start..start + len]);
        if let Some(target) = link_target(&href) {
            let in_property = properties.as_ref().is_some_and(|r| r.contains(&start));
            links.push(FoundLink {
                target,
                in_property,
            });
        }
        from = start + len;
    }
    PageFile {
        title,
        own_id,
        database: text.contains("class=\"collection-content\""),
        links,
    }
}

/// The id an HTML page states of itself (`<article id="<uuid>">`).
pub(super) fn own_id(text: &str) -> Option<String> {
    between(text, "<article id=\"", "\"").and_then(crate::modules::notion::ids::normalize)
}

pub(super) fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// Text with its tags removed (a title may hold an icon's `<span>` or an emphasis).
pub(super) fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The entities HTML exports use in text and attributes.
pub(super) fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "11111111222233334444555555555555";
    const B: &str = "aaaaaaaabbbbccccddddeeeeeeeeeeee";
    const A_ID: &str = "11111111-2222-3333-4444-555555555555";
    const B_ID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    fn targets(file: &PageFile) -> Vec<(&str, bool)> {
        file.links
            .iter()
            .map(|l| (l.target.as_str(), l.in_property))
            .collect()
    }

    #[test]
    fn a_markdown_page_gives_its_title_relations_and_body_links() {
        let text = format!(
            "# Fix login\n\nStatus: Done\nBlocked by: Other (../Other%20{A}.md), Second (Second%20{B}.md)\n\n\
             See [the plan](https://www.notion.so/Plan-{B}?pvs=21) and [a file](Fix%20login/diagram.png).\n\
             Owner: not a property here ([Other](../Other%20{A}.md))\n"
        );
        let page = markdown(&text);
        assert_eq!(page.title.as_deref(), Some("Fix login"));
        assert_eq!(
            targets(&page),
            [(A_ID, true), (B_ID, true), (B_ID, false), (A_ID, false)]
        );
    }

    #[test]
    fn link_targets_may_hold_parentheses_and_prose_around_links_is_skipped() {
        let page = markdown(&format!(
            "# P\n\n[Plan (v2)](Plan%20(v2)%20{A}.md) (see [it](Other%20{B}.md))\n"
        ));
        assert_eq!(targets(&page), [(A_ID, false), (B_ID, false)]);
    }

    #[test]
    fn a_markdown_page_without_properties_has_only_body_links() {
        let page = markdown(&format!("# Notes\n\n[Child](Notes%20{A}/Child%20{B}.md)\n"));
        assert_eq!(targets(&page), [(B_ID, false)]);
        assert!(markdown("no title at all").title.is_none());
    }

    #[test]
    fn an_html_page_gives_its_id_title_and_links_inside_and_outside_its_properties() {
        let text = format!(
            "<html><head><title>Fix login</title></head><body><article id=\"{A_ID}\" class=\"page sans\">\
             <header><h1 class=\"page-title\">Fix &amp; <b>login</b></h1>\
             <table class=\"properties\"><tbody><tr><th>Blocked by</th><td><a href=\"../Other%20{B}.html\">Other</a></td></tr></tbody></table>\
             </header><div class=\"page-body\"><p><a href=\"https://www.notion.so/{B}?pvs=21\">mention</a>\
             <a href=\"https://example.com\">x</a></p></div></article></body></html>"
        );
        let page = html(&text);
        assert_eq!(page.title.as_deref(), Some("Fix & login"));
        assert_eq!(page.own_id.as_deref(), Some(A_ID));
        assert!(!page.database);
        assert_eq!(targets(&page), [(B_ID, true), (B_ID, false)]);
        let database = html("<table class=\"collection-content\"></table>");
        assert!(database.database);
    }
}
