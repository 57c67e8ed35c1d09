//! Block trees to Markdown. Blocks come as Notion returns them, with each block's children
//! fetched into a `children` array beside its payload. Every type the client models has a
//! rendering; an unknown one is kept as an HTML comment naming it.

use serde_json::Value;

use super::Renderer;
use super::rich_text::{destination, escape, longest_run, plain};
use crate::modules::notion::ids;
use crate::modules::notion::links::LinkKind;

/// Where blocks are being written: the prefix of every line (indentation of a nested list,
/// `> ` of a quote).
#[derive(Clone, Copy)]
struct Place<'p> {
    prefix: &'p str,
}

impl Renderer<'_> {
    /// A page's blocks as Markdown, blocks separated by blank lines (list items by none).
    pub fn blocks(&mut self, blocks: &[Value]) -> String {
        let mut out = String::new();
        self.sequence(blocks, Place { prefix: "" }, &mut out);
        out
    }

    fn sequence(&mut self, blocks: &[Value], place: Place<'_>, out: &mut String) {
        let mut number = 0;
        let mut previous_list = false;
        for (index, block) in blocks.iter().filter(|b| !is_blank(b)).enumerate() {
            let kind = block_type(block);
            let is_list = matches!(kind, "bulleted_list_item" | "numbered_list_item" | "to_do");
            number = if kind == "numbered_list_item" {
                number + 1
            } else {
                0
            };
            if index > 0 && !(is_list && previous_list) {
                push_line(out, place.prefix, "");
            }
            previous_list = is_list;
            self.block(block, number, place, out);
            if block.get("children_unreadable").and_then(Value::as_bool) == Some(true) {
                push_line(
                    out,
                    place.prefix,
                    "<!-- content not shared with the integration -->",
                );
            }
        }
    }

    fn block(&mut self, block: &Value, number: usize, place: Place<'_>, out: &mut String) {
        let kind = block_type(block);
        let payload = block.get(kind).unwrap_or(&Value::Null);
        let text = |r: &mut Self| r.rich_text(payload.get("rich_text").unwrap_or(&Value::Null));
        let children = children(block);
        match kind {
            "paragraph" | "template" => {
                let line = text(self);
                push_text(out, place.prefix, &line);
                self.nested(children, place, out);
            }
            "heading_1" | "heading_2" | "heading_3" => {
                let level = &kind[8..].parse::<usize>().unwrap_or(1);
                let line = format!("{} {}", "#".repeat(*level), one_line(&text(self)));
                push_line(out, place.prefix, &line);
                self.nested(children, place, out);
            }
            "bulleted_list_item" | "numbered_list_item" | "to_do" => {
                let marker = match kind {
                    "numbered_list_item" => format!("{number}."),
                    "to_do" if payload.get("checked").and_then(Value::as_bool) == Some(true) => {
                        "- [x]".to_owned()
                    }
                    "to_do" => "- [ ]".to_owned(),
                    _ => "-".to_owned(),
                };
                let indent = " ".repeat(if kind == "numbered_list_item" {
                    marker.len() + 1
                } else {
                    2
                });
                let inner = format!("{}{indent}", place.prefix);
                let body = text(self);
                let mut lines = body.split('\n');
                let first = escape_line_start(lines.next().unwrap_or_default());
                push_line(out, place.prefix, &format!("{marker} {first}"));
                for line in lines {
                    push_line(out, &inner, &escape_line_start(line));
                }
                if !children.is_empty() {
                    let mut nested = String::new();
                    self.sequence(children, Place { prefix: &inner }, &mut nested);
                    out.push_str(&nested);
                }
            }
            "toggle" => {
                let summary = one_line(&text(self));
                push_line(
                    out,
                    place.prefix,
                    &format!("<details><summary>{summary}</summary>"),
                );
                if !children.is_empty() {
                    push_line(out, place.prefix, "");
                    self.sequence(children, place, out);
                }
                push_line(out, place.prefix, "");
                push_line(out, place.prefix, "</details>");
            }
            "quote" | "callout" => {
                let icon = icon_text(payload.get("icon"));
                let line = match icon {
                    Some(icon) if kind == "callout" => format!("{icon} {}", text(self)),
                    _ => text(self),
                };
                let inner = format!("{}> ", place.prefix);
                push_text(out, &inner, &line);
                if !children.is_empty() {
                    push_line(out, &inner, "");
                    self.sequence(children, Place { prefix: &inner }, out);
                }
            }
            "code" => self.code(payload, place, out),
            "equation" => {
                let expression = payload.get("expression").and_then(Value::as_str);
                push_line(out, place.prefix, "$$");
                push_text(out, place.prefix, expression.unwrap_or_default().trim());
                push_line(out, place.prefix, "$$");
            }
            "divider" => push_line(out, place.prefix, "---"),
            "image" | "video" | "file" | "pdf" | "audio" => self.media(kind, payload, place, out),
            "bookmark" | "embed" | "link_preview" => {
                let url = payload
                    .get("url")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let caption = self.rich_text(payload.get("caption").unwrap_or(&Value::Null));
                let label = if caption.is_empty() {
                    escape(url)
                } else {
                    caption
                };
                let line = self.linked(label, url, LinkKind::NotionUrl);
                push_line(out, place.prefix, &line);
            }
            "child_page" | "child_database" => {
                let link_kind = if kind == "child_page" {
                    LinkKind::ChildPage
                } else {
                    LinkKind::ChildDatabase
                };
                let title = payload
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let id = block_id(block);
                let line = self.link_page(escape(title), &id, link_kind, None);
                push_line(out, place.prefix, &line);
            }
            "link_to_page" => {
                let target_kind = payload
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let target = payload.get(target_kind).and_then(Value::as_str);
                match target.and_then(ids::normalize) {
                    Some(id) => {
                        let line = self.link_page(String::new(), &id, LinkKind::LinkToPage, None);
                        push_line(out, place.prefix, &line);
                    }
                    None => unknown(kind, block, place, out),
                }
            }
            // An original holds its content; a reference's children are the original's
            // (Notion answers them for the reference): either way, the content in place.
            "synced_block" | "column_list" | "column" => self.sequence(children, place, out),
            "table" => self.table(payload, children, place, out),
            "table_of_contents" | "breadcrumb" => {
                push_line(out, place.prefix, &format!("<!-- {kind} -->"));
            }
            _ => unknown(kind, block, place, out),
        }
    }

    /// Children of a block that has no nesting of its own (a paragraph), indented as Notion
    /// shows them.
    fn nested(&mut self, children: &[Value], place: Place<'_>, out: &mut String) {
        if children.is_empty() {
            return;
        }
        push_line(out, place.prefix, "");
        self.sequence(children, place, out);
    }

    fn code(&mut self, payload: &Value, place: Place<'_>, out: &mut String) {
        let source = plain(payload.get("rich_text").unwrap_or(&Value::Null));
        let language = payload
            .get("language")
            .and_then(Value::as_str)
            .filter(|l| *l != "plain text")
            .unwrap_or_default()
            .replace(['`', ' ', '\n'], "-");
        let fence = "`".repeat(longest_run(&source, '`').max(2) + 1);
        push_line(out, place.prefix, &format!("{fence}{language}"));
        for line in source.lines() {
            push_line(out, place.prefix, line);
        }
        push_line(out, place.prefix, &fence);
        self.caption(payload, place, out);
    }

    fn media(&mut self, kind: &str, payload: &Value, place: Place<'_>, out: &mut String) {
        let source = payload
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let url = payload
            .get(source)
            .and_then(|s| s.get("url"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = payload.get("name").and_then(Value::as_str);
        let caption = plain(payload.get("caption").unwrap_or(&Value::Null));
        let label = match (name, caption.is_empty()) {
            (_, false) => escape(&caption),
            (Some(name), true) => escape(name),
            (None, true) => kind.to_owned(),
        };
        let bang = if kind == "image" { "!" } else { "" };
        push_line(
            out,
            place.prefix,
            &format!("{bang}[{label}]({})", destination(url)),
        );
        if kind != "image" {
            return;
        }
        self.caption(payload, place, out);
    }

    fn caption(&mut self, payload: &Value, place: Place<'_>, out: &mut String) {
        let caption = self.rich_text(payload.get("caption").unwrap_or(&Value::Null));
        if !caption.is_empty() {
            push_line(out, place.prefix, "");
            push_text(out, place.prefix, &format!("*{}*", caption.trim()));
        }
    }

    /// A table as a pipe table: the first row is the header when the table has one, else the
    /// header is left empty (pipe tables need one).
    fn table(&mut self, payload: &Value, rows: &[Value], place: Place<'_>, out: &mut String) {
        let mut cells: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| block_type(r) == "table_row")
            .map(|r| {
                let row = r.get("table_row").and_then(|t| t.get("cells"));
                let row = row
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                row.iter().map(|cell| self.cell(cell)).collect()
            })
            .collect();
        let width = payload
            .get("table_width")
            .and_then(Value::as_u64)
            .map_or(0, |w| w as usize)
            .max(cells.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        for row in &mut cells {
            row.resize(width, String::new());
        }
        let has_header = payload.get("has_column_header").and_then(Value::as_bool) == Some(true);
        let header = if has_header && !cells.is_empty() {
            cells.remove(0)
        } else {
            vec![String::new(); width]
        };
        let line = |row: &[String]| format!("| {} |", row.join(" | "));
        push_line(out, place.prefix, &line(&header));
        push_line(out, place.prefix, &line(&vec!["---".to_owned(); width]));
        for row in &cells {
            push_line(out, place.prefix, &line(row));
        }
    }

    fn cell(&mut self, cell: &Value) -> String {
        self.rich_text(cell)
            .replace("\r\n", "<br>")
            .replace('\n', "<br>")
    }
}

/// A block this code does not know: kept as a comment with its type and id, so that nothing is
/// dropped silently (its raw object is in `json/`).
fn unknown(kind: &str, block: &Value, place: Place<'_>, out: &mut String) {
    let kind = if kind.is_empty() { "untyped" } else { kind };
    let safe = |s: &str| s.replace("--", "- -").replace('>', "");
    let comment = format!(
        "<!-- notion block not converted: {} {} -->",
        safe(kind),
        safe(&block_id(block))
    );
    push_line(out, place.prefix, &comment);
}

fn block_type(block: &Value) -> &str {
    block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn block_id(block: &Value) -> String {
    let id = block.get("id").and_then(Value::as_str).unwrap_or_default();
    ids::normalize(id).unwrap_or_else(|| id.to_owned())
}

/// The children fetched beside the block, or (in the append-request shape some tools save)
/// inside its payload.
fn children(block: &Value) -> &[Value] {
    block
        .get("children")
        .or_else(|| block.get(block_type(block)).and_then(|p| p.get("children")))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// An empty paragraph: spacing in Notion, nothing in Markdown (blank lines collapse).
fn is_blank(block: &Value) -> bool {
    block_type(block) == "paragraph"
        && children(block).is_empty()
        && block
            .get("paragraph")
            .and_then(|p| p.get("rich_text"))
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
}

/// An emoji icon as text; a file or custom-emoji icon has none.
pub fn icon_text(icon: Option<&Value>) -> Option<String> {
    let icon = icon?;
    icon.get("emoji").and_then(Value::as_str).map(str::to_owned)
}

fn push_line(out: &mut String, prefix: &str, line: &str) {
    let full = format!("{prefix}{line}");
    out.push_str(full.trim_end());
    out.push('\n');
}

/// Text that may span lines, each line prefixed; a line start Markdown would read as a
/// heading, list or rule is escaped.
fn push_text(out: &mut String, prefix: &str, text: &str) {
    for line in text.split('\n') {
        push_line(out, prefix, &escape_line_start(line));
    }
}

/// Text that must stay on one line (a heading, a summary).
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace('\n', " ")
}

fn escape_line_start(line: &str) -> String {
    let trimmed = line.trim_start();
    let risky = trimmed.starts_with('#')
        || trimmed.starts_with("- ")
        || trimmed.starts_with("+ ")
        || trimmed == "-"
        || trimmed.starts_with("---")
        || trimmed.starts_with("===")
        || ordered_marker(trimmed);
    if risky && !trimmed.is_empty() {
        let lead = line.len() - trimmed.len();
        format!("{}\\{}", &line[..lead], trimmed)
    } else {
        line.to_owned()
    }
}

/// `12. ` or `3) ` at the start of a line.
fn ordered_marker(text: &str) -> bool {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(text[digits..].chars().next(), Some('.' | ')'))
}
