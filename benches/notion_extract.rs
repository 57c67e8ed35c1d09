//! Parse-and-extract throughput: a 1 MB block list (paragraphs, list items, tables and media
//! with mentions, Notion URLs and plain text, as a real page has) parsed into typed blocks and
//! turned into links. Prints MB/s.

use std::time::Instant;

use notion_graph::modules::notion::links;
use notion_graph::modules::notion::model::{Block, List};
use serde_json::{Value, json};

fn id(n: usize) -> String {
    format!("{n:08x}-1111-4222-8333-{n:012x}")
}

fn text(n: usize) -> Value {
    json!([
        {"type": "text", "text": {"content": "Some words about the plan ", "link": null},
         "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
         "plain_text": "Some words about the plan ", "href": null},
        {"type": "mention", "mention": {"type": "page", "page": {"id": id(n + 1)}},
         "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
         "plain_text": "Roadmap", "href": format!("https://www.notion.so/{}", id(n + 1).replace('-', ""))},
        {"type": "text", "text": {"content": " and a link", "link": {"url": format!("https://www.notion.so/Spec-{}", id(n + 2).replace('-', ""))}},
         "annotations": {"bold": true, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
         "plain_text": " and a link", "href": null}
    ])
}

fn block(n: usize) -> Value {
    let kind = [
        "paragraph",
        "bulleted_list_item",
        "heading_2",
        "to_do",
        "callout",
    ][n % 5];
    json!({
        "object": "block", "id": id(n), "parent": {"type": "page_id", "page_id": id(0)},
        "created_time": "2025-10-05T10:54:00.000Z", "last_edited_time": "2025-10-05T10:54:00.000Z",
        "created_by": {"object": "user", "id": id(7)}, "last_edited_by": {"object": "user", "id": id(7)},
        "has_children": n.is_multiple_of(7), "archived": false, "in_trash": false, "type": kind,
        kind: {"rich_text": text(n), "color": "default"}
    })
}

fn main() {
    let mut results = Vec::new();
    let mut body = String::new();
    while body.len() < 1_000_000 {
        results.push(block(results.len()));
        body = json!({"object": "list", "results": results, "next_cursor": null, "has_more": false, "type": "block", "block": {}}).to_string();
    }
    let rounds = 50;
    let started = Instant::now();
    let mut found = 0;
    for _ in 0..rounds {
        let list: List<Block> = serde_json::from_slice(body.as_bytes()).expect("parses");
        found += list
            .results
            .iter()
            .map(|b| links::from_block(b).len())
            .sum::<usize>();
    }
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = (body.len() * rounds) as f64 / 1e6;
    println!(
        "parse+extract: {:.1} MB/s ({} blocks, {:.2} MB per list, {} links per list)",
        megabytes / seconds,
        results.len(),
        body.len() as f64 / 1e6,
        found / rounds
    );
}
