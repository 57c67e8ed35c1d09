use super::*;
use crate::modules::graph::analysis::assemble;
use crate::modules::graph::model::{Graph, Node};
use crate::modules::graph::{BuildOptions, Metrics};

/// A snapshot of pages titled `titles`, their ids `000...0<i>`.
pub fn snapshot(titles: &[&str]) -> Snapshot {
    let nodes = titles
        .iter()
        .enumerate()
        .map(|(i, title)| Node {
            title: (*title).to_owned(),
            url: Some(format!("https://www.notion.so/{:032x}", i + 1)),
            kind: EntityKind::Page,
            dangling: false,
            ..Node::unknown(&id(i))
        })
        .collect();
    let graph = Graph {
        nodes,
        links: Vec::new(),
    };
    assemble(
        "w",
        graph,
        BuildOptions::default(),
        Metrics::default(),
        Vec::new(),
        None,
    )
}

pub fn id(i: usize) -> String {
    ids::normalize(&format!("{:032x}", i + 1)).unwrap()
}

fn index() -> TitleIndex {
    TitleIndex::new(&snapshot(&[
        "Roadmap",
        "Meeting notes",
        "Meeting notes",
        "Q3 planning notes",
        "Journal 7",
        "Journal 8",
        "Team wiki",
        "Roadmaps",
    ]))
}

fn found(name: &str) -> Option<String> {
    match index().resolve(&PageName::new(name)) {
        Resolution::Found(target) => Some(target.title),
        _ => None,
    }
}

fn candidates(name: &str) -> Vec<String> {
    match index().resolve(&PageName::new(name)) {
        Resolution::Ambiguous(list) => list.into_iter().map(|t| t.title).collect(),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn exact_then_any_case_then_fuzzy() {
    assert_eq!(found("Roadmap").as_deref(), Some("Roadmap"));
    assert_eq!(found("roadmap").as_deref(), Some("Roadmap"));
    assert_eq!(found("TEAM WIKI").as_deref(), Some("Team wiki"));
    assert_eq!(found("Team wikki").as_deref(), Some("Team wiki"));
    assert_eq!(found("the Team wiki page").as_deref(), Some("Team wiki"));
    assert_eq!(found("q3 plan").as_deref(), Some("Q3 planning notes"));
    assert_eq!(found("Nothing like it"), None);
}

#[test]
fn two_close_candidates_are_a_question_never_a_guess() {
    assert_eq!(
        candidates("Meeting notes"),
        ["Meeting notes", "Meeting notes"]
    );
    assert_eq!(candidates("journal"), ["Journal 7", "Journal 8"]);
    assert_eq!(candidates("Journal 9"), ["Journal 7", "Journal 8"]);
}

#[test]
fn notion_urls_and_ids_name_their_page() {
    let url = format!("https://www.notion.so/Team-wiki-{:032x}", 7);
    assert_eq!(found(&url).as_deref(), Some("Team wiki"));
    assert_eq!(found(&id(0)).as_deref(), Some("Roadmap"));
    assert_eq!(found(&id(0).replace('-', "")).as_deref(), Some("Roadmap"));
    assert_eq!(found(&format!("{:032x}", 99)), None);
}

#[test]
fn titles_are_escaped_in_markdown_links() {
    let target = Target {
        id: id(0),
        title: "*[x](javascript:alert(1))".into(),
        url: None,
        kind: EntityKind::Page,
    };
    assert_eq!(target.link(), "\\*\\[x\\]\\(javascript:alert\\(1\\)\\)");
}

#[test]
fn the_letter_counts_never_rule_out_a_title_within_the_typos_allowed() {
    let near = |a: &str, b: &str, edits| Letters::of(a).near(&Letters::of(b), edits);
    assert!(near("roadmap", "raodmap", 0), "a swap changes no count");
    assert!(near("roadmap", "roadmp", 1) && near("roadmap", "roadmaps", 1));
    assert!(
        near("roadmap", "roadmop", 1),
        "a substitution moves two counts"
    );
    assert!(!near("roadmap", "journal", 2));
    for (a, b) in [("meeting notes", "meetng nots"), ("q3 plan", "q3 pian")] {
        let edits = crate::modules::assistant::grammar::distance(a, b);
        assert!(near(a, b, edits), "{a} / {b}");
    }
    let title = Letters::of("q3 planning notes");
    assert!(title.has_all_of(&Letters::of("q3 plan")));
    assert!(!title.has_all_of(&Letters::of("q3 budget")));
}
