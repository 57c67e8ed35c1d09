//! A page of a Notion export as the content an export reads: the page object (title and
//! properties) and its block tree, in the shape Notion's API gives them, so that a workspace
//! imported from a zip exports to Markdown and JSON through the same code as a connected one.
//! What the files do not carry (ids of blocks, edit times, property types beyond text and
//! relations, attachments) is not invented. Pure.
//!
//! The body's Markdown is read block by block: headings, lists (nested by indentation),
//! to-dos, quotes, callouts (`<aside>`), fenced code, dividers, pipe tables and paragraphs; a
//! paragraph that is only a link to a child page is that child's block.

use serde_json::{Map, Value, json};

use super::inline::{rich_text, sole_link};
use super::parse::{MarkdownPage, markdown_targets};
use crate::modules::sync::EntityKind;

/// Marks content taken from a Notion export zip (not read from Notion's API).
pub const ORIGIN: &str = "notion_export_zip";

/// What a page needs to know about the pages it links to.
pub trait Children {
    /// The kind of `id` when it is a child of the page being read.
    fn child(&self, id: &str) -> Option<EntityKind>;
}

/// The content of the Markdown page `text`, titled `title`. Only a database's row has
/// properties in the export; a page's `Name: value` lines are its text.
pub fn page(id: &str, title: &str, text: &str, row: bool, children: &dyn Children) -> Value {
    let mut page = MarkdownPage::split(text);
    let mut properties = Map::new();
    properties.insert(
        "title".into(),
        json!({ "id": "title", "type": "title", "title": rich_text(title) }),
    );
    if !row {
        page.body.splice(0..0, page.properties.drain(..));
    }
    for line in &page.properties {
        if let Some((name, value)) = line.split_once(": ") {
            properties.insert(name.trim().to_owned(), property(value));
        }
    }
    let object = json!({ "object": "page", "id": id, "properties": properties });
    json!({ "object": object, "blocks": blocks(&page.body, children), "origin": ORIGIN })
}

/// The content of a database: its title (its schema and rows are the rows' own files).
pub fn database(id: &str, title: &str) -> Value {
    let object = json!({ "object": "database", "id": id, "title": rich_text(title) });
    json!({ "object": object, "data_sources": [], "origin": ORIGIN })
}

/// A property line's value: a relation when it links to pages (`Other (Other%20<hex>.md)`),
/// else text.
fn property(value: &str) -> Value {
    let targets = markdown_targets(value);
    if targets.is_empty() {
        return json!({ "type": "rich_text", "rich_text": rich_text(value) });
    }
    let relation: Vec<Value> = targets.iter().map(|id| json!({ "id": id })).collect();
    json!({ "type": "relation", "relation": relation, "has_more": false })
}

/// The blocks of `lines`; a list item's children are the lines indented under it.
pub fn blocks(lines: &[&str], children: &dyn Children) -> Vec<Value> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        let text = line.trim_start();
        at += 1;
        if text.is_empty() {
            continue;
        }
        if let Some(language) = text.strip_prefix("```") {
            let end = find_from(lines, at, |l| l.trim_start().starts_with("```"));
            let code = lines[at..end]
                .iter()
                .map(|l| l.trim_start())
                .collect::<Vec<_>>();
            out.push(code_block(language.trim(), &code.join("\n")));
            at = (end + 1).min(lines.len());
        } else if let Some((kind, extra, rest)) = list_item(text) {
            let end = find_from(lines, at, |l| {
                !l.trim().is_empty() && indent(l) <= indent(line)
            });
            let nested = blocks(&lines[at..end], children);
            out.push(block(kind, rich_text(rest), extra, nested));
            at = end;
        } else if text == "<aside>" {
            let end = find_from(lines, at, |l| l.trim() == "</aside>");
            let inner: Vec<&str> = lines[at..end].iter().map(|l| l.trim()).collect();
            out.push(block(
                "callout",
                rich_text(&inner.join("\n")),
                None,
                Vec::new(),
            ));
            at = (end + 1).min(lines.len());
        } else if text.starts_with('|') {
            let end = find_from(lines, at, |l| !l.trim_start().starts_with('|'));
            out.push(table(&lines[at - 1..end]));
            at = end;
        } else if text.starts_with('>') {
            let end = find_from(lines, at, |l| !l.trim_start().starts_with('>'));
            let quoted: Vec<&str> = lines[at - 1..end].iter().map(|l| unquote(l)).collect();
            out.push(block(
                "quote",
                rich_text(&quoted.join("\n")),
                None,
                Vec::new(),
            ));
            at = end;
        } else if text.starts_with('#') || text == "---" {
            out.push(single(text, children));
        } else {
            let end = find_from(lines, at, |l| {
                l.trim().is_empty() || starts_block(l.trim_start())
            });
            let joined: Vec<&str> = lines[at - 1..end].iter().map(|l| l.trim_start()).collect();
            out.push(single(&joined.join("\n"), children));
            at = end;
        }
    }
    out
}

/// The first index from `start` whose line `stop` says ends the run (or the end).
fn find_from(lines: &[&str], start: usize, stop: impl Fn(&str) -> bool) -> usize {
    (start..lines.len())
        .find(|i| stop(lines[*i]))
        .unwrap_or(lines.len())
}

fn indent(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// A line that begins a block of its own, ending a paragraph above it.
fn starts_block(text: &str) -> bool {
    text.starts_with("```")
        || text.starts_with('#')
        || text.starts_with('>')
        || text.starts_with('|')
        || text == "<aside>"
        || text == "---"
        || list_item(text).is_some()
}

/// A payload field besides the text (a to-do's `checked`).
type Extra = Option<(&'static str, Value)>;

/// A list item's block type, its extra payload field and its text.
fn list_item(text: &str) -> Option<(&'static str, Extra, &str)> {
    for (marker, checked) in [("- [ ] ", false), ("- [x] ", true), ("- [X] ", true)] {
        if let Some(rest) = text.strip_prefix(marker) {
            return Some(("to_do", Some(("checked", json!(checked))), rest));
        }
    }
    if let Some(rest) = text.strip_prefix("- ").or_else(|| text.strip_prefix("* ")) {
        return Some(("bulleted_list_item", None, rest));
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let rest = text[digits..].strip_prefix(". ").filter(|_| digits > 0)?;
    Some(("numbered_list_item", None, rest))
}

fn unquote(line: &str) -> &str {
    let line = line.trim_start().trim_start_matches('>');
    line.strip_prefix(' ').unwrap_or(line)
}

/// A one-line block (heading, divider), a child page's block, or a paragraph.
fn single(text: &str, children: &dyn Children) -> Value {
    if text == "---" {
        return json!({ "object": "block", "type": "divider", "divider": {}, "has_children": false });
    }
    let hashes = text.chars().take_while(|c| *c == '#').count();
    if let Some(rest) = text[hashes..].strip_prefix(' ').filter(|_| hashes > 0) {
        let kind = ["heading_1", "heading_2", "heading_3"][hashes.min(3) - 1];
        return block(kind, rich_text(rest), None, Vec::new());
    }
    if let Some((id, title)) = sole_link(text) {
        let kind = match children.child(&id) {
            Some(EntityKind::Database) => Some("child_database"),
            Some(_) => Some("child_page"),
            None => None,
        };
        if let Some(kind) = kind {
            return json!({ "object": "block", "id": id, "type": kind, kind: { "title": title }, "has_children": true });
        }
    }
    block("paragraph", rich_text(text), None, Vec::new())
}

fn block(
    kind: &str,
    text: Vec<Value>,
    extra: Option<(&str, Value)>,
    children: Vec<Value>,
) -> Value {
    let mut payload = json!({ "rich_text": text });
    if let Some((key, value)) = extra {
        payload[key] = value;
    }
    let mut block = json!({ "object": "block", "type": kind, kind: payload, "has_children": !children.is_empty() });
    if !children.is_empty() {
        block["children"] = Value::Array(children);
    }
    block
}

fn code_block(language: &str, code: &str) -> Value {
    let language = if language.is_empty() {
        "plain text"
    } else {
        language
    };
    let text = json!([{ "type": "text", "text": { "content": code, "link": null }, "plain_text": code, "href": null }]);
    json!({ "object": "block", "type": "code", "code": { "rich_text": text, "language": language }, "has_children": false })
}

/// A pipe table; a `| --- |` line after the first row makes that row the header.
fn table(lines: &[&str]) -> Value {
    let is_rule = |line: &&str| {
        line.trim().trim_matches('|').split('|').all(|c| {
            let c = c.trim();
            !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':'))
        })
    };
    let header = lines.get(1).is_some_and(is_rule);
    let rows: Vec<Value> = lines
        .iter()
        .filter(|l| !is_rule(l))
        .map(|line| {
            let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
            let cells: Vec<Value> = inner.split('|').map(|c| Value::Array(rich_text(c.trim()))).collect();
            json!({ "object": "block", "type": "table_row", "table_row": { "cells": cells }, "has_children": false })
        })
        .collect();
    let width = rows
        .iter()
        .map(|r| r["table_row"]["cells"].as_array().map_or(0, Vec::len))
        .max()
        .unwrap_or(0);
    json!({
        "object": "block",
        "type": "table",
        "table": { "table_width": width, "has_column_header": header, "has_row_header": false },
        "has_children": true,
        "children": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "11111111222233334444555555555555";
    const A_ID: &str = "11111111-2222-3333-4444-555555555555";

    struct ChildA;
    impl Children for ChildA {
        fn child(&self, id: &str) -> Option<EntityKind> {
            (id == A_ID).then_some(EntityKind::Page)
        }
    }

    fn kinds(blocks: &[Value]) -> Vec<&str> {
        blocks.iter().map(|b| b["type"].as_str().unwrap()).collect()
    }

    #[test]
    fn a_markdown_page_becomes_its_properties_and_blocks() {
        let text = format!(
            "# Plan\n\nStatus: Done\nBlocked by: Child (Plan/Child%20{A}.md)\n\n\
             ## Goals\n\nFirst line\nsecond line\n\n- one\n    - nested\n- [x] done\n1. first\n\n\
             > quoted\n\n```rust\nfn main() {{}}\n```\n\n---\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n\
             <aside>\n💡 Note\n</aside>\n\n[Child](Plan/Child%20{A}.md)\n"
        );
        let content = page("id", "Plan", &text, true, &ChildA);
        let properties = &content["object"]["properties"];
        assert_eq!(properties["title"]["title"][0]["plain_text"], "Plan");
        assert_eq!(properties["Status"]["rich_text"][0]["plain_text"], "Done");
        assert_eq!(properties["Blocked by"]["relation"][0]["id"], A_ID);
        let blocks = content["blocks"].as_array().unwrap();
        assert_eq!(
            kinds(blocks),
            [
                "heading_2",
                "paragraph",
                "bulleted_list_item",
                "to_do",
                "numbered_list_item",
                "quote",
                "code",
                "divider",
                "table",
                "callout",
                "child_page"
            ]
        );
        assert_eq!(
            blocks[1]["paragraph"]["rich_text"][0]["plain_text"],
            "First line\nsecond line"
        );
        assert_eq!(
            kinds(blocks[2]["children"].as_array().unwrap()),
            ["bulleted_list_item"]
        );
        assert_eq!(blocks[3]["to_do"]["checked"], true);
        assert_eq!(blocks[6]["code"]["language"], "rust");
        assert_eq!(blocks[8]["children"].as_array().unwrap().len(), 2);
        assert_eq!(blocks[10]["id"], A_ID);
        let not_a_row = page(
            "id",
            "Plan",
            "# Plan\n\nNote: a line of text\n",
            false,
            &ChildA,
        );
        assert_eq!(
            not_a_row["object"]["properties"].as_object().unwrap().len(),
            1
        );
        assert_eq!(
            not_a_row["blocks"][0]["paragraph"]["rich_text"][0]["plain_text"],
            "Note: a line of text"
        );
    }
}
