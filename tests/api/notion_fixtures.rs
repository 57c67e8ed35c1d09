//! Real Notion responses saved by public client libraries (`shared/fixtures/notion-real`):
//! every one parses, and the links in them are found.

use std::path::{Path, PathBuf};

use notion_graph::modules::notion::links::{self, Link, LinkKind};
use notion_graph::modules::notion::model::Object;
use proptest::prelude::*;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/notion-real")
}

/// Every recorded response body: the JSON files, and each response of each YAML cassette.
fn bodies() -> Vec<(String, String)> {
    let mut all = Vec::new();
    for entry in
        std::fs::read_dir(fixtures()).expect("the shared fixtures are beside the repository")
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => all.push((name, text)),
            Some("yaml") => {
                let cassette: Value = serde_norway::from_str(&text).unwrap();
                for (i, interaction) in cassette["interactions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .enumerate()
                {
                    let response = &interaction["response"];
                    let body = response["content"]
                        .as_str()
                        .or_else(|| response["body"]["string"].as_str());
                    all.push((
                        format!("{name}#{i}"),
                        body.expect("a recorded body").to_owned(),
                    ));
                }
            }
            _ => {}
        }
    }
    assert!(all.len() >= 25, "found only {} bodies", all.len());
    all
}

fn links_in(file: &str) -> Vec<Link> {
    let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
    links::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn targets(links: &[Link], kind: LinkKind) -> Vec<&str> {
    links
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| l.target.as_str())
        .collect()
}

#[test]
fn every_recorded_response_parses() {
    for (name, body) in bodies() {
        if name.contains("authorization-token") {
            continue; // an OAuth token response, not an API object; the OAuth tests read it
        }
        let parsed: Result<Object, _> = serde_json::from_str(&body);
        match parsed {
            Ok(Object::Unknown) => panic!("{name}: parsed as an unknown object"),
            Ok(_) => {}
            Err(error) => panic!("{name}: {error}"),
        }
    }
}

#[test]
fn a_page_mention_in_a_paragraph_is_found_and_other_mentions_are_not_links() {
    let found = links_in(
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_block_paragraph_mention_200.json",
    );
    assert_eq!(
        targets(&found, LinkKind::PageMention),
        ["f2acb677-c578-481e-878c-3603a3eaba3e"]
    );
    assert_eq!(
        found.len(),
        1,
        "user, date and link-preview mentions are not page links: {found:?}"
    );
    assert_eq!(found[0].source, "53283b85-2295-434a-b100-87c58f4153be");
}

#[test]
fn a_synced_block_reference_points_at_its_original() {
    let found = links_in(
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_block_synced_block_200.json",
    );
    assert_eq!(
        targets(&found, LinkKind::SyncedBlock),
        ["154ee1b6-887d-4408-b198-e88337a9aefe"]
    );
}

#[test]
fn relations_in_search_results_and_property_lists_are_found() {
    let found = links_in("brd6__notion-sdk-php__tests__Fixtures__client_search_200.json");
    assert_eq!(targets(&found, LinkKind::Relation).len(), 4, "{found:?}");
    let found = links_in(
        "jsaabel__kotlin-notion-client__src__test__resources__api__pages__get_retrieve_a_page_property_item_relation_list.json",
    );
    assert_eq!(
        targets(&found, LinkKind::Relation),
        [
            "00000000-0000-0000-0000-000000001000",
            "00000000-0000-0000-0000-000000001001"
        ]
    );
}

#[test]
fn data_source_rows_link_to_their_database() {
    let found = links_in(
        "kristaxlab__notion-sdk__src__test__resources__notion-json-examples__datasources__data-source-query-rs-filtered.json",
    );
    assert_eq!(
        targets(&found, LinkKind::DataSourceRow),
        ["264c5b96-8ec4-8036-99e8-f5c823b87261"; 3]
    );
}

#[test]
fn blocks_without_links_yield_none() {
    for file in [
        "brd6__notion-sdk-php__tests__fixtures__client_blocks_retrieve_block_children_default_200.json",
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_table_row_list_200.json",
        "brd6__notion-sdk-php__tests__Fixtures__client_blocks_retrieve_column_list_200.json",
    ] {
        assert_eq!(links_in(file), [], "{file}");
    }
}

#[test]
fn the_cli_prints_one_json_line_per_link_and_refuses_what_is_not_content() {
    let binary = crate::helpers::binary();
    let ok = std::process::Command::new(&binary)
        .args(["notion", "links"])
        .arg(fixtures().join("brd6__notion-sdk-php__tests__Fixtures__client_search_200.json"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let lines: Vec<Value> = String::from_utf8(ok.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["kind"], "relation");
    let refused =
        std::process::Command::new(&binary)
            .args(["notion", "links"])
            .arg(fixtures().join(
                "brd6__notion-sdk-php__tests__fixtures__client_request_retrieve_page_404.json",
            ))
            .output()
            .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("error response"));
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("page".to_owned()),
            Just("block".to_owned()),
            Just("list".to_owned()),
            Just("mention".to_owned()),
            Just("paragraph".to_owned()),
            Just("relation".to_owned()),
            Just("property_item".to_owned()),
            Just("data_source_id".to_owned()),
            Just("11111111-2222-3333-4444-555555555555".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::from),
    ];
    let keys = prop_oneof![
        Just("object"),
        Just("type"),
        Just("id"),
        Just("results"),
        Just("rich_text"),
        Just("mention"),
        Just("page"),
        Just("paragraph"),
        Just("properties"),
        Just("relation"),
        Just("parent"),
        Just("cells"),
        Just("table_row"),
        Just("synced_from"),
        Just("link_to_page"),
        Just("text"),
        Just("link"),
        Just("url"),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(keys.clone().prop_map(str::to_owned), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics_the_parser_or_the_extractor(value in arbitrary_json()) {
        let _ = links::from_json(&value.to_string());
    }
}
