//! The renderer against real Notion responses (`shared/fixtures/notion-real`) and, for the
//! block types those do not hold, objects in Notion's documented shape.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};

use super::*;

struct Known(HashMap<String, Target>);

impl Targets for Known {
    fn target(&self, id: &str) -> Option<Target> {
        self.0.get(id).cloned()
    }
}

const ROADMAP: &str = "11111111-2222-3333-4444-555555555555";
const DOCS: &str = "22222222-2222-3333-4444-555555555555";
const OUTSIDE: &str = "99999999-2222-3333-4444-555555555555";

fn targets() -> Known {
    let target = |href: &str, title: &str| Target {
        href: href.into(),
        title: title.into(),
    };
    Known(HashMap::from([
        (
            ROADMAP.to_owned(),
            target("../Plans/Road%20map.md", "Road map"),
        ),
        (DOCS.to_owned(), target("Docs/_database.md", "Docs")),
    ]))
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/notion-real")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

fn render(blocks: &[Value]) -> (String, Vec<FoundLink>) {
    let targets = targets();
    let mut renderer = Renderer::new(&targets);
    let body = renderer.blocks(blocks);
    (body, renderer.into_links())
}

fn text(content: &str) -> Value {
    json!([{ "type": "text", "text": { "content": content, "link": null },
        "annotations": { "bold": false, "italic": false, "strikethrough": false,
            "underline": false, "code": false, "color": "default" },
        "plain_text": content, "href": null }])
}

fn block(kind: &str, payload: Value) -> Value {
    json!({ "object": "block", "id": "aaaaaaaa-0000-0000-0000-000000000001", "type": kind,
        "has_children": false, kind: payload })
}

#[test]
fn the_getting_started_page_renders_with_its_annotations_and_links() {
    let list = fixture(
        "brd6__notion-sdk-php__tests__fixtures__client_blocks_retrieve_block_children_default_200.json",
    );
    let blocks = list["results"].as_array().unwrap();
    let (body, links) = render(blocks);
    assert!(body.starts_with("👋 Welcome to Notion!\n"), "{body}");
    assert!(body.contains("# Heading 1 test\n"), "{body}");
    assert!(
        body.contains("- [x] Click anywhere and just start typing\n- [ ] Hit `/` to"),
        "{body}"
    );
    assert!(body.contains("**"), "bold runs: {body}");
    assert!(body.contains("~~"), "struck runs: {body}");
    assert!(
        body.contains(
            "**style** *your* ~~writing~~ `however` [you](https://www.notion.so/product)"
        ),
        "{body}"
    );
    assert!(
        body.contains("<details><summary>This is a toggle block."),
        "{body}"
    );
    assert!(
        body.contains("[1 minute](https://youtu.be/"),
        "videos as links: {body}"
    );
    assert!(body.contains("](https://"), "text links kept: {body}");
    assert!(!body.contains("not converted"), "every type known: {body}");
    assert!(
        !body.contains("\n\n\n"),
        "empty paragraphs collapse: {body}"
    );
    assert!(links.iter().all(|l| l.kind == "notion_url"), "{links:?}");
}

#[test]
fn columns_flatten_in_order_and_synced_references_render_their_content() {
    let column_list = fixture(
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_column_list_200.json",
    );
    let mut columns = column_list.clone();
    columns["column_list"]["children"][0]["column"]["children"] =
        json!([block("paragraph", json!({ "rich_text": text("left") })),]);
    let mut second = columns["column_list"]["children"][0].clone();
    second["column"]["children"] =
        json!([block("paragraph", json!({ "rich_text": text("right") }))]);
    columns["column_list"]["children"]
        .as_array_mut()
        .unwrap()
        .push(second);
    let (body, _) = render(&[columns]);
    assert_eq!(body, "left\n\nright\n");
    let (empty, _) = render(&[column_list]);
    assert_eq!(empty, "", "an empty column holds nothing");

    let mut synced = fixture(
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_block_synced_block_200.json",
    );
    assert!(synced["synced_block"]["synced_from"]["block_id"].is_string());
    synced["children"] = json!([block("quote", json!({ "rich_text": text("shared words") }))]);
    let (body, _) = render(&[synced]);
    assert_eq!(body, "> shared words\n");
}

#[test]
fn tables_render_as_pipe_tables_with_empty_cells_kept() {
    let rows = fixture(
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_table_row_list_200.json",
    );
    let mut table = block(
        "table",
        json!({ "table_width": 3, "has_column_header": true, "has_row_header": false }),
    );
    table["children"] = rows["results"].clone();
    let (body, _) = render(&[table]);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "| Header 1 | Header 2 |  |", "{body}");
    assert_eq!(lines[1], "| --- | --- | --- |");
    assert_eq!(
        lines.len(),
        1 + rows["results"].as_array().unwrap().len(),
        "{body}"
    );
    assert!(body.contains("hello") && body.contains("world"), "{body}");
    assert!(
        lines.iter().all(|l| l.matches(" | ").count() == 2),
        "3 cells a row: {body}"
    );
}

#[test]
fn every_block_type_the_client_models_has_a_rendering() {
    let mention = json!([
        { "type": "mention", "mention": { "type": "page", "page": { "id": ROADMAP } }, "plain_text": "Road map", "href": "https://www.notion.so/11111111222233334444555555555555" },
        { "type": "text", "text": { "content": " and " }, "plain_text": " and ", "href": null },
        { "type": "mention", "mention": { "type": "page", "page": { "id": OUTSIDE } }, "plain_text": "Secret", "href": null },
        { "type": "equation", "equation": { "expression": "e=mc^2" }, "plain_text": "e=mc^2" },
    ]);
    let nested_item = block("bulleted_list_item", json!({ "rich_text": text("inner") }));
    let mut outer = block("bulleted_list_item", json!({ "rich_text": text("outer") }));
    outer["children"] = json!([nested_item]);
    let mut toggle_heading = block(
        "heading_2",
        json!({ "rich_text": text("Section"), "is_toggleable": true }),
    );
    toggle_heading["children"] =
        json!([block("paragraph", json!({ "rich_text": text("hidden") }))]);
    let blocks = vec![
        block("heading_1", json!({ "rich_text": text("One") })),
        toggle_heading,
        block("heading_3", json!({ "rich_text": text("Three") })),
        block("paragraph", json!({ "rich_text": mention })),
        outer,
        block("numbered_list_item", json!({ "rich_text": text("first") })),
        block("numbered_list_item", json!({ "rich_text": text("second") })),
        block(
            "to_do",
            json!({ "rich_text": text("done"), "checked": true }),
        ),
        block("quote", json!({ "rich_text": text("quoted") })),
        block(
            "callout",
            json!({ "rich_text": text("careful"), "icon": { "type": "emoji", "emoji": "💡" } }),
        ),
        block(
            "code",
            json!({ "rich_text": text("fn main() {}\n// ```"), "language": "rust", "caption": [] }),
        ),
        block("equation", json!({ "expression": "a^2+b^2=c^2" })),
        block("divider", json!({})),
        block(
            "image",
            json!({ "type": "external", "external": { "url": "https://img.example/a b.png" }, "caption": text("A picture") }),
        ),
        block(
            "file",
            json!({ "type": "file", "file": { "url": "https://files.example/f.pdf", "expiry_time": "2030-01-01T00:00:00.000Z" }, "caption": [], "name": "report.pdf" }),
        ),
        block(
            "pdf",
            json!({ "type": "external", "external": { "url": "https://files.example/g.pdf" }, "caption": [] }),
        ),
        block(
            "audio",
            json!({ "type": "external", "external": { "url": "https://files.example/a.mp3" }, "caption": [] }),
        ),
        block(
            "video",
            json!({ "type": "external", "external": { "url": "https://video.example/v" }, "caption": [] }),
        ),
        block(
            "bookmark",
            json!({ "url": "https://www.notion.so/Road-map-11111111222233334444555555555555", "caption": [] }),
        ),
        block(
            "embed",
            json!({ "url": "https://maps.example/embed", "caption": [] }),
        ),
        block(
            "link_preview",
            json!({ "url": "https://github.com/x/y/pull/1" }),
        ),
        json!({ "object": "block", "id": DOCS, "type": "child_database", "child_database": { "title": "Docs" } }),
        json!({ "object": "block", "id": OUTSIDE, "type": "child_page", "child_page": { "title": "Hidden child" } }),
        block(
            "link_to_page",
            json!({ "type": "page_id", "page_id": ROADMAP }),
        ),
        block("table_of_contents", json!({ "color": "default" })),
        block("breadcrumb", json!({})),
        block("template", json!({ "rich_text": text("Add a task") })),
        block("unsupported", json!({})),
        block("ai_block", json!({ "prompt": "--> x" })),
    ];
    let (body, links) = render(&blocks);
    let expect = [
        "# One\n",
        "## Section\n\nhidden\n",
        "### Three\n",
        "[Road map](../Plans/Road%20map.md) and [Secret](https://www.notion.so/99999999222233334444555555555555)$e=mc^2$",
        "- outer\n  - inner\n",
        "1. first\n2. second\n",
        "- [x] done\n",
        "> quoted\n",
        "> 💡 careful\n",
        "````rust\nfn main() {}\n// ```\n````\n",
        "$$\na^2+b^2=c^2\n$$\n",
        "\n---\n",
        "![A picture](https://img.example/a%20b.png)\n\n*A picture*\n",
        "[report.pdf](https://files.example/f.pdf)\n",
        "[pdf](https://files.example/g.pdf)\n",
        "[audio](https://files.example/a.mp3)\n",
        "[video](https://video.example/v)\n",
        "[https://www.notion.so/Road-map-11111111222233334444555555555555](../Plans/Road%20map.md)\n",
        "[https://maps.example/embed](https://maps.example/embed)\n",
        "[https://github.com/x/y/pull/1](https://github.com/x/y/pull/1)\n",
        "[Docs](Docs/_database.md)\n",
        "[Hidden child](https://www.notion.so/99999999222233334444555555555555)\n",
        "[Road map](../Plans/Road%20map.md)\n",
        "<!-- table_of_contents -->\n",
        "<!-- breadcrumb -->\n",
        "Add a task\n",
        "<!-- notion block not converted: unsupported aaaaaaaa-0000-0000-0000-000000000001 -->\n",
        "<!-- notion block not converted: ai_block aaaaaaaa-0000-0000-0000-000000000001 -->\n",
    ];
    for piece in expect {
        assert!(body.contains(piece), "missing {piece:?} in:\n{body}");
    }
    let kinds: Vec<(&str, &str)> = links.iter().map(|l| (l.kind, l.id.as_str())).collect();
    assert!(kinds.contains(&("page_mention", ROADMAP)), "{kinds:?}");
    assert!(kinds.contains(&("page_mention", OUTSIDE)), "{kinds:?}");
    assert!(kinds.contains(&("child_database", DOCS)), "{kinds:?}");
    assert!(kinds.contains(&("child_page", OUTSIDE)), "{kinds:?}");
    assert!(kinds.contains(&("link_to_page", ROADMAP)), "{kinds:?}");
    assert!(kinds.contains(&("notion_url", ROADMAP)), "{kinds:?}");
    let outside = links.iter().find(|l| l.id == OUTSIDE).unwrap();
    assert_eq!(outside.path, None, "a page outside the export has no path");
}

#[test]
fn text_that_looks_like_markup_is_escaped() {
    let blocks = [
        block("paragraph", json!({ "rich_text": text("# not a heading") })),
        block(
            "paragraph",
            json!({ "rich_text": text("1. not a list *nor bold* [nor](link)") }),
        ),
        block(
            "bulleted_list_item",
            json!({ "rich_text": text("- dash inside") }),
        ),
    ];
    let (body, _) = render(&blocks);
    assert_eq!(
        body,
        "\\# not a heading\n\n\\1. not a list \\*nor bold\\* \\[nor\\](link)\n\n- \\- dash inside\n"
    );
}

#[test]
fn annotations_keep_spaces_outside_their_markers() {
    let runs = json!([
        { "type": "text", "plain_text": "bold ", "annotations": { "bold": true } },
        { "type": "text", "plain_text": "both", "annotations": { "bold": true, "italic": true } },
        { "type": "text", "plain_text": " under", "annotations": { "underline": true } },
        { "type": "text", "plain_text": "a`b", "annotations": { "code": true } },
    ]);
    let targets = targets();
    let mut renderer = Renderer::new(&targets);
    assert_eq!(
        renderer.rich_text(&runs),
        "**bold** ***both*** <u>under</u>``a`b``"
    );
}

#[test]
fn a_page_of_the_real_search_results_has_typed_front_matter_that_yaml_reads() {
    let search = fixture("brd6__notion-sdk-php__tests__Fixtures__client_search_200.json");
    let results = search["results"].as_array().unwrap();
    let mut checked = 0;
    for page in results.iter().filter(|r| r["object"] == "page") {
        let meta = Meta {
            id: page["id"].as_str().unwrap().to_owned(),
            title: "Tïtle: \"quoted\" — 🚀\nnext".into(),
            url: page["url"].as_str().map(str::to_owned),
            parent: Some((ROADMAP.to_owned(), Some("../Road map.md".into()))),
            created: page["created_time"].as_str().map(str::to_owned),
            last_edited: page["last_edited_time"].as_str().map(str::to_owned),
            icon: page.get("icon").cloned().filter(|i| !i.is_null()),
        };
        let document = super::page(&meta, page, &[], &targets());
        let yaml = document
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(yaml, _)| yaml)
            .expect("front matter");
        let parsed: serde_norway::Value = serde_norway::from_str(yaml).expect("valid YAML");
        assert_eq!(parsed["id"].as_str(), Some(meta.id.as_str()));
        assert_eq!(parsed["title"].as_str(), Some(meta.title.as_str()));
        assert_eq!(parsed["parent"]["path"].as_str(), Some("../Road map.md"));
        let names = page["properties"].as_object().unwrap();
        let properties = parsed["properties"].as_mapping().expect("properties");
        assert_eq!(properties.len(), names.len());
        for (name, property) in names {
            let typed = &properties[name.as_str()];
            match property["type"].as_str().unwrap() {
                "number" if !property["number"].is_null() => assert!(typed.is_number(), "{name}"),
                "multi_select" | "people" | "relation" | "files" => {
                    assert!(typed.is_sequence(), "{name}: {typed:?}")
                }
                "title" | "rich_text" => assert!(typed.is_string(), "{name}"),
                _ => {}
            }
        }
        assert!(
            document.contains("\n# Tïtle: \"quoted\" — 🚀 next\n"),
            "{document}"
        );
        checked += 1;
    }
    assert!(checked >= 10, "{checked} pages checked");
}

#[test]
fn relations_become_links_and_selects_their_names() {
    let page = json!({ "properties": {
        "Tags": { "type": "multi_select", "multi_select": [{ "name": "a" }, { "name": "b" }] },
        "Stage": { "type": "select", "select": { "name": "Done" } },
        "Due": { "type": "date", "date": { "start": "2024-01-01", "end": null } },
        "Span": { "type": "date", "date": { "start": "2024-01-01", "end": "2024-01-02" } },
        "Score": { "type": "formula", "formula": { "type": "number", "number": 3 } },
        "Id": { "type": "unique_id", "unique_id": { "prefix": "T", "number": 7 } },
        "See": { "type": "relation", "relation": [{ "id": ROADMAP }, { "id": OUTSIDE }] },
    }});
    let targets = targets();
    let mut renderer = Renderer::new(&targets);
    let typed = typed_properties(page.get("properties"), &mut renderer);
    assert_eq!(typed["Tags"], json!(["a", "b"]));
    assert_eq!(typed["Stage"], json!("Done"));
    assert_eq!(typed["Due"], json!("2024-01-01"));
    assert_eq!(
        typed["Span"],
        json!({ "start": "2024-01-01", "end": "2024-01-02" })
    );
    assert_eq!(typed["Score"], json!(3));
    assert_eq!(typed["Id"], json!("T-7"));
    assert_eq!(cell_text(&typed["Tags"]), "a, b");
    let links = renderer.into_links();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].path.as_deref(), Some("../Plans/Road%20map.md"));
    assert_eq!(links[1].path, None);
}
