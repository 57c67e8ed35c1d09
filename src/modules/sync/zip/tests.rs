//! Zips made here in both of Notion's export formats (nested in an outer zip, as Notion ships
//! a large export), and hostile zips, read through [`super::read`].

use std::io::Write;

use zip::write::SimpleFileOptions;

use super::{ZipError, read};
use crate::modules::notion::links::LinkKind;
use crate::modules::sync::model::EntityKind;

const A: &str = "a0000000000000000000000000000001";
const B: &str = "b0000000000000000000000000000002";
const C: &str = "c0000000000000000000000000000003";
const D: &str = "d0000000000000000000000000000004";
const E: &str = "e0000000000000000000000000000005";
const F: &str = "f0000000000000000000000000000006";

fn id(hex: &str) -> String {
    crate::modules::notion::ids::normalize(hex).unwrap()
}

fn zip_bytes(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A file holding `bytes`, in a folder of its own (nested zips are copied beside it).
fn upload(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.zip");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn markdown_export() -> Vec<(&'static str, Vec<u8>)> {
    let files = [
        (
            format!("Export-1/Home {A}.md"),
            format!(
                "# Home\n\nSee [Notes](Notes%20{B}.md), [the tasks](Home/Tasks%20{D}.csv).\n\n[Child](Home/Child%20{C}.md)\n"
            ),
        ),
        // A folder without the id, as recent exports name them.
        (
            format!("Export-1/Home/Child {C}.md"),
            format!("# Child\n\nBack to [Home](../Home%20{A}.md)\n"),
        ),
        (
            format!("Export-1/Home/Tasks {D}.csv"),
            "Name,Status\nRow one,Done\n".into(),
        ),
        (
            format!("Export-1/Home/Tasks {D}_all.csv"),
            "Name,Status\nRow one,Done\n".into(),
        ),
        (
            format!("Export-1/Home/Tasks/Row one {E}.md"),
            format!(
                "# Row one\n\nStatus: Done\nBlocked by: Notes (../../Notes%20{B}.md)\n\nAsks [Gone](https://www.notion.so/{F}?pvs=21)\n"
            ),
        ),
        (
            format!("Export-1/Notes {B}.md"),
            "# Notes\n\nNothing.\n".into(),
        ),
        ("Export-1/Home/diagram.png".into(), "\u{89}PNG".into()),
    ];
    files
        .into_iter()
        .map(|(n, b)| (&*n.leak(), b.into_bytes()))
        .collect()
}

fn html_export() -> Vec<(&'static str, Vec<u8>)> {
    let page = |hex: &str, title: &str, properties: &str, body: &str| {
        format!(
            "<html><head><title>{title}</title></head><body><article id=\"{}\" class=\"page sans\"><header>\
             <h1 class=\"page-title\">{title}</h1>{properties}</header><div class=\"page-body\">{body}</div></article></body></html>",
            id(hex)
        )
    };
    let files = [
        (
            format!("Home {A}.html"),
            page(
                A,
                "Home",
                "",
                &format!(
                    "<a href=\"Notes%20{B}.html\">Notes</a><a href=\"Home%20{A}/Tasks%20{D}.html\">Tasks</a>\
                     <figure class=\"link-to-page\"><a href=\"Home%20{A}/Child%20{C}.html\">Child</a></figure>"
                ),
            ),
        ),
        (
            format!("Home {A}/Child {C}.html"),
            page(
                C,
                "Child",
                "",
                &format!("<a href=\"../Home%20{A}.html\">Home</a>"),
            ),
        ),
        (
            format!("Home {A}/Tasks {D}.html"),
            format!(
                "<html><body><article id=\"{}\"><h1 class=\"page-title\">Tasks</h1><table class=\"collection-content\">\
                 <tr><td><a href=\"Tasks%20{D}/Row%20one%20{E}.html\">Row one</a></td></tr></table></article></body></html>",
                id(D)
            ),
        ),
        (
            format!("Home {A}/Tasks {D}/Row one {E}.html"),
            page(
                E,
                "Row one",
                &format!(
                    "<table class=\"properties\"><tr><th>Blocked by</th><td><a href=\"../../Notes%20{B}.html\">Notes</a></td></tr></table>"
                ),
                &format!("<a href=\"https://www.notion.so/{F}?pvs=21\">Gone</a>"),
            ),
        ),
        (
            format!("Notes {B}.html"),
            page(B, "Notes", "", "<p>Nothing.</p>"),
        ),
    ];
    files
        .into_iter()
        .map(|(n, b)| (&*n.leak(), b.into_bytes()))
        .collect()
}

/// Checks the workspace both formats describe.
fn assert_workspace(workspace: &super::tree::Workspace) {
    let entity = |hex: &str| {
        workspace
            .entities
            .iter()
            .find(|e| e.notion_id == id(hex))
            .unwrap_or_else(|| panic!("{hex} missing"))
    };
    let expected = [
        (A, EntityKind::Page, "Home", None),
        (C, EntityKind::Page, "Child", Some(A)),
        (D, EntityKind::Database, "Tasks", Some(A)),
        (E, EntityKind::Row, "Row one", Some(D)),
        (B, EntityKind::Page, "Notes", None),
    ];
    for (hex, kind, title, parent) in expected {
        let e = entity(hex);
        assert_eq!(
            (e.kind, e.title.as_str(), e.parent.clone(), e.shared),
            (kind, title, parent.map(id), true),
            "{hex}"
        );
    }
    let gone = entity(F);
    assert_eq!((gone.kind, gone.shared), (EntityKind::Unknown, false));
    let mut edges: Vec<(String, String, LinkKind)> = workspace
        .edges
        .values()
        .map(|e| (e.source.clone(), e.target.clone(), e.kind))
        .collect();
    edges.sort();
    let mut expected = vec![
        (id(A), id(B), LinkKind::PageMention),
        (id(A), id(C), LinkKind::ChildPage),
        (id(A), id(D), LinkKind::ChildDatabase),
        (id(C), id(A), LinkKind::PageMention),
        (id(D), id(E), LinkKind::DataSourceRow),
        (id(E), id(B), LinkKind::Relation),
        (id(E), id(F), LinkKind::PageMention),
    ];
    expected.sort();
    assert_eq!(edges, expected);
}

#[test]
fn a_markdown_export_nested_in_a_zip_gives_pages_hierarchy_rows_and_links() {
    let inner = zip_bytes(&markdown_export());
    let outer = zip_bytes(&[("Export-1-Part-1.zip", inner)]);
    let (_dir, path) = upload(&outer);
    let workspace = read(&path, "zip-test", 1 << 30).unwrap();
    assert_workspace(&workspace);
    assert_eq!(workspace.top_title.as_deref(), Some("Export-1"));
    let left: Vec<_> = std::fs::read_dir(_dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "the nested zip's copy is removed");
}

#[test]
fn an_html_export_gives_the_same_workspace() {
    let (_dir, path) = upload(&zip_bytes(&html_export()));
    assert_workspace(&read(&path, "zip-test", 1 << 30).unwrap());
}

fn refusal(bytes: &[u8], expanded: u64) -> ZipError {
    let (_dir, path) = upload(bytes);
    read(&path, "zip-test", expanded).expect_err("refused")
}

#[test]
fn hostile_zips_are_refused_with_what_is_wrong() {
    let traversal = zip_bytes(&[(&format!("../../etc/evil {A}.md"), b"# x".to_vec())]);
    assert!(matches!(
        refusal(&traversal, 1 << 30),
        ZipError::Traversal(_)
    ));
    let absolute = zip_bytes(&[(&format!("/tmp/evil {A}.md"), b"# x".to_vec())]);
    assert!(matches!(
        refusal(&absolute, 1 << 30),
        ZipError::Traversal(_)
    ));
    let windows = zip_bytes(&[(&format!("a\\..\\evil {A}.md"), b"# x".to_vec())]);
    assert!(matches!(refusal(&windows, 1 << 30), ZipError::Traversal(_)));
    // 8 MB of zeros compress to a few kB, past a 1 MB budget.
    let bomb = zip_bytes(&[(&format!("Bomb {A}.md"), vec![0u8; 8 << 20])]);
    assert!(bomb.len() < 100_000);
    assert!(matches!(refusal(&bomb, 1 << 20), ZipError::Bomb(_)));
    let nested_bomb = zip_bytes(&[("part.zip", bomb)]);
    assert!(matches!(refusal(&nested_bomb, 1 << 20), ZipError::Bomb(_)));
    let mut deep = zip_bytes(&markdown_export());
    for level in 0..4 {
        deep = zip_bytes(&[(&format!("level-{level}.zip"), deep)]);
    }
    assert!(matches!(refusal(&deep, 1 << 30), ZipError::Bomb(_)));
    assert!(matches!(
        refusal(b"\x89PNG\r\n\x1a\n", 1 << 30),
        ZipError::NotAZip
    ));
    assert!(matches!(refusal(b"", 1 << 30), ZipError::NotAZip));
    let no_pages = zip_bytes(&[("notes.txt", b"hello".to_vec())]);
    assert!(matches!(refusal(&no_pages, 1 << 30), ZipError::NoPages));
    let mut truncated = zip_bytes(&markdown_export());
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(refusal(&truncated, 1 << 30), ZipError::Corrupt(_)));
}
