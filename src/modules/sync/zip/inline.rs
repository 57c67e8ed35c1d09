//! Inline Markdown of a Notion export (`**bold**`, `*italic*`, `~~struck~~`, `` `code` ``,
//! `[text](href)`, `<url>`) to Notion rich text runs. A link to another file of the export,
//! or to a Notion URL, becomes a page mention, so that the export rewrites it to a relative
//! link between its own files. Pure.

use serde_json::{Value, json};

use super::names::link_target;
use super::parse::closing;

/// The annotations and link in force where a run starts.
#[derive(Debug, Clone, Default)]
struct Style {
    bold: bool,
    italic: bool,
    strikethrough: bool,
    code: bool,
    link: Option<String>,
}

/// `text` as rich text runs.
pub fn rich_text(text: &str) -> Vec<Value> {
    let mut runs = Vec::new();
    parse(text, &Style::default(), &mut runs);
    runs
}

/// The page a paragraph of exactly one link points at, with the link's text.
pub fn sole_link(text: &str) -> Option<(String, String)> {
    let inner = text.trim().strip_prefix('[')?;
    let (label, href) = inner.split_once("](")?;
    let href = href.strip_suffix(')')?;
    (!label.contains(']') && !href.contains(char::is_whitespace))
        .then(|| link_target(href))
        .flatten()
        .map(|id| (id, label.to_owned()))
}

fn parse(text: &str, style: &Style, runs: &mut Vec<Value>) {
    let mut plain = String::new();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let rest = &text[at..];
        if c == '\\' && rest.len() > 1 {
            let next = rest[1..].chars().next().unwrap_or_default();
            plain.push(next);
            at += 1 + next.len_utf8();
            continue;
        }
        if let Some(used) = span(rest, style, &mut |styled| {
            flush(&mut plain, style, runs);
            runs.extend(styled);
        }) {
            at += used;
            continue;
        }
        plain.push(c);
        at += c.len_utf8();
    }
    flush(&mut plain, style, runs);
}

/// The styled span `rest` starts with, if any: hands its runs over and answers its length.
fn span(rest: &str, style: &Style, emit: &mut dyn FnMut(Vec<Value>)) -> Option<usize> {
    if let Some(code) = rest.strip_prefix('`') {
        let end = code.find('`')?;
        let styled = Style {
            code: true,
            ..style.clone()
        };
        emit(vec![run(&code[..end], &styled)]);
        return Some(end + 2);
    }
    for (marker, set) in MARKERS {
        let Some(inner) = rest.strip_prefix(marker) else {
            continue;
        };
        let end = inner.find(marker).filter(|end| *end > 0)?;
        let mut styled = style.clone();
        set(&mut styled);
        let mut nested = Vec::new();
        parse(&inner[..end], &styled, &mut nested);
        emit(nested);
        return Some(marker.len() * 2 + end);
    }
    if rest.starts_with('[') {
        return link(rest, style, emit);
    }
    if rest.starts_with("<http") {
        let end = closing(rest)?;
        let url = &rest[1..end];
        emit(vec![linked(url, url, style)]);
        return Some(end + 1);
    }
    None
}

type Setter = fn(&mut Style);

/// Emphasis markers, longest first so that `**` is not read as two `*`.
const MARKERS: [(&str, Setter); 3] = [
    ("**", |s| s.bold = true),
    ("~~", |s| s.strikethrough = true),
    ("*", |s| s.italic = true),
];

/// `[text](href)`: a mention of the page it names, else text linked to the URL.
fn link(rest: &str, style: &Style, emit: &mut dyn FnMut(Vec<Value>)) -> Option<usize> {
    let label_end = rest.find("](")?;
    let open = label_end + 1;
    let len = closing(&rest[open..])?;
    let (label, href) = (&rest[1..label_end], &rest[open + 1..open + len]);
    if href.contains(char::is_whitespace) {
        return None;
    }
    match link_target(href) {
        Some(id) => emit(vec![mention(label, &id, style)]),
        None => {
            let styled = Style {
                link: Some(href.to_owned()),
                ..style.clone()
            };
            let mut nested = Vec::new();
            parse(label, &styled, &mut nested);
            emit(nested);
        }
    }
    Some(open + len + 1)
}

fn flush(plain: &mut String, style: &Style, runs: &mut Vec<Value>) {
    if !plain.is_empty() {
        runs.push(run(plain, style));
        plain.clear();
    }
}

fn annotations(style: &Style) -> Value {
    json!({
        "bold": style.bold,
        "italic": style.italic,
        "strikethrough": style.strikethrough,
        "underline": false,
        "code": style.code,
        "color": "default",
    })
}

fn run(text: &str, style: &Style) -> Value {
    let link = style.link.as_ref().map(|url| json!({ "url": url }));
    json!({
        "type": "text",
        "text": { "content": text, "link": link },
        "annotations": annotations(style),
        "plain_text": text,
        "href": style.link,
    })
}

fn linked(text: &str, url: &str, style: &Style) -> Value {
    run(
        text,
        &Style {
            link: Some(url.to_owned()),
            ..style.clone()
        },
    )
}

fn mention(label: &str, id: &str, style: &Style) -> Value {
    json!({
        "type": "mention",
        "mention": { "type": "page", "page": { "id": id } },
        "annotations": annotations(style),
        "plain_text": label,
        "href": crate::modules::export::markdown::notion_url(id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "11111111222233334444555555555555";
    const A_ID: &str = "11111111-2222-3333-4444-555555555555";

    fn shape(runs: &[Value]) -> Vec<(String, String)> {
        runs.iter()
            .map(|r| {
                let mut flags = String::new();
                for (flag, letter) in [("bold", 'b'), ("italic", 'i'), ("code", 'c')] {
                    if r["annotations"][flag] == true {
                        flags.push(letter);
                    }
                }
                let target = r["mention"]["page"]["id"].as_str().or(r["href"].as_str());
                if let Some(target) = target {
                    flags.push_str(&format!("->{target}"));
                }
                (r["plain_text"].as_str().unwrap().to_owned(), flags)
            })
            .collect()
    }

    #[test]
    fn annotations_links_and_mentions_become_runs() {
        let runs = rich_text(&format!(
            "Plain **bold *both* too** *it* `a*b` [site](https://example.com) [Other](Other%20{A}.md) 2 \\* 3"
        ));
        let expected = [
            ("Plain ", ""),
            ("bold ", "b"),
            ("both", "bi"),
            (" too", "b"),
            (" ", ""),
            ("it", "i"),
            (" ", ""),
            ("a*b", "c"),
            (" ", ""),
            ("site", "->https://example.com"),
            (" ", ""),
            ("Other", &format!("->{A_ID}")),
            (" 2 * 3", ""),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(t, f)| (t.to_string(), f.to_string()))
            .collect();
        assert_eq!(shape(&runs), expected);
    }

    #[test]
    fn an_unclosed_marker_is_text() {
        assert_eq!(
            shape(&rich_text("2 * 3 and [x")),
            [("2 * 3 and [x".into(), String::new())]
        );
    }

    #[test]
    fn a_paragraph_of_one_link_names_its_page() {
        let link = sole_link(&format!("[Child](Home/Child%20{A}.md)"));
        assert_eq!(link, Some((A_ID.to_owned(), "Child".to_owned())));
        assert_eq!(sole_link(&format!("See [Child](Child%20{A}.md)")), None);
    }
}
