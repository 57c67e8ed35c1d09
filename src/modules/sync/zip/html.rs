//! A page of Notion's "HTML" export rewritten as the "Markdown & CSV" export writes it
//! (`# Title`, `Name: value` property lines, the body as Markdown), so that both formats
//! become content through one reader ([`super::content`]). Covers what Notion's HTML holds:
//! paragraphs, headings, lists (nested), quotes, code, dividers, links and emphasis; other
//! markup keeps its text. Pure.

use super::parse::{between, strip_tags, unescape};

/// `text`, an HTML page of the export, as Markdown.
pub fn to_markdown(text: &str) -> String {
    let title = between(text, "<h1 class=\"page-title\">", "</h1>")
        .map(|t| unescape(&strip_tags(t)).trim().to_owned())
        .unwrap_or_default();
    let mut out = format!("# {title}\n\n");
    if let Some(table) = between(text, "<table class=\"properties\">", "</table>") {
        for row in table.split("</tr>") {
            let name = between(row, "<th", "</th>").and_then(|t| t.split_once('>'));
            let value = between(row, "<td", "</td>").and_then(|t| t.split_once('>'));
            if let (Some((_, name)), Some((_, value))) = (name, value) {
                let name = unescape(&strip_tags(name));
                out.push_str(&format!("{}: {}\n", name.trim(), inline(value).trim()));
            }
        }
        out.push('\n');
    }
    let body = text
        .find("<div class=\"page-body\">")
        .map_or("", |at| &text[at..]);
    let body = body.split("</article>").next().unwrap_or(body);
    out.push_str(&Writer::default().body(body));
    out
}

/// HTML inline markup as inline Markdown, on one line.
fn inline(html: &str) -> String {
    let mut writer = Writer::default();
    writer.walk(html);
    writer.line.trim().to_owned()
}

/// Writes the body line by line: a block element ends the line it was on.
#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    line: String,
    /// `ul` or `ol` per open list, innermost last.
    lists: Vec<&'static str>,
    quote: bool,
    pre: bool,
    links: Vec<String>,
}

impl Writer {
    fn body(mut self, html: &str) -> String {
        self.walk(html);
        self.end_line();
        self.lines.join("\n") + "\n"
    }

    fn walk(&mut self, html: &str) {
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            self.text(&rest[..open]);
            let Some(close) = rest[open..].find('>') else {
                break;
            };
            self.tag(&rest[open + 1..open + close]);
            rest = &rest[open + close + 1..];
        }
        self.text(rest);
    }

    fn text(&mut self, text: &str) {
        let text = unescape(text);
        if self.pre {
            self.line.push_str(&text);
            return;
        }
        let mut escaped = String::new();
        for c in text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
        {
            if matches!(c, '*' | '`' | '[' | ']' | '~' | '\\') {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        let starts = self.line.is_empty() || self.line.ends_with(' ');
        let spaced = text.starts_with(char::is_whitespace) && !starts;
        if spaced {
            self.line.push(' ');
        }
        self.line.push_str(&escaped);
        if text.ends_with(char::is_whitespace) && !escaped.is_empty() {
            self.line.push(' ');
        }
    }

    fn tag(&mut self, tag: &str) {
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        match (name.as_str(), closing) {
            ("strong" | "b", _) => self.line.push_str("**"),
            ("em" | "i", _) => self.line.push('*'),
            ("del" | "s", _) => self.line.push_str("~~"),
            ("code", _) if !self.pre => self.line.push('`'),
            ("a", false) => {
                let href = between(tag, "href=\"", "\"").map(unescape);
                self.links.push(href.unwrap_or_default());
                self.line.push('[');
            }
            ("a", true) => {
                let href = self.links.pop().unwrap_or_default();
                self.line.push_str(&format!("]({href})"));
            }
            ("ul" | "ol", false) => {
                self.end_line();
                self.lists.push(if name == "ul" { "- " } else { "1. " });
            }
            ("ul" | "ol", true) => {
                self.end_line();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.lines.push(String::new());
                }
            }
            ("li", false) => {
                self.end_line();
                let depth = self.lists.len().saturating_sub(1);
                let marker = self.lists.last().copied().unwrap_or("- ");
                self.line = format!("{}{marker}", "    ".repeat(depth));
            }
            ("pre", false) => {
                self.end_line();
                self.lines.push("```".into());
                self.pre = true;
            }
            ("pre", true) => {
                self.end_line();
                self.pre = false;
                self.lines.extend(["```".into(), String::new()]);
            }
            ("blockquote", closing) => {
                self.end_line();
                self.quote = !closing;
            }
            ("hr", _) => {
                self.end_line();
                self.lines.push("---".into());
                self.lines.push(String::new());
            }
            ("h1" | "h2" | "h3", false) => {
                self.end_line();
                let level = name[1..].parse().unwrap_or(1);
                self.line = format!("{} ", "#".repeat(level));
            }
            (
                "p" | "div" | "h1" | "h2" | "h3" | "br" | "figure" | "tr" | "details" | "summary",
                _,
            ) => self.end_line(),
            _ => {}
        }
    }

    /// Ends the current line; outside lists, a blank line after it ends its block.
    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        if self.pre {
            self.lines.push(line);
            return;
        }
        let text = line.trim_end();
        let marker_only = self.lists.iter().any(|m| text.trim() == m.trim());
        if text.trim().is_empty() || marker_only {
            return;
        }
        let prefix = if self.quote { "> " } else { "" };
        self.lines.push(format!("{prefix}{text}"));
        if self.lists.is_empty() {
            self.lines.push(String::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "11111111222233334444555555555555";

    #[test]
    fn an_html_page_reads_as_the_markdown_export_writes_it() {
        let html = format!(
            "<html><body><article id=\"x\"><header><h1 class=\"page-title\">Fix &amp; login</h1>\
             <table class=\"properties\"><tbody><tr><th>Status</th><td>Done</td></tr>\
             <tr><th>Blocked by</th><td><a href=\"Other%20{A}.html\">Other</a></td></tr></tbody></table></header>\
             <div class=\"page-body\"><h2>Goals</h2><p>Some <strong>bold</strong> text, 2 * 3.</p>\
             <ul><li>one<ul><li>nested</li></ul></li></ul><blockquote>quoted</blockquote>\
             <pre><code>let x = 1;</code></pre><hr/></div></article></body></html>"
        );
        assert_eq!(
            to_markdown(&html),
            format!(
                "# Fix & login\n\nStatus: Done\nBlocked by: [Other](Other%20{A}.html)\n\n\
                 ## Goals\n\nSome **bold** text, 2 \\* 3.\n\n- one\n    - nested\n\n> quoted\n\n\
                 ```\nlet x = 1;\n```\n\n---\n\n"
            )
        );
    }
}
