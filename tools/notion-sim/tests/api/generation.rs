//! The generated workspace: determinism and coverage of every construct.

use std::collections::BTreeSet;

use notion_sim::{EDGE_KINDS, Truth, generate};

#[test]
fn the_same_seed_gives_the_same_truth_and_another_seed_another() {
    let a = Truth::of(&generate(11, 300));
    let b = Truth::of(&generate(11, 300));
    let c = Truth::of(&generate(12, 300));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_300_page_workspace_has_every_edge_kind() {
    for seed in 1..6 {
        let truth = Truth::of(&generate(seed, 300));
        let kinds: BTreeSet<&str> = truth.edges.iter().map(|e| e.kind.as_str()).collect();
        for kind in EDGE_KINDS {
            assert!(
                kinds.contains(kind),
                "seed {seed}: missing edge kind {kind}"
            );
        }
    }
    let truth = Truth::of(&generate(3, 300));
    for kind in ["page", "database", "data_source", "row"] {
        assert!(truth.pages.iter().any(|p| p.kind == kind), "missing {kind}");
    }
    assert!(
        truth.pages.iter().any(|p| !p.shared),
        "some pages are not shared"
    );
    assert!(
        truth.pages.iter().any(|p| p.trashed),
        "some pages are trashed"
    );
    assert!(
        truth.pages.iter().any(|p| !p.in_search),
        "search misses some pages"
    );
    assert_eq!(
        truth
            .pages
            .iter()
            .filter(|p| p.kind == "page" || p.kind == "row")
            .count(),
        300
    );
}

#[test]
fn relations_overflow_25_and_100_targets_on_a_readable_row() {
    for seed in 1..8 {
        let truth = Truth::of(&generate(seed, 300));
        let mut per_source = std::collections::HashMap::<&str, usize>::new();
        for e in truth.edges.iter().filter(|e| e.kind == "relation") {
            *per_source.entry(&e.source).or_default() += 1;
        }
        let readable = |id: &str| {
            truth
                .pages
                .iter()
                .any(|p| p.id == id && p.shared && !p.trashed)
        };
        let biggest = per_source
            .iter()
            .filter(|(id, _)| readable(id))
            .map(|(_, n)| *n)
            .max()
            .unwrap();
        assert!(
            biggest > 100,
            "seed {seed}: a readable row relates to over 100 pages"
        );
        assert!(per_source.values().any(|n| *n > 25 && *n <= 100));
    }
}

#[test]
fn ids_are_lowercase_dashed_uuids() {
    let truth = Truth::of(&generate(5, 120));
    for id in truth
        .pages
        .iter()
        .map(|p| &p.id)
        .chain(truth.edges.iter().map(|e| &e.target))
    {
        assert_eq!(id.len(), 36);
        assert_eq!(id, &id.to_lowercase());
        assert_eq!(id.matches('-').count(), 4);
    }
}

#[test]
fn tiny_workspaces_generate() {
    for pages in [1, 2, 5, 29] {
        let truth = Truth::of(&generate(1, pages));
        assert!(!truth.pages.is_empty());
    }
}
